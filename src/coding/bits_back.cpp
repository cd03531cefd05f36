#include "coding/bits_back.h"

#include <algorithm>
#include <memory>

#include "coding/lane_steps.h"

namespace vlae {

namespace {

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

auto vae_bits_back(const VAECodecs& v, BitsBackStats* stats) {
  return bits_back(
      v.prior(), [&v](const Latents& z) { return v.likelihood(z); }, [&v](const Images& x) { return v.posterior(x); },
      stats);
}

}  // namespace

std::vector<rans::Message> bits_back_encode(VAE& model, const Images& x, const BitsBackConfig& cfg,
                                            BitsBackStats* stats, const StepCallback& on_step) {
  const VAECodecs v(model, cfg);
  BitsBackStats st;
  const auto codec = vae_bits_back(v, &st);
  const int64_t lanes = std::max<int64_t>(1, std::min<int64_t>(cfg.lanes, x.count));
  std::vector<rans::Message> msgs(lanes);
  for (int64_t l = 0; l < lanes; ++l) {
    // Initial bits: a random 63-bit state in [L, 2^63) and random words on demand, so the first
    // posterior pops sample properly. They are counted and excluded from the net rate.
    auto seed = std::make_shared<uint64_t>(cfg.seed * 0x100000001b3ull + static_cast<uint64_t>(l));
    msgs[l].state = (splitmix64(*seed) >> 1) | rans::kLower;
    msgs[l].source = [seed] { return static_cast<uint32_t>(splitmix64(*seed)); };
  }
  const codec::Lanes all{msgs.data(), lanes};
  const int64_t steps = (x.count + lanes - 1) / lanes;
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t b = lanes_at(t, lanes, x.count);
    codec.push(all.substack(0, b), slice(x, t * lanes, b));
    if (on_step) on_step(t * lanes + b);
  }
  for (auto& m : msgs) {
    st.initial_bits += 64 + 32 * m.words_drawn;
    m.source = nullptr;
  }
  if (stats) *stats = st;
  return msgs;
}

Images bits_back_decode(VAE& model, std::vector<rans::Message> msgs, int64_t count, const BitsBackConfig& cfg,
                        const StepCallback& on_step) {
  const VAECodecs v(model, cfg);
  const auto codec = vae_bits_back(v, nullptr);
  Images out = v.empty_images(count);
  const int64_t lanes = static_cast<int64_t>(msgs.size());
  const codec::Lanes all{msgs.data(), lanes};
  const int64_t steps = (count + lanes - 1) / lanes;
  int64_t done = 0;
  for (int64_t t = steps - 1; t >= 0; --t) {
    const int64_t b = lanes_at(t, lanes, count);
    const Images x = codec.pop(all.substack(0, b)).symbol;
    std::copy(x.pixels.begin(), x.pixels.end(), out.image(t * lanes));
    done += b;
    if (on_step) on_step(done);
  }
  return out;
}

}  // namespace vlae
