// What the searching rec schemes (binned, tree) share about a box of the prior: its edges, a point
// drawn from the prior restricted to one interval, and the bound on log w = log q/p over it.
// A dimension of 2^bits intervals of equal N(0, 1) mass: interval i is [Φ^-1(i/2^bits),
// Φ^-1((i+1)/2^bits)], its outer edges at ±outer_bound(bits), the farthest a point can lie.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "coding/rec.h"
#include "util/det_math.h"

namespace vlae::rec {

// Φ^-1(i / 2^bits) for 0 < i < 2^bits, from the side where the probability has all its bits.
inline double interval_edge_inner(uint64_t i, unsigned bits) {
  const double n = std::ldexp(1.0, static_cast<int>(bits));
  if (2.0 * static_cast<double>(i) <= n) return det::normal_quantile_lower(static_cast<double>(i) / n);
  return -det::normal_quantile_lower(static_cast<double>((uint64_t(1) << bits) - i) / n);
}
// The farthest point interval_point can return in a dimension of 2^bits intervals: u >= 2^-54.
inline double outer_bound(unsigned bits) { return -det::normal_quantile_lower(std::ldexp(1.0, -54 - static_cast<int>(bits))); }

// The point Φ^-1((interval + u) / 2^bits) of one interval, from 53 bits `a` of a hash (u = (a +
// 1/2) 2^-53); the upper half is computed from 1 - u so that no bits are lost near 1.
inline double interval_point(uint64_t a, uint64_t interval, unsigned bits) {
  constexpr double kTwoM53 = 1.0 / 9007199254740992.0;
  const double u = (static_cast<double>(a) + 0.5) * kTwoM53;
  const double v = (static_cast<double>((uint64_t(1) << 53) - 1 - a) + 0.5) * kTwoM53;  // 1 - u
  if (bits == 0) return u <= 0.5 ? det::normal_quantile_lower(u) : -det::normal_quantile_lower(v);
  const double n = std::ldexp(1.0, static_cast<int>(bits));
  if (2 * interval < uint64_t(1) << bits) return det::normal_quantile_lower((static_cast<double>(interval) + u) / n);
  return -det::normal_quantile_lower((static_cast<double>((uint64_t(1) << bits) - 1 - interval) + v) / n);
}

// log w of one dimension, f(z) = log N(z; m, s^2) - log N(z; 0, 1) (nats), with its sup over an
// interval of 2^bits: f is concave for s < 1 (its peak m / (1 - s^2)), else convex or linear.
struct LogWeight {
  double m, s, neg_log_s;
  unsigned bits;
  double bound;  // outer_bound(bits)
  LogWeight() = default;
  LogWeight(double mean, double sd, unsigned b) : m(mean), s(sd), neg_log_s(-std::log(sd)), bits(b), bound(outer_bound(b)) {}
  double f(double z) const {
    const double u = (z - m) / s;
    return neg_log_s + 0.5 * (z * z - u * u);
  }
  // Edge i of 2^level intervals (level <= bits; the outer edges at ±bound).
  double edge(uint64_t i, unsigned level) const {
    if (i == 0) return -bound;
    if (i == (uint64_t(1) << level)) return bound;
    return interval_edge_inner(i, level);
  }
  double edge(uint64_t i) const { return edge(i, bits); }
  double sup(double a, double c) const {
    double best = std::max(f(a), f(c));
    if (s < 1.0) {
      const double peak = m / (1.0 - s * s);
      if (peak > a && peak < c) best = std::max(best, f(peak));
    }
    return best;
  }
};

// The encoder's own randomness (arrival times, routing), seeded from the seed, image and block
// only so that the encoder is reproducible too; the decoder never draws it.
struct EncoderStream {
  uint64_t state;
  double unit() {
    state = shared_hash(state, 0x5851f42d4c957f2dull, 0, 0, 0);
    return (static_cast<double>(state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  double exponential() { return -det::log(unit()); }
};

}  // namespace vlae::rec
