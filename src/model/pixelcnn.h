// PixelCNN decoder p(x|z) = Π_j p(x_j | x_<j, z) (raster order), conditioned on z through a
// feature map h(z) added inside every layer. The receptive field is the point of VLAE:
//   full  — a 7x7 mask-A layer, then 3x3 mask-B layers dilated 1, 2, 4, 8, ...: covers the image,
//           so the decoder can model x without z (and a VAE with it can collapse);
//   local — 3x3 layers only (6 by default: 6 rows up, 6 columns either side), so global structure
//           has to come through z (Chen et al. 2017).
// `pixel_stack`: single — one stack of masked convolutions, whose receptive field has a blind
// spot up and to the right (z can fill it, which works against collapse); vh — the Gated
// PixelCNN's vertical and horizontal stacks (van den Oord et al. 2016), no blind spot.
// Colour images (3 channels): the channel masks of van den Oord et al. 2016 (masked_conv.h), so
// p(x|z) = Π over positions in raster order of p(R | context) p(G | context, R) p(B | context, R, G),
// one discretized logistic per sub-pixel.
// `pixel_linear` K > 0: the params are head(h) + a K x K mask-A convolution of the context pixels (a
// linear predictor beside the network; zero at initialization).
// Training and scoring run all pixels in one pass (teacher forcing). Sampling runs `autoregress`:
// one step per sub-pixel, each recomputing only the current row of every layer.
#pragma once
#include <functional>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

#include "model/config.h"
#include "model/masked_conv.h"

namespace vlae {

struct PixelCNNImpl : torch::nn::Module {
  explicit PixelCNNImpl(const ModelConfig& c);

  // z: [B, K], x: [B, D] on the data's scale (D = C x H x W, planar) -> params [B, P, D] (see likelihood.h).
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& x);

  // The conditioning map h(z): [B, C, H, W].
  torch::Tensor condition(const torch::Tensor& z);
  // Network input from data-scale pixels: binary {0,1} -> {-1,1}, levels 0..255 -> [-1,1];
  // 0 means "not known yet" (what the masks and the crops feed for later pixels).
  torch::Tensor input(const torch::Tensor& x) const;
  // Params [B, P x C, h, w] (channel p * C + colour) for an input crop [B, C, h, w] and the matching crop of h(z).
  torch::Tensor forward_maps(const torch::Tensor& cond, const torch::Tensor& in);

  // Rows above a pixel that its output can depend on; columns to either side.
  int64_t receptive_rows() const;
  int64_t receptive_cols() const;
  bool two_stacks() const { return config.pixel_stack == "vh"; }
  bool gray_context() const { return config.image_channels == 3 && config.pixel_context == "gray"; }
  bool colour_context() const { return config.image_channels == 3 && !gray_context(); }  // channel masks
  int64_t context_channels() const { return gray_context() ? 1 : config.image_channels; }

  // Sequential pass in raster order over a batch (colour: R, G, B at each position): for each
  // sub-pixel, at planar index j, computes its params [B, P] (double, CPU) with it and every later
  // sub-pixel still 0 in the input, then calls step(j, params, values), which must write the
  // batch's value of sub-pixel j (data scale) into values[0..B). Because the input never holds a value from pixel j onwards, the params depend
  // only on x_<j, bitwise: an encoder that knows x and a decoder rebuilding it compute identical
  // numbers. (They equal the teacher-forced params up to float rounding.)
  using PixelStep = std::function<void(int64_t j, const double* params, uint8_t* values)>;
  void autoregress(const torch::Tensor& z, const PixelStep& step);

  ModelConfig config;
  torch::nn::Sequential cond_net{nullptr};
  std::vector<MaskedConv2d> layers;          // the single stack, or the horizontal one
  std::vector<torch::nn::Conv2d> cond_proj;  // 1x1 from h(z) into each layer
  // vh only: the vertical stack, its 1x1 from h(z), and its 1x1 into the horizontal stack.
  std::vector<MaskedConv2d> vlayers;
  std::vector<torch::nn::Conv2d> vcond_proj, v2h;
  torch::nn::Sequential head{nullptr};
  MaskedConv2d linear{nullptr};  // config.pixel_linear > 0: the linear predictor, added to head's output
};
TORCH_MODULE(PixelCNN);

}  // namespace vlae
