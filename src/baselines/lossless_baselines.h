// Classical lossless codecs measured on exactly the images vlae codes, in bits per dimension
// (pixel). Generic compressors see binary images packed 8 pixels per byte (as in BB-ANS), 8-bit
// images as raw bytes; each is measured on one concatenated stream and as one file per image.
// PNG and WebP code each image as its own file (and PNG's IDAT payload alone), and all images
// tiled into one atlas so per-file headers do not decide the comparison.
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

std::map<std::string, CodecSize> lossless_baselines(const Images& x, bool progress);

// Single-buffer codecs, exposed for tests.
std::string gzip9(const std::string& in);
std::string bzip2_9(const std::string& in);
std::string xz9e(const std::string& in);
std::string png_best(const uint8_t* px, int64_t h, int64_t w, bool binary, uint64_t* idat_bytes);
std::string webp_lossless(const uint8_t* px, int64_t h, int64_t w);
std::string pack_bits(const uint8_t* px, int64_t n);  // 0/1 values, MSB first

}  // namespace vlae
