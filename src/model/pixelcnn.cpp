#include "model/pixelcnn.h"

#include <algorithm>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/modules/linear.h>

#include "model/likelihood.h"
#include "util/error.h"

namespace vlae {

namespace nn = torch::nn;

namespace {

// Dilation of mask-B layer l >= 1: 1 for local; 1, 2, 4, 8, 1, 2, ... for full, so that sums of
// the dilations reach every row offset up to the image height.
int64_t dilation_of(const ModelConfig& c, int64_t l) {
  return c.receptive_field == "local" ? 1 : int64_t(1) << ((l - 1) % 4);
}

// local: 6 layers. full: the 7x7 first layer (reach 3) and as many dilated layers as it takes for
// the reach to span the image (rows and columns): 9 layers for 28x28 and 32x32, more for larger.
int64_t preset_layers(const ModelConfig& c) {
  if (c.pixel_layers > 0) return c.pixel_layers;
  if (c.receptive_field == "local") return 6;
  int64_t layers = 1, reach = 3;
  while (reach < std::max(c.height, c.width) - 1) reach += dilation_of(c, layers++);
  return std::max<int64_t>(layers, 2);
}

// Colour groups (model/masked_conv.h): the image's channels are R, G, B; a map of n channels is
// three contiguous blocks (sizes within one of each other); gated pre-activations (2n) repeat the blocks in each half; the head's
// P x 3 outputs are parameter-major, channel index p * 3 + colour.
std::vector<int> image_groups() { return {0, 1, 2}; }
std::vector<int> block_groups(int64_t n) {
  std::vector<int> g(static_cast<size_t>(n));
  for (int64_t u = 0; u < n; ++u) g[u] = static_cast<int>(u * 3 / n);
  return g;
}
std::vector<int> unit_groups(int64_t ch, bool gated) {
  std::vector<int> g = block_groups(ch);
  if (gated) g.insert(g.end(), g.begin(), g.end());
  return g;
}
std::vector<int> param_groups(int64_t p) {
  std::vector<int> g(static_cast<size_t>(3 * p));
  for (int64_t o = 0; o < 3 * p; ++o) g[o] = static_cast<int>(o % 3);
  return g;
}

}  // namespace

PixelCNNImpl::PixelCNNImpl(const ModelConfig& c) : config(c) {
  if (c.height % 4 || c.width % 4) throw InputError("--model " + c.arch + " needs height and width divisible by 4");
  const int64_t ch = c.pixel_channels, p = likelihood_params(c), units = c.gated ? 2 * ch : ch;
  const int64_t h4 = c.height / 4, w4 = c.width / 4, hc = 32;
  cond_net = register_module(
      "cond_net", nn::Sequential(nn::Linear(c.latent_dim, hc * h4 * w4), nn::ReLU(),
                                 nn::Unflatten(nn::UnflattenOptions(1, {hc, h4, w4})),
                                 nn::ConvTranspose2d(nn::ConvTranspose2dOptions(hc, hc, 4).stride(2).padding(1)),
                                 nn::ReLU(), nn::ConvTranspose2d(nn::ConvTranspose2dOptions(hc, ch, 4).stride(2).padding(1))));
  const int64_t n = preset_layers(c);
  const bool vh = two_stacks(), colour = colour_context();
  if (c.pixel_context == "gray" && c.image_channels != 3)
    throw InputError("--pixel-context gray: for RGB images; these are gray");
  const std::vector<int> none, hidden = colour ? block_groups(ch) : none, units_g = colour ? unit_groups(ch, c.gated) : none;
  for (int64_t l = 0; l < n; ++l) {
    const bool first = l == 0;
    const int64_t k = first ? (c.receptive_field == "local" ? 3 : 7) : 3, in = first ? context_channels() : ch;
    const int64_t d = first ? 1 : dilation_of(c, l);
    const std::string i = std::to_string(l);
    const Mask mask = vh ? (first ? Mask::HorizontalA : Mask::HorizontalB) : (first ? Mask::A : Mask::B);
    const std::vector<int>& in_g = colour ? (first ? image_groups() : hidden) : none;
    layers.push_back(register_module("layer" + i, MaskedConv2d(in, units, k, mask, d, in_g, units_g)));
    cond_proj.push_back(register_module("cond" + i, nn::Conv2d(nn::Conv2dOptions(ch, units, 1))));
    if (!vh) continue;
    vlayers.push_back(register_module("vlayer" + i, MaskedConv2d(in, units, k, Mask::Vertical, d)));
    vcond_proj.push_back(register_module("vcond" + i, nn::Conv2d(nn::Conv2dOptions(ch, units, 1))));
    v2h.push_back(register_module("v2h" + i, nn::Conv2d(nn::Conv2dOptions(units, units, 1))));
  }
  if (!colour) {  // gray, or RGB read through a gray context: P params for each of the C colours
    head = register_module("head", nn::Sequential(nn::ReLU(), nn::Conv2d(nn::Conv2dOptions(ch, ch, 1)), nn::ReLU(),
                                                  nn::Conv2d(nn::Conv2dOptions(ch, p * c.image_channels, 1))));
  } else {  // the same, its 1x1s group-masked (B) so each colour's params see only its own group and earlier ones
    head = register_module(
        "head", nn::Sequential(nn::ReLU(), MaskedConv2d(ch, ch, 1, Mask::HorizontalB, 1, hidden, hidden), nn::ReLU(),
                               MaskedConv2d(ch, 3 * p, 1, Mask::HorizontalB, 1, hidden, param_groups(p))));
  }
  if (c.pixel_linear > 0) {
    linear = register_module("linear", MaskedConv2d(context_channels(), p * c.image_channels, c.pixel_linear, Mask::A, 1,
                                                    colour ? image_groups() : none, colour ? param_groups(p) : none));
    torch::NoGradGuard no_grad;
    linear->conv->weight.zero_();
    linear->conv->bias.zero_();
  }
}

int64_t PixelCNNImpl::receptive_rows() const {
  int64_t r = 0;
  for (const auto& l : two_stacks() ? vlayers : layers) r += l->reach();
  if (two_stacks()) ++r;  // vh: the vertical stack reaches down to the row above
  return linear ? std::max(r, linear->reach()) : r;
}

int64_t PixelCNNImpl::receptive_cols() const {
  int64_t c = 0;
  for (const auto& l : two_stacks() ? vlayers : layers) c += l->col_reach();
  return linear ? std::max(c, linear->col_reach()) : c;
}

namespace {
torch::Tensor activate(const torch::Tensor& a, bool gated) {
  if (!gated) return torch::relu(a);
  auto parts = a.chunk(2, 1);
  return torch::tanh(parts[0]) * torch::sigmoid(parts[1]);
}

// Moves a map down one row (the top row becomes 0): row r then holds what row r - 1 saw.
torch::Tensor shift_down(const torch::Tensor& m) {
  namespace F = torch::nn::functional;
  return F::pad(m, F::PadFuncOptions({0, 0, 1, 0})).slice(2, 0, m.size(2));
}
}  // namespace

torch::Tensor PixelCNNImpl::condition(const torch::Tensor& z) { return cond_net->forward(z); }

torch::Tensor PixelCNNImpl::input(const torch::Tensor& x) const {
  auto img = x.view({x.size(0), config.image_channels, config.height, config.width});
  if (gray_context()) img = (img.sum(1, true) / 3.0).floor();  // the gray level (R + G + B) / 3, in integers
  return config.likelihood == Likelihood::Bernoulli ? img * 2.0 - 1.0 : img * kLevelStep - 1.0;
}

torch::Tensor PixelCNNImpl::forward_maps(const torch::Tensor& cond, const torch::Tensor& in) {
  torch::Tensor h, v;
  for (size_t l = 0; l < layers.size(); ++l) {
    auto pre = layers[l]->forward(l == 0 ? in : h) + cond_proj[l]->forward(cond);
    if (two_stacks()) {
      const auto vpre = vlayers[l]->forward(l == 0 ? in : v);
      pre = pre + v2h[l]->forward(shift_down(vpre));
      v = activate(vpre + vcond_proj[l]->forward(cond), config.gated);
    }
    const auto a = activate(pre, config.gated);
    h = l == 0 ? a : h + a;  // residual from the second layer on
  }
  return linear ? head->forward(h) + linear->forward(in) : head->forward(h);
}

torch::Tensor PixelCNNImpl::forward(const torch::Tensor& z, const torch::Tensor& x) {
  const auto out = forward_maps(condition(z), input(x));  // [B, P x C, H, W], channel p * C + colour
  return out.reshape({x.size(0), out.size(1) / config.image_channels, config.dims()});
}

void PixelCNNImpl::autoregress(const torch::Tensor& z, const PixelStep& step) {
  const int64_t b = z.size(0), hgt = config.height, wid = config.width, colours = config.image_channels;
  const bool binary = config.likelihood == Likelihood::Bernoulli, vh = two_stacks();
  const auto cond = condition(z);  // [B, C, H, W]
  // Row caches: maps[0] is the input, maps[l + 1] the output of layer l, each with `pad` zero rows
  // above and below so a layer's rows r - reach .. r + reach always exist. At pixel (r, c) every
  // layer recomputes only row r, from its input's rows up to r: rows above are final (a row's
  // features depend only on pixels before its last one), rows below are still zero and meet only
  // masked taps. The inputs at every step are the same for an encoder and a decoder.
  // vh: the horizontal stack (maps) sees only row r and, through v2h, the vertical stack's row r - 1.
  // The vertical stack (vmaps, vpre) depends on whole rows, so it advances once a row is complete.
  int64_t pad = 0;
  for (const auto& l : layers) pad = std::max(pad, l->reach());
  for (const auto& l : vlayers) pad = std::max(pad, l->reach());
  if (linear) pad = std::max(pad, linear->reach());
  const auto opts = cond.options();
  const int64_t units = layers.front()->conv->weight.size(0), ch = cond.size(1);
  std::vector<torch::Tensor> maps, vmaps, vpre;
  maps.push_back(torch::zeros({b, context_channels(), hgt + 2 * pad, wid}, opts));
  std::vector<int> level_sum(static_cast<size_t>(b), 0);  // gray context: R + G + B of the position so far
  for (size_t l = 0; l < layers.size(); ++l) maps.push_back(torch::zeros({b, ch, hgt + 2 * pad, wid}, opts));
  if (vh) {
    vmaps.push_back(maps[0]);  // both stacks start from the image
    for (size_t l = 0; l < vlayers.size(); ++l) {
      vmaps.push_back(torch::zeros({b, ch, hgt + 2 * pad, wid}, opts));
      vpre.push_back(torch::zeros({b, units, hgt + 1, wid}, opts));  // row r + 1 holds image row r
    }
  }
  std::vector<uint8_t> values(static_cast<size_t>(b));
  auto col = torch::empty({b}, torch::kFloat32);
  const auto rows = [&](const torch::Tensor& m, int64_t r, int64_t reach) {
    return m.slice(2, pad + r - reach, pad + r + reach + 1);
  };
  for (int64_t r = 0; r < hgt; ++r) {
    const auto cond_row = cond.slice(2, r, r + 1);
    // Colour: each position's sub-pixels in turn, R, G, B, the row recomputed after each one.
    for (int64_t c = 0; c < wid; ++c)
      for (int64_t g = 0; g < colours; ++g) {
        torch::Tensor h;
        for (size_t l = 0; l < layers.size(); ++l) {
          auto pre = layers[l]->forward_row(rows(maps[l], r, layers[l]->reach())) + cond_proj[l]->forward(cond_row);
          if (vh) pre = pre + v2h[l]->forward(vpre[l].slice(2, r, r + 1));
          const auto a = activate(pre, config.gated);
          h = l == 0 ? a : h + a;
          rows(maps[l + 1], r, 0).copy_(h);
        }
        // [B, P x C] -> colour g's P params
        auto out = head->forward(h.slice(3, c, c + 1));
        if (linear) out = out + linear->forward_row(rows(maps[0], r, linear->reach())).slice(3, c, c + 1);
        auto all = out.reshape({b, -1, colours}).select(2, g);
        const auto params = all.to(torch::kCPU, torch::kFloat64).contiguous();
        step(g * hgt * wid + r * wid + c, params.data_ptr<double>(), values.data());
        float* cp = col.data_ptr<float>();
        if (gray_context()) {
          for (int64_t i = 0; i < b; ++i) level_sum[i] = (g == 0 ? 0 : level_sum[i]) + values[i];
          if (g + 1 < colours) continue;  // the context sees the pixel once all its colours are known
          for (int64_t i = 0; i < b; ++i) cp[i] = static_cast<float>(level_sum[i] / 3) * kLevelStepF - 1.0f;
          maps[0].select(1, 0).select(1, pad + r).select(1, c).copy_(col);
          continue;
        }
        for (int64_t i = 0; i < b; ++i) cp[i] = binary ? 2.0f * values[i] - 1.0f : values[i] * kLevelStepF - 1.0f;
        maps[0].select(1, g).select(1, pad + r).select(1, c).copy_(col);
      }
    for (size_t l = 0; l < vlayers.size(); ++l) {  // row r is complete: advance the vertical stack
      const auto p = vlayers[l]->forward_row(rows(vmaps[l], r, vlayers[l]->reach()));
      vpre[l].slice(2, r + 1, r + 2).copy_(p);
      rows(vmaps[l + 1], r, 0).copy_(activate(p + vcond_proj[l]->forward(cond_row), config.gated));
    }
  }
}

}  // namespace vlae
