// Everything needed to rebuild a model: stored in RUN/config.json, hashed into file fingerprints.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vlae {

enum class Likelihood { Bernoulli, Logistic };  // binary pixels | discretized logistic on 8-bit levels

struct ModelConfig {
  std::string arch = "mlp";  // mlp | conv
  int64_t height = 28, width = 28;
  Likelihood likelihood = Likelihood::Logistic;
  int64_t latent_dim = 32;
  int64_t hidden = 512;    // MLP hidden width
  int64_t channels = 32;   // conv: channels of the first layer (doubled in the second)
  double delta = 0.0;      // δ-VAE: committed rate per dimension in nats (0: off)

  int64_t dims() const { return height * width; }
};

nlohmann::json to_json(const ModelConfig& c);
ModelConfig model_config_from_json(const nlohmann::json& j);  // throws InputError
std::string to_string(Likelihood l);

}  // namespace vlae
