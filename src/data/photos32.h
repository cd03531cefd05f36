// `--data photos32`: 32x32 RGB patches cut from the photographs Debian's python3-skimage ships in
// skimage/data, a natural-image set that installs here (CIFAR-10 cannot be downloaded on this
// machine). Train and test come from different photographs, so no test patch overlaps a training
// one: test patches tile chelsea, coffee and rocket without overlap; training patches are cut
// every 16 pixels from astronaut, motorcycle_left, motorcycle_right, ihc and hubble_deep_field.
// Patches start at the top-left corner; a partial patch at the right or bottom edge is dropped.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"

namespace vlae {

constexpr int64_t kPhotoPatch = 32, kPhotoTrainStride = 16;

struct PhotoSource {
  std::string file;
  bool test;
};
const std::vector<PhotoSource>& photos32_sources();
// The folder with the photographs: VLAE_SKIMAGE_DATA, else Debian's python3-skimage location.
std::string skimage_data_dir();
// split: train | test. Throws InputError when a photograph is missing.
Images read_photos32(const std::string& split);
// The patches of one image (1 or 3 channels) at `stride`, in row-major order of their corners.
Images cut_patches(const Images& photo, int64_t side, int64_t stride);

}  // namespace vlae
