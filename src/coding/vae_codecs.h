// The VAE's side of bits-back coding: the three codecs BB-ANS composes, built from the model's
// networks. This is the one file of the coder that names model members; bits_back.cpp sees only
// codecs. Every codec works on a step's lanes, one image per lane, so each network runs once per
// step on a batch of one image per lane.
//   prior()        p(z):   z_j as one of 2^latent_bits buckets of equal mass under the prior's
//                          conditional p(z_j | z_<j) (so uniform over buckets); a popped z also gets
//                          the values the decoder sees, the buckets' medians, through the conditionals.
//   likelihood(z)  p(x|z): pixels under the decoder's params; factorized decoders code them as a
//                          sequence, a PixelCNN autoregressively in raster order (params of pixel j
//                          from x_<j and z).
//   posterior(x)   q(z|x): z_j's bucket under the Gaussian posterior, in the units of the prior's
//                          conditional, dimension by dimension (the buckets of j depend on z_<j).
// Determinism: a decoder must recompute the encoder's integer frequencies exactly, on any machine.
// Every network runs on vlae's deterministic kernels (engine/), and frequencies are computed in
// double with vlae's own elementary functions (util/det_math.h), symbol by symbol.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "coding/adaptive_expert.h"
#include "coding/combinators.h"
#include "coding/gaussian.h"
#include "coding/tape.h"
#include "data/images.h"
#include "model/vae.h"

namespace vlae {

// Precisions of bits-back coding; the file header stores them.
struct BitsBackConfig {
  // p = 14, q = 24: a wide posterior's window spans all 2^p buckets, each with a floor frequency of
  // 1, so 2^(p-q) of its mass goes to arbitrary buckets; q - p = 10 keeps that at 0.1% while
  // buckets stay fine in the prior's tails (the choice is measured in docs/RESULTS.md).
  unsigned latent_bits = 14;     // p: 2^p buckets per latent dimension
  unsigned posterior_prec = 24;  // q
  unsigned obs_prec = 24;        // precision of the pixel codecs
  int64_t lanes = 8;
  uint64_t seed = 0;             // seeds the initial random words
  // How each lane's first image is coded (bits_back.h, LaneStart); empty: whichever makes the lane's
  // message smaller, lane by lane.
  std::optional<uint8_t> lane_start;
  uint32_t importance_samples = 1;  // K coupled posterior samples per image (1: plain bits-back)
  // A PixelCNN-family decoder's 8-bit levels mixed with an adaptive expert (coding/adaptive_expert.h).
  codec::ExpertMixing expert = codec::ExpertMixing::None;
};

// Ideal costs accumulated while coding, in bits (sums over all images).
struct BitsBackStats {
  double x_bits = 0;        // pushes of x under p(x|z)
  double z_prior_bits = 0;  // pushes of z under p(z)
  double bits_back = 0;     // pops of z under q(z|x), less what importance sampling pushes back
  uint64_t initial_bits = 0;  // random state and words drawn to seed the messages
  int64_t median_starts = 0;  // lanes whose first image was coded under p(x | z_median)
  double naive_bits() const { return x_bits + z_prior_bits; }
  double net_bits() const { return naive_bits() - bits_back; }
};

// A step's latents: bucket[j][l] for dimension j of lane l, and the values the networks see,
// value[l * K + j].
struct Latents {
  std::vector<codec::LaneSymbols> bucket;
  std::vector<float> value;
};

class PriorConditionals;

class VAECodecs {
 public:
  VAECodecs(VAE& model, const BitsBackConfig& cfg);
  ~VAECodecs();

  struct Prior {
    const VAECodecs& v;
    double push(codec::Lanes m, const Latents& z) const;
    codec::Coded<Latents> pop(codec::Lanes m) const;
  };
  struct Likelihood {
    const VAECodecs& v;
    const Latents& z;
    double push(codec::Lanes m, const Images& x) const;
    codec::Coded<Images> pop(codec::Lanes m) const;
  };
  struct Posterior {
    const VAECodecs& v;
    std::vector<double> mean, std;  // q(z|x) of each lane, [lanes * K]
    double push(codec::Lanes m, const Latents& z) const;
    codec::Coded<Latents> pop(codec::Lanes m) const;
  };

  // Bits-back with K coupled importance samples of q(z|x) (importance_codecs.cpp; BB-IS, Ruan et
  // al. 2021): its net cost is -log2 of the importance-weighted estimate of p(x), which tightens the
  // ELBO towards -log p(x) as K grows. `stats` (optional) sums its costs apart.
  struct Importance {
    const VAECodecs& v;
    uint32_t samples;  // K, a power of two, at least 2
    BitsBackStats* stats;
    // The most a step's recorded pushes of x may hold (importance_codecs.cpp); a step past it runs
    // the chosen samples' decoder again instead. The file is the same either way.
    int64_t tape_bytes = int64_t{256} << 20;
    double push(codec::Lanes m, const Images& x) const;
    codec::Coded<Images> pop(codec::Lanes m) const;
  };

  Prior prior() const { return {*this}; }
  Importance importance(uint32_t samples, BitsBackStats* stats = nullptr) const { return {*this, samples, stats}; }
  // Image i's pushes under p(x | z[i]) recorded (coding/tape.h): tape i's bits are its cost as the
  // likelihood codec codes it, and replaying it onto a message makes likelihood(z).push's pushes.
  // keep = false sums the costs alone.
  // lane_of (optional): image i of x is of lane lane_of[i] of the step (its expert's memory).
  std::vector<codec::Tape> likelihood_tapes(const Latents& z, const Images& x, bool keep,
                                            const std::vector<int64_t>* lane_of = nullptr) const;
  Likelihood likelihood(const Latents& z) const { return {*this, z}; }
  Posterior posterior(const Images& x) const;
  // A latent both sides know without coding it: z_j at the middle bucket of p(z_j | z_<j), dimension
  // by dimension (0 under an N(0, I) prior), the same on each of `lanes` lanes.
  Latents prior_median(int64_t lanes) const;

  // The adaptive expert's memory along a lane (coding/adaptive_expert.h), for a rule that carries one:
  // the chain sets each lane's before a step (per lane of the step, in order; empty: afresh), and
  // remember gives what a lane's next image starts from after `image` (its levels alone).
  // take_expert_memory gives, per lane, what the last likelihood pop's image left: the same as
  // remember of the popped image, without running the expert again (moved out; empty when the rule
  // carries nothing).
  bool expert_carries() const;
  void set_expert_memory(std::vector<codec::ExpertMemory> per_lane) const;
  codec::ExpertMemory remember(const codec::ExpertMemory& before, const uint8_t* image) const;
  std::vector<codec::ExpertMemory> take_expert_memory() const;

  // The images this model codes: size and pixel kind.
  Images empty_images(int64_t count) const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vlae
