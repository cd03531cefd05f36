#include "model/likelihood.h"

#include <torch/nn/functional/activation.h>

namespace vlae {

namespace F = torch::nn::functional;

int64_t likelihood_params(Likelihood l) { return l == Likelihood::Bernoulli ? 1 : 2; }

namespace {
torch::Tensor discretized_logistic_log_prob(const torch::Tensor& mean, const torch::Tensor& log_scale_raw,
                                            const torch::Tensor& levels) {
  const auto log_scale = log_scale_raw.clamp_min(kMinLogScale);
  const auto x = levels * (2.0 / 255.0) - 1.0;
  const auto centered = x - mean;
  const auto inv_s = torch::exp(-log_scale);
  const auto plus_in = inv_s * (centered + 1.0 / 255.0);
  const auto min_in = inv_s * (centered - 1.0 / 255.0);
  const auto log_cdf_plus = plus_in - F::softplus(plus_in);  // log sigmoid(plus_in): level 0
  const auto log_one_minus_cdf_min = -F::softplus(min_in);   // log(1 - sigmoid(min_in)): level 255
  const auto cdf_delta = torch::sigmoid(plus_in) - torch::sigmoid(min_in);
  // Where the bin mass underflows float32, use the density at the centre times the bin width.
  const auto mid_in = inv_s * centered;
  const auto log_pdf_mid = mid_in - log_scale - 2.0 * F::softplus(mid_in);
  const auto log_mid =
      torch::where(cdf_delta > 1e-5, torch::log(cdf_delta.clamp_min(1e-12)), log_pdf_mid + std::log(2.0 / 255.0));
  return torch::where(levels < 0.5, log_cdf_plus, torch::where(levels > 254.5, log_one_minus_cdf_min, log_mid));
}
}  // namespace

torch::Tensor log_likelihood(Likelihood l, const torch::Tensor& params, const torch::Tensor& x) {
  if (l == Likelihood::Bernoulli) {
    const auto logits = params.select(1, 0);
    // log p = x*logit - softplus(logit)
    return (x * logits - F::softplus(logits)).sum(1);
  }
  return discretized_logistic_log_prob(params.select(1, 0), params.select(1, 1), x).sum(1);
}

torch::Tensor likelihood_mean(Likelihood l, const torch::Tensor& params) {
  if (l == Likelihood::Bernoulli) return torch::sigmoid(params.select(1, 0));
  return ((params.select(1, 0) + 1.0) * 127.5).clamp(0.0, 255.0);
}

}  // namespace vlae
