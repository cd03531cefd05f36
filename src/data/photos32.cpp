#include "data/photos32.h"

#include <cstdlib>
#include <filesystem>

#include "data/jpeg.h"
#include "data/png.h"
#include "util/error.h"

namespace vlae {

const std::vector<PhotoSource>& photos32_sources() {
  static const std::vector<PhotoSource> s = {
      {"astronaut.png", false}, {"motorcycle_left.png", false}, {"motorcycle_right.png", false},
      {"ihc.png", false},       {"hubble_deep_field.jpg", false}, {"chelsea.png", true},
      {"coffee.png", true},     {"rocket.jpg", true}};
  return s;
}

std::string skimage_data_dir() {
  if (const char* d = std::getenv("VLAE_SKIMAGE_DATA"); d && *d) return d;
  return "/usr/lib/python3/dist-packages/skimage/data";
}

Images cut_patches(const Images& photo, int64_t side, int64_t stride) {
  Images out;
  out.channels = photo.channels;
  out.height = out.width = side;
  for (int64_t y = 0; y + side <= photo.height; y += stride)
    for (int64_t x = 0; x + side <= photo.width; x += stride) {
      for (int64_t c = 0; c < photo.channels; ++c)
        for (int64_t r = 0; r < side; ++r) {
          const uint8_t* row = photo.pixels.data() + (c * photo.height + y + r) * photo.width + x;
          out.pixels.insert(out.pixels.end(), row, row + side);
        }
      ++out.count;
    }
  return out;
}

Images read_photos32(const std::string& split) {
  const std::string dir = skimage_data_dir();
  Images out;
  out.channels = 3;
  out.height = out.width = kPhotoPatch;
  for (const auto& s : photos32_sources()) {
    if (s.test != (split == "test")) continue;
    const std::string path = dir + "/" + s.file;
    if (!std::filesystem::exists(path))
      throw InputError("photos32: " + path + " not found (install Debian's python3-skimage; scripts/setup does)");
    const Images photo = s.file.size() > 4 && s.file.compare(s.file.size() - 4, 4, ".jpg") == 0 ? read_jpeg_file(path)
                                                                                                 : read_png_file(path);
    if (photo.channels != 3) throw InputError(path + ": expected an RGB photograph");
    const Images p = cut_patches(photo, kPhotoPatch, s.test ? kPhotoPatch : kPhotoTrainStride);
    out.pixels.insert(out.pixels.end(), p.pixels.begin(), p.pixels.end());
    out.count += p.count;
  }
  return out;
}

}  // namespace vlae
