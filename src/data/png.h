// Grayscale PNG files and folders of them (libpng's simplified API).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"

namespace vlae {

// A folder of same-sized 8-bit grayscale PNGs, read recursively, in order of their paths relative
// to the folder, which become the images' names. Throws InputError for an empty folder, a
// non-grayscale or unreadable file, or sizes that disagree.
Images read_png_folder(const std::string& dir);
// A name that stays inside the folder it is written to: relative, no "." or ".." parts.
bool safe_relative_name(const std::string& name);
// One grayscale PNG image; throws InputError naming the file.
Images read_png_file(const std::string& path);
// Encodes one grayscale image as PNG bytes at compression level 9: 8-bit levels, or with
// `one_bit` 0/1 pixels at bit depth 1. `filter`: a PNG_FILTER_* mask; -1 leaves libpng's choice.
std::string encode_png_gray(const uint8_t* pixels, int64_t height, int64_t width, bool one_bit = false,
                            int filter = -1);
// Writes every image as dir/NAME (its name, subfolders created) or dir/NNNNN.png when the images
// have no names; binary images as 0/255. Creates dir when missing; each file is written atomically
// and nothing else in dir is touched.
void write_png_folder(const std::string& dir, const Images& images);

}  // namespace vlae
