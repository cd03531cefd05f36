// Inverse autoregressive flow posterior (Kingma et al. 2016): z_0 ~ N(mean, var) from the encoder,
// then per step z ← σ ⊙ z + (1 − σ) ⊙ m with (m, σ) from a MADE on z and the encoder's features,
// alternating the order between steps. log q(z_T|x) = log N(z_0) − Σ_steps Σ_i log σ_i.
#pragma once
#include <vector>

#include "model/made.h"

namespace vlae {

struct IAFImpl : torch::nn::Module {
  IAFImpl(int64_t k, int64_t hidden, int64_t context, int64_t steps);
  // z0 [..., K], features [..., context] -> (z_T [..., K], Σ_steps log σ [..., K]).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& z0, const torch::Tensor& features);
  std::vector<MADE> steps;
};
TORCH_MODULE(IAF);

}  // namespace vlae
