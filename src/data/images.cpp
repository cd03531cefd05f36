#include "data/images.h"

#include <algorithm>

#include "util/hash.h"

namespace vlae {

Images Images::first(int64_t n) const {
  Images out = *this;
  out.count = std::min<int64_t>(n, count);
  out.pixels.resize(static_cast<size_t>(out.count * dims()));
  if (!out.names.empty()) out.names.resize(static_cast<size_t>(out.count));
  return out;
}

std::string describe_size(int64_t channels, int64_t height, int64_t width) {
  return std::to_string(width) + "x" + std::to_string(height) + (channels == 3 ? " RGB" : channels == 1 ? "" : " x" + std::to_string(channels));
}
std::string describe_size(const Images& x) { return describe_size(x.channels, x.height, x.width); }

void planar_to_interleaved(const uint8_t* planar, int64_t channels, int64_t plane, uint8_t* interleaved) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < plane; ++i) interleaved[i * channels + c] = planar[c * plane + i];
}
void interleaved_to_planar(const uint8_t* interleaved, int64_t channels, int64_t plane, uint8_t* planar) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < plane; ++i) planar[c * plane + i] = interleaved[i * channels + c];
}

const uint8_t* interleaved(const uint8_t* planar, int64_t channels, int64_t plane, std::vector<uint8_t>& buffer) {
  if (channels == 1) return planar;
  buffer.resize(static_cast<size_t>(channels * plane));
  planar_to_interleaved(planar, channels, plane, buffer.data());
  return buffer.data();
}

namespace {
uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

Images binarize_static(const Images& x) {
  if (x.binary) return x;
  Images out = x;
  out.binary = true;
  const int64_t d = x.dims();
  for (int64_t i = 0; i < x.count; ++i) {
    uint64_t state = fnv1a(x.image(i), static_cast<size_t>(d)) ^ 0x766c6165ull;  // "vlae"
    uint8_t* o = out.image(i);
    const uint8_t* in = x.image(i);
    for (int64_t j = 0; j < d; ++j) {
      const uint64_t u24 = splitmix64(state) >> 40;  // uniform in [0, 2^24)
      o[j] = (u24 * 255u < static_cast<uint64_t>(in[j]) << 24) ? 1 : 0;
    }
  }
  return out;
}

}  // namespace vlae
