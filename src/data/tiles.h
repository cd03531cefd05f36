// A picture of any size as tiles of a model's size. Tiles cover the picture in row-major order from
// its top-left corner; a tile that runs past the right or bottom edge is filled by repeating the
// last column or row (edge padding, cheap to code). Untiling crops the padding away, so
// from_tiles(to_tiles(x)) == x for every size, including sizes below one tile.
#pragma once
#include <cstdint>

#include "data/images.h"

namespace vlae {

struct TileGrid {
  int64_t rows = 1, cols = 1;  // tiles down and across one picture
  int64_t per_image() const { return rows * cols; }
};
TileGrid tile_grid(int64_t height, int64_t width, int64_t tile_height, int64_t tile_width);

// Every picture of x as grid.per_image() tiles of tile_height x tile_width (names are dropped).
Images to_tiles(const Images& x, int64_t tile_height, int64_t tile_width);
// The `count` pictures of height x width that `tiles` (from to_tiles) cover.
Images from_tiles(const Images& tiles, int64_t count, int64_t height, int64_t width);

}  // namespace vlae
