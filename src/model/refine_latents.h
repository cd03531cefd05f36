// Encoder-side inference for the transform coders (Yang, Bamler & Mandt 2020, "Improving inference
// for neural image compression"). The analysis transform's y = g_a(x) and z = h_a(y) are an
// amortized guess, and the sender may send any latents (coding/transform_codec.h), so for each image
// the encoder lowers the very objective the model was trained for,
//   L(x) = distortion + β · rate  (nats: -log p(x | ŷ) and -log P(ŷ, ẑ)),
// at the rounded latents the file carries. Rounding has no gradient, so it is relaxed by stochastic
// Gumbel annealing (SGA): each latent v becomes a random mix of ⌊v⌋ and ⌈v⌉, weights a softmax of
// -atanh(distance)/τ with Gumbel noise, and τ falls from 0.5 towards 0 over the steps, so the relaxed
// objective ends at the rounded one. (The hyperprior rounds ẑ, then ŷ - μ(ẑ), as the codec does.)
// Each image keeps the best of its rounded iterates (checked every few steps), or the analysis
// transform's latents where none is below them, so refinement never makes an image's code worse by
// the model's own measure. The model and the decoder are untouched: a refined file decodes with the
// same model, bit-exactly.
#pragma once
#include <cstdint>

#include <torch/types.h>

#include "model/transform_coder.h"

namespace vlae {

struct RefineOptions {
  int64_t steps = 0;   // Adam steps per batch of images (0: send the analysis transform's latents)
  double lr = 0.005;   // Adam's step on the latents (bin widths); 0.05 diverged on Fashion-MNIST (RESULTS)
  double beta = 1.0;   // the rate weight of L: the run's training β
  uint64_t seed = 1;   // the Gumbel noise
};

// Throws InputError naming --refine-steps or --refine-lr for options refine_latents cannot run with.
void check_refine_options(const RefineOptions& o);

struct RefinedLatents {
  torch::Tensor y, z;                    // [B, M, h, w] and (hyperprior) [B, N, h', w']; z undefined otherwise
  double objective_before_nats = 0;      // Σ over the images of the rounded L at g_a's latents
  double objective_after_nats = 0;       // ... at the latents returned
  int64_t images_improved = 0;           // images sent with refined latents (a rounded iterate below g_a's)
};

// The analysis transform's latents of x ([B, D] levels 0..255), refined for o.steps steps.
RefinedLatents refine_latents(TransformCoderImpl& t, const torch::Tensor& x, const RefineOptions& o);

}  // namespace vlae
