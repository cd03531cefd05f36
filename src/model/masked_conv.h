// A masked convolution (van den Oord et al. 2016): kernel taps on later pixels in raster order are
// zeroed, so output (r, c) depends only on inputs before (r, c) (mask A) or up to and including it
// (mask B). Stacking one A layer and any number of B layers keeps the whole network causal.
// Invariant: the zeroed taps are exactly 0, never small; dilation keeps causality (it only spreads
// the allowed taps further up and to the sides).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

namespace vlae {

enum class Mask { A, B };

struct MaskedConv2dImpl : torch::nn::Module {
  MaskedConv2dImpl(int64_t in, int64_t out, int64_t kernel, Mask type, int64_t dilation = 1);
  torch::Tensor forward(const torch::Tensor& x);
  // Rows above (and columns to either side) that one output can see through this layer.
  int64_t reach() const { return (kernel / 2) * dilation; }

  int64_t kernel, dilation;
  torch::nn::Conv2d conv{nullptr};
  torch::Tensor mask;  // [1, 1, k, k] of 0/1
};
TORCH_MODULE(MaskedConv2d);

}  // namespace vlae
