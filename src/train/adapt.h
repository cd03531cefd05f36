// Instance-adaptive coding (van Rozendaal et al. 2021): before a lossless file is coded, a few of
// the model's parameters are fine-tuned on the very images in it, and the file carries the change
// (model/param_deltas.h). The objective is the coder's own cost, the -ELBO in nats; the deltas'
// bytes are in the file, so the figures a user reads include them. Decoding runs no training: it
// reads the deltas, so the file stays exact on every machine however the encoder's training ran.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"
#include "model/param_deltas.h"
#include "model/vae.h"

namespace vlae {

struct AdaptOptions {
  int64_t steps = 0;                // Adam steps (0: no adaptation)
  double lr = 3e-4;                 // 1e-3 overshoots on photos32 (docs/RESULTS.md)
  int64_t batch_size = 32;
  std::vector<std::string> params;  // parameter-name prefixes; empty: default_adapted_params
  int step_log2 = 12;               // the deltas' quantization step is 2^-step_log2 (docs/RESULTS.md)
  uint64_t seed = 1;
  bool progress = true;
};

struct AdaptReport {
  std::vector<std::string> params;           // the prefixes trained (the defaults when none were given)
  int64_t entries = 0;                       // adapted weights
  double neg_elbo_first_bits_per_dim = 0;    // the first and last tenth of the steps' batches
  double neg_elbo_last_bits_per_dim = 0;
  double seconds = 0;
};

// Throws InputError naming the flag for options adapt_parameters cannot run with (steps may be 0: off).
void check_adapt_options(const AdaptOptions& o);

// The parameters adapted by default: a PixelCNN's output head and its linear predictor (when it has
// one): the parts that map features to a pixel's distribution. Throws InputError for other models.
std::vector<std::string> default_adapted_params(const ModelConfig& c);

// Trains the parameters whose names start with one of the prefixes on `coded` (the images as the
// model codes them: tiles), then quantizes their change. Leaves the model as it was. Throws
// InputError when no parameter matches a prefix.
ParamDeltas adapt_parameters(VAE& model, const Images& coded, const AdaptOptions& o, AdaptReport* report);

}  // namespace vlae
