// IDX image files, raw or gzip: MNIST's 0x00000803 (unsigned bytes [n, h, w], gray) and, for colour,
// 0x00000804 (unsigned bytes [n, c, h, w], planar).
#pragma once
#include <string>

#include "data/images.h"

namespace vlae {

// Throws InputError naming the file for a wrong magic, truncated data or sizes that disagree.
Images read_idx_images(const std::string& path);
// Writes 8-bit levels (binary images are written as 0/255), atomically.
void write_idx_images(const std::string& path, const Images& images);

}  // namespace vlae
