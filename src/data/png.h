// 8-bit gray and RGB PNG files and folders of them (libpng's simplified API).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"

namespace vlae {

// A folder of same-sized 8-bit PNGs, all gray or all RGB, read recursively, in order of their paths
// relative to the folder, which become the images' names. Throws InputError naming the file for an
// empty folder, an unreadable, palette, 16-bit or transparent file, or sizes or channel counts that
// disagree.
Images read_png_folder(const std::string& dir);
// A name that stays inside the folder it is written to: relative, no "." or ".." parts.
bool safe_relative_name(const std::string& name);
// One PNG image: gray, or RGB (an alpha channel is accepted only when every pixel is opaque).
// Throws InputError naming the file.
Images read_png_file(const std::string& path);
// Encodes one planar image (1 or 3 channels) as PNG bytes at compression level 9: 8-bit levels, or
// with `one_bit` 0/1 gray pixels at bit depth 1. `filter`: a PNG_FILTER_* mask; -1: libpng's choice.
std::string encode_png(const uint8_t* pixels, int64_t channels, int64_t height, int64_t width, bool one_bit = false,
                       int filter = -1);
inline std::string encode_png_gray(const uint8_t* pixels, int64_t height, int64_t width, bool one_bit = false,
                                   int filter = -1) {
  return encode_png(pixels, 1, height, width, one_bit, filter);
}
// Writes every image (gray or RGB) as dir/NAME (its name, subfolders created) or dir/NNNNN.png when the images
// have no names; binary images as 0/255. Creates dir when missing; each file is written atomically
// and nothing else in dir is touched.
void write_png_folder(const std::string& dir, const Images& images);

}  // namespace vlae
