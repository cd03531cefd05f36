// JPEG files as input (libjpeg-turbo): gray or RGB, decoded with the library's default (accurate
// integer) IDCT, so the same file gives the same pixels wherever the same libjpeg runs.
#pragma once
#include <string>

#include "data/images.h"

namespace vlae {

// One JPEG image; throws InputError naming the file.
Images read_jpeg_file(const std::string& path);

}  // namespace vlae
