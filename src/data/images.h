// A set of same-sized images of 1 (gray) or 3 (RGB) channels in memory: the unit every loader
// returns and every model, codec and baseline consumes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vlae {

struct Images {
  int64_t count = 0, height = 0, width = 0;
  int64_t channels = 1;         // 1: gray, 3: R, G, B
  bool binary = false;          // pixel values are 0/1; otherwise 8-bit levels 0..255
  // count * channels * height * width: image-major, then planar (C x H x W, as CIFAR-10 stores
  // it and as the models read it), each plane row-major.
  std::vector<uint8_t> pixels;
  // A folder's images: each one's path relative to the folder ('/'-separated), so decoding can
  // give every image back its name. Empty for data sets and IDX files.
  std::vector<std::string> names;

  int64_t dims() const { return channels * height * width; }  // sub-pixels per image
  int64_t plane() const { return height * width; }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * dims(); }
  uint8_t* image(int64_t i) { return pixels.data() + i * dims(); }
  Images first(int64_t n) const;  // the first n images (n clamped to count)
};

// Static binarization: each pixel on with probability level/255, drawn from a generator seeded by
// the image's own content, so an image binarizes the same way whatever subset it is loaded in.
Images binarize_static(const Images& x);

// "WxH" or "WxH RGB": how errors name an image size.
std::string describe_size(const Images& x);
std::string describe_size(int64_t channels, int64_t height, int64_t width);

// Planar C x H x W <-> interleaved H x W x C (the order PNG, JPEG and the other codecs use).
void planar_to_interleaved(const uint8_t* planar, int64_t channels, int64_t plane, uint8_t* interleaved);
void interleaved_to_planar(const uint8_t* interleaved, int64_t channels, int64_t plane, uint8_t* planar);
// The pixels interleaved: `planar` itself for one channel, else a copy made in `buffer`.
const uint8_t* interleaved(const uint8_t* planar, int64_t channels, int64_t plane, std::vector<uint8_t>& buffer);

}  // namespace vlae
