#include "model/prior.h"

#include <cmath>

#include "model/flow_prior.h"

namespace vlae {

namespace {
constexpr double kLog2Pi = 1.8378770664093453;
}

torch::Tensor PriorImpl::sample(int64_t n, int64_t k, const torch::Device& device) {
  auto z = torch::zeros({n, k}, torch::TensorOptions().device(device));
  for (int64_t i = 0; i < k; ++i) {
    auto prefix = z.clone();
    prefix.slice(1, i).zero_();
    const auto [mean, std] = conditional(prefix, i);
    z.select(1, i).copy_((mean + std * torch::randn_like(mean)).to(z.options()));
  }
  return z;
}

torch::Tensor StandardNormalPriorImpl::log_prob_per_dim(const torch::Tensor& z) { return -0.5 * (z * z + kLog2Pi); }

std::pair<torch::Tensor, torch::Tensor> StandardNormalPriorImpl::conditional(const torch::Tensor& z, int64_t) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64).device(z.device());
  return {torch::zeros({z.size(0)}, opts), torch::ones({z.size(0)}, opts)};
}

torch::Tensor AR1PriorImpl::log_prob_per_dim(const torch::Tensor& z) {
  const double v = 1.0 - alpha * alpha;
  const auto first = -0.5 * (z.narrow(-1, 0, 1).pow(2) + kLog2Pi);
  const int64_t k = z.size(-1);
  if (k == 1) return first;
  const auto d = z.narrow(-1, 1, k - 1) - alpha * z.narrow(-1, 0, k - 1);
  const auto rest = -0.5 * (d * d / v + std::log(v) + kLog2Pi);
  return torch::cat({first, rest}, -1);
}

torch::Tensor AR1PriorImpl::analytic_kl(const DiagGaussian& q) {
  const double v = 1.0 - alpha * alpha;
  const auto var = torch::exp(q.log_var);
  const int64_t k = q.mean.size(1);
  const auto first = 0.5 * (q.mean.narrow(1, 0, 1).pow(2) + var.narrow(1, 0, 1) - q.log_var.narrow(1, 0, 1) - 1.0);
  if (k == 1) return first;
  // E_q[(z_t - α z_{t-1})²] = (μ_t - α μ_{t-1})² + σ_t² + α² σ_{t-1}².
  const auto m = q.mean.narrow(1, 1, k - 1) - alpha * q.mean.narrow(1, 0, k - 1);
  const auto e2 = m * m + var.narrow(1, 1, k - 1) + alpha * alpha * var.narrow(1, 0, k - 1);
  const auto rest = 0.5 * (e2 / v + std::log(v) - q.log_var.narrow(1, 1, k - 1) - 1.0);
  return torch::cat({first, rest}, 1);
}

std::pair<torch::Tensor, torch::Tensor> AR1PriorImpl::conditional(const torch::Tensor& z, int64_t i) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64).device(z.device());
  if (i == 0) return {torch::zeros({z.size(0)}, opts), torch::ones({z.size(0)}, opts)};
  return {alpha * z.select(1, i - 1).to(torch::kFloat64), torch::full({z.size(0)}, std::sqrt(1.0 - alpha * alpha), opts)};
}

double ar1_committed_rate(double alpha, int64_t k) {
  if (k < 2) return 0.0;
  return 0.5 * ((k - 2) * std::log1p(alpha * alpha) - std::log1p(-alpha * alpha));
}

std::shared_ptr<PriorImpl> make_prior(const ModelConfig& c) {
  if (c.prior == "af") return std::make_shared<FlowPriorImpl>(c.latent_dim, c.flow_hidden, c.flow_layers);
  if (c.prior == "ar1") return std::make_shared<AR1PriorImpl>(c.ar1_alpha);
  return std::make_shared<StandardNormalPriorImpl>();
}

}  // namespace vlae
