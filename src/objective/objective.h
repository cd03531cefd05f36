// The training objective: distortion + weight(step) * beta * rate, with the cures for posterior
// collapse. All terms per image in nats; the reported bound always uses the plain KL.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include <torch/types.h>

#include "model/vae.h"

namespace vlae {

struct ObjectiveConfig {
  double beta = 1.0;
  std::string kl_anneal;       // "" | linear:STEPS | sigmoid:STEPS | cyclical:PERIOD
  double free_bits = 0.0;      // λ nats per latent dimension (0: off)
  double capacity = 0.0;       // C_max nats (0: off): loss uses gamma * |KL - C(t)|
  int64_t capacity_steps = 0;  // C(t) ramps 0 -> C_max over this many steps
  double gamma = 1000.0;
};

nlohmann::json to_json(const ObjectiveConfig& c);
ObjectiveConfig objective_config_from_json(const nlohmann::json& j);
// Parses and validates "--kl-anneal" and "--capacity C:STEPS:GAMMA"; throws InputError.
void parse_kl_anneal(const std::string& s, std::string* kind, int64_t* steps);
void parse_capacity(const std::string& s, ObjectiveConfig* c);

// KL weight in [0, 1] at optimizer step `step` (1 without annealing).
double kl_weight(const ObjectiveConfig& c, int64_t step);

struct Loss {
  torch::Tensor loss;        // scalar to minimize (mean over the batch)
  torch::Tensor distortion;  // [B] nats
  torch::Tensor rate;        // [B] nats (plain KL)
};

Loss objective(const ObjectiveConfig& c, const VAETerms& t, int64_t step);

}  // namespace vlae
