// Deterministic 2-D convolutions on feature maps stored position-major, map[(y * W + x) * C + c]
// (HWC: a position's channels are contiguous, so a tap gathers them in one copy). An output is
// Dense's inner product (engine/dense.h) of the layer's weights with a column gathered from the
// input: taps in (ky, kx) raster order, channels within a tap, zeros where a tap falls outside the
// map. A position's value is the same function whether the whole map is computed at once
// (teacher forcing) or one position at a time (incremental decoding).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/dense.h"

namespace vlae::engine {

struct Conv2d {
  int64_t cin = 0, cout = 0, kh = 1, kw = 1, stride = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;
  bool transposed = false;               // ConvTranspose2d (dilation 1)
  std::vector<std::pair<int, int>> taps;  // the (ky, kx) kept: a masked convolution's zero taps are dropped
  Dense dense;                           // in = taps.size() * cin

  Conv2d() = default;
  // weight in torch's layout ([cout][cin][kh][kw], or [cin][cout][kh][kw] when transposed); keep(ky, kx)
  // false drops a tap (its weights must be zero: a mask's).
  template <class Keep>
  Conv2d(int64_t cin, int64_t cout, int64_t kh, int64_t kw, bool transposed, const float* weight, const float* bias,
         Keep keep);

  int64_t out_h(int64_t h) const;
  int64_t out_w(int64_t w) const;
  // The input column of output (oy, ox): dense.stride floats.
  void column(const float* in, int64_t h, int64_t w, int64_t oy, int64_t ox, float* col) const;
  // The cout outputs at (oy, ox).
  void at(const float* in, int64_t h, int64_t w, int64_t oy, int64_t ox, float* out) const;
  // The whole output map [out_h][out_w][cout].
  void forward(const float* in, int64_t h, int64_t w, float* out) const;

 private:
  void init(const float* weight, const float* bias);
};

template <class Keep>
Conv2d::Conv2d(int64_t ci, int64_t co, int64_t h, int64_t w, bool t, const float* weight, const float* bias, Keep keep)
    : cin(ci), cout(co), kh(h), kw(w), transposed(t) {
  for (int ky = 0; ky < kh; ++ky)
    for (int kx = 0; kx < kw; ++kx)
      if (keep(ky, kx)) taps.emplace_back(ky, kx);
  init(weight, bias);
}

}  // namespace vlae::engine
