// The lossy codec of the transform coders (model/transform_coder.h), `vlae compress --lossy` on a
// `--model factorized | hyperprior` run. One rANS message carries every image's quantized latents:
//   hyperprior: ẑ = round(h_a(y)) under the factorized density's tables, then ŷ = μ + q with
//               q = round(y - μ) under N(0, σ²) on the integers (cells q ± 1/2, the end cells of a
//               window of ±12σ reaching to infinity), μ and σ from h_s(ẑ);
//   factorized: ŷ = round(y) under the tables.
// Symbols are clamped into their ranges, so any y codes (the encoder may send what it likes, e.g.
// latents refined per image; the decoder reproduces it). Every ẑ is decoded first, then h_s runs
// once over the batch, then ŷ. The receiver's image is g_s(ŷ) as 8-bit levels. μ, σ, the tables
// and g_s come from the deterministic engine (engine/transform_engine.h), so a file decodes
// bit-exactly on any machine.
#pragma once
#include <string>

#include "coding/lossy.h"
#include "model/refine_latents.h"

namespace vlae {

constexpr unsigned kTransformPrec = 24;
constexpr double kGaussianWindowScales = 12.0;  // cells within ±12σ of μ (outside mass: 2e-33)
constexpr int32_t kMaxGaussianWindow = 1024;

// Throws InputError unless the model is a transform coder.
void check_transform_model(const ModelConfig& c);
// With refine.steps > 0 the encoder sends refined latents (model/refine_latents.h) instead of the
// analysis transform's; the decoder is the same.
std::string compress_transform(VAE& model, const Images& x, LossyReport* report, const RefineOptions& refine = {});
Images decompress_transform(VAE& model, const std::string& bytes, const std::string& name,
                            bool verify_fingerprint = true);

}  // namespace vlae
