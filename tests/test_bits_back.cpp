#include <gtest/gtest.h>

#include <filesystem>

#include "coding/container.h"
#include "coding/lossless.h"
#include "eval/evaluate.h"
#include "helpers.h"
#include "train/run.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/hash.h"

using namespace vlae;
using vlae::test::expect_input_error;

namespace {
}  // namespace

class BitsBackCoding : public ::testing::TestWithParam<bool> {};

TEST_P(BitsBackCoding, RoundTripIsExactAndCostsAboutTheElbo) {
  const bool binary = GetParam();
  LoadedRun run = load_run(test::tiny_run(binary, 2));
  const Images x = test::fashion(300, binary);
  BitsBackConfig cfg;
  cfg.lanes = 7;  // 300 is not a multiple: the last step codes a partial batch
  LosslessReport rep;
  const std::string bytes = compress_lossless(run.model, x, cfg, &rep, false);
  const Images y = decompress_lossless(run.model, bytes, "mem", false);
  EXPECT_EQ(y.pixels, x.pixels);
  EXPECT_EQ(y.binary, binary);
  // The actual file (initial bits excluded) is the ideal net cost, to within the 64-bit flush per lane.
  const double actual = 8.0 * rep.bytes - rep.stats.initial_bits;
  EXPECT_NEAR(actual, rep.stats.net_bits(), 64.0 * cfg.lanes + 8.0 * 64);
  // ... and the net cost is -ELBO up to the latent discretization and sampling noise.
  EvalOptions o;
  o.iwae_samples = 0;
  const double neg_elbo_bits = -evaluate(run.model, x, o).elbo / std::log(2.0) * x.count;
  EXPECT_NEAR(rep.stats.net_bits() / neg_elbo_bits, 1.0, 0.02);
  // Bits back are real: the naive cost (z under the prior, no bits back) is larger.
  EXPECT_GT(rep.stats.naive_bits(), rep.stats.net_bits() + 1.0 * x.count);
}
INSTANTIATE_TEST_SUITE_P(BinaryAnd8Bit, BitsBackCoding, ::testing::Values(true, false));

// The calibrated Gaussian decoder (one learned scale) codes losslessly too, at about its -ELBO.
TEST(BitsBackGaussian, RoundTripIsExactAndCostsAboutTheElbo) {
  LoadedRun run = load_run(test::tiny_run(false, 6, Likelihood::Gaussian));
  ASSERT_EQ(run.model->config.likelihood, Likelihood::Gaussian);
  const Images x = test::fashion(100);
  BitsBackConfig cfg;
  cfg.lanes = 3;
  LosslessReport rep;
  const std::string bytes = compress_lossless(run.model, x, cfg, &rep, false);
  EXPECT_EQ(decompress_lossless(run.model, bytes, "mem", false).pixels, x.pixels);
  EvalOptions o;
  o.iwae_samples = 0;
  const double neg_elbo_bits = -evaluate(run.model, x, o).elbo / std::log(2.0) * x.count;
  EXPECT_NEAR(rep.stats.net_bits() / neg_elbo_bits, 1.0, 0.02);
}

TEST(BitsBackFile, ErrorsAreInputErrors) {
  LoadedRun run = load_run(test::tiny_run(false));
  LoadedRun other = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(20);
  BitsBackConfig cfg;
  cfg.lanes = 4;
  const std::string bytes = compress_lossless(run.model, x, cfg, nullptr, false);
  expect_input_error([&] { decompress_lossless(other.model, bytes, "f", false); }, "different model");
  expect_input_error([&] { decompress_lossless(run.model, bytes.substr(0, bytes.size() / 2), "f", false); },
                     "checksum");
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  expect_input_error([&] { decompress_lossless(run.model, flipped, "f", false); }, "checksum");
  std::string version = bytes;
  version[4] = 9;
  expect_input_error([&] { decompress_lossless(run.model, version, "f", false); }, "version 9");
  expect_input_error([&] { decompress_lossless(run.model, "PK\x03\x04zip", "f", false); }, "bad magic");
  expect_input_error([&] { decompress_lossless(run.model, "VLAE", "f", false); }, "truncated");
  // A consistent file whose lanes lost their words: the decoder runs dry instead of reading past the end.
  CodedFile f = parse_coded_file(bytes, "f");
  for (auto& m : f.lanes) m.words.resize(m.words.size() / 3);
  expect_input_error([&] { decompress_lossless(run.model, serialize(f), "f", false); }, "");
  // Found by the fuzzer: a huge lane count or lane length must fail before anything is allocated.
  auto with_checksum = [](std::string b) {
    b.resize(b.size() - 8);
    const uint64_t h = fnv1a(b.data(), b.size());
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>((h >> (8 * i)) & 0xff));
    return b;
  };
  std::string lanes = bytes;
  for (int i = 0; i < 4; ++i) lanes[40 + i] = '\xff';  // lane count
  expect_input_error([&] { decompress_lossless(run.model, with_checksum(lanes), "f", false); }, "lane count");
  std::string words = bytes.substr(0, 56);  // header, first lane's state, then a huge word count
  words[40] = 1;  // one lane
  words[41] = words[42] = words[43] = 0;
  for (int i = 0; i < 4; ++i) words[52 + i] = '\xff';
  expect_input_error([&] { decompress_lossless(run.model, with_checksum(words + "12345678"), "f", false); },
                     "truncated");
  // Images of the wrong kind for the model.
  expect_input_error([&] { compress_lossless(run.model, test::fashion(5, true), cfg, nullptr, false); }, "binary");
}

