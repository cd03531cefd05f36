// A set of same-sized grayscale images in memory: the unit every loader returns and every
// model, codec and baseline consumes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vlae {

struct Images {
  int64_t count = 0, height = 0, width = 0;
  bool binary = false;          // pixel values are 0/1; otherwise 8-bit levels 0..255
  std::vector<uint8_t> pixels;  // count * height * width, image-major, row-major
  // A folder's images: each one's path relative to the folder ('/'-separated), so decoding can
  // give every image back its name. Empty for data sets and IDX files.
  std::vector<std::string> names;

  int64_t dims() const { return height * width; }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * dims(); }
  uint8_t* image(int64_t i) { return pixels.data() + i * dims(); }
  Images first(int64_t n) const;  // the first n images (n clamped to count)
};

// Static binarization: each pixel on with probability level/255, drawn from a generator seeded by
// the image's own content, so an image binarizes the same way whatever subset it is loaded in.
Images binarize_static(const Images& x);

}  // namespace vlae
