// Relative-entropy coding: the decoded latent is a sample of q(z|x), indices round-trip through
// their code, and files behave as the other codecs' do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "coding/lossy_rec.h"
#include "coding/rec.h"
#include "helpers.h"
#include "util/error.h"

using namespace vlae;

// Over many seeds for one posterior, the chosen candidates' per-dimension mean and variance and a
// Kolmogorov-Smirnov statistic match q. 3 dimensions, KL about 4 nats: the search ends exactly.
TEST(Rec, DecodedSamplesAreDistributedAsThePosterior) {
  const std::vector<double> mean = {0.8, -1.2, 0.1}, sd = {0.3, 0.5, 0.2};
  const int runs = 3000;
  std::vector<std::vector<double>> z(mean.size());
  int exact = 0;
  for (int s = 0; s < runs; ++s) {
    const rec::Selection sel = rec::select(static_cast<uint64_t>(s), 0, 0, mean, sd);
    exact += sel.exact;
    const auto c = rec::candidate(static_cast<uint64_t>(s), 0, 0, sel.index, mean.size());
    for (size_t j = 0; j < mean.size(); ++j) z[j].push_back(c[j]);
  }
  EXPECT_EQ(exact, runs);
  test::expect_samples_of_posterior(z, mean, sd);
}

TEST(Rec, IndexCodeRoundTripsAndCostsAboutLogN) {
  const rec::IndexCodec c(5.0);
  rans::Message m;
  const std::vector<uint64_t> ns = {1, 2, 3, 7, 100, 4096, 123457, uint64_t(1) << rec::kMaxLog2Candidates};
  std::vector<double> bits;
  for (uint64_t n : ns) bits.push_back(c.push(m, n));
  for (size_t i = ns.size(); i-- > 0;) {
    const auto p = c.pop(m);
    EXPECT_EQ(p.symbol, ns[i]);
    EXPECT_DOUBLE_EQ(p.bits, bits[i]);
  }
  EXPECT_EQ(m.state, rans::kLower);
  EXPECT_THROW(c.push(m, 0), std::invalid_argument);
  // Zipf with exponent 1 + 1/5: n = 100 costs about (1.2) log2(100) + log2(5) bits.
  EXPECT_NEAR(bits[4], 1.2 * std::log2(100.0) + std::log2(5.0), 1.5);
}

TEST(Rec, BlocksShareTheKl) {
  const std::vector<double> kl = {4, 4, 0.001, 4, 4, 4, 4, 0, 4, 4};
  const auto b = rec::make_blocks(kl, 8.0);
  EXPECT_EQ(b[2], rec::kPriorBlock);  // below kMinSentKlNats: drawn from the prior, not sent
  EXPECT_EQ(b[7], rec::kPriorBlock);
  std::vector<int> sent;
  for (uint8_t v : b)
    if (v != rec::kPriorBlock) sent.push_back(v);
  EXPECT_TRUE(std::is_sorted(sent.begin(), sent.end()));
  EXPECT_EQ(sent.front(), 0);
  const auto l = rec::block_lambdas(b, kl);
  ASSERT_EQ(static_cast<int>(l.size()), sent.back() + 1);  // numbered without gaps
  EXPECT_EQ(l.size(), 4u);                                 // 32 nats in blocks of 8
  for (double v : l) EXPECT_NEAR(v, 9.0, 0.01);
}

TEST(Rec, FilesRoundTripAndBadFilesAreInputErrors) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(20);
  const Images cal = test::fashion(50, false, "train");
  RecOptions o;
  o.seed = 7;
  RecReport r;
  const std::string bytes = compress_rec(run.model, x, cal, o, &r);
  std::vector<float> z1, z2;
  const Images y1 = decompress_rec(run.model, bytes, "mem", true, &z1);
  const Images y2 = decompress_rec(run.model, bytes, "mem", true, &z2);
  EXPECT_EQ(z1, z2);
  EXPECT_EQ(y1.pixels, y2.pixels);
  EXPECT_EQ(y1.count, 20);
  // The same seed and images give the same file; another seed another sample.
  EXPECT_EQ(compress_rec(run.model, x, cal, o, nullptr), bytes);
  o.seed = 8;
  EXPECT_NE(compress_rec(run.model, x, cal, o, nullptr), bytes);
  std::string cut = bytes.substr(0, bytes.size() - 5);
  test::expect_input_error([&] { decompress_rec(run.model, cut, "cut", true); }, "cut");
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;
  test::expect_input_error([&] { decompress_rec(run.model, flipped, "flipped", true); }, "flipped");
  LoadedRun other = load_run(test::tiny_run(true, 2));
  test::expect_input_error([&] { decompress_rec(other.model, bytes, "other", true); }, "other");
}

// `decompress --decoder-sample SEED`: a draw of p(x|z) at the file's z in place of the decoder mean,
// the same for the same seed, another for another seed; grid files too; lossless files are refused
// with exit code 2.
TEST(Rec, DecoderSampleCli) {
  const std::string run = test::tiny_run(false, 1), dir = test::temp_dir("rec-decoder-sample");
  const auto c = test::run_cli("compress --run " + run + " --limit 6 --lossy --codec rec --calibration 100 -o " + dir +
                               "/r.vlae --threads 1");
  ASSERT_EQ(c.code, 0) << c.output;
  for (const std::string& out : {"mean.idx", "s3.idx", "s3b.idx", "s4.idx"}) {
    const std::string seed = out == "mean.idx" ? "" : out == "s4.idx" ? " --decoder-sample 4" : " --decoder-sample 3";
    const auto d = test::run_cli("decompress --run " + run + " " + dir + "/r.vlae -o " + dir + "/" + out + seed);
    ASSERT_EQ(d.code, 0) << d.output;
  }
  const auto read = [&](const std::string& f) {
    std::ifstream in(dir + "/" + f, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string mean = read("mean.idx"), s3 = read("s3.idx");
  ASSERT_EQ(s3.size(), mean.size());
  EXPECT_EQ(read("s3b.idx"), s3);
  EXPECT_NE(read("s4.idx"), s3);
  // A draw scatters around the mean: many pixels differ (past the IDX header).
  int64_t differ = 0;
  for (size_t i = 16; i < s3.size(); ++i) differ += s3[i] != mean[i];
  EXPECT_GT(differ, static_cast<int64_t>(s3.size() / 4));
  // A grid file's z too; a lossless file has no z to draw at.
  const auto g = test::run_cli("compress --run " + run + " --limit 6 --lossy --calibration 100 -o " + dir + "/g.vlae --threads 1");
  ASSERT_EQ(g.code, 0) << g.output;
  ASSERT_EQ(test::run_cli("decompress --run " + run + " " + dir + "/g.vlae -o " + dir + "/gm.idx").code, 0);
  ASSERT_EQ(test::run_cli("decompress --run " + run + " " + dir + "/g.vlae -o " + dir + "/gs.idx --decoder-sample 3").code, 0);
  EXPECT_NE(read("gs.idx"), read("gm.idx"));
  EXPECT_EQ(read("gs.idx").size(), read("gm.idx").size());
  const auto l = test::run_cli("compress --run " + run + " --limit 3 --calibration 100 -o " + dir + "/l.vlae --threads 1");
  ASSERT_EQ(l.code, 0) << l.output;
  test::expect_usage_error("decompress --run " + run + " " + dir + "/l.vlae -o " + dir + "/l.idx --decoder-sample 1",
                           "--decoder-sample: for files of");
}
