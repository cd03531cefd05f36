// The standard normal CDF and its inverse in double precision, and the latent buckets of
// bits-back coding: 2^bits intervals of equal mass under N(0, 1), each decoded to its median.
#pragma once
#include <cstdint>
#include <vector>

#include "coding/codecs.h"

namespace vlae::codec {

double normal_cdf(double x);      // Φ(x)
double normal_quantile(double p); // Φ^{-1}(p), p in (0, 1); Acklam's approximation + one Halley step

struct LatentBuckets {
  unsigned bits;
  std::vector<double> edges;   // 2^bits + 1 edges; edges[0] = -inf, edges[2^bits] = +inf
  std::vector<float> centres;  // bucket k decodes to Φ^{-1}((k + 0.5) / 2^bits)
  explicit LatentBuckets(unsigned bits);
  uint32_t count() const { return 1u << bits; }
};

// One latent dimension's posterior N(mean, std^2) as a quantized CDF over the buckets.
struct GaussianBuckets {
  const LatentBuckets* buckets;
  double mean, std;
  unsigned prec;
  uint32_t operator()(uint32_t k) const {
    const uint32_t n = buckets->count();
    if (k == 0 || k >= n) return quantize_cdf(0.0, k, n, prec);
    return quantize_cdf(normal_cdf((buckets->edges[k] - mean) / std), k, n, prec);
  }
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, prec); }
  uint32_t pop(rans::Message& m, double* bits = nullptr) const { return pop_cdf(m, *this, buckets->count(), prec, bits); }
};

}  // namespace vlae::codec
