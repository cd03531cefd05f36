#include "model/encoder.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "util/error.h"

namespace vlae {

namespace nn = torch::nn;

EncoderImpl::EncoderImpl(const ModelConfig& c) : config(c), max_std(c.delta > 0 ? delta_vae_max_std(c.delta) : 0.0) {
  const int64_t k = c.latent_dim;
  if (c.arch != "conv") {  // mlp, and the encoder of the pixelcnn and vlae presets
    body = nn::Sequential(nn::Linear(c.dims(), c.hidden), nn::ReLU());
    for (int64_t l = 1; l < c.hidden_layers; ++l) {
      body->push_back(nn::Linear(c.hidden, c.hidden));
      body->push_back(nn::ReLU());
    }
    head = nn::Linear(c.hidden, 2 * k);
  } else if (c.arch == "conv") {
    if (c.height % 4 || c.width % 4) throw InputError("--model conv needs height and width divisible by 4");
    const int64_t ch = c.channels;
    body = nn::Sequential(nn::Conv2d(nn::Conv2dOptions(c.image_channels, ch, 4).stride(2).padding(1)), nn::ReLU(),
                          nn::Conv2d(nn::Conv2dOptions(ch, 2 * ch, 4).stride(2).padding(1)), nn::ReLU(),
                          nn::Flatten());
    head = nn::Linear(2 * ch * (c.height / 4) * (c.width / 4), 2 * k);
  }
  register_module("body", body);
  register_module("head", head);
}

torch::Tensor EncoderImpl::features(const torch::Tensor& x) {
  auto in = config.arch == "conv" ? x.view({x.size(0), config.image_channels, config.height, config.width}) : x;
  return body->forward(in);
}

int64_t EncoderImpl::feature_dim() const { return head->options.in_features(); }

DiagGaussian EncoderImpl::posterior(const torch::Tensor& h) {
  auto out = head->forward(h);
  auto chunks = out.chunk(2, 1);
  DiagGaussian q;
  q.mean = chunks[0];
  if (max_std > 0) {
    // std = sigma_u * sigmoid(raw) <= sigma_u < 1, so KL per dimension >= delta.
    q.log_var = 2.0 * (std::log(max_std) + torch::log_sigmoid(chunks[1]));
  } else {
    q.log_var = chunks[1].clamp(-30.0, 20.0);
  }
  return q;
}

}  // namespace vlae
