// Scalar codecs: push/pop pairs for one symbol on one rANS message (craystack style). Every codec
// here, and every combinator of coding/combinators.h, has the same two operations:
//   double   push(message, symbol)  -> the symbol's cost in bits
//   Coded<S> pop(message)           -> {the symbol, its cost in bits}
// with pop(push(m, s)) == {s, cost} and m left as it was. Bits-back is a composition of these.
//
// Most codecs here are a quantized CDF: C(0) = 0 < C(1) < ... < C(n) = 2^prec, symbol k owns
// [C(k), C(k+1)). A continuous CDF F becomes C(k) = floor(F(k) * (2^prec - n)) + k, which gives
// every symbol a frequency of at least 1 and is computed in double precision, symbol by symbol,
// so encoder and decoder agree exactly without building tables.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "coding/rans.h"
#include "model/discretization.h"
#include "util/quantized_cdf.h"

namespace vlae::codec {

// A popped symbol and what it cost, in bits.
template <class S>
struct Coded {
  S symbol;
  double bits = 0;
};

// Cost in bits of a symbol of frequency f at precision p.
inline double cost_bits(uint32_t freq, unsigned prec) { return prec - std::log2(static_cast<double>(freq)); }

// Pushes symbol s of a quantized CDF `cdf(k)` over n symbols; returns its cost in bits.
template <class Cdf>
double push_cdf(rans::Message& m, const Cdf& cdf, uint32_t s, unsigned prec) {
  const uint32_t lo = cdf(s), hi = cdf(s + 1);
  rans::push(m, lo, hi - lo, prec);
  return cost_bits(hi - lo, prec);
}

// The symbol of a quantized CDF over n symbols whose interval holds `slot`, by binary search.
template <class Cdf>
uint32_t symbol_at(const Cdf& cdf, uint32_t n, uint32_t slot) {
  uint32_t lo = 0, hi = n;  // invariant: cdf(lo) <= slot < cdf(hi)
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    (cdf(mid) <= slot ? lo : hi) = mid;
  }
  return lo;
}

// Pops a symbol of a quantized CDF over n symbols by binary search on the slot.
template <class Cdf>
Coded<uint32_t> pop_cdf(rans::Message& m, const Cdf& cdf, uint32_t n, unsigned prec) {
  const uint32_t lo = symbol_at(cdf, n, rans::peek(m, prec));
  const uint32_t start = cdf(lo), freq = cdf(lo + 1) - start;
  rans::pop(m, start, freq, prec);
  return {lo, cost_bits(freq, prec)};
}

// The same pop when a good guess of the symbol is at hand: walks from the guess, and falls back to
// the binary search after a few steps. Any guess gives the same symbol (the unique k with
// cdf(k) <= slot < cdf(k + 1)); a good one needs about two CDF evaluations instead of log2(n) + 2.
template <class Cdf>
Coded<uint32_t> pop_cdf_near(rans::Message& m, const Cdf& cdf, uint32_t n, unsigned prec, uint32_t guess) {
  const uint32_t slot = rans::peek(m, prec);
  uint32_t k = std::min(guess, n - 1), start = cdf(k), next = 0;
  uint32_t lo = 0, hi = n;  // invariant: cdf(lo) <= slot < cdf(hi)
  bool found = false;
  for (int step = 0; step < 4; ++step) {
    if (start > slot) {  // below k
      hi = k;
      if (k == 0) break;  // unreachable: cdf(0) = 0 <= slot
      next = start;
      start = cdf(--k);
      continue;
    }
    next = cdf(k + 1);
    if (slot < next) {
      found = true;
      break;
    }
    lo = k + 1;
    if (k + 1 >= n) break;  // unreachable: cdf(n) = 2^prec > slot
    ++k;
    start = next;
  }
  if (!found) {
    if (start <= slot) lo = std::max(lo, k);
    while (hi - lo > 1) {
      const uint32_t mid = lo + (hi - lo) / 2;
      (cdf(mid) <= slot ? lo : hi) = mid;
    }
    k = lo;
    start = cdf(k);
    next = cdf(k + 1);
  }
  rans::pop(m, start, next - start, prec);
  return {k, cost_bits(next - start, prec)};
}

// C(k) from a continuous CDF value F in [0, 1]: the one rule, in util/quantized_cdf.h.
using vlae::quantize_cdf;

// Uniform over 2^bits symbols.
struct Uniform {
  unsigned bits;
  double push(rans::Message& m, uint32_t s) const {
    rans::push(m, s, 1, bits);
    return bits;
  }
  Coded<uint32_t> pop(rans::Message& m) const {
    const uint32_t s = rans::peek(m, bits);
    rans::pop(m, s, 1, bits);
    return {s, static_cast<double>(bits)};
  }
};

