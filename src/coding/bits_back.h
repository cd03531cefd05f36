// Bits-back coding with ANS (BB-ANS, Townsend et al. 2019) for a VAE, as a composition of codecs.
// One image, encoding:  pop z ~ q(z|x) (bits got back) -> push x under p(x|z) -> push z under p(z).
// Decoding runs the exact inverse in reverse order. Latents are coded dimension by dimension as one
// of 2^latent_bits buckets of equal mass under the prior's conditional p(z_j | z_<j) (N(0, 1) for
// the standard prior; a Gaussian computed from z_<j for the AR(1) and flow priors), fed to the
// decoder as the bucket's median; posterior bucket masses come from the Gaussian CDF at
// posterior_prec. Pixels are coded under p(x|z): all at once for a factorized decoder, in raster
// order (pushed last pixel first) for a PixelCNN, whose params for pixel j come from x_<j only. Images are split across `lanes` independent
// messages (image i on lane i % lanes) so the networks run on batches of one image per lane.
//
// Determinism: the decoder must recompute the encoder's integer frequencies exactly. Network passes
// run single-threaded on fixed batches, and frequencies are computed in double, symbol by symbol.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "coding/rans.h"
#include "data/images.h"
#include "model/vae.h"

namespace vlae {

struct BitsBackConfig {
  // p = 14, q = 24: a wide posterior's window spans all 2^p buckets, each with a floor frequency of
  // 1, so 2^(p-q) of its mass goes to arbitrary buckets; q - p = 10 keeps that at 0.1% while
  // buckets stay fine in the prior's tails. Measured against -ELBO on 2,000 test images
  // (docs/RESULTS.md): (12, 20) +0.68%, (14, 24) +0.20%, (16, 24) +0.73% on binarized MNIST.
  unsigned latent_bits = 14;     // p: 2^p buckets per latent dimension
  unsigned posterior_prec = 24;  // q
  unsigned obs_prec = 24;        // precision of the pixel codecs
  int64_t lanes = 8;
  uint64_t seed = 0;             // seeds the initial random words
};

// Ideal costs accumulated while coding, in bits (sums over all images).
struct BitsBackStats {
  double x_bits = 0;        // pushes of x under p(x|z)
  double z_prior_bits = 0;  // pushes of z under p(z)
  double bits_back = 0;     // pops of z under q(z|x)
  uint64_t initial_bits = 0;  // random state and words drawn to seed the messages
  double naive_bits() const { return x_bits + z_prior_bits; }
  double net_bits() const { return naive_bits() - bits_back; }
};

using StepCallback = std::function<void(int64_t images_done)>;

std::vector<rans::Message> bits_back_encode(VAE& model, const Images& x, const BitsBackConfig& cfg,
                                            BitsBackStats* stats, const StepCallback& on_step = {});

// Decodes `count` images of the model's size; throws rans::DecodeError on a corrupt stream.
Images bits_back_decode(VAE& model, std::vector<rans::Message> lanes, int64_t count, const BitsBackConfig& cfg,
                        const StepCallback& on_step = {});

}  // namespace vlae
