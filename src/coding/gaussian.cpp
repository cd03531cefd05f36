#include "coding/gaussian.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/det_math.h"

namespace vlae::codec {

double normal_cdf(double x) { return det::normal_cdf(x); }

double normal_quantile(double p) {
  // Acklam's rational approximation (relative error 1.15e-9), refined by one Halley step on Φ.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * det::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * det::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * 2.50662827463100050242 * det::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

LatentBuckets::LatentBuckets(unsigned b) : bits(b) {
  const uint32_t n = 1u << b;
  edges.resize(n + 1);
  centres.resize(n);
  edges[0] = -std::numeric_limits<double>::infinity();
  edges[n] = std::numeric_limits<double>::infinity();
  for (uint32_t k = 1; k < n; ++k) edges[k] = normal_quantile(static_cast<double>(k) / n);
  for (uint32_t k = 0; k < n; ++k) centres[k] = static_cast<float>(normal_quantile((k + 0.5) / n));
}

GaussianBuckets::GaussianBuckets(const LatentBuckets* b, double m, double sd, unsigned p)
    : buckets(b), mean(m), std(sd), prec(p) {
  // Bucket k spans [edges[k], edges[k+1]); the window holds every bucket meeting [m - 10sd, m + 10sd].
  const auto& e = b->edges;
  const auto first = std::upper_bound(e.begin() + 1, e.end() - 1, m - kWindow * sd) - e.begin() - 1;
  const auto last = std::lower_bound(e.begin() + 1, e.end() - 1, m + kWindow * sd) - e.begin() - 1;
  lo = static_cast<uint32_t>(first);
  n = static_cast<uint32_t>(last - first + 1);
  // The codec needs n < 2^prec so every window symbol gets a frequency of at least 1.
  if (n >= (1u << p)) n = (1u << p) - 1;
}

}  // namespace vlae::codec
