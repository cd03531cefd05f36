// The lossless codec behind `vlae compress` / `vlae decompress`: bits-back coding into the file
// format of container.h, with a report of actual and ideal rates.
#pragma once
#include <cstdint>
#include <string>

#include "coding/bits_back.h"
#include "data/images.h"
#include "model/param_deltas.h"
#include "model/vae.h"

namespace vlae {

struct LosslessReport {
  int64_t images = 0, dims = 0;
  uint64_t bytes = 0;
  BitsBackStats stats;
  double seconds = 0;
};

// Lanes for `count` images when the user gives none; never from the thread count, so the same
// images give the same file on every machine. Each lane costs its initial bits (about latent_dim x
// latent_bits: 448 for 32 latents at 14 bits, unless it starts under p(x | z_median): bits_back.h)
// and a 64-bit state flush, so lanes should be long:
// 256 images each for a factorized decoder. A PixelCNN decodes its lanes in parallel, one network
// pass per pixel on a batch of one image per lane, so it gets more lanes (128 images each) for
// many cores, but not so many that the initial bits weigh on the file (the measured trade-off:
// RESULTS, "Binarized digits").
constexpr int64_t kImagesPerLaneFactorized = 256;
constexpr int64_t kImagesPerLanePixelCNN = 128;
constexpr int64_t kMaxAutomaticLanes = 64;
int64_t automatic_lanes(int64_t count, bool autoregressive);

// Returns the file's bytes. The images must have the model's channels and pixel kind; pictures of
// another size are coded as tiles of the model's size (coding/tiling.h). With `adapted` (train/
// adapt.h) the model codes with those deltas applied and the file carries them; the model is left
// as it was.
std::string compress_lossless(VAE& model, const Images& x, const BitsBackConfig& cfg, LosslessReport* report,
                              bool progress, const ParamDeltas& adapted = {});
// Decodes a file produced by compress_lossless with the same model (and the file's adapted
// parameters, if it has some; the model is left as it was). Throws InputError for a file of
// another model, a corrupt or truncated stream, or a checksum mismatch after decoding.
Images decompress_lossless(VAE& model, const std::string& bytes, const std::string& name, bool progress,
                           bool verify_fingerprint = true);

// Throws InputError unless the model has a diagonal posterior and x the model's channels and pixel kind.
void check_images_fit_model(const Images& x, const ModelConfig& c, const std::string& what);
// Throws InputError when an expert is asked for (coding/adaptive_expert.h) and the model's decoder
// is not a PixelCNN-family one of 8-bit levels.
void check_expert_fits_model(codec::ExpertMixing expert, VAE& model, const std::string& what);

}  // namespace vlae