// Uniform over n symbols, n <= 2^24, as closely as 2^31 slots allow: symbol i gets 2^31 / n slots,
// one more for the first 2^31 mod n, so each costs log2(n) bits to within log2(1 + n / 2^31).
struct NearUniform {
  static constexpr unsigned kPrec = 31;
  uint32_t n;
  uint32_t operator()(uint32_t i) const {
    const uint32_t q = (1u << kPrec) / n, r = (1u << kPrec) % n;
    return i >= n ? (1u << kPrec) : i * q + std::min(i, r);
  }
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, kPrec); }
  Coded<uint32_t> pop(rans::Message& m) const { return pop_cdf(m, *this, n, kPrec); }
};

// Categorical from integer frequencies (each >= 1, summing to 2^prec).
struct Categorical {
  std::vector<uint32_t> cdf;  // n + 1 entries, cdf[n] = 2^prec
  unsigned prec;
  static Categorical from_frequencies(const std::vector<uint32_t>& freq, unsigned prec);
  uint32_t operator()(uint32_t k) const { return cdf[k]; }
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, prec); }
  Coded<uint32_t> pop(rans::Message& m) const { return pop_cdf(m, *this, static_cast<uint32_t>(cdf.size() - 1), prec); }
};

// Bernoulli with P(1) = p, quantized to [1, 2^prec - 1] / 2^prec.
struct Bernoulli {
  uint32_t f1;
  unsigned prec;
  static Bernoulli from_logit(double logit, unsigned prec);
  uint32_t operator()(uint32_t k) const { return k == 0 ? 0 : k == 1 ? (1u << prec) - f1 : (1u << prec); }
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, prec); }
  Coded<uint32_t> pop(rans::Message& m) const { return pop_cdf(m, *this, 2, prec); }
};

// Discretized logistic over 256 levels (model/discretization.h: the bins): mean in [-1, 1]
// units, log_scale clamped at kMinLogScale exactly as in training.
struct DiscretizedLogistic {
  double mean, inv_scale;
  unsigned prec;
  DiscretizedLogistic(double mean, double log_scale, unsigned prec);
  double cdf(uint32_t k) const;  // F at level k's lower edge: 0 at k = 0, 1 at k >= 256
  uint32_t operator()(uint32_t k) const;  // quantize_cdf(cdf(k))
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, prec); }
  // The slot's level under the continuous logistic is the guess (the walk makes it exact).
  Coded<uint32_t> pop(rans::Message& m) const { return pop_cdf_near(m, *this, 256, prec, guess(rans::peek(m, prec))); }
  uint32_t guess(uint32_t slot) const;
};

// A mixture of M <= kMaxLogisticMixtures discretized logistics over the same 256 bins (PixelCNN++), from
// its 3M params (model/discretization.h's layout): F(k) = sum_m w_m sigmoid((edge_k - mean_m) / s_m)
// with w = softmax(logits). Every term is monotone in k and summed in a fixed order, so F is
// monotone in double too, and quantize_cdf leaves every level a frequency of at least 1.
struct DiscretizedLogisticMixture {
  int m;
  double weight[kMaxLogisticMixtures], mean[kMaxLogisticMixtures], inv_scale[kMaxLogisticMixtures];
  unsigned prec;
  DiscretizedLogisticMixture(const double* params, int64_t count, unsigned prec);  // count = 3M
  double cdf(uint32_t k) const;  // F at level k's lower edge: 0 at k = 0, 1 at k >= 256
  uint32_t operator()(uint32_t k) const;  // quantize_cdf(cdf(k))
  double push(rans::Message& msg, uint32_t s) const { return push_cdf(msg, *this, s, prec); }
  Coded<uint32_t> pop(rans::Message& msg) const { return pop_cdf(msg, *this, 256, prec); }
};

// Discretized Gaussian over the same 256 bins, log_scale clamped at kMinLogScale as in training.
struct DiscretizedGaussian {
  double mean, inv_scale_sqrt2;  // 1 / (sigma sqrt 2)
  unsigned prec;
  DiscretizedGaussian(double mean, double log_scale, unsigned prec);
  double cdf(uint32_t k) const;  // F at level k's lower edge: 0 at k = 0, 1 at k >= 256
  uint32_t operator()(uint32_t k) const;  // quantize_cdf(cdf(k))
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, prec); }
  Coded<uint32_t> pop(rans::Message& m) const { return pop_cdf(m, *this, 256, prec); }
};

}  // namespace vlae::codec
