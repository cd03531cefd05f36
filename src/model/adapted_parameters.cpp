#include "model/adapted_parameters.h"

#include <cmath>

#include <torch/types.h>

#include "util/error.h"

namespace vlae {

namespace {
torch::Tensor named_parameter(VAE& model, const std::string& key, const std::string& name) {
  for (const auto& p : model->named_parameters(true))
    if (p.key() == key) return p.value();
  throw InputError(name + ": adapted parameter '" + key + "' is not in this model; pass the --run that made the file");
}
}  // namespace

void apply_param_deltas(VAE& model, const ParamDeltas& d, const std::string& name) {
  torch::NoGradGuard no_grad;
  const float step = std::ldexp(1.0f, -static_cast<int>(d.step_log2));  // a power of two: products exact
  for (const auto& [key, steps] : d.tensors) {
    torch::Tensor p = named_parameter(model, key, name);
    if (p.numel() != static_cast<int64_t>(steps.size()))
      throw InputError(name + ": adapted parameter '" + key + "' has " + std::to_string(steps.size()) +
                       " entries, the model's " + std::to_string(p.numel()) + "; pass the --run that made the file");
    if (p.device().type() != torch::kCPU || p.scalar_type() != torch::kFloat32 || !p.is_contiguous())
      throw std::logic_error("apply_param_deltas: parameters must be contiguous CPU float32");
    float* w = p.data_ptr<float>();
    for (size_t i = 0; i < steps.size(); ++i) {
      const float delta = static_cast<float>(steps[i]) * step;  // exact: |steps[i]| < 2^24
      w[i] = w[i] + delta;                                        // one rounding
    }
  }
}

AdaptedParameters::AdaptedParameters(VAE& model, const ParamDeltas& d, const std::string& name) {
  torch::NoGradGuard no_grad;
  for (const auto& t : d.tensors) {
    torch::Tensor p = named_parameter(model, t.first, name);
    saved_.emplace_back(p, p.detach().clone());
  }
  try {
    apply_param_deltas(model, d, name);
  } catch (...) {
    for (auto& [p, before] : saved_) p.detach().copy_(before);
    throw;
  }
}

AdaptedParameters::~AdaptedParameters() {
  torch::NoGradGuard no_grad;
  for (auto& [p, before] : saved_) p.detach().copy_(before);
}

}  // namespace vlae
