// The one rule that turns a continuous CDF into a coder's integer CDF (ryg_rans style tables).
// C(0) = 0 < C(1) < ... < C(n) = 2^prec; symbol k owns [C(k), C(k+1)). From F(k) in [0, 1]:
//   C(k) = floor(F(k) * (2^prec - n)) + k,
// which gives every symbol a frequency of at least 1 whenever F is monotone. Computed in double
// from vlae's deterministic F (util/det_math.h), so encoder and decoder agree on every machine.
// Used by the scalar codecs (coding/) and by the engine's precomputed tables (engine/).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vlae {

inline uint32_t quantize_cdf(double f, uint32_t k, uint32_t n, unsigned prec) {
  if (k == 0) return 0;
  if (k >= n) return 1u << prec;
  const double scaled = std::floor(std::clamp(f, 0.0, 1.0) * static_cast<double>((1u << prec) - n));
  return static_cast<uint32_t>(scaled) + k;
}

}  // namespace vlae
