// Observation models p(x|z) on decoder outputs `params` of shape [B, P, D] (P = 1 for Bernoulli
// logits, 2 for the discretized logistic's or Gaussian's mean and log-scale; D = pixels). Values in nats.
#pragma once
#include <torch/types.h>

#include "model/config.h"

namespace vlae {

int64_t likelihood_params(Likelihood l);  // P
// Channels the decoder network itself outputs per pixel: P, except the Gaussian's 1 (its mean; the
// log-scale is one learned scalar the decoder broadcasts).
int64_t likelihood_outputs(Likelihood l);

// log p(x|params) per image, [B] nats. x: [B, D] floats holding 0/1 (Bernoulli) or levels 0..255.
torch::Tensor log_likelihood(Likelihood l, const torch::Tensor& params, const torch::Tensor& x);
// The same as a composition of torch ops (any device; the logistic on CPU floats otherwise runs fused).
torch::Tensor log_likelihood_op_by_op(Likelihood l, const torch::Tensor& params, const torch::Tensor& x);

// The decoder mean on the data's scale ([0,1] probabilities or levels 0..255), [B, D].
torch::Tensor likelihood_mean(Likelihood l, const torch::Tensor& params);

// Discretized logistic on 256 levels, PixelCNN++ convention: level k sits at c_k = 2k/255 - 1 with
// bin [c_k - 1/255, c_k + 1/255]; the end bins extend to ±infinity. log_scale is clamped at this
// floor, in training and in coding alike. The discretized Gaussian uses the same bins and floor.
constexpr double kMinLogScale = -7.0;

}  // namespace vlae
