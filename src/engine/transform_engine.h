// A transform coder's decoding side (model/transform_coder.h) on the deterministic kernels: the
// hyper-synthesis h_s (each latent's mean and scale given ẑ), the synthesis g_s (the
// reconstruction given ŷ) and the factorized density's quantized CDF tables. The encoder runs
// these same functions to choose its code, so both ends compute the same bits on any machine.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/sequential.h"
#include "model/transform_coder.h"

namespace vlae::engine {

// Integer symbols -kSymbolRange..kSymbolRange of a factorized latent (2R + 1 cells; the end
// cells reach to ±infinity). An encoder clamps its latents into that range.
constexpr int32_t kSymbolRange = 64;

class TransformEngine {
 public:
  explicit TransformEngine(TransformCoderImpl& model, unsigned prec);

  // Quantized CDF of the factorized density's channel c: 2R + 2 entries, cdf[0] = 0,
  // cdf[2R + 1] = 2^prec, symbol s in -R..R owns [cdf[s + R], cdf[s + R + 1]). Computed once in
  // double with util/det_math.h: P(s) = c(s + 1/2) - c(s - 1/2), every cell at least 1.
  const std::vector<uint32_t>& table(int64_t channel) const { return tables_[static_cast<size_t>(channel)]; }
  // n rows of ẑ ([n][N·h'·w'], torch's [C][H][W] order) -> each latent of y's mean (float, the
  // value ŷ is offset by) and scale σ (double, the code's), [n][M·h·w] in torch's order.
  void latent_gaussian(const float* z, int64_t n, std::vector<float>& mean, std::vector<double>& scale) const;
  // n rows of ŷ ([n][M·h·w]) -> reconstructions, 8-bit levels [n][D] (the Gaussian mean rounded).
  void reconstruct(const float* y, int64_t n, uint8_t* levels) const;

 private:
  int64_t m_, h_, w_, zc_, zh_, zw_, d_;
  Sequential synthesis_, hyper_synthesis_;
  std::vector<std::vector<uint32_t>> tables_;
};

}  // namespace vlae::engine
