// JPEG (libjpeg-turbo, optimized Huffman), lossy WebP (libwebp), JPEG XL (libjxl,
// effort 7, a ladder of distances) and AVIF (libavif with aom, speed 0, a ladder of quantizers),
// on the same images as vlae's lossy codec (gray or RGB): bits per pixel (a colour pixel counted
// once) against MSE, PSNR and SSIM of the
// decoded images. Each both as one file per image and as one tiled atlas, so per-file headers
// do not decide the comparison.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"

namespace vlae {

struct LossyPoint {
  std::string codec;  // jpeg | webp | jpegxl | avif
  std::string form;   // files | atlas
  int quality = 0;
  double bits_per_pixel = 0, mse = 0, psnr_db = 0, ssim = 0;
};

// The ladders of the strongest codecs: JPEG XL distances (quality = distance) and AVIF quantizers
// (quality = quantizer, 0..63, higher is coarser), spanning about 0.2-1 bits per pixel on 28x28.
// AVIF's ladder is dense from 45 to 40 (0.8-1 bpp on Fashion-MNIST), where vlae's transform coders
// meet it: a rate-distortion curve bends, so a chord between far quantizers would understate AVIF.
constexpr int kJpegXlDistances[] = {2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25};
constexpr int kAvifQuantizers[] = {63, 62, 60, 58, 56, 53, 50, 47, 45, 44, 43, 42, 41, 40, 35, 30};

struct LossyBaselineOptions {
  bool strongest = true;  // JPEG XL and AVIF beside JPEG and WebP
  int avif_speed = 0;     // 0 = the slowest, strongest (avifenc -s 0)
};

std::vector<LossyPoint> lossy_baselines(const Images& x, bool progress, const LossyBaselineOptions& options = {});

// One planar image of c = 1 or 3 channels: encode at `quality`, decode into `decoded` (planar);
// returns the file size in bytes. JPEG codes RGB with libjpeg's default 4:2:0 chroma subsampling.
size_t jpeg_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quality, std::vector<uint8_t>* decoded);
size_t webp_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quality, std::vector<uint8_t>* decoded);

}  // namespace vlae
