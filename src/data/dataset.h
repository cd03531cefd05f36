// Resolves a `--data` argument to images: a named data set (fashion-mnist, mnist, mnist-full,
// photos32, cifar10:DIR) or a path (an IDX file, raw or .gz, a PNG or JPEG file, or a folder of PNGs, read
// recursively), then applies --split, --limit and --binarize.
#pragma once
#include <cstdint>
#include <string>

#include "data/images.h"

namespace vlae {

enum class Binarize { None, Static, Dynamic };
Binarize parse_binarize(const std::string& s);  // throws InputError
std::string to_string(Binarize b);

// A folder of PNGs without train/ and test/ subfolders holds out 1 in kFolderTestShare of its files
// as its test split, chosen by a hash of each file's relative path: deterministic, the same for
// any subset or order, and train and test never overlap.
constexpr uint64_t kFolderTestShare = 10;
bool in_folder_test_split(const std::string& relative_path);
bool named_data_set(const std::string& data);  // fashion-mnist, mnist, mnist-full, photos32 or cifar10:DIR

struct DataSpec {
  std::string data = "fashion-mnist";
  // train | test | all. A folder: DIR/train and DIR/test when both exist, else the hold-out above;
  // all: every image. An IDX or PNG file is one set whatever the split. "" is test for a data set
  // and all for a path.
  std::string split = "test";
  int64_t limit = -1;          // first N images; -1: all
  Binarize binarize = Binarize::None;
};

// Static binarization is applied here; Dynamic returns the 8-bit images (training resamples them
// each epoch). Throws InputError for unknown names and malformed files.
Images load_images(const DataSpec& spec);

// The cache for converted data (VLAE_CACHE, default ~/.cache/vlae).
std::string cache_dir();

}  // namespace vlae
