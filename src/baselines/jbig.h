// JBIG (jbigkit, ITU-T T.82) on one binary image, in one resolution layer (`pbmtojbg -q`): the
// classical codec made for bilevel images.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vlae {

// The .jbg file of h x w pixels of 0/1 (1 = black, as in PBM).
std::string jbig_encode(const uint8_t* px, int64_t h, int64_t w);
// Decodes a .jbg file back to 0/1 pixels; throws std::runtime_error on failure.
std::vector<uint8_t> jbig_decode(const std::string& file, int64_t h, int64_t w);

}  // namespace vlae
