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

void check_adapt_options(const AdaptOptions& o) {
  if (o.steps < 0) throw InputError("--adapt-steps: expected 0 or more");
  if (o.lr <= 0) throw InputError("--adapt-lr: expected a positive learning rate");
  if (o.batch_size <= 0) throw InputError("--adapt-batch-size: expected a positive batch size");
  if (o.step_log2 < 1 || o.step_log2 > 30) throw InputError("--adapt-step-log2: expected 1..30");
  for (const auto& p : o.params)
    if (p.empty()) throw InputError("--adapt-params: an empty prefix");
}

namespace {
// While adaptation runs: every parameter's requires_grad, the model's mode and the chosen
// parameters' values as they were, put back however the scope ends.
struct PutBack {
  std::vector<std::pair<torch::Tensor, bool>> grad_flags;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> values;  // parameter, its value before
  VAE& model;
  bool was_training;
  explicit PutBack(VAE& m) : model(m), was_training(m->is_training()) {}
  ~PutBack() {
    torch::NoGradGuard no_grad;
    for (auto& [t, g] : grad_flags) t.set_requires_grad(g);
    for (auto& [p, before] : values) p.detach().copy_(before);
    model->train(was_training);
  }
};
}  // namespace

ParamDeltas adapt_parameters(VAE& model, const Images& coded, const AdaptOptions& o, AdaptReport* report) {
  check_adapt_options(o);
  if (o.steps == 0) throw InputError("--adapt-steps: expected a positive number of steps");
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> prefixes = o.params.empty() ? default_adapted_params(model->config) : o.params;

  // The chosen parameters train; every other one is frozen for the while.
  PutBack put_back(model);
  std::vector<std::string> names;
  std::vector<torch::Tensor> params;
  for (const auto& p : model->named_parameters(true)) {
    const bool pick = std::any_of(prefixes.begin(), prefixes.end(),
                                  [&](const std::string& s) { return p.key().rfind(s, 0) == 0; });
    put_back.grad_flags.emplace_back(p.value(), p.value().requires_grad());
    p.value().set_requires_grad(pick);
    if (!pick) continue;
    names.push_back(p.key());
    params.push_back(p.value());
    put_back.values.emplace_back(p.value(), p.value().detach().clone());
  }
  for (const auto& s : prefixes)
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(s, 0) == 0; }))
      throw InputError("--adapt-params: no parameter of this model starts with '" + s + "'");

  model->train();
  const auto data = to_tensor(coded);
  const int64_t n = coded.count, bs = std::min(o.batch_size, n);
  const double bits = 1.0 / (static_cast<double>(coded.dims()) * std::log(2.0));
  torch::optim::Adam adam(params, torch::optim::AdamOptions(o.lr));
  torch::manual_seed(o.seed);
  const int64_t tenth = std::max<int64_t>(1, o.steps / 10);
  double first = 0, last = 0;
  Progress bar("adapt", o.steps, "steps");
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
  if (o.progress) bar.finish();

  // Quantize the change; put_back then restores the model: the coder applies the deltas itself.
  ParamDeltas d;
  d.step_log2 = static_cast<uint8_t>(o.step_log2);
  const double scale = std::ldexp(1.0, o.step_log2);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto change = (params[i].detach() - put_back.values[i].second).to(torch::kFloat64).contiguous();
    const double* c = change.data_ptr<double>();
    std::vector<int32_t> steps(static_cast<size_t>(change.numel()));
    for (size_t j = 0; j < steps.size(); ++j)
      steps[j] = static_cast<int32_t>(std::clamp<double>(std::nearbyint(c[j] * scale), -kMaxParamDeltaSteps,
                                                         kMaxParamDeltaSteps));
    d.tensors.emplace_back(names[i], std::move(steps));
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
