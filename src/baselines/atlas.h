// Every image of a set tiled on one near-square grid, row-major, as one picture (planar, the set's
// channels): what the atlas baselines code, so per-file headers do not decide a comparison.
#pragma once
#include <cstdint>
#include <vector>

#include "data/images.h"

namespace vlae {

struct Atlas {
  int64_t cols = 0, rows = 0, height = 0, width = 0, channels = 1;
  std::vector<uint8_t> pixels;  // channels x height x width; cells past the last image are 0
};
// `levels`: the set's pixels to place (x.pixels, or their display levels).
Atlas make_atlas(const Images& x, const std::vector<uint8_t>& levels);
// Cell i of a decoded atlas (same layout) as one planar image of x's size.
void atlas_cell(const Atlas& a, const std::vector<uint8_t>& decoded, const Images& x, int64_t i, uint8_t* out);

}  // namespace vlae