// Lane starts (bits_back.h). An MLP decoder needs z to draw x, so every lane keeps its initial bits
// and the file is the same bytes as when they were the only start. Forced, the start under
// p(x | z_median) decodes exactly too, draws no initial bits, and the file (format version 5)
// records it per lane; a wrong or invalid start is an error, never wrong pixels.
TEST(BitsBackFile, LaneStartsRoundTripAndAnMlpKeepsItsInitialBits) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(21);
  BitsBackConfig cfg;
  cfg.lanes = 4;
  LosslessReport automatic, forced, median;
  const std::string chosen = compress_lossless(run.model, x, cfg, &automatic, false);
  cfg.lane_start = kStartInitialBits;
  EXPECT_EQ(chosen, compress_lossless(run.model, x, cfg, &forced, false));
  // Every lane kept one start, so the encoder kept that trial's messages: its costs are the push's.
  EXPECT_EQ(automatic.stats.x_bits, forced.stats.x_bits);
  EXPECT_EQ(automatic.stats.z_prior_bits, forced.stats.z_prior_bits);
  EXPECT_EQ(automatic.stats.bits_back, forced.stats.bits_back);
  EXPECT_EQ(automatic.stats.initial_bits, forced.stats.initial_bits);
  EXPECT_EQ(automatic.stats.median_starts, 0);
  EXPECT_EQ(chosen[4], 1);  // format version 1: no lane starts stored
  cfg.lane_start = kStartPriorMedian;
  const std::string bytes = compress_lossless(run.model, x, cfg, &median, false);
  EXPECT_EQ(decompress_lossless(run.model, bytes, "mem", false).pixels, x.pixels);
  EXPECT_EQ(median.stats.median_starts, 4);
  // No random state and no z popped from an empty message: fewer initial bits than every lane drew.
  EXPECT_LT(median.stats.initial_bits, automatic.stats.initial_bits);
  CodedFile f = parse_coded_file(bytes, "m");
  EXPECT_EQ(bytes[4], 5);
  EXPECT_EQ(f.lane_starts, std::vector<uint8_t>(4, kStartPriorMedian));
  EXPECT_EQ(parse_coded_file(serialize(f), "m").lane_starts, f.lane_starts);
  f.lane_starts[2] = kStartInitialBits;  // a consistent file that says the wrong thing
  expect_input_error([&] { decompress_lossless(run.model, serialize(f), "m", false); }, "m");
  f.lane_starts[2] = 7;
  expect_input_error([&] { decompress_lossless(run.model, serialize(f), "m", false); }, "lane start");
}

TEST(BitsBackFile, DeterministicAcrossProcessesAndThreadCounts) {
  const std::string run = test::tiny_run(false, 2);
  const std::string dir = test::temp_dir("determinism");
  auto c = test::run_cli("compress --run " + run + " --limit 150 --lanes 16 --threads 1 -o " + dir + "/a.vlae");
  ASSERT_EQ(c.code, 0) << c.output;
  auto d = test::run_cli("decompress --run " + run + " --threads 2 " + dir + "/a.vlae -o " + dir + "/out.idx");
  ASSERT_EQ(d.code, 0) << d.output;
  auto c2 = test::run_cli("compress --run " + run + " --limit 150 --lanes 16 --threads 2 -o " + dir + "/b.vlae");
  ASSERT_EQ(c2.code, 0) << c2.output;
  EXPECT_EQ(read_file(dir + "/a.vlae"), read_file(dir + "/b.vlae"));
  DataSpec s;
  s.data = dir + "/out.idx";
  EXPECT_EQ(load_images(s).pixels, test::fashion(150).pixels);
  // To PNGs as well.
  d = test::run_cli("decompress --run " + run + " " + dir + "/a.vlae -o " + dir + "/pngs");
  ASSERT_EQ(d.code, 0) << d.output;
  s.data = dir + "/pngs";
  s.split = "all";  // the whole folder, not its hold-out test split
  EXPECT_EQ(load_images(s).pixels, test::fashion(150).pixels);
}

// A file of another coding arithmetic is refused with a message naming both, not called corrupt.
TEST(BitsBackFile, AnotherArithmeticIsRefusedByName) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(4);
  BitsBackConfig cfg;
  cfg.lanes = 1;
  const std::string good = compress_lossless(run.model, x, cfg, nullptr, false);
  constexpr size_t kArithmeticByte = 4 + 2 + 1 + 1 + 8 + 4 + 4 + 4 + 3;  // container.h's header layout
  EXPECT_EQ(good[kArithmeticByte], 1);  // vlae's deterministic kernels, version 1
  for (const auto& [id, names] : std::vector<std::pair<int, std::string>>{{0, "LibTorch float"}, {7, "coding arithmetic 7"}}) {
    std::string bytes = good;
    bytes[kArithmeticByte] = static_cast<char>(id);
    const uint64_t sum = fnv1a(bytes.data(), bytes.size() - 8);
    for (int i = 0; i < 8; ++i) bytes[bytes.size() - 8 + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
    expect_input_error([&] { decompress_lossless(run.model, bytes, "other.vlae", false); }, "coding arithmetic " + std::to_string(id));
    try {
      decompress_lossless(run.model, bytes, "other.vlae", false);
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("deterministic kernels v1"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
    }
  }
}
