// AVIF (libavif with libaom) on one image, planar pixels: gray as YUV 4:0:0, RGB as YUV 4:4:4 (BT.601,
// or the identity matrix when lossless), full range; lossy at a fixed quantizer, as
// `avifenc --min Q --max Q -s 0 -y 400` (gray) or `-y 444` (RGB), and lossless (quantizer 0).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vlae {

constexpr int kAvifSpeed = 0;             // the slowest, strongest encoder speed
constexpr int kAvifLosslessQuantizer = 0;

// Encodes c x h x w 8-bit pixels (c = 1 or 3) at quantizer q (0..63) and `speed` (0..10), decodes
// into `decoded` (planar); returns the file size in bytes.
// `threads`: the encoder's own threads (aom's row multithreading), for one large image at a time.
size_t avif_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quantizer, std::vector<uint8_t>* decoded,
                      int speed = kAvifSpeed, int threads = 1);
std::string avif_encode(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quantizer, int speed = kAvifSpeed,
                        int threads = 1);
std::vector<uint8_t> avif_decode(const std::string& file, int64_t c, int64_t h, int64_t w);

}  // namespace vlae
