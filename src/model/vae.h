// The VAE as a lossy compressor: encoder q(z|x), decoder p(x|z), prior p(z).
// distortion = E_q[-log p(x|z)] and rate = KL(q(z|x) || p(z)), both per image in nats.
#pragma once
#include <torch/nn/module.h>

#include "model/config.h"
#include "model/decoder.h"
#include "model/encoder.h"
#include "model/iaf.h"
#include "model/pixelcnn.h"
#include "model/prior.h"
#include "model/transform_coder.h"

namespace vlae {

struct VAETerms {
  DiagGaussian posterior;    // q(z|x), or with an IAF posterior the Gaussian the flow starts from
  torch::Tensor z;           // one sample from q(z|x), [B, K]
  torch::Tensor params;      // decoder output at z
  torch::Tensor distortion;  // -log p(x|z), [B] nats (single-sample estimate of E_q)
  torch::Tensor kl_per_dim;  // [B, K] nats: analytic where the prior allows, else one-sample MC
                             // log q(z_i|x) - log p(z_i|z_<i) at the sample
  torch::Tensor rate;        // KL(q||p) = kl_per_dim summed, [B] nats
};

struct VAEImpl : torch::nn::Module {
  explicit VAEImpl(const ModelConfig& c);

  // x: [B, D] floats holding 0/1 or levels 0..255 (the data's own scale).
  torch::Tensor encoder_input(const torch::Tensor& x) const;
  // q(z|x). A transform coder's posterior is U(y - 1/2, y + 1/2): returned as the Gaussian of its
  // mean y and variance 1/12 (what active units and the lossy report read; its rate is not a KL
  // of this Gaussian).
  DiagGaussian encode(const torch::Tensor& x);
  // noise: the standard-normal draw of the posterior sample, [B, K]; undefined: drawn here. (Data-
  // parallel training draws a whole global batch's noise on every rank and passes its rows.)
  VAETerms terms(const torch::Tensor& x, const torch::Tensor& noise = {});
  // Likelihood params [B, P, D] of p(x|z); x is used only by an autoregressive decoder, which sees
  // x_<j for pixel j (teacher forcing).
  torch::Tensor decode(const torch::Tensor& z, const torch::Tensor& x);
  bool autoregressive() const { return config.autoregressive_decoder(); }
  // Entries of a posterior mean (K: latent_dim, or a transform coder's latents y) and of the rate
  // per element kl_per_dim (a transform coder's y and hyper-latents z).
  int64_t latent_elements() const;
  int64_t rate_elements() const;
  // The Gaussian decoder's one learned log sigma (undefined for other likelihoods).
  torch::Tensor gaussian_log_scale() const;
  // log p(x,z) - log q(z|x) for S samples per image: [S, B] nats (importance weights of IWAE).
  torch::Tensor log_importance_weights(const torch::Tensor& x, const DiagGaussian& q, int64_t samples);
  // 64-bit hash of the configuration and every parameter and buffer, in registration order.
  uint64_t fingerprint();

  ModelConfig config;
  Encoder encoder{nullptr};
  Decoder decoder{nullptr};    // factorized decoders (mlp, conv)
  PixelCNN pixelcnn{nullptr};  // autoregressive decoders (pixelcnn, vlae)
  IAF iaf{nullptr};            // --posterior iaf
  TransformCoder transform{nullptr};  // --model factorized | hyperprior: no encoder, decoder or prior above
  std::shared_ptr<PriorImpl> prior;
};
TORCH_MODULE(VAE);

}  // namespace vlae
