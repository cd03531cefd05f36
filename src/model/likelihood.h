// Observation models p(x|z) on decoder outputs `params` of shape [B, P, D] (P = 1 for Bernoulli
// logits, 2 for the discretized logistic's or Gaussian's mean and log-scale, 3M for a mixture of M
// logistics: M weight logits, M means, M log-scales; D = pixels). Values in nats.
#pragma once
#include <torch/types.h>

#include "model/config.h"
#include "model/discretization.h"

namespace vlae {

int64_t likelihood_params(const ModelConfig& c);  // P
// Channels a factorized decoder network itself outputs per pixel: P, except the Gaussian's 1 (its
// mean; the log-scale is one learned scalar the decoder broadcasts).
int64_t likelihood_outputs(const ModelConfig& c);

// log p(x|params) per image, [B] nats. x: [B, D] floats holding 0/1 (Bernoulli) or levels 0..255.
torch::Tensor log_likelihood(Likelihood l, const torch::Tensor& params, const torch::Tensor& x);
// The same as a composition of torch ops (any device; the logistic on CPU floats otherwise runs fused).
torch::Tensor log_likelihood_op_by_op(Likelihood l, const torch::Tensor& params, const torch::Tensor& x);

// The decoder mean on the data's scale ([0,1] probabilities or levels 0..255), [B, D].
torch::Tensor likelihood_mean(Likelihood l, const torch::Tensor& params);

// The 8-bit likelihoods' bins, param layout and log-scale floor: model/discretization.h.

}  // namespace vlae
