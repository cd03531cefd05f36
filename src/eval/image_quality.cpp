#include "eval/image_quality.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vlae {

double psnr_db(double mse) { return 10.0 * std::log10(255.0 * 255.0 / std::max(mse, 1e-10)); }

double ssim(const uint8_t* a, const uint8_t* b, int64_t h, int64_t w) {
  constexpr int kWin = 11;
  constexpr double kSigma = 1.5, c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  double g[kWin], total = 0;
  for (int i = 0; i < kWin; ++i) total += g[i] = std::exp(-((i - 5) * (i - 5)) / (2 * kSigma * kSigma));
  for (double& v : g) v /= total;
  if (h < kWin || w < kWin) return 1.0;
  double sum = 0;
  int64_t count = 0;
  for (int64_t y = 0; y + kWin <= h; ++y)
    for (int64_t x = 0; x + kWin <= w; ++x) {
      double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
      for (int i = 0; i < kWin; ++i)
        for (int j = 0; j < kWin; ++j) {
          const double wt = g[i] * g[j];
          const double va = a[(y + i) * w + x + j], vb = b[(y + i) * w + x + j];
          ma += wt * va;
          mb += wt * vb;
          saa += wt * va * va;
          sbb += wt * vb * vb;
          sab += wt * va * vb;
        }
      const double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      ++count;
    }
  return sum / count;
}

double ssim(const uint8_t* a, const uint8_t* b, int64_t channels, int64_t height, int64_t width) {
  double sum = 0;
  for (int64_t c = 0; c < channels; ++c) sum += ssim(a + c * height * width, b + c * height * width, height, width);
  return sum / static_cast<double>(channels);
}

}  // namespace vlae
