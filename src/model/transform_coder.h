// Transform coding in the VAE's terms (Ballé et al. 2017, 2018; Minnen et al. 2018's mean-scale
// hyperprior without the autoregressive context): an analysis transform y = g_a(x), a synthesis
// transform x̂ = g_s(ŷ), and a learned entropy model of the quantized latents. Training replaces
// rounding by the noisy latent ỹ = y + u, u ~ U(-1/2, 1/2): that is a VAE whose posterior
// q(ỹ|x) = U(y - 1/2, y + 1/2) has log q = 0, so its KL is the rate -log p(ỹ) in nats, and whose
// prior is the entropy model convolved with the unit uniform (with --mixed-quantization the
// synthesis reads the rounded latent instead, straight-through). The decoder is the calibrated
// Gaussian on 8-bit levels (one learned sigma), so distortion = squared error / 2σ² + const and
// the β of the objective sets the rate-distortion trade (λ = 1 / (2σ²β) on [-1, 1] pixel units).
//   factorized: ŷ [M, H/4, W/4] under one factorized density per channel (Ballé 2017).
//   hyperprior: z = h_a(y) [K, ⌈H/8⌉, ⌈W/8⌉] under the factorized density (K = N unless the model
//               was widened, model/widen.h); h_s(ẑ) gives each latent of y a mean μ and a scale
//               σ, and ŷ - μ is rounded and coded under N(0, σ²) convolved with the unit uniform
//               (Ballé 2018, mean-scale as Minnen 2018).
// Transforms are convolutions, transposed convolutions and ReLUs only: the layers the
// deterministic engine ports (engine/sequential.h), so a file's decode is bit-exact anywhere.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/types.h>

#include "model/config.h"
#include "model/factorized_density.h"

namespace vlae {

// The hyperprior's latent scales live in [kMinLatentScale, kMaxLatentScale]: σ = exp of h_s's
// raw output clamped to that range, in training and coding alike.
constexpr double kMinLatentScale = 0.11, kMaxLatentScale = 64.0;

bool transform_coder_arch(const std::string& arch);  // factorized | hyperprior

struct TransformTerms {
  torch::Tensor y, z;                  // analysis outputs [B, M, h, w], [B, N, h', w'] (z: hyperprior)
  torch::Tensor y_noisy, z_noisy;      // + U(-1/2, 1/2) (training) or rounded (eval rounding)
  torch::Tensor y_nats, z_nats;        // -log p per latent, same shapes
  torch::Tensor y_decoded;             // what the synthesis read: y_noisy, or (mixed quantization) ŷ
  torch::Tensor params;                // decoder params at y_decoded [B, 2, D]
};

struct TransformCoderImpl : torch::nn::Module {
  explicit TransformCoderImpl(const ModelConfig& c);

  // x: [B, D] levels 0..255 -> y [B, M, h, w].
  torch::Tensor analyse(const torch::Tensor& x);
  // ŷ or ỹ [B, M*h*w] (or [B, M, h, w]) -> Gaussian params [B, 2, D].
  torch::Tensor decode(const torch::Tensor& y);
  // The hyperprior's mean and σ of every latent of y given ẑ: [B, M, h, w] each.
  std::pair<torch::Tensor, torch::Tensor> latent_gaussian(const torch::Tensor& z);
  // The noisy-latent terms of x ([B, D]); noise: false rounds the latents (the test-time code).
  TransformTerms terms(const torch::Tensor& x, bool noise = true);
  // log p(x|ỹ) + log p(ỹ, z̃) for `samples` noise draws per image, [S, B] nats (log q = 0).
  torch::Tensor log_importance_weights(const torch::Tensor& x, int64_t samples);

  ModelConfig config;
  int64_t latent_channels, latent_h, latent_w;  // y
  int64_t hyper_channels = 0, hyper_h = 0, hyper_w = 0;  // z (hyperprior)
  torch::nn::Sequential analysis{nullptr}, synthesis{nullptr}, hyper_analysis{nullptr}, hyper_synthesis{nullptr};
  FactorizedDensity density{nullptr};  // of z (hyperprior), of y (factorized)
  torch::Tensor log_scale;             // the Gaussian decoder's log sigma, [-1, 1] pixel units
};
TORCH_MODULE(TransformCoder);

// -log P(bin of width 1 around v) under N(mean, scale²) convolved with U(-1/2, 1/2), nats, floored.
torch::Tensor gaussian_bin_nats(const torch::Tensor& v, const torch::Tensor& mean, const torch::Tensor& scale);

}  // namespace vlae
