// Ballé et al. 2018's factorized density (appendix 6.1): one learned univariate density per
// channel, its CDF c(v) = sigmoid(f_K(... f_1(v))) a composition of elementwise-monotone maps
//   f_k(v) = g_k(softplus(H_k) v + b_k),  g_k(u) = u + tanh(a_k) ⊙ tanh(u)   (g_K = identity),
// widths 1 -> 3 -> 3 -> 3 -> 1. Monotone in v because every softplus(H) is positive and
// tanh(a) > -1. A latent's training density is c convolved with the unit uniform (the noisy latent
// v + u), so P(bin around v) = c(v + 1/2) - c(v - 1/2): the same function codes round(v).
#pragma once
#include <torch/nn/module.h>
#include <torch/types.h>

#include <vector>

namespace vlae {

struct FactorizedDensityImpl : torch::nn::Module {
  explicit FactorizedDensityImpl(int64_t channels);
  // CDF logits f_K(...f_1(v)) for v [C, N] (one row per channel): [C, N].
  torch::Tensor logits(const torch::Tensor& v) const;
  // -log P(bin of width 1 around v) in nats for v [B, C, H, W], floored at 1e-9: [B, C, H, W].
  torch::Tensor bin_nats(const torch::Tensor& v) const;

  int64_t channels;
  std::vector<torch::Tensor> matrices, biases, factors;  // per layer k: [C, d_{k+1}, d_k], [C, d_{k+1}, 1], [C, d_{k+1}, 1]
};
TORCH_MODULE(FactorizedDensity);

// P(bin) = c(hi) - c(lo) from CDF logits, computed on the side of the median where the sigmoids are
// far from 1 (the difference keeps its relative precision in both tails).
torch::Tensor bin_probability(const torch::Tensor& logit_lo, const torch::Tensor& logit_hi);

}  // namespace vlae
