#include "model/masked_conv.h"

#include <torch/nn/functional/conv.h>

namespace vlae {

namespace {
bool horizontal(Mask t) { return t == Mask::HorizontalA || t == Mask::HorizontalB; }
int64_t centre_col(int64_t k) { return k / 2; }
}  // namespace

MaskedConv2dImpl::MaskedConv2dImpl(int64_t in, int64_t out, int64_t k, Mask type, int64_t dil,
                                   const std::vector<int>& in_groups, const std::vector<int>& out_groups)
    : kernel(k), rows(horizontal(type) ? 1 : k), dilation(dil) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, {rows, k})));
  auto m = torch::zeros({1, 1, rows, k});
  const int64_t centre = k / 2;
  switch (type) {
    case Mask::A:
    case Mask::B:
      m.slice(2, 0, centre).fill_(1.0);                                                   // rows above
      m.select(2, centre).slice(2, 0, type == Mask::A ? centre : centre + 1).fill_(1.0);  // left (+ centre for B)
      break;
    case Mask::Vertical: m.slice(2, 0, centre + 1).fill_(1.0); break;  // rows up to the centre, all columns
    case Mask::HorizontalA: m.slice(3, 0, centre).fill_(1.0); break;
    case Mask::HorizontalB: m.slice(3, 0, centre + 1).fill_(1.0); break;
  }
  const bool colour = !in_groups.empty() && type != Mask::Vertical;
  if (colour) {
    // The centre tap, now open to the groups the rule allows, per (output, input) pair.
    TORCH_CHECK(static_cast<int64_t>(in_groups.size()) == in && static_cast<int64_t>(out_groups.size()) == out,
                "masked conv: one colour group per channel");
    const bool a = type == Mask::A || type == Mask::HorizontalA;
    const int64_t cy = rows / 2;
    auto full = m.expand({out, in, rows, k}).clone();
    auto centre = torch::zeros({out, in});
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i)
        if (a ? in_groups[i] < out_groups[o] : in_groups[i] <= out_groups[o]) centre[o][i] = 1.0;
    full.select(2, cy).select(2, centre_col(k)).copy_(centre);
    m = full;
  }
  mask = register_buffer("mask", m);
}

torch::Tensor MaskedConv2dImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::conv2d(x, conv->weight * mask,
                   F::Conv2dFuncOptions().bias(conv->bias).padding({reach(), col_reach()}).dilation({rows > 1 ? dilation : 1, dilation}));
}

torch::Tensor MaskedConv2dImpl::forward_row(const torch::Tensor& slab) {
  namespace F = torch::nn::functional;
  return F::conv2d(slab, conv->weight * mask,
                   F::Conv2dFuncOptions().bias(conv->bias).padding({0, col_reach()}).dilation({rows > 1 ? dilation : 1, dilation}));
}

}  // namespace vlae
