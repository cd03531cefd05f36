// Grayscale PNG files and folders of them (libpng's simplified API).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"

namespace vlae {

// A folder of same-sized 8-bit grayscale PNGs, in file-name order. Throws InputError for an empty
// folder, a non-grayscale or unreadable file, or sizes that disagree.
Images read_png_folder(const std::string& dir);
// One grayscale PNG image; throws InputError naming the file.
Images read_png_file(const std::string& path);
// Encodes one 8-bit grayscale image as PNG bytes (compression level 9).
std::string encode_png_gray(const uint8_t* pixels, int64_t height, int64_t width);
// Writes every image as dir/NNNNN.png (binary images as 0/255), replacing dir atomically.
void write_png_folder(const std::string& dir, const Images& images);

}  // namespace vlae
