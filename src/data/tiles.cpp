#include "data/tiles.h"

#include <algorithm>
#include <stdexcept>

namespace vlae {

TileGrid tile_grid(int64_t height, int64_t width, int64_t tile_height, int64_t tile_width) {
  TileGrid g;
  g.rows = (height + tile_height - 1) / tile_height;
  g.cols = (width + tile_width - 1) / tile_width;
  return g;
}

Images to_tiles(const Images& x, int64_t th, int64_t tw) {
  const TileGrid g = tile_grid(x.height, x.width, th, tw);
  Images t;
  t.count = x.count * g.per_image();
  t.channels = x.channels;
  t.height = th;
  t.width = tw;
  t.binary = x.binary;
  t.pixels.resize(static_cast<size_t>(t.count * t.dims()));
  for (int64_t i = 0; i < x.count; ++i)
    for (int64_t ty = 0; ty < g.rows; ++ty)
      for (int64_t tx = 0; tx < g.cols; ++tx) {
        uint8_t* dst = t.image((i * g.rows + ty) * g.cols + tx);
        for (int64_t c = 0; c < x.channels; ++c)
          for (int64_t r = 0; r < th; ++r) {
            const int64_t y = std::min(ty * th + r, x.height - 1);
            const uint8_t* row = x.image(i) + (c * x.height + y) * x.width;
            for (int64_t q = 0; q < tw; ++q) dst[(c * th + r) * tw + q] = row[std::min(tx * tw + q, x.width - 1)];
          }
      }
  return t;
}

Images from_tiles(const Images& t, int64_t count, int64_t height, int64_t width) {
  const TileGrid g = tile_grid(height, width, t.height, t.width);
  if (t.count != count * g.per_image()) throw std::invalid_argument("from_tiles: tile count does not cover the pictures");
  Images x;
  x.count = count;
  x.channels = t.channels;
  x.height = height;
  x.width = width;
  x.binary = t.binary;
  x.pixels.resize(static_cast<size_t>(count * x.dims()));
  for (int64_t i = 0; i < count; ++i)
    for (int64_t c = 0; c < x.channels; ++c)
      for (int64_t y = 0; y < height; ++y)
        for (int64_t q = 0; q < width; ++q) {
          const int64_t tile = (i * g.rows + y / t.height) * g.cols + q / t.width;
          x.image(i)[(c * height + y) * width + q] = t.image(tile)[(c * t.height + y % t.height) * t.width + q % t.width];
        }
  return x;
}

}  // namespace vlae
