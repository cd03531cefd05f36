#include "coding/codecs.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/discretization.h"
#include "util/det_math.h"

namespace vlae::codec {

Categorical Categorical::from_frequencies(const std::vector<uint32_t>& freq, unsigned prec) {
  Categorical c;
  c.prec = prec;
  c.cdf.assign(1, 0);
  uint64_t total = 0;
  for (uint32_t f : freq) {
    if (f == 0) throw std::invalid_argument("categorical: every frequency must be >= 1");
    total += f;
    c.cdf.push_back(static_cast<uint32_t>(total));
  }
  if (total != (1ull << prec)) throw std::invalid_argument("categorical: frequencies must sum to 2^prec");
  return c;
}

Bernoulli Bernoulli::from_logit(double logit, unsigned prec) {
  const double p1 = 1.0 / (1.0 + det::exp(-logit));
  const double scale = static_cast<double>(1u << prec);
  const double f = std::clamp(std::nearbyint(p1 * scale), 1.0, scale - 1.0);
  return Bernoulli{static_cast<uint32_t>(f), prec};
}

DiscretizedLogistic::DiscretizedLogistic(double m, double log_scale, unsigned p)
    : mean(m), inv_scale(det::exp(-clamped_log_scale(log_scale))), prec(p) {}

double DiscretizedLogistic::cdf(uint32_t k) const {
  if (k == 0 || k >= kLevels) return k == 0 ? 0.0 : 1.0;
  return 1.0 / (1.0 + det::exp(-(level_lower_edge(k) - mean) * inv_scale));
}

uint32_t DiscretizedLogistic::operator()(uint32_t k) const { return quantize_cdf(cdf(k), k, kLevels, prec); }

uint32_t DiscretizedLogistic::guess(uint32_t slot) const {
  const double u = (static_cast<double>(slot) + 0.5) / static_cast<double>(1u << prec);
  const double x = mean + det::log(u / (1.0 - u)) / inv_scale;
  if (!(x > -2.0 && x < 2.0)) return x > 0 ? kLevels - 1 : 0;  // beyond the end bins (or NaN)
  return level_of(x);
}

DiscretizedLogisticMixture::DiscretizedLogisticMixture(const double* params, int64_t count, unsigned p)
    : m(static_cast<int>(count / 3)), prec(p) {
  if (m < 1 || m > kMaxLogisticMixtures || count != 3 * m) throw std::invalid_argument("logistic mixture: bad param count");
  double top = params[0], total = 0;
  for (int i = 1; i < m; ++i) top = std::max(top, params[i]);
  for (int i = 0; i < m; ++i) total += weight[i] = det::exp(params[i] - top);
  for (int i = 0; i < m; ++i) {
    weight[i] /= total;
    mean[i] = params[kMixtureLocations * m + i];
    inv_scale[i] = det::exp(-clamped_log_scale(params[kMixtureLogScales * m + i]));
  }
}

double DiscretizedLogisticMixture::cdf(uint32_t k) const {
  if (k == 0 || k >= kLevels) return k == 0 ? 0.0 : 1.0;
  const double edge = level_lower_edge(k);
  double f = 0;
  for (int i = 0; i < m; ++i) f += weight[i] / (1.0 + det::exp(-(edge - mean[i]) * inv_scale[i]));
  return f;
}

uint32_t DiscretizedLogisticMixture::operator()(uint32_t k) const {
  return quantize_cdf(cdf(k), k, kLevels, prec);
}

DiscretizedGaussian::DiscretizedGaussian(double m, double log_scale, unsigned p)
    : mean(m), inv_scale_sqrt2(det::exp(-clamped_log_scale(log_scale)) * M_SQRT1_2), prec(p) {}

double DiscretizedGaussian::cdf(uint32_t k) const {
  if (k == 0 || k >= kLevels) return k == 0 ? 0.0 : 1.0;
  return 0.5 * det::erfc(-(level_lower_edge(k) - mean) * inv_scale_sqrt2);
}

uint32_t DiscretizedGaussian::operator()(uint32_t k) const { return quantize_cdf(cdf(k), k, kLevels, prec); }

}  // namespace vlae::codec
