// A diagonal Gaussian q(z|x) = N(mean, exp(log_var)): the encoder's output, in nats where it matters.
#pragma once
#include <torch/types.h>

namespace vlae {

struct DiagGaussian {
  torch::Tensor mean, log_var;  // [B, K]
  torch::Tensor std() const { return torch::exp(0.5 * log_var); }
  // mean + std * eps with eps ~ N(0, I) drawn here, or the given eps.
  torch::Tensor sample(const torch::Tensor& eps = {}) const {
    return mean + std() * (eps.defined() ? eps : torch::randn_like(mean));
  }
  // log N(z; mean, var) summed over dimensions: [B] nats. z may carry a leading sample axis [S, B, K].
  torch::Tensor log_prob(const torch::Tensor& z) const { return log_prob_per_dim(z).sum(-1); }
  torch::Tensor log_prob_per_dim(const torch::Tensor& z) const;  // [..., K] nats
};

// KL(N(mean, var) || N(0, 1)) per dimension: [B, K] nats.
torch::Tensor kl_to_standard_normal(const DiagGaussian& q);

// δ-VAE: the largest posterior std sigma_u < 1 such that every dimension pays at least
// delta = ½(σ_u² − ln σ_u² − 1) nats against N(0,1).
double delta_vae_max_std(double delta_nats);

}  // namespace vlae
