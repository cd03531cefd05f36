#include "model/iaf.h"

namespace vlae {

IAFImpl::IAFImpl(int64_t k, int64_t hidden, int64_t context, int64_t n) {
  for (int64_t s = 0; s < n; ++s)
    steps.push_back(register_module("step" + std::to_string(s), MADE(k, hidden, 2, context, s % 2 == 1)));
}

std::pair<torch::Tensor, torch::Tensor> IAFImpl::forward(const torch::Tensor& z0, const torch::Tensor& features) {
  auto z = z0;
  auto log_sigma = torch::zeros_like(z0);
  for (auto& made : steps) {
    const auto out = made->forward(z, features).chunk(2, -1);
    // The +2 bias starts every step near the identity (σ ≈ 0.88), as in Kingma et al.
    const auto ls = torch::log_sigmoid(out[1] + 2.0);
    const auto sigma = torch::exp(ls);
    z = sigma * z + (1.0 - sigma) * out[0];
    log_sigma = log_sigma + ls;
  }
  return {z, log_sigma};
}

}  // namespace vlae
