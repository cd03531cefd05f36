#include "data/cifar10.h"

#include <filesystem>

#include "util/atomic_file.h"
#include "util/error.h"

namespace vlae {

Images read_cifar10(const std::string& dir, const std::string& split) {
  if (!std::filesystem::is_directory(dir))
    throw InputError("cifar10:" + dir + ": no such folder (extract cifar-10-binary.tar.gz and give its cifar-10-batches-bin)");
  std::vector<std::string> files;
  if (split == "train")
    for (int b = 1; b <= 5; ++b) files.push_back(dir + "/data_batch_" + std::to_string(b) + ".bin");
  else
    files.push_back(dir + "/test_batch.bin");
  Images out;
  out.channels = 3;
  out.height = out.width = kCifarSide;
  const int64_t d = out.dims();
  for (const auto& f : files) {
    if (!std::filesystem::exists(f)) throw InputError(f + ": missing (CIFAR-10's binary version has data_batch_1..5.bin and test_batch.bin)");
    const std::string bytes = read_file(f);
    if (bytes.empty() || bytes.size() % kCifarRecord != 0)
      throw InputError(f + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                       std::to_string(kCifarRecord) + "-byte CIFAR-10 records");
    const int64_t n = static_cast<int64_t>(bytes.size()) / kCifarRecord;
    out.pixels.reserve(out.pixels.size() + n * d);
    for (int64_t i = 0; i < n; ++i) {
      const auto* rec = reinterpret_cast<const uint8_t*>(bytes.data()) + i * kCifarRecord;
      if (rec[0] > 9) throw InputError(f + ": record " + std::to_string(i) + " has label " + std::to_string(rec[0]) + " (CIFAR-10 labels are 0..9)");
      out.pixels.insert(out.pixels.end(), rec + 1, rec + kCifarRecord);
    }
    out.count += n;
  }
  return out;
}

}  // namespace vlae
