// The one inner product of vlae's deterministic networks, and the dense layer built on it.
// Output o of a row x is
//   y_o = (((a_0 + a_1) + (a_2 + a_3)) + ((a_4 + a_5) + (a_6 + a_7))) + b_o,
//   a_t = Σ_{i ≡ t (mod 8)} w_{o,i} x_i in increasing i,
// with every product rounded to float before it is added (no FMA: vlae compiles with
// -ffp-contract=off). The eight partial sums are a GCC/clang vector of eight floats, which every
// target computes lane by lane in IEEE single precision (one AVX register, two SSE or NEON ones,
// or scalar code alike), so y_o depends on w, x and b alone: not on the SIMD width, the batch, a
// row's place in it, or threads. The kernel is compiled for AVX2 and for the baseline, chosen at
// run time (VLAE_KERNEL=baseline forces the baseline); both do the same operations. Rows are padded with zeros to a multiple of 8 (adding
// +0 * x_i changes no sum of finite values).
#pragma once
#include <cstdint>
#include <vector>

namespace vlae::engine {

// Inputs padded to the kernel's width: the stride of a row of an input matrix.
inline int64_t padded(int64_t n) { return (n + 7) / 8 * 8; }

struct Dense {
  int64_t in = 0, out = 0, stride = 0;  // stride = padded(in)
  std::vector<float> weight;            // [out][stride], zero beyond `in`
  std::vector<float> bias;              // [out]

  Dense() = default;
  // weight: [out][in] row-major (a torch Linear's layout); bias may be null (zeros).
  Dense(int64_t in, int64_t out, const float* weight, const float* bias);

  // y[r * ldy + o] for rows r < n of x (row r at x + r * ldx, `stride` readable floats, zero beyond
  // `in`). Rows are split over LibTorch's intra-op threads; results do not depend on the split.
  void forward(const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) const;
  // Outputs [o0, o1) of one row.
  void forward_row(const float* x, float* y, int64_t o0, int64_t o1) const;
};

}  // namespace vlae::engine
