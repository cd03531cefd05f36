#include "model/masked_conv.h"

#include <torch/nn/functional/conv.h>

namespace vlae {

MaskedConv2dImpl::MaskedConv2dImpl(int64_t in, int64_t out, int64_t k, Mask type, int64_t dil)
    : kernel(k), dilation(dil) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k)));
  auto m = torch::zeros({1, 1, k, k});
  const int64_t centre = k / 2;
  m.slice(2, 0, centre).fill_(1.0);                                              // rows above
  m.select(2, centre).slice(2, 0, type == Mask::A ? centre : centre + 1).fill_(1.0);  // left (+ centre for B)
  mask = register_buffer("mask", m);
}

torch::Tensor MaskedConv2dImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::conv2d(x, conv->weight * mask,
                   F::Conv2dFuncOptions().bias(conv->bias).padding((kernel / 2) * dilation).dilation(dilation));
}

}  // namespace vlae
