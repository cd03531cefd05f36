// Decoder p(x|z): an MLP or a transposed-conv network giving per-pixel likelihood parameters.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/types.h>

#include "model/config.h"

namespace vlae {

struct DecoderImpl : torch::nn::Module {
  explicit DecoderImpl(const ModelConfig& c);
  // z: [B, K] -> params [B, P, D] (see likelihood.h).
  torch::Tensor forward(const torch::Tensor& z);

  ModelConfig config;
  torch::nn::Sequential net{nullptr};
  torch::Tensor log_scale;  // Gaussian likelihood only: one learned log sigma, [-1, 1] pixel units
};
TORCH_MODULE(Decoder);

}  // namespace vlae
