#include "model/posterior.h"

#include <cmath>

#include "util/det_math.h"

namespace vlae {

namespace {
constexpr double kLog2Pi = 1.8378770664093453;
}

torch::Tensor DiagGaussian::log_prob_per_dim(const torch::Tensor& z) const {
  const auto d = (z - mean) * torch::exp(-0.5 * log_var);
  return -0.5 * (d * d + log_var + kLog2Pi);
}

torch::Tensor kl_to_standard_normal(const DiagGaussian& q) {
  return 0.5 * (q.mean * q.mean + torch::exp(q.log_var) - q.log_var - 1.0);
}

double delta_vae_max_std(double delta) {
  // f(s) = ½(s² − ln s² − 1) falls from +inf to 0 on (0, 1]: bisect.
  double lo = 1e-8, hi = 1.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    const double f = 0.5 * (mid * mid - det::log(mid * mid) - 1.0);
    (f > delta ? lo : hi) = mid;
  }
  return lo;  // f(lo) >= delta
}

}  // namespace vlae
