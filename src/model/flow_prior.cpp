#include "model/flow_prior.h"

namespace vlae {

namespace {

constexpr double kLog2Pi = 1.8378770664093453;

// Shift and log-scale of one layer; the log-scale is kept in (-3, 3) so that exp(±α) stays finite.
std::pair<torch::Tensor, torch::Tensor> shift_scale(MADE& made, const torch::Tensor& h) {
  auto out = made->forward(h).chunk(2, -1);
  return {out[0], 3.0 * torch::tanh(out[1] / 3.0)};
}

}  // namespace

FlowPriorImpl::FlowPriorImpl(int64_t k, int64_t hidden, int64_t n) {
  for (int64_t l = 0; l < n; ++l) layers.push_back(register_module("made" + std::to_string(l), MADE(k, hidden, 2)));
}

std::pair<torch::Tensor, torch::Tensor> FlowPriorImpl::forward_flow(const torch::Tensor& z) {
  auto h = z;
  torch::Tensor log_det = torch::zeros_like(z);
  for (auto& made : layers) {
    const auto [mu, alpha] = shift_scale(made, h);
    h = (h - mu) * torch::exp(-alpha);
    log_det = log_det - alpha;
  }
  return {h, log_det.sum(-1)};
}

torch::Tensor FlowPriorImpl::log_prob_per_dim(const torch::Tensor& z) {
  auto h = z;
  torch::Tensor acc = -0.5 * kLog2Pi * torch::ones_like(z);
  for (auto& made : layers) {
    const auto [mu, alpha] = shift_scale(made, h);
    h = (h - mu) * torch::exp(-alpha);
    acc = acc - alpha;
  }
  return acc - 0.5 * h * h;
}

std::pair<torch::Tensor, torch::Tensor> FlowPriorImpl::conditional(const torch::Tensor& z, int64_t i) {
  // ε_i = a z_i + b given z_<i: compose each layer's affine map on dimension i, in float64.
  auto h = z;
  auto a = torch::ones({z.size(0)}, torch::TensorOptions().dtype(torch::kFloat64).device(z.device()));
  auto b = torch::zeros_like(a);
  for (auto& made : layers) {
    const auto [mu, alpha] = shift_scale(made, h);
    const auto scale = torch::exp(-alpha.select(1, i).to(torch::kFloat64));
    a = a * scale;
    b = (b - mu.select(1, i).to(torch::kFloat64)) * scale;
    h = (h - mu) * torch::exp(-alpha);
  }
  return {-b / a, 1.0 / a};
}

}  // namespace vlae
