#include "model/pixelcnn.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/modules/linear.h>

#include "model/likelihood.h"
#include "util/error.h"

namespace vlae {

namespace nn = torch::nn;

namespace {

int64_t preset_layers(const ModelConfig& c) {
  if (c.pixel_layers > 0) return c.pixel_layers;
  return c.receptive_field == "local" ? 6 : 9;
}

// Dilation of mask-B layer l >= 1: 1 for local; 1, 2, 4, 8, 1, 2, ... for full, so that sums of
// the dilations reach every row offset up to the image height.
int64_t dilation_of(const ModelConfig& c, int64_t l) {
  return c.receptive_field == "local" ? 1 : int64_t(1) << ((l - 1) % 4);
}

}  // namespace

PixelCNNImpl::PixelCNNImpl(const ModelConfig& c) : config(c) {
  if (c.height % 4 || c.width % 4) throw InputError("--model " + c.arch + " needs height and width divisible by 4");
  const int64_t ch = c.pixel_channels, p = likelihood_params(c.likelihood), units = c.gated ? 2 * ch : ch;
  const int64_t h4 = c.height / 4, w4 = c.width / 4, hc = 32;
  cond_net = register_module(
      "cond_net", nn::Sequential(nn::Linear(c.latent_dim, hc * h4 * w4), nn::ReLU(),
                                 nn::Unflatten(nn::UnflattenOptions(1, {hc, h4, w4})),
                                 nn::ConvTranspose2d(nn::ConvTranspose2dOptions(hc, hc, 4).stride(2).padding(1)),
                                 nn::ReLU(), nn::ConvTranspose2d(nn::ConvTranspose2dOptions(hc, ch, 4).stride(2).padding(1))));
  const int64_t n = preset_layers(c);
  for (int64_t l = 0; l < n; ++l) {
    const bool first = l == 0;
    const int64_t k = first ? (c.receptive_field == "local" ? 3 : 7) : 3;
    layers.push_back(register_module("layer" + std::to_string(l),
                                     MaskedConv2d(first ? 1 : ch, units, k, first ? Mask::A : Mask::B,
                                                  first ? 1 : dilation_of(c, l))));
    cond_proj.push_back(register_module("cond" + std::to_string(l), nn::Conv2d(nn::Conv2dOptions(ch, units, 1))));
  }
  head = register_module("head", nn::Sequential(nn::ReLU(), nn::Conv2d(nn::Conv2dOptions(ch, ch, 1)), nn::ReLU(),
                                                nn::Conv2d(nn::Conv2dOptions(ch, p, 1))));
}

int64_t PixelCNNImpl::receptive_rows() const {
  int64_t r = 0;
  for (const auto& l : layers) r += l->reach();
  return r;
}

torch::Tensor PixelCNNImpl::condition(const torch::Tensor& z) { return cond_net->forward(z); }

torch::Tensor PixelCNNImpl::input(const torch::Tensor& x) const {
  const auto img = x.view({x.size(0), 1, config.height, config.width});
  return config.likelihood == Likelihood::Bernoulli ? img * 2.0 - 1.0 : img * (2.0 / 255.0) - 1.0;
}

torch::Tensor PixelCNNImpl::forward_maps(const torch::Tensor& cond, const torch::Tensor& in) {
  torch::Tensor h;
  for (size_t l = 0; l < layers.size(); ++l) {
    auto a = layers[l]->forward(l == 0 ? in : h) + cond_proj[l]->forward(cond);
    if (config.gated) {
      auto parts = a.chunk(2, 1);
      a = torch::tanh(parts[0]) * torch::sigmoid(parts[1]);
    } else {
      a = torch::relu(a);
    }
    h = l == 0 ? a : h + a;  // residual from the second layer on
  }
  return head->forward(h);
}

torch::Tensor PixelCNNImpl::forward(const torch::Tensor& z, const torch::Tensor& x) {
  const auto out = forward_maps(condition(z), input(x));
  return out.reshape({x.size(0), out.size(1), config.dims()});
}

void PixelCNNImpl::autoregress(const torch::Tensor& z, const PixelStep& step) {
  namespace F = torch::nn::functional;
  const int64_t b = z.size(0), hgt = config.height, wid = config.width;
  const bool binary = config.likelihood == Likelihood::Bernoulli;
  const auto cond = condition(z);  // [B, C, H, W]
  // Row caches: maps[0] is the input, maps[l + 1] the output of layer l, each with `pad` zero rows
  // above and below so a layer's rows r - reach .. r + reach always exist. At pixel (r, c) every
  // layer recomputes only row r, from its input's rows up to r: rows above are final (a row's
  // features depend only on pixels before its last one), rows below are still zero and meet only
  // masked taps. The inputs at every step are the same for an encoder and a decoder.
  int64_t pad = 0;
  for (const auto& l : layers) pad = std::max(pad, l->reach());
  const auto opts = cond.options();
  std::vector<torch::Tensor> maps;
  maps.push_back(torch::zeros({b, 1, hgt + 2 * pad, wid}, opts));
  for (size_t l = 0; l < layers.size(); ++l) maps.push_back(torch::zeros({b, cond.size(1), hgt + 2 * pad, wid}, opts));
  std::vector<uint8_t> values(static_cast<size_t>(b));
  auto col = torch::empty({b}, torch::kFloat32);
  for (int64_t r = 0; r < hgt; ++r) {
    const auto cond_row = cond.slice(2, r, r + 1);
    for (int64_t c = 0; c < wid; ++c) {
      torch::Tensor h;
      for (size_t l = 0; l < layers.size(); ++l) {
        const auto& layer = layers[l];
        const int64_t reach = layer->reach();
        const auto slab = maps[l].slice(2, pad + r - reach, pad + r + reach + 1);
        auto a = F::conv2d(slab, layer->conv->weight * layer->mask,
                           F::Conv2dFuncOptions().bias(layer->conv->bias).padding({0, reach}).dilation(layer->dilation)) +
                 cond_proj[l]->forward(cond_row);
        if (config.gated) {
          auto parts = a.chunk(2, 1);
          a = torch::tanh(parts[0]) * torch::sigmoid(parts[1]);
        } else {
          a = torch::relu(a);
        }
        h = l == 0 ? a : h + a;
        maps[l + 1].slice(2, pad + r, pad + r + 1).copy_(h);
      }
      const auto params = head->forward(h.slice(3, c, c + 1)).reshape({b, -1}).to(torch::kCPU, torch::kFloat64).contiguous();
      step(r * wid + c, params.data_ptr<double>(), values.data());
      float* cp = col.data_ptr<float>();
      for (int64_t i = 0; i < b; ++i) cp[i] = binary ? 2.0f * values[i] - 1.0f : values[i] * (2.0f / 255.0f) - 1.0f;
      maps[0].select(1, 0).select(1, pad + r).select(1, c).copy_(col);
    }
  }
}

}  // namespace vlae
