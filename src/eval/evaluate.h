// Evaluation with the papers' definitions. Per image, in nats unless the name says otherwise:
// ELBO = -(distortion + rate); -ELBO in bits/dim; IWAE NLL with K importance samples (Burda et al.);
// active units (Cov_x E_q[z_u] > 0.01); I(X;Z) under the aggregate posterior and
// KL(q(z) || p(z)), with mean KL = I + marginal KL (Hoffman & Johnson 2016).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "data/images.h"
#include "model/vae.h"

namespace vlae {

struct EvalOptions {
  int64_t iwae_samples = 1000;  // 0: skip IWAE
  int64_t elbo_samples = 1;     // posterior samples averaged in the distortion (and MC rate) estimate
  int64_t batch = 250;
  int64_t mi_images = 10000;    // images used for I(X;Z) (cost grows as N^2)
  bool progress = false;
  uint64_t seed = 1234;
  // Several processes (the caller's process group, train/distributed.h): rank r scores batches
  // r, r + world, ...; allreduce_sum sums tensors over the ranks in place, after which every rank
  // holds the whole result. Each batch is then seeded from (seed, batch), so the Monte-Carlo draws
  // do not depend on the world size (they differ from one process's single stream).
  int rank = 0, world = 1;
  std::function<void(std::vector<torch::Tensor>)> allreduce_sum;
};

struct EvalResult {
  int64_t images = 0, dims = 0;
  double distortion = 0, rate = 0, elbo = 0, neg_elbo_bits_per_dim = 0;
  double iwae_nll = 0;
  int64_t iwae_samples = 0;
  std::vector<double> kl_per_dim;
  int64_t active_units = 0;
  double mutual_info = 0, marginal_kl = 0, mi_upper_bound = 0;  // mi_upper_bound = log N
  bool pixel_metrics = false;  // 8-bit data: MSE and PSNR of the decoder mean at z = posterior mean
  double mse = 0, psnr_db = 0;
};

EvalResult evaluate(VAE& model, const Images& x, const EvalOptions& opt);
nlohmann::json to_json(const EvalResult& r);

// I(X;Z) estimate from posteriors: mean_n [log q(z_n|x_n) - log (1/N) sum_m q(z_n|x_m)], z_n ~ q(z|x_n).
// Bounded above by log N by construction.
double mutual_information(const DiagGaussian& q);
// Active units: dimensions whose posterior mean varies across x by more than `threshold`.
constexpr double kActiveUnitThreshold = 0.01;  // Burda et al. 2016
int64_t active_units(const torch::Tensor& posterior_means, double threshold = kActiveUnitThreshold);
// log (1/S) sum_s exp(w_s) per image, streamed over chunks: [S, B] -> [B].
torch::Tensor log_mean_exp(const torch::Tensor& log_w);

}  // namespace vlae
