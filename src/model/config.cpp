#include "model/config.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace vlae {

std::string to_string(Likelihood l) { return l == Likelihood::Bernoulli ? "bernoulli" : "logistic"; }

nlohmann::json to_json(const ModelConfig& c) {
  return {{"arch", c.arch},       {"height", c.height}, {"width", c.width},       {"likelihood", to_string(c.likelihood)},
          {"latent_dim", c.latent_dim}, {"hidden", c.hidden}, {"channels", c.channels}, {"delta", c.delta}};
}

ModelConfig model_config_from_json(const nlohmann::json& j) {
  try {
    ModelConfig c;
    c.arch = j.at("arch").get<std::string>();
    c.height = j.at("height").get<int64_t>();
    c.width = j.at("width").get<int64_t>();
    const std::string lik = j.at("likelihood").get<std::string>();
    if (lik != "bernoulli" && lik != "logistic") throw InputError("unknown likelihood '" + lik + "'");
    c.likelihood = lik == "bernoulli" ? Likelihood::Bernoulli : Likelihood::Logistic;
    c.latent_dim = j.at("latent_dim").get<int64_t>();
    c.hidden = j.value("hidden", c.hidden);
    c.channels = j.value("channels", c.channels);
    c.delta = j.value("delta", 0.0);
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("model config: ") + e.what());
  }
}

}  // namespace vlae
