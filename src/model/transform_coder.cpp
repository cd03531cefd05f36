#include "model/transform_coder.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>

#include <cmath>

#include "model/gdn.h"
#include "model/likelihood.h"
#include "util/error.h"

namespace vlae {

namespace nn = torch::nn;

namespace {
constexpr double kMinProbability = 1e-9;

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2));
}
// A stride-2 transposed convolution from n to 2n (kernel 4) or 2n - 1 (kernel 3) positions per
// axis, so that synthesis undoes analysis' ⌈n/2⌉ exactly.
nn::ConvTranspose2d upsample(int64_t in, int64_t out, int64_t to_h, int64_t to_w) {
  return nn::ConvTranspose2d(
      nn::ConvTranspose2dOptions(in, out, {to_h % 2 ? 3 : 4, to_w % 2 ? 3 : 4}).stride(2).padding(1));
}
int64_t half_up(int64_t n) { return (n + 1) / 2; }
torch::Tensor uniform_noise(const torch::Tensor& like) { return torch::rand_like(like) - 0.5; }
}  // namespace

bool transform_coder_arch(const std::string& arch) { return arch == "factorized" || arch == "hyperprior"; }

torch::Tensor gaussian_bin_nats(const torch::Tensor& v, const torch::Tensor& mean, const torch::Tensor& scale) {
  // On the lower side of the mean, where Φ is far from 1: P = Φ((1/2 - |d|)/σ) - Φ((-1/2 - |d|)/σ).
  const auto d = torch::abs(v - mean);
  const auto k = M_SQRT1_2 / scale;
  const auto p = 0.5 * (torch::erfc(-(0.5 - d) * k) - torch::erfc(-(-0.5 - d) * k));
  return -torch::log(p.clamp_min(kMinProbability));
}

TransformCoderImpl::TransformCoderImpl(const ModelConfig& c) : config(c) {
  if (c.height % 4 || c.width % 4)
    throw InputError("--model " + c.arch + ": image height and width must be multiples of 4, got " +
                     std::to_string(c.height) + "x" + std::to_string(c.width));
  const int64_t n = c.channels, m = c.latent_dim, ch = c.image_channels;
  latent_channels = m;
  latent_h = c.height / 4;
  latent_w = c.width / 4;
  // The nonlinearity after each hidden layer: ReLU, or GDN (analysis) and IGDN (synthesis).
  const auto act = [&](bool inverse) -> nn::AnyModule {
    return c.gdn ? nn::AnyModule(GDN(n, inverse)) : nn::AnyModule(nn::ReLU());
  };
  analysis = nn::Sequential();
  analysis->push_back(conv(ch, n, 5, 2));
  analysis->push_back(act(false));
  analysis->push_back(conv(n, n, 5, 2));
  analysis->push_back(act(false));
  analysis->push_back(conv(n, m, 3, 1));
  register_module("analysis", analysis);
  synthesis = nn::Sequential();
  synthesis->push_back(conv(m, n, 3, 1));
  synthesis->push_back(act(true));
  synthesis->push_back(upsample(n, n, c.height / 2, c.width / 2));
  synthesis->push_back(act(true));
  synthesis->push_back(upsample(n, ch, c.height, c.width));
  register_module("synthesis", synthesis);
  if (c.arch == "hyperprior") {
    const int64_t k = c.hyper_channels > 0 ? c.hyper_channels : n;
    hyper_channels = k;
    hyper_h = half_up(latent_h);
    hyper_w = half_up(latent_w);
    hyper_analysis = register_module("hyper_analysis", nn::Sequential(conv(m, k, 3, 1), nn::ReLU(), conv(k, k, 5, 2),
                                                                      nn::ReLU(), conv(k, k, 3, 1)));
    hyper_synthesis = register_module(
        "hyper_synthesis", nn::Sequential(upsample(k, k, latent_h, latent_w), nn::ReLU(), conv(k, k, 3, 1), nn::ReLU(),
                                          conv(k, 2 * m, 3, 1)));
    density = register_module("density", FactorizedDensity(k));
  } else {
    density = register_module("density", FactorizedDensity(m));
  }
  // sigma = e^-2 ~ 17 levels, as the Gaussian decoder of the VAE families starts.
  log_scale = register_parameter("log_scale", torch::full({1}, -2.0));
}

