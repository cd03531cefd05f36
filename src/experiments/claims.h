// A claim of the page or the paper, checked on trained models: what it says, whether it holds on
// these models, and the measured figures behind the verdict.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vlae {

struct Claim {
  std::string claim;
  bool holds = false;
  std::string detail;
};

inline nlohmann::json to_json(const Claim& c) { return {{"claim", c.claim}, {"holds", c.holds}, {"detail", c.detail}}; }
inline Claim claim_from_json(const nlohmann::json& j) {
  return {j.value("claim", std::string()), j.value("holds", false), j.value("detail", std::string())};
}
inline nlohmann::json to_json(const std::vector<Claim>& cs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& c : cs) a.push_back(to_json(c));
  return a;
}
// "[holds] claim: detail" (or FAILS), the form the command line prints and results.md lists.
inline std::string to_line(const Claim& c) {
  return std::string("[") + (c.holds ? "holds" : "FAILS") + "] " + c.claim + ": " + c.detail;
}

}  // namespace vlae
