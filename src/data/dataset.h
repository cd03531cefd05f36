// Resolves a `--data` argument to images: a named data set (fashion-mnist, mnist) or a path
// (an IDX file, raw or .gz, or a folder of PNGs), then applies --split, --limit and --binarize.
#pragma once
#include <cstdint>
#include <string>

#include "data/images.h"

namespace vlae {

enum class Binarize { None, Static, Dynamic };
Binarize parse_binarize(const std::string& s);  // throws InputError
std::string to_string(Binarize b);

struct DataSpec {
  std::string data = "fashion-mnist";
  std::string split = "test";  // train | test (ignored for a path)
  int64_t limit = -1;          // first N images; -1: all
  Binarize binarize = Binarize::None;
};

// Static binarization is applied here; Dynamic returns the 8-bit images (training resamples them
// each epoch). Throws InputError for unknown names and malformed files.
Images load_images(const DataSpec& spec);

// The cache for converted data (VLAE_CACHE, default ~/.cache/vlae).
std::string cache_dir();

}  // namespace vlae
