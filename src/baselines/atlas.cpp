#include "baselines/atlas.h"

#include <cmath>
#include <cstring>

namespace vlae {

Atlas make_atlas(const Images& x, const std::vector<uint8_t>& levels) {
  Atlas a;
  a.cols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(x.count))));
  a.rows = (x.count + a.cols - 1) / a.cols;
  a.height = a.rows * x.height;
  a.width = a.cols * x.width;
  a.channels = x.channels;
  a.pixels.assign(static_cast<size_t>(a.channels * a.height * a.width), 0);
  const int64_t plane = a.height * a.width;
  for (int64_t i = 0; i < x.count; ++i)
    for (int64_t c = 0; c < x.channels; ++c)
      for (int64_t r = 0; r < x.height; ++r)
        std::memcpy(a.pixels.data() + c * plane + ((i / a.cols) * x.height + r) * a.width + (i % a.cols) * x.width,
                    levels.data() + i * x.dims() + (c * x.height + r) * x.width, static_cast<size_t>(x.width));
  return a;
}

void atlas_cell(const Atlas& a, const std::vector<uint8_t>& decoded, const Images& x, int64_t i, uint8_t* out) {
  const int64_t plane = a.height * a.width;
  for (int64_t c = 0; c < x.channels; ++c)
    for (int64_t r = 0; r < x.height; ++r)
      std::memcpy(out + (c * x.height + r) * x.width,
                  decoded.data() + c * plane + ((i / a.cols) * x.height + r) * a.width + (i % a.cols) * x.width,
                  static_cast<size_t>(x.width));
}

}  // namespace vlae
