// The one definition of how the 8-bit likelihoods (discretized logistic and Gaussian) see pixels,
// used by training (likelihood.cpp and its fused CPU form), coding (coding/codecs.cpp), sampling
// (eval/generate.cpp) and the PixelCNN's input. PixelCNN++ convention: level k of 256 sits at
// c_k = 2k/255 - 1 in [-1, 1] units, its bin is [c_k - 1/255, c_k + 1/255], and the end bins
// extend to ±infinity. Decoder params per pixel: [kLocation] the mean in those units and
// [kLogScale] the raw log-scale, clamped at kMinLogScale in training and coding alike.
// The float constants are written as float expressions (not narrowed doubles) because the fused
// pass and the PixelCNN input compute in float and must keep their exact arithmetic.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vlae {

constexpr int kLevels = 256;
constexpr double kLevelStep = 2.0 / 255.0;   // between level centres, [-1, 1] units
constexpr double kHalfBin = 1.0 / 255.0;     // half a bin
constexpr double kLevelsPerUnit = 127.5;     // levels per unit of [-1, 1]: level = (c + 1) * 127.5
constexpr float kLevelStepF = 2.0f / 255.0f;
constexpr float kHalfBinF = 1.0f / 255.0f;
constexpr double kMinLogScale = -7.0;
constexpr int kLocation = 0, kLogScale = 1;  // param indices
// A mixture of M logistics (P = 3M): param m is component m's weight logit, M + m its mean and
// 2M + m its raw log-scale; the weights are the softmax of the logits.
constexpr int kMixtureLogits = 0, kMixtureLocations = 1, kMixtureLogScales = 2;  // blocks of M params
constexpr int kMaxLogisticMixtures = 16;  // M <= this (the codec keeps its components on the stack)

// Lower edge of level k = 1..255 of the 256 bins, c_k - 1/255, as (2k - 256) / 255.
inline double level_lower_edge(uint32_t k) { return (2.0 * k - 256.0) / 255.0; }
// The log-scale the likelihood uses for a raw decoder output.
inline double clamped_log_scale(double raw) { return std::max(raw, kMinLogScale); }
// The level whose bin holds x (in [-1, 1] units; beyond the ends, the end levels).
inline uint8_t level_of(double x) {
  return static_cast<uint8_t>(std::clamp(std::round((x + 1.0) * kLevelsPerUnit), 0.0, 255.0));
}

}  // namespace vlae
