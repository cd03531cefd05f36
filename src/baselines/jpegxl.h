// JPEG XL (libjxl) on one gray or RGB image (planar pixels, sRGB): lossless with the strongest settings cjxl offers
// (`cjxl -d 0 -e 9 -E 3`), and lossy at a Butteraugli distance (`cjxl -d D`), decoded back.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vlae {

constexpr int kJpegXlEffort = 9;       // lossless: the slowest, strongest encoder effort (cjxl -e 9)
constexpr int kJpegXlLossyEffort = 7;  // lossy: cjxl's default; effort 9 costs minutes per large atlas

// The .jxl file of a lossless encoding of c x h x w 8-bit pixels (c = 1 or 3).
std::string jpegxl_lossless(const uint8_t* px, int64_t c, int64_t h, int64_t w);
// Encodes at `distance` (0 is lossless; 1 is about visually lossless; larger is smaller), decodes
// into `decoded` (c * h * w levels, planar); returns the file size in bytes.
size_t jpegxl_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, double distance,
                        std::vector<uint8_t>* decoded);
// Decodes a .jxl file into planar levels; throws std::runtime_error on failure.
std::vector<uint8_t> jpegxl_decode(const std::string& file, int64_t c, int64_t h, int64_t w);

}  // namespace vlae
