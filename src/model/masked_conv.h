// A masked convolution (van den Oord et al. 2016): kernel taps on later pixels in raster order are
// zeroed, so output (r, c) depends only on inputs before (r, c) (mask A) or up to and including it
// (mask B). Stacking one A layer and any number of B layers keeps the whole network causal, but
// leaves a blind spot up and to the right that no depth fills.
// The Gated PixelCNN's two stacks remove it: a vertical stack (k x k, rows up to and including the
// centre row, every column) whose output is shifted down one row before the horizontal stack sees
// it, and a horizontal stack (1 x k, columns left of the centre for A, up to it for B).
// Colour (van den Oord et al. 2016, section 3.4): a pixel's sub-pixels are predicted R, then G, then
// B. Every channel of a colour layer belongs to one group (0 R, 1 G, 2 B); at the centre tap an
// output of group g sees inputs of groups < g (mask A) or <= g (mask B); the other taps see every
// channel. Gray layers have no groups. The vertical mask needs none (it never sees the centre row
// after the shift).
// Invariant: the zeroed taps are exactly 0, never small; dilation keeps causality (it only spreads
// the allowed taps further up and to the sides).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

#include <vector>

namespace vlae {

enum class Mask { A, B, Vertical, HorizontalA, HorizontalB };

struct MaskedConv2dImpl : torch::nn::Module {
  // in_groups / out_groups: each channel's colour group (empty: gray, no channel masks).
  MaskedConv2dImpl(int64_t in, int64_t out, int64_t kernel, Mask type, int64_t dilation = 1,
                   const std::vector<int>& in_groups = {}, const std::vector<int>& out_groups = {});
  torch::Tensor forward(const torch::Tensor& x);
  // Rows above that one output can see through this layer (0 for a horizontal mask); columns to
  // either side.
  int64_t reach() const { return (rows / 2) * dilation; }
  int64_t col_reach() const { return (kernel / 2) * dilation; }
  // The convolution of an input slab of 2 * reach() + 1 rows, padded in columns only: one output row.
  torch::Tensor forward_row(const torch::Tensor& slab);

  int64_t kernel, rows, dilation;  // kernel: width; rows: 1 for horizontal masks, else kernel
  torch::nn::Conv2d conv{nullptr};
  torch::Tensor mask;  // [1, 1, rows, kernel] of 0/1; colour: [out, in, rows, kernel]
};
TORCH_MODULE(MaskedConv2d);

}  // namespace vlae
