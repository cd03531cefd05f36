// Prior p(z). An interface so a later prior (an autoregressive flow) slots in; the rate is
// analytic when the prior allows it and Monte-Carlo otherwise.
#pragma once
#include <torch/nn/module.h>

#include "model/posterior.h"

namespace vlae {

struct PriorImpl : torch::nn::Module {
  // log p(z), [..., K] -> [...] nats.
  virtual torch::Tensor log_prob(const torch::Tensor& z) = 0;
  // KL(q || p) per dimension [B, K] in nats if closed-form, else an undefined tensor.
  virtual torch::Tensor analytic_kl(const DiagGaussian& q) = 0;
};

struct StandardNormalPriorImpl : PriorImpl {
  torch::Tensor log_prob(const torch::Tensor& z) override;
  torch::Tensor analytic_kl(const DiagGaussian& q) override { return kl_to_standard_normal(q); }
};

}  // namespace vlae
