// Encoder q(z|x): an MLP or a strided-conv network giving a diagonal Gaussian posterior.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "model/config.h"
#include "model/posterior.h"

namespace vlae {

struct EncoderImpl : torch::nn::Module {
  explicit EncoderImpl(const ModelConfig& c);
  // x: [B, D] on the [0, 1] scale.
  DiagGaussian forward(const torch::Tensor& x) { return posterior(features(x)); }
  torch::Tensor features(const torch::Tensor& x);      // the body's output h (an IAF's context)
  DiagGaussian posterior(const torch::Tensor& h);       // the head on h
  int64_t feature_dim() const;

  ModelConfig config;
  double max_std;  // δ-VAE bound on the posterior std (0: unbounded)
  torch::nn::Sequential body{nullptr};
  torch::nn::Linear head{nullptr};  // -> [mean, raw scale]
};
TORCH_MODULE(Encoder);

}  // namespace vlae
