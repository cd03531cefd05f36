// Applying a file's parameter deltas (model/param_deltas.h) to the model that decodes it.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "model/param_deltas.h"
#include "model/vae.h"

namespace vlae {

// Sets the named parameters (CPU, float32) to w + d * 2^-step_log2 from their current values.
// Throws InputError naming `name` (the file) when a tensor is not the model's, or of another size.
void apply_param_deltas(VAE& model, const ParamDeltas& d, const std::string& name);

// Applies deltas for its lifetime and restores the parameters it changed when it goes out of scope,
// so a model shared by several files (a study, the server) codes each with its own deltas.
class AdaptedParameters {
 public:
  AdaptedParameters(VAE& model, const ParamDeltas& d, const std::string& name);
  ~AdaptedParameters();
  AdaptedParameters(const AdaptedParameters&) = delete;
  AdaptedParameters& operator=(const AdaptedParameters&) = delete;

 private:
  std::vector<std::pair<torch::Tensor, torch::Tensor>> saved_;  // parameter, its value before
};

}  // namespace vlae
