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

// One latent dimension's posterior N(mean, std^2) as a quantized CDF over the buckets within
// mean ± kWindow·std. Only buckets the posterior can produce need a frequency: giving every one of
// the 2^p buckets a floor of 1 would spend 2^p / 2^prec of the mass on far-away buckets, and each
// such pop feeds the decoder a wild latent (docs/RESULTS.md, "What the overhead was", gives the cost).
// Encoder and decoder compute the same window from the same (mean, std).
struct GaussianBuckets {
  static constexpr double kWindow = 10.0;  // mass outside: 1.5e-23
  GaussianBuckets(const LatentBuckets* buckets, double mean, double std, unsigned prec);
  // Quantized CDF over window-local symbols 0..n.
  uint32_t operator()(uint32_t i) const {
    if (i == 0 || i >= n) return quantize_cdf(0.0, i, n, prec);
    return quantize_cdf(normal_cdf((buckets->edges[lo + i] - mean) / std), i, n, prec);
  }
  double push(rans::Message& m, uint32_t bucket) const {
    if (bucket < lo || bucket >= lo + n) throw rans::DecodeError("latent outside its posterior (corrupt stream)");
    return push_cdf(m, *this, bucket - lo, prec);
  }
  Coded<uint32_t> pop(rans::Message& m) const {
    const auto c = pop_cdf(m, *this, n, prec);
    return {lo + c.symbol, c.bits};
  }

  const LatentBuckets* buckets;
  double mean, std;
  unsigned prec;
  uint32_t lo, n;  // window: buckets lo .. lo + n - 1
};

}  // namespace vlae::codec
