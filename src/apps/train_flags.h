// The flags that define a run (data, model, objective, optimizer), shared by `train` and `sweep`.
#pragma once
#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "train/run.h"

namespace vlae {

struct TrainingFlags {
  DataFlags data;
  std::string model = "mlp", kl_anneal, capacity, device = "cpu";
  std::string receptive_field, prior;  // "" = the model preset's
  std::string posterior = "diag", likelihood,  // likelihood "": logistic, gaussian for transform coders
      pixel_stack = "single", pixel_context = "colour";
  int64_t iaf_layers = 2, logistic_mixtures = 5;
  int64_t pixel_layers = 0, pixel_channels = 32, pixel_linear = 0, flow_layers = 2, flow_hidden = 256;
  bool gated = false, gdn = false, mixed_quantization = false;
  double ar1_alpha = 0.95;
  int64_t latent_dim = 32, hidden = 512, hidden_layers = 1, channels = 32, epochs = 10, batch_size = 128, threads = 0, test_limit = -1;
  double beta = 1.0, lr = 1e-3, lr_final = -1, free_bits = 0.0, delta = 0.0;
  uint64_t seed = 1;
};

void add_training_flags(CLI::App& cmd, TrainingFlags& f, bool with_beta);
// Validates the flags (InputError naming the flag) and builds the run's configuration.
RunConfig run_config_from(const TrainingFlags& f);

}  // namespace vlae
