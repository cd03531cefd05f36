#include "model/decoder.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "model/likelihood.h"
#include "util/error.h"

namespace vlae {

namespace nn = torch::nn;

DecoderImpl::DecoderImpl(const ModelConfig& c) : config(c) {
  const int64_t p = likelihood_outputs(c);
  if (c.arch == "mlp") {
    // Layers are initialized output first: the order in which GCC evaluated the arguments of the
    // one-expression Sequential this replaced, so a seed still gives the model it gave before.
    std::vector<nn::Linear> layers{nn::Linear(c.hidden, p * c.dims())};
    for (int64_t l = 1; l < c.hidden_layers; ++l) layers.push_back(nn::Linear(c.hidden, c.hidden));
    layers.push_back(nn::Linear(c.latent_dim, c.hidden));
    net = nn::Sequential();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      net->push_back(*it);
      if (it + 1 != layers.rend()) net->push_back(nn::ReLU());
    }
  } else if (c.arch == "conv") {
    const int64_t ch = c.channels, h4 = c.height / 4, w4 = c.width / 4;
    net = nn::Sequential(nn::Linear(c.latent_dim, 2 * ch * h4 * w4), nn::ReLU(),
                         nn::Unflatten(nn::UnflattenOptions(1, {2 * ch, h4, w4})),
                         nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2 * ch, ch, 4).stride(2).padding(1)),
                         nn::ReLU(), nn::ConvTranspose2d(nn::ConvTranspose2dOptions(ch, p * c.image_channels, 4).stride(2).padding(1)));
  } else {
    throw InputError("--model: unknown architecture '" + c.arch + "'");
  }
  register_module("net", net);
  // sigma = e^-2 ~ 17 levels: near what a trained model settles on, so Adam need not walk there.
  if (c.likelihood == Likelihood::Gaussian) log_scale = register_parameter("log_scale", torch::full({1}, -2.0));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& z) {
  const int64_t b = z.size(0), d = config.dims();
  if (config.likelihood != Likelihood::Gaussian)
    return net->forward(z).reshape({b, likelihood_params(config), d});
  const auto mean = net->forward(z).reshape({b, 1, d});
  return torch::cat({mean, log_scale.view({1, 1, 1}).expand({b, 1, d})}, 1);
}

}  // namespace vlae
