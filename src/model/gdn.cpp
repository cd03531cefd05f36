#include "model/gdn.h"

#include <torch/nn/functional/conv.h>

namespace vlae {

namespace {
constexpr double kBetaFloor = 1e-6;
constexpr double kGammaInit = 0.1;  // γ = 0.1 I: a gentle normalization at the start
}  // namespace

GDNImpl::GDNImpl(int64_t c, bool inv) : channels(c), inverse(inv) { reset(); }

void GDNImpl::reset() {
  beta_raw = register_parameter("beta_raw", torch::ones({channels}));
  gamma_raw = register_parameter("gamma_raw", torch::eye(channels) * std::sqrt(kGammaInit));
}

torch::Tensor GDNImpl::effective_beta() const { return beta_raw * beta_raw + kBetaFloor; }
torch::Tensor GDNImpl::effective_gamma() const { return gamma_raw * gamma_raw; }

torch::Tensor GDNImpl::forward(const torch::Tensor& x) {
  const auto norm = torch::nn::functional::conv2d(
      x * x, effective_gamma().view({channels, channels, 1, 1}),
      torch::nn::functional::Conv2dFuncOptions().bias(effective_beta()));
  return inverse ? x * torch::sqrt(norm) : x / torch::sqrt(norm);
}

}  // namespace vlae
