#include "model/vae.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "model/likelihood.h"
#include "util/error.h"
#include "util/hash.h"

namespace vlae {

VAEImpl::VAEImpl(const ModelConfig& c) : config(c) {
  if (transform_coder_arch(c.arch)) {
    validate(c);
    transform = register_module("transform", TransformCoder(c));
    return;
  }
  encoder = register_module("encoder", Encoder(c));
  validate(c);
  // Checked here, not in validate(): a study's base configuration carries the flag to its
  // PixelCNN models before any architecture is chosen.
  if (c.pixel_context == "gray" && !c.autoregressive_decoder())
    throw InputError("--pixel-context gray: for PixelCNN decoders (--model pixelcnn or vlae)");
  if (c.autoregressive_decoder())
    pixelcnn = register_module("pixelcnn", PixelCNN(c));
  else
    decoder = register_module("decoder", Decoder(c));
  prior = register_module("prior", make_prior(c));
  if (c.posterior == "iaf")
    iaf = register_module("iaf", IAF(c.latent_dim, c.flow_hidden, encoder->feature_dim(), c.iaf_layers));
}

torch::Tensor VAEImpl::encoder_input(const torch::Tensor& x) const {
  return config.likelihood == Likelihood::Bernoulli ? x : x * (1.0 / 255.0);
}

DiagGaussian VAEImpl::encode(const torch::Tensor& x) {
  if (!transform) return encoder->forward(encoder_input(x));
  const auto y = transform->analyse(x).flatten(1);
  return {y, torch::full_like(y, -std::log(12.0))};
}

int64_t VAEImpl::latent_elements() const {
  return transform ? transform->latent_channels * transform->latent_h * transform->latent_w : config.latent_dim;
}
int64_t VAEImpl::rate_elements() const {
  return latent_elements() + (transform ? transform->hyper_channels * transform->hyper_h * transform->hyper_w : 0);
}

torch::Tensor VAEImpl::gaussian_log_scale() const {
  if (transform) return transform->log_scale;
  return decoder && decoder->log_scale.defined() ? decoder->log_scale : torch::Tensor();
}

VAETerms VAEImpl::terms(const torch::Tensor& x, const torch::Tensor& noise) {
  VAETerms t;
  if (transform) {
    // The noisy latents' rates per element (y's, then z's): KL(q||p) = -log p(ỹ, z̃) as log q = 0.
    const TransformTerms tt = transform->terms(x);
    const auto y = tt.y.flatten(1);
    t.posterior = {y, torch::full_like(y, -std::log(12.0))};
    t.z = tt.y_decoded.flatten(1);  // the latent the synthesis read
    t.params = tt.params;
    t.kl_per_dim = tt.z_nats.defined() ? torch::cat({tt.y_nats.flatten(1), tt.z_nats.flatten(1)}, 1) : tt.y_nats.flatten(1);
    t.distortion = -log_likelihood(config.likelihood, t.params, x);
    t.rate = t.kl_per_dim.sum(1);
    return t;
  }
  if (iaf) {
    const auto h = encoder->features(encoder_input(x));
    t.posterior = encoder->posterior(h);
    const auto z0 = t.posterior.sample(noise);
    auto [z, log_sigma] = iaf->forward(z0, h);
    t.z = z;
    // log q(z_T|x) per dimension: the base density less each step's log-determinant.
    t.kl_per_dim = t.posterior.log_prob_per_dim(z0) - log_sigma - prior->log_prob_per_dim(z);
  } else {
    t.posterior = encode(x);
    t.z = t.posterior.sample(noise);
    t.kl_per_dim = prior->analytic_kl(t.posterior);
    if (!t.kl_per_dim.defined()) t.kl_per_dim = t.posterior.log_prob_per_dim(t.z) - prior->log_prob_per_dim(t.z);
  }
  t.params = decode(t.z, x);
  t.distortion = -log_likelihood(config.likelihood, t.params, x);
  t.rate = t.kl_per_dim.sum(1);
  return t;
}

torch::Tensor VAEImpl::decode(const torch::Tensor& z, const torch::Tensor& x) {
  if (transform) return transform->decode(z);
  return pixelcnn ? pixelcnn->forward(z, x) : decoder->forward(z);
}

torch::Tensor VAEImpl::log_importance_weights(const torch::Tensor& x, const DiagGaussian& q, int64_t samples) {
  if (transform) return transform->log_importance_weights(x, samples);
  const int64_t b = x.size(0), k = q.mean.size(1);
  const auto eps = torch::randn({samples, b, k}, q.mean.options());
  auto z = q.mean.unsqueeze(0) + q.std().unsqueeze(0) * eps;  // [S, B, K]
  auto log_q = q.log_prob(z);
  if (iaf) {
    const auto h = encoder->features(encoder_input(x));
    auto [zt, log_sigma] = iaf->forward(z, h.unsqueeze(0).expand({samples, b, h.size(1)}));
    z = zt;
    log_q = log_q - log_sigma.sum(-1);
  }
  const auto x_rep = x.unsqueeze(0).expand({samples, b, x.size(1)}).reshape({samples * b, x.size(1)});
  const auto params = decode(z.reshape({samples * b, k}), x_rep);
  const auto log_px = log_likelihood(config.likelihood, params, x_rep).view({samples, b});
  return log_px + prior->log_prob(z) - log_q;
}

uint64_t VAEImpl::fingerprint() {
  const std::string cfg = to_json(config).dump();
  uint64_t h = fnv1a(cfg.data(), cfg.size());
  for (const auto& p : named_parameters(true)) {
    const auto t = p.value().detach().to(torch::kCPU).contiguous();
    h = fnv1a(p.key().data(), p.key().size(), h);
    h = fnv1a(t.data_ptr(), static_cast<size_t>(t.numel() * t.element_size()), h);
  }
  for (const auto& b : named_buffers(true)) {
    const auto t = b.value().detach().to(torch::kCPU).contiguous();
    h = fnv1a(t.data_ptr(), static_cast<size_t>(t.numel() * t.element_size()), h);
  }
  return h;
}

}  // namespace vlae
