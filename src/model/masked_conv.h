// A masked convolution (van den Oord et al. 2016): kernel taps on later pixels in raster order are
// zeroed, so output (r, c) depends only on inputs before (r, c) (mask A) or up to and including it
// (mask B). Stacking one A layer and any number of B layers keeps the whole network causal, but
// leaves a blind spot up and to the right that no depth fills.
// The Gated PixelCNN's two stacks remove it: a vertical stack (k x k, rows up to and including the
// centre row, every column) whose output is shifted down one row before the horizontal stack sees
// it, and a horizontal stack (1 x k, columns left of the centre for A, up to it for B).
// Invariant: the zeroed taps are exactly 0, never small; dilation keeps causality (it only spreads
// the allowed taps further up and to the sides).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

namespace vlae {

enum class Mask { A, B, Vertical, HorizontalA, HorizontalB };

struct MaskedConv2dImpl : torch::nn::Module {
  MaskedConv2dImpl(int64_t in, int64_t out, int64_t kernel, Mask type, int64_t dilation = 1);
  torch::Tensor forward(const torch::Tensor& x);
  // Rows above that one output can see through this layer (0 for a horizontal mask); columns to
  // either side.
  int64_t reach() const { return (rows / 2) * dilation; }
  int64_t col_reach() const { return (kernel / 2) * dilation; }
  // The convolution of an input slab of 2 * reach() + 1 rows, padded in columns only: one output row.
  torch::Tensor forward_row(const torch::Tensor& slab);

  int64_t kernel, rows, dilation;  // kernel: width; rows: 1 for horizontal masks, else kernel
  torch::nn::Conv2d conv{nullptr};
  torch::Tensor mask;  // [1, 1, rows, kernel] of 0/1
};
TORCH_MODULE(MaskedConv2d);

}  // namespace vlae
