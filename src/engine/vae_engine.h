// The networks on the coding path, evaluated by vlae's deterministic kernels: the encoder q(z|x),
// the factorized decoder p(x|z), the prior's conditionals p(z_j | z_<j) and (engine/pixelcnn_engine.h)
// the PixelCNN decoder. Each output is a function of the model's weights and its own input alone,
// so an encoder and a decoder on any machine compute the same bits (coding arithmetic 1,
// coding/container.h). The weights are copied from the LibTorch model once; training keeps LibTorch.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/sequential.h"
#include "model/vae.h"

namespace vlae::engine {

class PixelCNNEngine;

// The decoder mean of one pixel as the 8-bit level a lossy decoder writes: a Bernoulli pixel's
// probability times 255, or the location on the level scale, rounded (half away from zero) and
// clipped to 0..255 (likelihood_mean's definition, in double from the float param).
uint8_t mean_level(Likelihood likelihood, double param);

class VAEEngine {
 public:
  explicit VAEEngine(VAE& model);
  ~VAEEngine();

  int64_t latent_dim() const { return k_; }
  // q(z|x) for n images of data-scale pixels (0/1 or levels, [n][D]): mean and std, [n * K].
  void posterior(const uint8_t* x, int64_t n, std::vector<double>& mean, std::vector<double>& std) const;
  // A factorized decoder's params at z ([n][K]): [n][P][D] (model/likelihood.h's layout).
  void decoder_params(const float* z, int64_t n, std::vector<double>& params) const;
  // p(z_j | z_<j) for n rows of z ([n][K]; only entries < j are read): mean and std.
  void prior_conditional(const float* z, int64_t n, int64_t j, double* mean, double* std) const;
  bool standard_normal_prior() const { return prior_ == Prior::Normal; }
  const PixelCNNEngine* pixelcnn() const { return pixelcnn_.get(); }

 private:
  enum class Prior { Normal, AR1, Flow } prior_;
  int64_t k_, d_, p_, outputs_ = 0;  // outputs_: per pixel from a factorized decoder's network
  Likelihood likelihood_;
  int64_t channels_, height_, width_;
  Sequential encoder_body_, decoder_;
  Dense encoder_head_;
  float max_std_log_ = 0.0f;  // δ-VAE: log of the posterior's std bound (0: unbounded)
  bool bounded_std_ = false;
  float log_scale_ = 0.0f;    // Gaussian likelihood: the learned log sigma
  double ar1_alpha_ = 0.0;
  struct Made {
    Dense in, mid, out;
  };
  std::vector<Made> flow_;
  std::unique_ptr<PixelCNNEngine> pixelcnn_;
};

}  // namespace vlae::engine
