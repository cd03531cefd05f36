// JPEG (libjpeg-turbo, grayscale, optimized Huffman) and lossy WebP (libwebp) at a ladder of
// qualities, on the same images as vlae's lossy codec: bits per pixel against MSE, PSNR and SSIM of
// the decoded images. Each both as one file per image and as one tiled atlas, so per-file headers
// do not decide the comparison.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"

namespace vlae {

struct LossyPoint {
  std::string codec;  // jpeg | webp
  std::string form;   // files | atlas
  int quality = 0;
  double bits_per_pixel = 0, mse = 0, psnr_db = 0, ssim = 0;
};

std::vector<LossyPoint> lossy_baselines(const Images& x, bool progress);

// One grayscale image: encode at `quality`, decode into `decoded`; returns the file size in bytes.
size_t jpeg_roundtrip(const uint8_t* px, int64_t h, int64_t w, int quality, std::vector<uint8_t>* decoded);
size_t webp_roundtrip(const uint8_t* px, int64_t h, int64_t w, int quality, std::vector<uint8_t>* decoded);

}  // namespace vlae
