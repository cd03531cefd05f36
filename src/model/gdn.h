// Generalized divisive normalization (Ballé et al. 2016), the nonlinearity of Ballé's transforms:
//   GDN:  y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²)      IGDN (its approximate inverse): x_i * sqrt(...)
// over the channels at each position. β = β_raw² + 1e-6 > 0 and γ = γ_raw² >= 0 keep the norm
// positive; effective_beta() and effective_gamma() are the one definition both training and the
// deterministic engine use (engine/sequential.h ports the layer).
#pragma once
#include <torch/nn/cloneable.h>
#include <torch/types.h>

#include <vector>

namespace vlae {

struct GDNImpl : torch::nn::Cloneable<GDNImpl> {
  GDNImpl(int64_t channels, bool inverse);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);  // [B, C, H, W]
  torch::Tensor effective_beta() const;           // [C]
  torch::Tensor effective_gamma() const;          // [C][C]: row i weighs x_j² for output i

  int64_t channels;
  bool inverse;
  torch::Tensor beta_raw, gamma_raw;
};
TORCH_MODULE(GDN);

}  // namespace vlae
