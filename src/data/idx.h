// MNIST-format IDX image files (magic 0x00000803: unsigned bytes, 3 dimensions), raw or gzip.
#pragma once
#include <string>

#include "data/images.h"

namespace vlae {

// Throws InputError naming the file for a wrong magic, truncated data or sizes that disagree.
Images read_idx_images(const std::string& path);
// Writes 8-bit levels (binary images are written as 0/255), atomically.
void write_idx_images(const std::string& path, const Images& images);

}  // namespace vlae
