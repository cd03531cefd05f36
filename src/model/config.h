// Everything needed to rebuild a model: stored in RUN/config.json, hashed into file fingerprints.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vlae {

// binary pixels | discretized logistic on 8-bit levels (per-pixel scales) | discretized Gaussian on
// 8-bit levels with one learned scale for all pixels (the calibrated "sigma-VAE" decoder: its
// distortion is squared error over 2 sigma^2 plus a constant, so it trains for MSE/PSNR) | a
// mixture of discretized logistics per sub-pixel (PixelCNN++, Salimans et al. 2017), for PixelCNN
// decoders: it models the two-peaked pixels of digits and the edges of photographs one logistic can't.
enum class Likelihood { Bernoulli, Logistic, Gaussian, LogisticMixture };

struct ModelConfig {
  // Preset: mlp | conv (factorized decoders); pixelcnn (MLP encoder, PixelCNN decoder);
  // vlae (MLP encoder, local PixelCNN decoder, autoregressive-flow prior).
  std::string arch = "mlp";
  int64_t height = 28, width = 28;
  int64_t image_channels = 1;  // 1: gray | 3: RGB (sub-pixels stored planar, C x H x W)
  Likelihood likelihood = Likelihood::Logistic;
  int64_t logistic_mixtures = 5;  // components of the logistic mixture (likelihood logistic-mixture only)
  int64_t latent_dim = 32;
  int64_t hidden = 512;    // MLP hidden width
  int64_t hidden_layers = 1;  // MLP encoder and decoder: hidden layers of that width
  int64_t channels = 32;   // conv: channels of the first layer (doubled in the second)
  double delta = 0.0;      // δ-VAE: committed rate per dimension in nats (0: off)

  // PixelCNN decoder (arch pixelcnn | vlae).
  std::string receptive_field = "full";  // full: dilated stack covering the image | local: a window
  int64_t pixel_layers = 0;              // masked conv layers (0: the receptive field's preset)
  int64_t pixel_channels = 32;
  bool gated = false;                    // tanh ⊙ sigmoid units (Gated PixelCNN) instead of ReLU
  std::string pixel_stack = "single";    // single: masked convs (a blind spot) | vh: vertical + horizontal stacks
  // RGB images: colour — the PixelCNN reads earlier sub-pixels in colour (channel masks) | gray —
  // it reads only the gray level (R + G + B) / 3 of earlier pixels, and a pixel's R, G and B are
  // independent given that context and z, so colour must travel through z (VLAE's CIFAR-10 variant,
  // Chen et al. 2017).
  std::string pixel_context = "colour";
  // PixelCNN: a linear causal predictor beside the network (0: none). A pixel_linear x pixel_linear
  // mask-A convolution from the context pixels straight to the params, added to the head's output
  // and zero at initialization. The network then learns only what a linear prediction from the
  // neighbours (the predictors of LOCO-I and CALIC, learned here) misses, from the first step.
  int64_t pixel_linear = 0;

  // Transform coders (arch factorized | hyperprior): GDN in the analysis and IGDN in the synthesis
  // transform (Ballé et al.) instead of ReLU.
  bool gdn = false;
  // Transform coders: "mixed" quantization (Minnen & Singh 2020). The rate still prices the noisy
  // latent ỹ = y + u, but the synthesis decodes the rounded ŷ the file will carry, with the
  // straight-through gradient, so training sees the distortion the code gives.
  bool mixed_quantization = false;
  // Transform coders: the "hard" phase of Guo et al. 2021's soft-then-hard training, for
  // fine-tuning a model trained with noise. The analysis transforms (g_a, h_a) are frozen and the
  // latents rounded as a file carries them, so the synthesis, h_s, the densities and σ learn on the
  // rate and distortion of the file itself rather than of the noisy latents (whose rate overstates
  // a rounded latent's where the predicted scale is small).
  bool hard_quantization = false;
  // Hyperprior: channels of h_a, h_s and the hyper-latent z (0: `channels`). It differs from
  // `channels` only in a model widened from a narrower one (model/widen.h), whose hyperprior keeps
  // its width.
  int64_t hyper_channels = 0;

  // Prior p(z): normal = N(0, I) | af = MADE autoregressive flow | ar1 = AR(1) Gaussian
  // z_t = α z_{t-1} + √(1-α²) ε_t (δ-VAE's sequential form with a factorized posterior).
  std::string prior = "normal";
  int64_t flow_layers = 2, flow_hidden = 256;
  double ar1_alpha = 0.95;

  // Posterior q(z|x): diag = N(mean, diag var) | iaf = that Gaussian through `iaf_layers` inverse
  // autoregressive flow steps conditioned on the encoder's features (Kingma et al. 2016); MADE
  // width flow_hidden. IAF rates are Monte-Carlo; bits-back and the lossy codec need diag.
  std::string posterior = "diag";
  int64_t iaf_layers = 2;

  int64_t dims() const { return image_channels * height * width; }  // sub-pixels per image
  bool autoregressive_decoder() const { return arch == "pixelcnn" || arch == "vlae"; }
};

nlohmann::json to_json(const ModelConfig& c);
void validate(const ModelConfig& c);  // throws InputError naming the flag
ModelConfig model_config_from_json(const nlohmann::json& j);  // throws InputError
std::string to_string(Likelihood l);
Likelihood parse_likelihood(const std::string& s);  // throws InputError

}  // namespace vlae
