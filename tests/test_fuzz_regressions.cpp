// Inputs the decompress fuzzer once found (fuzz/regressions/, libFuzzer's out-of-memory reports),
// decoded the way the fuzzer decodes them (fuzz/fuzz_decompress.cpp: the same tiny model, the
// checksum appended, the fingerprint check skipped): each must end in a clean InputError or a
// decoded file, within ordinary memory. scripts/fuzz also replays them under ASan before fuzzing.
#include <gtest/gtest.h>

#include <filesystem>

#include "coding/lossless.h"
#include "coding/lossy.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/hash.h"

namespace fs = std::filesystem;
using namespace vlae;

TEST(FuzzRegressions, EveryFoundInputEndsInAnErrorOrAFile) {
  torch::manual_seed(0);
  ModelConfig c;
  c.hidden = 16;
  c.latent_dim = 4;
  VAE model(c);
  model->eval();
  int decoded = 0;
  for (const auto& e : fs::directory_iterator(std::string(VLAE_SOURCE_DIR) + "/fuzz/regressions")) {
    std::string bytes = read_file(e.path().string());
    const uint64_t sum = fnv1a(bytes.data(), bytes.size());
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
    try {
      if (bytes.size() > 6 && bytes[6] == 2)
        decompress_lossy(model, bytes, e.path().filename().string(), false);
      else
        decompress_lossless(model, bytes, e.path().filename().string(), false, false);
    } catch (const InputError&) {
    }
    ++decoded;
  }
  EXPECT_GE(decoded, 2);
}
