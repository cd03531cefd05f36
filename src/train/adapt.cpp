#include "train/adapt.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <torch/optim/adam.h>

#include "data/tensor.h"
#include "train/fused_adam.h"
#include "util/error.h"
#include "util/progress.h"

namespace vlae {

std::vector<std::string> default_adapted_params(const ModelConfig& c) {
  if (!c.autoregressive_decoder())
    throw InputError("--adapt-steps: give --adapt-params for a model without a PixelCNN decoder");
  std::vector<std::string> p = {"pixelcnn.head."};
  if (c.pixel_linear > 0) p.push_back("pixelcnn.linear.");
  return p;
}

ParamDeltas adapt_parameters(VAE& model, const Images& coded, const AdaptOptions& o, AdaptReport* report) {
  if (o.steps <= 0 || o.lr <= 0 || o.batch_size <= 0) throw InputError("--adapt-steps, --adapt-lr: expected positive");
  if (o.step_log2 < 1 || o.step_log2 > 30) throw InputError("--adapt-step-log2: expected 1..30");
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> prefixes = o.params.empty() ? default_adapted_params(model->config) : o.params;

  // The chosen parameters train; every other one is frozen for the while, then as it was.
  std::vector<std::pair<std::string, torch::Tensor>> chosen;
  std::vector<std::pair<torch::Tensor, bool>> frozen;
  for (const auto& p : model->named_parameters(true)) {
    const bool pick = std::any_of(prefixes.begin(), prefixes.end(),
                                  [&](const std::string& s) { return p.key().rfind(s, 0) == 0; });
    frozen.emplace_back(p.value(), p.value().requires_grad());
    p.value().set_requires_grad(pick);
    if (pick) chosen.emplace_back(p.key(), p.value());
  }
  auto unfreeze = [&] {
    for (auto& [t, g] : frozen) t.set_requires_grad(g);
  };
  for (const auto& s : prefixes)
    if (std::none_of(chosen.begin(), chosen.end(), [&](const auto& c) { return c.first.rfind(s, 0) == 0; })) {
      unfreeze();
      throw InputError("--adapt-params: no parameter of this model starts with '" + s + "'");
    }
  std::vector<torch::Tensor> base, params;
  for (const auto& c : chosen) {
    base.push_back(c.second.detach().clone());
    params.push_back(c.second);
  }

  const bool was_training = model->is_training();
  model->train();
  const auto data = to_tensor(coded);
  const int64_t n = coded.count, bs = std::min(o.batch_size, n);
  const double bits = 1.0 / (static_cast<double>(coded.dims()) * std::log(2.0));
  torch::optim::Adam adam(params, torch::optim::AdamOptions(o.lr));
  torch::manual_seed(o.seed);
  const int64_t tenth = std::max<int64_t>(1, o.steps / 10);
  double first = 0, last = 0;
  Progress bar("adapt", o.steps, "steps");
  try {
    torch::Tensor order;
    for (int64_t s = 0, at = n; s < o.steps; ++s, at += bs) {
      if (at + bs > n) {  // a fresh permutation each pass over the images
        order = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64));
        at = 0;
      }
      const auto batch = data.index_select(0, order.slice(0, at, at + bs));
      const VAETerms t = model->terms(batch);
      const auto loss = (t.distortion + t.rate).mean();  // -ELBO, nats per image: the coder's cost
      release_gradients(adam);
      loss.backward();
      fused_adam_step(adam);
      const double v = loss.item<double>() * bits;
      if (s < tenth) first += v / tenth;
      if (s >= o.steps - tenth) last += v / tenth;
      if (o.progress) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "-ELBO %.4f bits/dim", v);
        bar.update(s + 1, buf);
      }
    }
  } catch (...) {
    unfreeze();
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) params[i].detach().copy_(base[i]);
    throw;
  }
  if (o.progress) bar.finish();
  unfreeze();
  model->train(was_training);

  // Quantize the change, then put the model back: the coder applies the deltas itself.
  ParamDeltas d;
  d.step_log2 = static_cast<uint8_t>(o.step_log2);
  const double scale = std::ldexp(1.0, o.step_log2);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto change = (params[i].detach() - base[i]).to(torch::kFloat64).contiguous();
    const double* c = change.data_ptr<double>();
    std::vector<int32_t> steps(static_cast<size_t>(change.numel()));
    for (size_t j = 0; j < steps.size(); ++j)
      steps[j] = static_cast<int32_t>(std::clamp<double>(std::nearbyint(c[j] * scale), -kMaxParamDeltaSteps,
                                                         kMaxParamDeltaSteps));
    d.tensors.emplace_back(chosen[i].first, std::move(steps));
    params[i].detach().copy_(base[i]);
  }
  if (report) {
    report->params = prefixes;
    report->entries = d.entries();
    report->neg_elbo_first_bits_per_dim = first;
    report->neg_elbo_last_bits_per_dim = last;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return d;
}

}  // namespace vlae
