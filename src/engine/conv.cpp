#include "engine/conv.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

namespace vlae::engine {

void Conv2d::init(const float* weight, const float* bias) {
  const int64_t n = static_cast<int64_t>(taps.size()) * cin;
  std::vector<float> w(static_cast<size_t>(cout * n));
  for (int64_t o = 0; o < cout; ++o)
    for (size_t t = 0; t < taps.size(); ++t)
      for (int64_t c = 0; c < cin; ++c) {
        const auto [ky, kx] = taps[t];
        const int64_t src = transposed ? ((c * cout + o) * kh + ky) * kw + kx : ((o * cin + c) * kh + ky) * kw + kx;
        w[o * n + t * cin + c] = weight[src];
      }
  dense = Dense(n, cout, w.data(), bias);
}

int64_t Conv2d::out_h(int64_t h) const {
  return transposed ? (h - 1) * stride - 2 * pad_h + kh : (h + 2 * pad_h - dil_h * (kh - 1) - 1) / stride + 1;
}
int64_t Conv2d::out_w(int64_t w) const {
  return transposed ? (w - 1) * stride - 2 * pad_w + kw : (w + 2 * pad_w - dil_w * (kw - 1) - 1) / stride + 1;
}

void Conv2d::column(const float* in, int64_t h, int64_t w, int64_t oy, int64_t ox, float* col) const {
  std::fill(col, col + dense.stride, 0.0f);
  for (size_t t = 0; t < taps.size(); ++t) {
    const auto [ky, kx] = taps[t];
    int64_t iy, ix;
    if (transposed) {
      const int64_t ny = oy + pad_h - ky, nx = ox + pad_w - kx;
      if (ny < 0 || nx < 0 || ny % stride || nx % stride) continue;
      iy = ny / stride;
      ix = nx / stride;
    } else {
      iy = oy * stride - pad_h + ky * dil_h;
      ix = ox * stride - pad_w + kx * dil_w;
    }
    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
    std::memcpy(col + t * cin, in + (iy * w + ix) * cin, static_cast<size_t>(cin) * sizeof(float));
  }
}

void Conv2d::at(const float* in, int64_t h, int64_t w, int64_t oy, int64_t ox, float* out) const {
  thread_local std::vector<float> col;
  col.resize(static_cast<size_t>(dense.stride));
  column(in, h, w, oy, ox, col.data());
  dense.forward_row(col.data(), out, 0, cout);
}

void Conv2d::forward(const float* in, int64_t h, int64_t w, float* out) const {
  const int64_t oh = out_h(h), ow = out_w(w), positions = oh * ow;
  std::vector<float> cols(static_cast<size_t>(positions * dense.stride));
  at::parallel_for(0, positions, 64, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) column(in, h, w, p / ow, p % ow, cols.data() + p * dense.stride);
  });
  dense.forward(cols.data(), dense.stride, positions, out, cout);
}

}  // namespace vlae::engine