torch::Tensor TransformCoderImpl::analyse(const torch::Tensor& x) {
  const auto& c = config;
  return analysis->forward((x * (1.0 / 255.0)).view({x.size(0), c.image_channels, c.height, c.width}));
}

torch::Tensor TransformCoderImpl::decode(const torch::Tensor& y) {
  const int64_t b = y.size(0), d = config.dims();
  const auto mean = synthesis->forward(y.reshape({b, latent_channels, latent_h, latent_w})).reshape({b, 1, d});
  return torch::cat({mean, log_scale.view({1, 1, 1}).expand({b, 1, d})}, 1);
}

std::pair<torch::Tensor, torch::Tensor> TransformCoderImpl::latent_gaussian(const torch::Tensor& z) {
  const auto out = hyper_synthesis->forward(z);
  const auto mean = out.narrow(1, 0, latent_channels);
  const auto scale = torch::exp(out.narrow(1, latent_channels, latent_channels)
                                    .clamp(std::log(kMinLatentScale), std::log(kMaxLatentScale)));
  return {mean, scale};
}

TransformTerms TransformCoderImpl::terms(const torch::Tensor& x, bool noise) {
  TransformTerms t;
  t.y = analyse(x);
  // The hard phase: g_a and h_a frozen, every latent rounded as in the file, no noise. The rate's
  // gradient reaches μ straight through the rounding of y - μ, pulling μ towards y as noise's
  // does: with round(y - μ) held fixed it would see none, and μ would drift to where the
  // residuals cost more.
  const bool hard = config.hard_quantization && noise;
  if (hard) {
    t.y = t.y.detach();
    noise = false;
  }
  if (hyper_analysis) {
    t.z = hyper_analysis->forward(t.y);
    if (hard) t.z = t.z.detach();
    t.z_noisy = noise ? t.z + uniform_noise(t.z) : torch::round(t.z);
    t.z_nats = density->bin_nats(t.z_noisy);
    auto [mean, scale] = latent_gaussian(t.z_noisy);
    const auto residual = t.y - mean;
    // Rounded: the code sends round(y - μ), so ŷ = μ + round(y - μ).
    t.y_noisy = hard    ? mean + (residual + (torch::round(residual) - residual).detach())
                : noise ? t.y + uniform_noise(t.y)
                        : mean + torch::round(residual);
    t.y_nats = gaussian_bin_nats(t.y_noisy, mean, scale);
    // Mixed quantization: the synthesis reads μ + round(y - μ), gradients pass straight through.
    if (noise && config.mixed_quantization) t.y_decoded = t.y + (mean + torch::round(residual) - t.y).detach();
  } else {
    t.y_noisy = noise ? t.y + uniform_noise(t.y) : torch::round(t.y);
    t.y_nats = density->bin_nats(t.y_noisy);
    if (noise && config.mixed_quantization) t.y_decoded = t.y + (torch::round(t.y) - t.y).detach();
  }
  if (!t.y_decoded.defined()) t.y_decoded = t.y_noisy;
  t.params = decode(t.y_decoded);
  return t;
}

torch::Tensor TransformCoderImpl::log_importance_weights(const torch::Tensor& x, int64_t samples) {
  std::vector<torch::Tensor> rows;
  for (int64_t s = 0; s < samples; ++s) {
    const TransformTerms t = terms(x);
    auto rate = t.y_nats.flatten(1).sum(1);
    if (t.z_nats.defined()) rate = rate + t.z_nats.flatten(1).sum(1);
    rows.push_back(log_likelihood(config.likelihood, t.params, x) - rate);
  }
  return torch::stack(rows);
}

}  // namespace vlae
