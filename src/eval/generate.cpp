#include "eval/generate.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "data/png.h"
#include "model/likelihood.h"
#include "util/error.h"

namespace vlae {

namespace {

// One draw from a pixel's distribution given its `np` params (model/likelihood.h: a logit, mean
// and log-scale in [-1, 1] units, or a mixture's): Bernoulli, or a logistic or Gaussian sample
// rounded into its level's bin; a mixture draws its component first.
uint8_t draw(Likelihood lik, const double* p, int64_t np, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(1e-12, 1.0 - 1e-12);
  if (lik == Likelihood::Bernoulli) return u(rng) < 1.0 / (1.0 + std::exp(-p[0])) ? 1 : 0;
  if (lik == Likelihood::LogisticMixture) {
    const int64_t m = np / 3;
    double top = p[0], total = 0;
    for (int64_t i = 1; i < m; ++i) top = std::max(top, p[i]);
    for (int64_t i = 0; i < m; ++i) total += std::exp(p[i] - top);
    double pick = u(rng) * total;
    int64_t i = 0;
    while (i + 1 < m && (pick -= std::exp(p[i] - top)) > 0) ++i;
    const double one[2] = {p[kMixtureLocations * m + i], p[kMixtureLogScales * m + i]};
    return draw(Likelihood::Logistic, one, 2, rng);
  }
  const double s = std::exp(clamped_log_scale(p[kLogScale])), v = u(rng);
  const double x = lik == Likelihood::Gaussian
                       ? p[kLocation] + s * std::sqrt(-2.0 * std::log(v)) * std::cos(2.0 * M_PI * u(rng))  // Box-Muller
                       : p[kLocation] + s * (std::log(v) - std::log1p(-v));
  return level_of(x);
}

Images empty_like(const ModelConfig& c, int64_t n, bool binary) {
  Images out;
  out.count = n;
  out.channels = c.image_channels;
  out.height = c.height;
  out.width = c.width;
  out.binary = binary;
  out.pixels.assign(static_cast<size_t>(n * c.dims()), 0);
  return out;
}

}  // namespace

Images decode_latents(VAE& model, const torch::Tensor& z, bool mean, uint64_t seed) {
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  const auto& c = model->config;
  const int64_t n = z.size(0), d = c.dims(), p = likelihood_params(c);
  const bool binary = c.likelihood == Likelihood::Bernoulli;
  std::mt19937_64 rng(seed);
  if (model->autoregressive()) {
    Images out = empty_like(c, n, binary);
    model->pixelcnn->autoregress(z, [&](int64_t j, const double* params, uint8_t* values) {
      for (int64_t b = 0; b < n; ++b) out.image(b)[j] = values[b] = draw(c.likelihood, params + b * p, p, rng);
    });
    return out;
  }
  const auto params = model->decode(z, torch::Tensor()).to(torch::kCPU, torch::kFloat64).contiguous();
  const double* pp = params.data_ptr<double>();
  if (mean) {
    Images out = empty_like(c, n, false);
    const auto m = likelihood_mean(c.likelihood, params).contiguous();
    const double* mp = m.data_ptr<double>();
    const double scale = binary ? 255.0 : 1.0;
    for (int64_t i = 0; i < n * d; ++i)
      out.pixels[i] = static_cast<uint8_t>(std::clamp(std::round(mp[i] * scale), 0.0, 255.0));
    return out;
  }
  Images out = empty_like(c, n, binary);
  std::vector<double> one(p);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < d; ++j) {
      for (int64_t q = 0; q < p; ++q) one[q] = pp[(b * p + q) * d + j];
      out.image(b)[j] = draw(c.likelihood, one.data(), p, rng);
    }
  return out;
}

Images sample_model(VAE& model, int64_t n, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  if (!model->prior)
    throw InputError("--model " + model->config.arch + ": a transform coder has an entropy model, not a prior to sample");
  const auto device = model->parameters().front().device();
  const auto z = model->prior->sample(n, model->config.latent_dim, device);
  return decode_latents(model, z, false, seed);
}

std::string grid_png(const std::vector<const Images*>& rows, int64_t cols, int64_t zoom) {
  const int64_t gap = 2, h = rows.front()->height * zoom, w = rows.front()->width * zoom, iw = rows.front()->width;
  const int64_t ch = rows.front()->channels, plane_in = rows.front()->plane();
  const int64_t gh = static_cast<int64_t>(rows.size()) * (h + gap) + gap, gw = cols * (w + gap) + gap;
  std::vector<uint8_t> px(static_cast<size_t>(ch * gh * gw), 128);  // planar, like the images
  for (size_t r = 0; r < rows.size(); ++r)
    for (int64_t c = 0; c < std::min(cols, rows[r]->count); ++c) {
      const uint8_t* img = rows[r]->image(c);
      const int scale = rows[r]->binary ? 255 : 1;
      for (int64_t k = 0; k < ch; ++k)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < w; ++x)
            px[k * gh * gw + (gap + r * (h + gap) + y) * gw + gap + c * (w + gap) + x] =
                static_cast<uint8_t>(img[k * plane_in + (y / zoom) * iw + x / zoom] * scale);
    }
  return encode_png(px.data(), ch, gh, gw);
}

}  // namespace vlae
