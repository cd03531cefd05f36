// Autoregressive-flow prior (VLAE's "AF prior"): ε = f(z) through L MAF layers
// h ← (h − μ(h_<i)) · exp(−α(h_<i)), μ and α from a MADE, all layers in the same order, ε ~ N(0, I).
// log p(z) = Σ_i [log N(ε_i) − Σ_l α_i^l]. Because every layer keeps the same order, ε_i is affine
// in z_i once z_<i is fixed, so p(z_i | z_<i) is an exact Gaussian: bits-back codes z dimension by
// dimension with buckets of equal mass under it.
#pragma once
#include <vector>

#include "model/made.h"
#include "model/prior.h"

namespace vlae {

struct FlowPriorImpl : PriorImpl {
  FlowPriorImpl(int64_t k, int64_t hidden, int64_t layers);
  torch::Tensor log_prob_per_dim(const torch::Tensor& z) override;
  std::pair<torch::Tensor, torch::Tensor> conditional(const torch::Tensor& z, int64_t i) override;
  // ε = f(z) and log |det ∂ε/∂z| per sample: ([..., K], [...]).
  std::pair<torch::Tensor, torch::Tensor> forward_flow(const torch::Tensor& z);

  std::vector<MADE> layers;
};

}  // namespace vlae
