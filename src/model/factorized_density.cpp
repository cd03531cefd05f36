#include "model/factorized_density.h"

#include <torch/nn/functional/activation.h>

#include <cmath>

namespace vlae {

namespace F = torch::nn::functional;

namespace {
constexpr int64_t kWidths[] = {1, 3, 3, 3, 1};
constexpr int64_t kLayers = 4;
constexpr double kInitScale = 10.0;  // Ballé's init: the density starts as a wide bump
constexpr double kMinProbability = 1e-9;
}  // namespace

FactorizedDensityImpl::FactorizedDensityImpl(int64_t c) : channels(c) {
  // Initialised so that the composed map is roughly v / kInitScale: a density of width ~10.
  const double scale = std::pow(kInitScale, 1.0 / kLayers);
  for (int64_t k = 0; k < kLayers; ++k) {
    const int64_t in = kWidths[k], out = kWidths[k + 1];
    const double init = std::log(std::expm1(1.0 / scale / static_cast<double>(in)));  // softplus^-1
    matrices.push_back(register_parameter("matrix" + std::to_string(k), torch::full({c, out, in}, init)));
    biases.push_back(register_parameter("bias" + std::to_string(k), torch::rand({c, out, 1}) - 0.5));
    if (k + 1 < kLayers) factors.push_back(register_parameter("factor" + std::to_string(k), torch::zeros({c, out, 1})));
  }
}

torch::Tensor FactorizedDensityImpl::logits(const torch::Tensor& v) const {
  auto h = v.unsqueeze(1);  // [C, 1, N]
  for (int64_t k = 0; k < kLayers; ++k) {
    h = torch::matmul(F::softplus(matrices[k]), h) + biases[k];
    if (k + 1 < kLayers) h = h + torch::tanh(factors[k]) * torch::tanh(h);
  }
  return h.squeeze(1);
}

torch::Tensor bin_probability(const torch::Tensor& logit_lo, const torch::Tensor& logit_hi) {
  // Above the median both sigmoids are near 1: use 1 - c on the flipped logits instead.
  const auto sign = -torch::sign(logit_lo + logit_hi).detach();
  return torch::abs(torch::sigmoid(sign * logit_hi) - torch::sigmoid(sign * logit_lo));
}

torch::Tensor FactorizedDensityImpl::bin_nats(const torch::Tensor& v) const {
  const int64_t b = v.size(0);
  const auto rows = v.transpose(0, 1).reshape({channels, -1});  // [C, B*H*W]
  const auto p = bin_probability(logits(rows - 0.5), logits(rows + 0.5));
  const auto nats = -torch::log(p.clamp_min(kMinProbability));
  return nats.reshape({channels, b, v.size(2), v.size(3)}).transpose(0, 1);
}

}  // namespace vlae
