#include "engine/vae_engine.h"

#include <algorithm>
#include <cmath>

#include "engine/float_mode.h"
#include "engine/pixelcnn_engine.h"
#include "model/flow_prior.h"
#include "model/discretization.h"
#include "model/likelihood.h"
#include "util/det_math.h"
#include "util/error.h"

namespace vlae::engine {

uint8_t mean_level(Likelihood likelihood, double param) {
  const double level = likelihood == Likelihood::Bernoulli ? det::sigmoid(param) * 255.0 : (param + 1.0) * kLevelsPerUnit;
  return static_cast<uint8_t>(std::round(std::clamp(level, 0.0, 255.0)));
}

VAEEngine::VAEEngine(VAE& model)
    : k_(model->config.latent_dim), d_(model->config.dims()), p_(likelihood_params(model->config)),
      likelihood_(model->config.likelihood), channels_(model->config.image_channels), height_(model->config.height),
      width_(model->config.width) {
  torch::NoGradGuard no_grad;
  const auto& c = model->config;
  if (model->transform)
    throw InputError("--model " + c.arch + " is a transform coder: it codes only with compress --lossy");
  encoder_body_ = Sequential(model->encoder->body);
  encoder_head_ = dense_of(model->encoder->head);
  if (model->encoder->max_std > 0) {
    bounded_std_ = true;
    max_std_log_ = static_cast<float>(det::log(model->encoder->max_std));
  }
  if (model->decoder) {
    decoder_ = Sequential(model->decoder->net);
    outputs_ = likelihood_outputs(c);
    if (model->decoder->log_scale.defined()) log_scale_ = model->decoder->log_scale.to(torch::kCPU).item<float>();
  }
  if (model->pixelcnn) pixelcnn_ = std::make_unique<PixelCNNEngine>(model->pixelcnn);
  prior_ = Prior::Normal;
  if (c.prior == "ar1") {
    prior_ = Prior::AR1;
    ar1_alpha_ = c.ar1_alpha;
  } else if (c.prior == "af") {
    prior_ = Prior::Flow;
    auto* flow = dynamic_cast<FlowPriorImpl*>(model->prior.get());
    for (auto& made : flow->layers)
      flow_.push_back({dense_of(made->in->linear, made->in->mask), dense_of(made->mid->linear, made->mid->mask),
                       dense_of(made->out->linear, made->out->mask)});
  }
}

VAEEngine::~VAEEngine() = default;

void VAEEngine::posterior(const uint8_t* x, int64_t n, std::vector<double>& mean, std::vector<double>& std) const {
  const IeeeSubnormals ieee;
  // The encoder's input scale (VAEImpl::encoder_input): binary pixels as they are, levels / 255.
  Batch in = Batch::flat(n, d_);
  const float scale = likelihood_ == Likelihood::Bernoulli ? 1.0f : static_cast<float>(1.0 / 255.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < d_; ++i) in.row(r)[i] = static_cast<float>(x[r * d_ + i]) * scale;
  if (encoder_body_.starts_with_conv()) in = Sequential::to_map(in, channels_, height_, width_);
  const Batch h = encoder_body_.forward(std::move(in));
  Batch out = Batch::flat(n, 2 * k_);
  encoder_head_.forward(h.data.data(), h.stride, n, out.data.data(), out.stride);
  mean.resize(static_cast<size_t>(n * k_));
  std.resize(static_cast<size_t>(n * k_));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k_; ++j) {
      const float raw = out.row(r)[k_ + j];
      // log var as the encoder's head defines it (EncoderImpl::posterior), in float.
      const float log_var = bounded_std_ ? 2.0f * (max_std_log_ + det::log_sigmoidf(raw))
                                         : std::min(std::max(raw, -30.0f), 20.0f);
      mean[r * k_ + j] = out.row(r)[j];
      std[r * k_ + j] = det::exp(0.5 * static_cast<double>(log_var));
    }
}

void VAEEngine::decoder_params(const float* z, int64_t n, std::vector<double>& params) const {
  const IeeeSubnormals ieee;
  Batch in = Batch::flat(n, k_);
  for (int64_t r = 0; r < n; ++r) std::copy(z + r * k_, z + (r + 1) * k_, in.row(r));
  const Batch out = decoder_.forward(std::move(in));
  params.resize(static_cast<size_t>(n * p_ * d_));
  for (int64_t r = 0; r < n; ++r) {
    double* pr = params.data() + r * p_ * d_;
    for (int64_t i = 0; i < outputs_ * d_; ++i) pr[i] = Sequential::at(out, r, i);
    if (outputs_ < p_)  // the Gaussian's one learned log-scale, broadcast
      for (int64_t i = 0; i < d_; ++i) pr[d_ + i] = log_scale_;
  }
}

void VAEEngine::prior_conditional(const float* z, int64_t n, int64_t j, double* mean, double* std) const {
  const IeeeSubnormals ieee;
  switch (prior_) {
    case Prior::Normal:
      for (int64_t r = 0; r < n; ++r) mean[r] = 0.0, std[r] = 1.0;
      return;
    case Prior::AR1:
      for (int64_t r = 0; r < n; ++r) {
        mean[r] = j == 0 ? 0.0 : ar1_alpha_ * static_cast<double>(z[r * k_ + j - 1]);
        std[r] = j == 0 ? 1.0 : std::sqrt(1.0 - ar1_alpha_ * ar1_alpha_);
      }
      return;
    case Prior::Flow: break;
  }
  // ε_j = a z_j + b given z_<j (FlowPriorImpl::conditional): each MAF layer's affine map on
  // dimension j composed in double; h moves through the layers in float, entries >= j zeroed.
  Batch h = Batch::flat(n, k_);
  for (int64_t r = 0; r < n; ++r) std::copy(z + r * k_, z + r * k_ + j, h.row(r));
  std::vector<double> a(static_cast<size_t>(n), 1.0), b(static_cast<size_t>(n), 0.0);
  for (const Made& made : flow_) {
    Batch h1 = Batch::flat(n, made.in.out), h2 = Batch::flat(n, made.mid.out), o = Batch::flat(n, made.out.out);
    made.in.forward(h.data.data(), h.stride, n, h1.data.data(), h1.stride);
    for (float& v : h1.data) v = v > 0.0f ? v : 0.0f;
    made.mid.forward(h1.data.data(), h1.stride, n, h2.data.data(), h2.stride);
    for (float& v : h2.data) v = v > 0.0f ? v : 0.0f;
    made.out.forward(h2.data.data(), h2.stride, n, o.data.data(), o.stride);
    for (int64_t r = 0; r < n; ++r) {
      float* hr = h.row(r);
      const float* orow = o.row(r);
      for (int64_t i = 0; i < k_; ++i) {
        const float mu = orow[i], alpha = 3.0f * det::tanhf(orow[k_ + i] / 3.0f);
        if (i == j) {
          const double scale = det::exp(-static_cast<double>(alpha));
          a[r] = a[r] * scale;
          b[r] = (b[r] - static_cast<double>(mu)) * scale;
        }
        hr[i] = (hr[i] - mu) * det::expf(-alpha);
      }
    }
  }
  for (int64_t r = 0; r < n; ++r) {
    mean[r] = -b[r] / a[r];
    std[r] = 1.0 / a[r];
  }
}

}  // namespace vlae::engine
