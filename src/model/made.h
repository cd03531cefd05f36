// MADE (Germain et al. 2015): an MLP whose weight masks make output i depend only on inputs < i
// (natural order). Two hidden layers; outputs come in `groups` blocks of K (e.g. shift and
// log-scale). Degrees are assigned deterministically, so a model is rebuilt exactly from its config.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace vlae {

struct MaskedLinearImpl : torch::nn::Module {
  MaskedLinearImpl(int64_t in, int64_t out, torch::Tensor mask);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear linear{nullptr};
  torch::Tensor mask;  // [out, in] of 0/1
};
TORCH_MODULE(MaskedLinear);

struct MADEImpl : torch::nn::Module {
  // `context` > 0 adds an unmasked input c (e.g. an encoder's features) to the first hidden layer;
  // `reverse` orders dimensions K-1, ..., 0 instead.
  MADEImpl(int64_t k, int64_t hidden, int64_t groups, int64_t context = 0, bool reverse = false);
  // [..., K] (and [..., context]) -> [..., groups * K]; block g holds output g*K + i for dimension i.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});
  int64_t k;
  MaskedLinear in{nullptr}, mid{nullptr}, out{nullptr};
  torch::nn::Linear ctx{nullptr};
};
TORCH_MODULE(MADE);

}  // namespace vlae
