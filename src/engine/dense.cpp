#include "engine/dense.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/float_mode.h"

namespace vlae::engine {

namespace {

typedef float v8f __attribute__((vector_size(32)));

inline v8f load(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline float finish(v8f a, float b) { return (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) + b; }

// Rows [r0, r0 + R) x outputs [o0, o0 + O): R * O accumulators, each the same sequence of
// lane-wise multiply-then-add as a lone dot product would be.
template <int R, int O>
inline __attribute__((always_inline)) void tile(const Dense& d, const float* x, int64_t ldx, float* y, int64_t ldy,
                                                int64_t o0) {
  v8f acc[R][O] = {};
  const float* w[O];
  for (int o = 0; o < O; ++o) w[o] = d.weight.data() + (o0 + o) * d.stride;
  for (int64_t i = 0; i < d.stride; i += 8) {
    v8f xv[R], wv[O];
    for (int r = 0; r < R; ++r) xv[r] = load(x + r * ldx + i);
    for (int o = 0; o < O; ++o) wv[o] = load(w[o] + i);
    for (int r = 0; r < R; ++r)
      for (int o = 0; o < O; ++o) acc[r][o] += xv[r] * wv[o];
  }
  for (int r = 0; r < R; ++r)
    for (int o = 0; o < O; ++o) y[r * ldy + o0 + o] = finish(acc[r][o], d.bias[o0 + o]);
}

template <int R>
inline __attribute__((always_inline)) void rows(const Dense& d, const float* x, int64_t ldx, float* y, int64_t ldy,
                                                int64_t o0, int64_t o1) {
  int64_t o = o0;
  for (; o + 2 <= o1; o += 2) tile<R, 2>(d, x, ldx, y, ldy, o);
  for (; o < o1; ++o) tile<R, 1>(d, x, ldx, y, ldy, o);
}

// The two entry points, each compiled for AVX2 and for the baseline; AVX2 runs where the CPU has
// it, unless VLAE_KERNEL=baseline (which the tests use to hold both to the same bits). "avx2"
// brings no FMA, and contraction is off: both compute the same operations.
void rows1_base(const Dense& d, const float* x, float* y, int64_t o0, int64_t o1) { rows<1>(d, x, 0, y, 0, o0, o1); }
void block_base(const Dense& d, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  int64_t r = 0;
  for (; r + 4 <= n; r += 4) rows<4>(d, x + r * ldx, ldx, y + r * ldy, ldy, 0, d.out);
  for (; r < n; ++r) rows<1>(d, x + r * ldx, ldx, y + r * ldy, ldy, 0, d.out);
}
#if defined(__x86_64__)
__attribute__((target("avx2"))) void rows1_avx2(const Dense& d, const float* x, float* y, int64_t o0, int64_t o1) {
  rows<1>(d, x, 0, y, 0, o0, o1);
}
__attribute__((target("avx2"))) void block_avx2(const Dense& d, const float* x, int64_t ldx, int64_t n, float* y,
                                                int64_t ldy) {
  int64_t r = 0;
  for (; r + 4 <= n; r += 4) rows<4>(d, x + r * ldx, ldx, y + r * ldy, ldy, 0, d.out);
  for (; r < n; ++r) rows<1>(d, x + r * ldx, ldx, y + r * ldy, ldy, 0, d.out);
}
bool use_avx2() {
  static const bool yes = [] {
    const char* k = std::getenv("VLAE_KERNEL");
    return __builtin_cpu_supports("avx2") && !(k && std::string(k) == "baseline");
  }();
  return yes;
}
#else
bool use_avx2() { return false; }
void rows1_avx2(const Dense& d, const float* x, float* y, int64_t o0, int64_t o1) { rows1_base(d, x, y, o0, o1); }
void block_avx2(const Dense& d, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  block_base(d, x, ldx, n, y, ldy);
}
#endif
void rows1(const Dense& d, const float* x, float* y, int64_t o0, int64_t o1) {
  use_avx2() ? rows1_avx2(d, x, y, o0, o1) : rows1_base(d, x, y, o0, o1);
}
void rows_block(const Dense& d, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  use_avx2() ? block_avx2(d, x, ldx, n, y, ldy) : block_base(d, x, ldx, n, y, ldy);
}

}  // namespace

Dense::Dense(int64_t in_, int64_t out_, const float* w, const float* b)
    : in(in_), out(out_), stride(padded(in_)), weight(static_cast<size_t>(out_ * padded(in_)), 0.0f),
      bias(static_cast<size_t>(out_), 0.0f) {
  for (int64_t o = 0; o < out; ++o) std::copy(w + o * in, w + (o + 1) * in, weight.begin() + o * stride);
  if (b) std::copy(b, b + out, bias.begin());
}

void Dense::forward_row(const float* x, float* y, int64_t o0, int64_t o1) const {
  const IeeeSubnormals ieee;
  rows1(*this, x, y, o0, o1);
}

void Dense::forward(const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) const {
  // Work per row decides the grain: small layers stay on one thread.
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, stride * out));
  at::parallel_for(0, n, grain, [&](int64_t r0, int64_t r1) {
    const IeeeSubnormals ieee;  // on every worker thread
    rows_block(*this, x + r0 * ldx, ldx, r1 - r0, y + r0 * ldy, ldy);
  });
}

}  // namespace vlae::engine
