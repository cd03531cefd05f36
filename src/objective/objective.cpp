#include "objective/objective.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace vlae {

nlohmann::json to_json(const ObjectiveConfig& c) {
  return {{"beta", c.beta},         {"kl_anneal", c.kl_anneal},           {"free_bits", c.free_bits},
          {"capacity", c.capacity}, {"capacity_steps", c.capacity_steps}, {"gamma", c.gamma}};
}

ObjectiveConfig objective_config_from_json(const nlohmann::json& j) {
  ObjectiveConfig c;
  c.beta = j.value("beta", 1.0);
  c.kl_anneal = j.value("kl_anneal", std::string());
  c.free_bits = j.value("free_bits", 0.0);
  c.capacity = j.value("capacity", 0.0);
  c.capacity_steps = j.value("capacity_steps", int64_t(0));
  c.gamma = j.value("gamma", 1000.0);
  return c;
}

void parse_kl_anneal(const std::string& s, std::string* kind, int64_t* steps) {
  const auto colon = s.find(':');
  const std::string k = s.substr(0, colon);
  if (colon == std::string::npos || (k != "linear" && k != "sigmoid" && k != "cyclical"))
    throw InputError("--kl-anneal: expected linear:STEPS, sigmoid:STEPS or cyclical:PERIOD, got '" + s + "'");
  try {
    size_t used = 0;
    const long long n = std::stoll(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1 || n <= 0) throw std::invalid_argument("");
    *kind = k;
    *steps = n;
  } catch (const std::exception&) {
    throw InputError("--kl-anneal: STEPS must be a positive integer, got '" + s + "'");
  }
}

void parse_capacity(const std::string& s, ObjectiveConfig* c) {
  double cap = 0, gamma = 0;
  long long steps = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%lf:%lld:%lf%c", &cap, &steps, &gamma, &tail) != 3 || cap <= 0 || steps <= 0 ||
      gamma <= 0)
    throw InputError("--capacity: expected C_NATS:STEPS:GAMMA with positive values, got '" + s + "'");
  c->capacity = cap;
  c->capacity_steps = steps;
  c->gamma = gamma;
}

double kl_weight(const ObjectiveConfig& c, int64_t step) {
  if (c.kl_anneal.empty()) return 1.0;
  std::string kind;
  int64_t n = 0;
  parse_kl_anneal(c.kl_anneal, &kind, &n);
  const double t = static_cast<double>(step);
  if (kind == "linear") return std::min(1.0, t / n);
  if (kind == "sigmoid") return 1.0 / (1.0 + std::exp(-10.0 * (t / n - 0.5)));  // 0.007 at 0, 0.5 at n/2
  // cyclical (Fu et al. 2019): within each period ramp 0 -> 1 over the first half, then hold 1.
  const double tau = std::fmod(t, static_cast<double>(n)) / n;
  return std::min(1.0, 2.0 * tau);
}

Loss objective(const ObjectiveConfig& c, const VAETerms& t, int64_t step) {
  Loss out;
  out.distortion = t.distortion;
  out.rate = t.rate;
  torch::Tensor rate_term;
  if (c.free_bits > 0 && t.kl_per_dim.defined()) {
    // Kingma et al. 2016: per dimension, the minibatch-mean KL is floored at λ.
    rate_term = t.kl_per_dim.mean(0).clamp_min(c.free_bits).sum();
  } else {
    rate_term = t.rate.mean();
  }
  torch::Tensor penalty;
  if (c.capacity > 0) {
    // Burgess et al. 2018: gamma * |KL - C(t)|, C ramping linearly to C_max.
    const double cap = c.capacity * std::min(1.0, static_cast<double>(step) / c.capacity_steps);
    penalty = c.gamma * (rate_term - cap).abs();
  } else {
    penalty = (kl_weight(c, step) * c.beta) * rate_term;
  }
  out.loss = t.distortion.mean() + penalty;
  return out;
}

}  // namespace vlae
