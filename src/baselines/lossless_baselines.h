// Classical lossless codecs measured on exactly the images vlae codes, in bits per dimension
// (sub-pixel: a colour pixel is three dimensions). Generic compressors see binary images packed 8 pixels per byte (as in BB-ANS), 8-bit
// images as raw bytes; each is measured on one concatenated stream and as one file per image.
// PNG, WebP, JPEG XL, AVIF and (binary data) JBIG code each image as its own file (and PNG's IDAT
// payload alone), and all images tiled into one atlas so per-file headers do not decide the
// comparison. Names: png, webp_lossless, jpegxl, avif, jbig, and each with _atlas.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "data/images.h"

namespace vlae {

struct CodecSize {
  uint64_t bytes = 0;
  double bits_per_dim = 0;
};

struct LosslessBaselineOptions {
  bool strongest = true;  // JPEG XL (effort 9), AVIF (quantizer 0) and, for binary data, JBIG
  int avif_speed = 0;     // 0 = the slowest, strongest
};

std::map<std::string, CodecSize> lossless_baselines(const Images& x, bool progress,
                                                    const LosslessBaselineOptions& options = {});

// Single-buffer codecs, exposed for tests.
std::string gzip9(const std::string& in);
std::string bzip2_9(const std::string& in);
std::string xz9e(const std::string& in);
// Planar pixels of c = 1 or 3 channels.
std::string png_best(const uint8_t* px, int64_t c, int64_t h, int64_t w, bool binary, uint64_t* idat_bytes);
std::string webp_lossless(const uint8_t* px, int64_t c, int64_t h, int64_t w);
std::string pack_bits(const uint8_t* px, int64_t n);  // 0/1 values, MSB first

}  // namespace vlae
