// The state behind VAECodecs (vae_codecs.h), shared by the files that build its codecs
// (vae_codecs.cpp, importance_codecs.cpp); nothing else includes it.
#pragma once
#include <vector>

#include "coding/gaussian.h"
#include "coding/vae_codecs.h"
#include "engine/vae_engine.h"

namespace vlae {

// p(z_j | z_<j) = N(mean, std^2) for each lane, from z values [lanes * K] of which dims >= j are
// never read (engine/vae_engine.h), so encoder and decoder see the same conditionals.
class PriorConditionals {
 public:
  explicit PriorConditionals(const engine::VAEEngine& e) : engine_(e) {}
  void at(const std::vector<float>& z, int64_t lanes, int64_t j) {
    mean.resize(static_cast<size_t>(lanes));
    std.resize(static_cast<size_t>(lanes));
    engine_.prior_conditional(z.data(), lanes, j, mean.data(), std.data());
  }
  // The value the decoder sees for bucket `b` of lane l: the bucket's median under the conditional.
  float value(const codec::LatentBuckets& buckets, int64_t l, uint32_t b) const {
    return static_cast<float>(mean[l] + std[l] * static_cast<double>(buckets.centres[b]));
  }
  std::vector<double> mean, std;  // of the last `at`, per lane

 private:
  const engine::VAEEngine& engine_;
};

struct VAECodecs::State {
  VAE& model;
  BitsBackConfig cfg;
  codec::LatentBuckets buckets;
  engine::VAEEngine engine;
  mutable PriorConditionals cond;
  int64_t k, d;
  codec::ExpertConstants expert;  // cfg.expert's rule
  // The expert's memory each lane of the coming step starts from (VAECodecs::set_expert_memory);
  // empty: every image starts afresh.
  mutable std::vector<codec::ExpertMemory> expert_memory;
  // What each lane's expert left after the last likelihood pop's image (VAECodecs::take_expert_memory),
  // kept apart from expert_memory, which that step's other codecs still read.
  mutable std::vector<codec::ExpertMemory> expert_memory_after;
  State(VAE& m, const BitsBackConfig& c)
      : model(m), cfg(c), buckets(c.latent_bits), engine(m), cond(engine), k(m->config.latent_dim),
        d(m->config.dims()), expert(codec::expert_constants(c.expert)) {}
  // Lane l's expert over its image at the coming step.
  codec::AdaptiveExpert expert_at(int64_t l) const {
    const auto& c = model->config;
    return codec::AdaptiveExpert(c.image_channels, c.height, c.width, expert,
                                 expert_memory.empty() ? nullptr : &expert_memory.at(static_cast<size_t>(l)));
  }

  // Latent values dimension by dimension: at j, the conditional from z_<j, then bucket_of(j) -> the
  // lanes' buckets of dimension j, whose values fill z[l * K + j].
  template <class BucketOf>
  void scan_latents(int64_t lanes, std::vector<float>& z, BucketOf bucket_of) const {
    z.assign(static_cast<size_t>(lanes * k), 0.0f);
    for (int64_t j = 0; j < k; ++j) {
      cond.at(z, lanes, j);
      const codec::LaneSymbols& b = bucket_of(j);
      for (int64_t l = 0; l < lanes; ++l) z[l * k + j] = cond.value(buckets, l, b[l]);
    }
  }
};

}  // namespace vlae
