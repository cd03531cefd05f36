#include "model/likelihood.h"

#include "model/fused_logistic.h"

#include <torch/nn/functional/activation.h>
#include <torch/special.h>

#include <cmath>
#include <stdexcept>

namespace vlae {

namespace F = torch::nn::functional;

int64_t likelihood_params(const ModelConfig& c) {
  switch (c.likelihood) {
    case Likelihood::Bernoulli: return 1;
    case Likelihood::LogisticMixture: return 3 * c.logistic_mixtures;
    default: return 2;
  }
}
int64_t likelihood_outputs(const ModelConfig& c) {
  if (c.likelihood == Likelihood::LogisticMixture) throw std::logic_error("logistic mixtures are for PixelCNN decoders");
  return c.likelihood == Likelihood::Logistic ? 2 : 1;
}

namespace {
torch::Tensor discretized_logistic_log_prob(const torch::Tensor& mean, const torch::Tensor& log_scale_raw,
                                            const torch::Tensor& levels) {
  const auto log_scale = log_scale_raw.clamp_min(kMinLogScale);
  const auto x = levels * kLevelStep - 1.0;
  const auto centered = x - mean;
  const auto inv_s = torch::exp(-log_scale);
  const auto plus_in = inv_s * (centered + kHalfBin);
  const auto min_in = inv_s * (centered - kHalfBin);
  const auto log_cdf_plus = plus_in - F::softplus(plus_in);  // log sigmoid(plus_in): level 0
  const auto log_one_minus_cdf_min = -F::softplus(min_in);   // log(1 - sigmoid(min_in)): level 255
  const auto cdf_delta = torch::sigmoid(plus_in) - torch::sigmoid(min_in);
  // Where the bin mass underflows float32, use the density at the centre times the bin width.
  const auto mid_in = inv_s * centered;
  const auto log_pdf_mid = mid_in - log_scale - 2.0 * F::softplus(mid_in);
  const auto log_mid =
      torch::where(cdf_delta > 1e-5, torch::log(cdf_delta.clamp_min(1e-12)), log_pdf_mid + std::log(kLevelStep));
  return torch::where(levels < 0.5, log_cdf_plus, torch::where(levels > 254.5, log_one_minus_cdf_min, log_mid));
}

// Same bins as the logistic. Bin masses come from erfc in whichever tail the bin lies, so a bin
// far from the mean keeps its relative precision; below 1e-5 the density at the centre is used.
torch::Tensor discretized_gaussian_log_prob(const torch::Tensor& mean, const torch::Tensor& log_scale_raw,
                                            const torch::Tensor& levels) {
  const auto log_scale = log_scale_raw.clamp_min(kMinLogScale);
  const auto centered = levels * kLevelStep - 1.0 - mean;
  const auto k = torch::exp(-log_scale) * M_SQRT1_2;  // 1 / (sigma sqrt 2)
  const auto hi = k * (centered + kHalfBin), lo = k * (centered - kHalfBin);
  // P(bin) = (erfc(lo) - erfc(hi)) / 2 above the mean, (erfc(-hi) - erfc(-lo)) / 2 below it.
  const auto upper = centered > 0;
  const auto mass = 0.5 * torch::where(upper, torch::erfc(lo) - torch::erfc(hi), torch::erfc(-hi) - torch::erfc(-lo));
  const auto mid = k * centered;
  const auto log_pdf_mid = -mid * mid - log_scale - 0.5 * std::log(2.0 * M_PI);
  const auto log_mid = torch::where(mass > 1e-5, torch::log(mass.clamp_min(1e-12)), log_pdf_mid + std::log(kLevelStep));
  // End bins reach to infinity: P(level 0) = Phi(sqrt2 hi), P(level 255) = Phi(-sqrt2 lo).
  const auto log_first = torch::special::log_ndtr(hi * M_SQRT2);
  const auto log_last = torch::special::log_ndtr(lo * -M_SQRT2);
  return torch::where(levels < 0.5, log_first, torch::where(levels > 254.5, log_last, log_mid));
}

// Mixture of M discretized logistics: params [B, 3M, D] -> log p per sub-pixel [B, D],
// log sum_m softmax(logits)_m P_m(bin).
torch::Tensor discretized_logistic_mixture_log_prob(const torch::Tensor& params, const torch::Tensor& levels) {
  const int64_t m = params.size(1) / 3;
  const auto log_w = torch::log_softmax(params.narrow(1, kMixtureLogits * m, m), 1);
  const auto lp = discretized_logistic_log_prob(params.narrow(1, kMixtureLocations * m, m),
                                                params.narrow(1, kMixtureLogScales * m, m), levels.unsqueeze(1));
  return torch::logsumexp(log_w + lp, 1);
}
}  // namespace

torch::Tensor log_likelihood(Likelihood l, const torch::Tensor& params, const torch::Tensor& x) {
  if (l == Likelihood::Logistic && fused_logistic_applies(params, x)) return fused_logistic_log_likelihood(params, x);
  return log_likelihood_op_by_op(l, params, x);
}

torch::Tensor log_likelihood_op_by_op(Likelihood l, const torch::Tensor& params, const torch::Tensor& x) {
  if (l == Likelihood::Bernoulli) {
    const auto logits = params.select(1, 0);
    // log p = x*logit - softplus(logit)
    return (x * logits - F::softplus(logits)).sum(1);
  }
  if (l == Likelihood::LogisticMixture) return discretized_logistic_mixture_log_prob(params, x).sum(1);
  if (l == Likelihood::Gaussian)
    return discretized_gaussian_log_prob(params.select(1, kLocation), params.select(1, kLogScale), x).sum(1);
  return discretized_logistic_log_prob(params.select(1, kLocation), params.select(1, kLogScale), x).sum(1);
}

torch::Tensor likelihood_mean(Likelihood l, const torch::Tensor& params) {
  if (l == Likelihood::Bernoulli) return torch::sigmoid(params.select(1, 0));
  if (l == Likelihood::LogisticMixture) {  // the mixture's mean: sum_m w_m mean_m (the end bins absorb the rest)
    const int64_t m = params.size(1) / 3;
    const auto w = torch::softmax(params.narrow(1, kMixtureLogits * m, m), 1);
    return (((w * params.narrow(1, kMixtureLocations * m, m)).sum(1) + 1.0) * kLevelsPerUnit).clamp(0.0, 255.0);
  }
  // Logistic and Gaussian: the location, clipped to the level range (the end bins absorb the rest).
  return ((params.select(1, kLocation) + 1.0) * kLevelsPerUnit).clamp(0.0, 255.0);
}

}  // namespace vlae
