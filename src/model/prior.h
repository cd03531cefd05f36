// Prior p(z). Every prior here factors as Π_i p(z_i | z_<i) with Gaussian conditionals, which is
// what bits-back coding needs (buckets of equal mass under each conditional). The rate is analytic
// when the prior allows it and Monte-Carlo otherwise.
#pragma once
#include <memory>
#include <utility>

#include <torch/nn/module.h>

#include "model/config.h"
#include "model/posterior.h"

namespace vlae {

struct PriorImpl : torch::nn::Module {
  // log p(z_i | z_<i) per dimension, [..., K] -> [..., K] nats; summed it is log p(z).
  virtual torch::Tensor log_prob_per_dim(const torch::Tensor& z) = 0;
  torch::Tensor log_prob(const torch::Tensor& z) { return log_prob_per_dim(z).sum(-1); }
  // KL(q || p) split over dimensions [B, K] in nats if closed-form, else an undefined tensor.
  virtual torch::Tensor analytic_kl(const DiagGaussian&) { return {}; }
  // p(z_i | z_<i) = N(mean, std^2), each [B], float64. Entries i.. of z ([B, K]) must be 0: callers
  // zero them so that the result is bitwise the same whatever z holds there (coding relies on it).
  virtual std::pair<torch::Tensor, torch::Tensor> conditional(const torch::Tensor& z, int64_t i) = 0;
  // True when every conditional is N(0, 1) (coding then skips the network).
  virtual bool standard_normal() const { return false; }
  // n samples [n, K], dimension by dimension through the conditionals.
  torch::Tensor sample(int64_t n, int64_t k, const torch::Device& device);
};

struct StandardNormalPriorImpl : PriorImpl {
  torch::Tensor log_prob_per_dim(const torch::Tensor& z) override;
  torch::Tensor analytic_kl(const DiagGaussian& q) override { return kl_to_standard_normal(q); }
  std::pair<torch::Tensor, torch::Tensor> conditional(const torch::Tensor& z, int64_t i) override;
  bool standard_normal() const override { return true; }
};

// AR(1): z_0 ~ N(0, 1), z_t | z_{t-1} ~ N(α z_{t-1}, 1 - α²): unit marginals, correlated
// neighbours. A factorized posterior cannot match the correlation, so every model pays at least
// ar1_committed_rate(α, K) nats (δ-VAE, Razavi et al. 2019, sequential form).
struct AR1PriorImpl : PriorImpl {
  explicit AR1PriorImpl(double alpha) : alpha(alpha) {}
  torch::Tensor log_prob_per_dim(const torch::Tensor& z) override;
  // Term t: E_q[log q(z_t) - log p(z_t | z_{t-1})] >= 0; the terms sum to KL(q || p) exactly.
  torch::Tensor analytic_kl(const DiagGaussian& q) override;
  std::pair<torch::Tensor, torch::Tensor> conditional(const torch::Tensor& z, int64_t i) override;
  double alpha;
};

// min over factorized Gaussian q of KL(q || AR(1) prior) in nats: ½[(K-2) ln(1+α²) - ln(1-α²)].
double ar1_committed_rate(double alpha, int64_t k);

std::shared_ptr<PriorImpl> make_prior(const ModelConfig& c);

}  // namespace vlae
