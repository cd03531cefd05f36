#include "model/widen.h"

#include <torch/nn/modules/conv.h>
#include <torch/utils.h>

#include <string>

#include "model/gdn.h"
#include "util/error.h"

namespace vlae {

namespace {

// wide[0:n_0, 0:n_1, ...] = narrow (the old weights in their old places).
void copy_block(torch::Tensor wide, const torch::Tensor& narrow) {
  for (int64_t d = 0; d < narrow.dim(); ++d) wide = wide.narrow(d, 0, narrow.size(d));
  wide.copy_(narrow);
}

// Zeroes wide[0:old_out, old_in:] with the out and in axes given: the weights from new channels
// into old ones.
void zero_new_into_old(torch::Tensor w, int64_t out_axis, int64_t in_axis, int64_t old_out, int64_t old_in) {
  const int64_t new_in = w.size(in_axis) - old_in;
  if (new_in > 0) w.narrow(out_axis, 0, old_out).narrow(in_axis, old_in, new_in).zero_();
}

// One transform (analysis or synthesis), layer by layer.
void widen_sequential(torch::nn::Sequential& narrow, torch::nn::Sequential& wide) {
  for (size_t i = 0; i < wide->size(); ++i) {
    const auto n = narrow->ptr(i), w = wide->ptr(i);
    if (auto wc = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(w)) {
      auto nc = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(n);
      copy_block(wc->weight, nc->weight);
      copy_block(wc->bias, nc->bias);
      zero_new_into_old(wc->weight, 0, 1, nc->weight.size(0), nc->weight.size(1));  // [out, in, kh, kw]
    } else if (auto wt = std::dynamic_pointer_cast<torch::nn::ConvTranspose2dImpl>(w)) {
      auto nt = std::dynamic_pointer_cast<torch::nn::ConvTranspose2dImpl>(n);
      copy_block(wt->weight, nt->weight);
      copy_block(wt->bias, nt->bias);
      zero_new_into_old(wt->weight, 1, 0, nt->weight.size(1), nt->weight.size(0));  // [in, out, kh, kw]
    } else if (auto wg = std::dynamic_pointer_cast<GDNImpl>(w)) {
      auto ng = std::dynamic_pointer_cast<GDNImpl>(n);
      copy_block(wg->beta_raw, ng->beta_raw);
      copy_block(wg->gamma_raw, ng->gamma_raw);
      zero_new_into_old(wg->gamma_raw, 0, 1, ng->channels, ng->channels);  // γ[i][j]: x_j² into output i
    }  // ReLU: no weights
  }
}

// Parameters copied whole (the hyperprior and the decoder's σ): same names, same shapes.
void copy_same(torch::nn::Module& narrow, torch::nn::Module& wide) {
  auto to = wide.named_parameters(true);
  for (const auto& p : narrow.named_parameters(true)) {
    auto* dst = to.find(p.key());
    if (!dst || !dst->sizes().equals(p.value().sizes()))
      throw InputError("widen: parameter " + p.key() + " does not match the wide model");
    dst->copy_(p.value());
  }
}

}  // namespace

ModelConfig widened_config(const ModelConfig& narrow, int64_t channels) {
  if (!transform_coder_arch(narrow.arch))
    throw InputError("--widen-channels: for transform coders (--model factorized or hyperprior), not " + narrow.arch);
  if (channels <= narrow.channels)
    throw InputError("--widen-channels: expected more than the model's " + std::to_string(narrow.channels) +
                     " channels, got " + std::to_string(channels));
  ModelConfig wide = narrow;
  if (narrow.arch == "hyperprior" && narrow.hyper_channels == 0) wide.hyper_channels = narrow.channels;
  wide.channels = channels;
  return wide;
}

void widen_transform_coder(TransformCoderImpl& narrow, TransformCoderImpl& wide) {
  torch::NoGradGuard no_grad;
  widen_sequential(narrow.analysis, wide.analysis);
  widen_sequential(narrow.synthesis, wide.synthesis);
  wide.log_scale.copy_(narrow.log_scale);
  copy_same(*narrow.density, *wide.density);
  if (narrow.hyper_analysis) {
    copy_same(*narrow.hyper_analysis, *wide.hyper_analysis);
    copy_same(*narrow.hyper_synthesis, *wide.hyper_synthesis);
  }
}

}  // namespace vlae
