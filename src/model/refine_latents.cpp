#include "model/refine_latents.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>
#include <torch/optim/adam.h>

#include <cmath>

#include "model/likelihood.h"
#include "util/error.h"

namespace vlae {

namespace {

constexpr double kStartTemperature = 0.5;  // Yang et al.'s τ_max
constexpr double kTemperatureDecay = 3.0;  // τ = 0.5 e^{-3 t/steps}: 0.5 -> 0.025 over the steps
constexpr double kDistanceClamp = 1e-5;    // atanh stays finite: distances within [0, 1 - 1e-5]
// Every kCheckEvery steps (and after the last) each image's rounded L is measured, and the image
// keeps its best rounded iterate so far: SGA's noisy steps often end above a rounded point they
// passed. A check is one forward pass without gradients, less than a step's forward and backward,
// so checking every 5 steps adds a small fraction to the encoder's time.
constexpr int64_t kCheckEvery = 5;

// v relaxed between ⌊v⌋ and ⌈v⌉ at temperature tau: ⌊v⌋ + w, w the weight of ⌈v⌉ in a two-way
// relaxed one-hot sample, softmax((logits + Gumbel noise) / tau) with logits -atanh(distance) / tau.
// The difference of two Gumbel draws is a logistic draw, log u - log(1 - u).
torch::Tensor sga(const torch::Tensor& v, double tau, at::Generator& gen) {
  const auto lo = torch::floor(v).detach();
  const auto d = v - lo;  // distance to ⌊v⌋, in [0, 1)
  const auto logit_lo = -torch::atanh(d.clamp(0.0, 1.0 - kDistanceClamp)) / tau;
  const auto logit_hi = -torch::atanh((1.0 - d).clamp(0.0, 1.0 - kDistanceClamp)) / tau;
  const auto u = torch::rand(v.sizes(), gen, v.options()).clamp(1e-7, 1.0 - 1e-7);
  const auto logistic = torch::log(u) - torch::log1p(-u);
  return lo + torch::sigmoid((logit_hi - logit_lo + logistic) / tau);
}

// L per image [B] (nats) at latents made discrete by `quantize` (rounding, or SGA while refining).
template <typename Quantize>
torch::Tensor objective_at(TransformCoderImpl& t, const torch::Tensor& x, const torch::Tensor& y,
                           const torch::Tensor& z, double beta, Quantize quantize) {
  torch::Tensor y_hat, rate;
  if (t.hyper_analysis) {
    const auto z_hat = quantize(z);
    auto [mean, scale] = t.latent_gaussian(z_hat);
    y_hat = mean + quantize(y - mean);
    rate = t.density->bin_nats(z_hat).flatten(1).sum(1) + gaussian_bin_nats(y_hat, mean, scale).flatten(1).sum(1);
  } else {
    y_hat = quantize(y);
    rate = t.density->bin_nats(y_hat).flatten(1).sum(1);
  }
  return -log_likelihood(t.config.likelihood, t.decode(y_hat), x) + beta * rate;
}

torch::Tensor rounded_objective(TransformCoderImpl& t, const torch::Tensor& x, const torch::Tensor& y,
                                const torch::Tensor& z, double beta) {
  return objective_at(t, x, y, z, beta, [](const torch::Tensor& v) { return torch::round(v); });
}

// Each image's row of `refined` where keep[i], else of `start`.
torch::Tensor pick_rows(const torch::Tensor& keep, const torch::Tensor& refined, const torch::Tensor& start) {
  std::vector<int64_t> shape(static_cast<size_t>(refined.dim()), 1);
  shape[0] = refined.size(0);
  return torch::where(keep.view(shape), refined, start);
}

}  // namespace

void check_refine_options(const RefineOptions& o) {
  if (o.steps < 0 || o.steps > 100000) throw InputError("--refine-steps: expected 0..100000");
  if (!(o.lr > 0.0 && o.lr <= 10.0)) throw InputError("--refine-lr: expected a step in (0, 10]");
}

RefinedLatents refine_latents(TransformCoderImpl& t, const torch::Tensor& x, const RefineOptions& o) {
  check_refine_options(o);
  RefinedLatents r;
  torch::Tensor y0, z0, before;
  {
    torch::NoGradGuard no_grad;
    y0 = t.analyse(x);
    if (t.hyper_analysis) z0 = t.hyper_analysis->forward(y0);
    before = rounded_objective(t, x, y0, z0, o.beta);
  }
  r.y = y0;
  r.z = z0;
  r.objective_before_nats = r.objective_after_nats = before.sum().item<double>();
  if (o.steps == 0) return r;

  // Only the latents are optimized; torch::autograd::grad leaves the model's .grad untouched.
  torch::AutoGradMode grad_on(true);
  auto y = y0.clone().set_requires_grad(true);
  auto z = z0.defined() ? z0.clone().set_requires_grad(true) : torch::Tensor();
  std::vector<torch::Tensor> latents{y};
  if (z.defined()) latents.push_back(z);
  torch::optim::Adam adam(latents, torch::optim::AdamOptions(o.lr));
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  // Invariant: best[i] is the lowest rounded L image i has had, and (best_y, best_z)[i] its latents.
  auto best = before, best_y = y0, best_z = z0;
  const auto check = [&] {
    torch::NoGradGuard no_grad;
    const auto yc = y.detach(), zc = z.defined() ? z.detach() : torch::Tensor();
    const auto now = rounded_objective(t, x, yc, zc, o.beta);
    const auto lower = now < best;
    best_y = pick_rows(lower, yc, best_y);
    if (zc.defined()) best_z = pick_rows(lower, zc, best_z);
    best = torch::where(lower, now, best);
  };
  for (int64_t s = 0; s < o.steps; ++s) {
    const double tau = kStartTemperature * std::exp(-kTemperatureDecay * static_cast<double>(s) / o.steps);
    const auto loss =
        objective_at(t, x, y, z, o.beta, [&](const torch::Tensor& v) { return sga(v, tau, gen); }).sum();
    const auto grads = torch::autograd::grad({loss}, latents);
    for (size_t i = 0; i < latents.size(); ++i) latents[i].mutable_grad() = grads[i];
    adam.step();
    if ((s + 1) % kCheckEvery == 0 || s + 1 == o.steps) check();
  }

  torch::NoGradGuard no_grad;
  r.y = best_y;  // torch::where made new tensors; where no row improved, g_a's own latents
  r.z = best_z;
  r.objective_after_nats = best.sum().item<double>();
  r.images_improved = (best < before).sum().item<int64_t>();
  return r;
}

}  // namespace vlae
