// The binned scheme of relative-entropy coding (rec_partition.h): its sample is q's, its search
// proves its choice, its index codes round-trip, and both schemes' files decode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "coding/container.h"
#include "coding/lossy_rec.h"
#include "coding/rec.h"
#include "helpers.h"
#include "util/det_math.h"
#include "util/error.h"
#include "util/threads.h"

using namespace vlae;

namespace {
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace

TEST(DetMath, NormalQuantileInvertsTheCdf) {
  for (double p : {1e-300, 1e-40, 2e-21, 1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.1, 0.3, 0.4999, 0.5}) {
    const double x = det::normal_quantile_lower(p);
    EXPECT_LE(x, 0.0);
    if (p > 1e-290) EXPECT_NEAR(normal_cdf(x) / p, 1.0, 2e-7) << p;  // |x| 1.2e-9 relative, |x| <= 37
  }
  EXPECT_EQ(det::normal_quantile_lower(0.5), 0.0);
  EXPECT_TRUE(std::isnan(det::normal_quantile_lower(0.0)));
  EXPECT_TRUE(std::isnan(det::normal_quantile_lower(0.6)));
  // Increasing: bins of equal mass keep their order.
  double last = -1e9;
  for (int i = 1; i <= 1024; ++i) {
    const double x = det::normal_quantile_lower(i / 2048.0);
    EXPECT_GT(x, last);
    last = x;
  }
}

// Over many seeds for one posterior, the decoded points' per-dimension mean and variance and a
// KS statistic match q, with bins coarser than the posterior in one dimension, finer in another
// and absent in a third. KL about 7.6 nats: every search ends proven.
TEST(RecBinned, DecodedSamplesAreDistributedAsThePosterior) {
  const std::vector<double> mean = {0.8, -1.2, 0.1}, sd = {0.3, 0.15, 0.6};
  const std::vector<uint8_t> bits = {1, 5, 0};
  const int runs = 3000;
  std::vector<std::vector<double>> z(mean.size());
  int exact = 0;
  for (int s = 0; s < runs; ++s) {
    const rec::BinSelection sel = rec::select_binned(static_cast<uint64_t>(s), 3, 1, mean, sd, bits);
    exact += sel.exact;
    ASSERT_GE(sel.k, 1u);
    const auto c = rec::binned_candidate(static_cast<uint64_t>(s), 3, 1, sel.bin << rec::kRankBits | sel.k, bits);
    for (size_t j = 0; j < mean.size(); ++j) z[j].push_back(c[j]);
  }
  EXPECT_EQ(exact, runs);
  test::expect_samples_of_posterior(z, mean, sd);
}

// A bin's points stay in it: coordinate j of any point lies between the interval's edges.
TEST(RecBinned, PointsLieInTheirBins) {
  for (unsigned bits : {0u, 1u, 3u, 16u})
    for (uint32_t interval : {0u, 1u, 5u, 65535u}) {
      if (interval >= (1u << bits)) continue;
      const double n = std::ldexp(1.0, static_cast<int>(bits));
      for (uint64_t k = 1; k < 200; ++k) {
        const double z = rec::bin_point(11, 2, 0, 12345, k, 1, interval, bits);
        const double p = normal_cdf(z);
        EXPECT_GE(p, interval / n - 1e-12);
        EXPECT_LE(p, (interval + 1) / n + 1e-12);
      }
    }
}

TEST(RecBinned, BitsFollowTheKlAndTheMargin) {
  const std::vector<uint8_t> blocks = {0, 0, rec::kPriorBlock, 1, 1};
  const std::vector<double> kl = {6.0, 2.0, 0.001, 1.0, 1.0};
  const auto b = rec::bin_bits(blocks, kl, 2.0);
  EXPECT_EQ(b[0] + b[1], 8);  // floor((8 - 2) / ln 2) = 8 bits, 3 : 1
  EXPECT_EQ(b[0], 6);
  EXPECT_EQ(b[2], 0);
  EXPECT_EQ(b[3] + b[4], 0);  // 2 nats: no more than the margin
}

TEST(RecBinned, RankCodeRoundTripsAndFitsTheRanks) {
  std::vector<uint64_t> ranks;
  for (uint64_t k = 1; k <= 400; ++k) ranks.push_back(20 + (k * 7919) % 60);  // octaves 4..6
  const rec::RankShape s = rec::fit_rank_shape(ranks);
  EXPECT_NEAR(s.mu / 256.0, 5.5, 0.6);
  const rec::RankCodec c(s);
  rans::Message m;
  double bits = 0;
  for (uint64_t k : ranks) bits += c.push(m, k);
  EXPECT_LT(bits / ranks.size(), 5.2 + 1.6);  // about log2 k plus the octave's entropy (1.5 bits)
  for (size_t i = ranks.size(); i-- > 0;) EXPECT_EQ(c.pop(m).symbol, ranks[i]);
  EXPECT_EQ(m.state, rans::kLower);
  EXPECT_THROW(c.push(m, 0), std::invalid_argument);
  EXPECT_THROW(c.push(m, uint64_t(1) << (rec::kMaxLog2Rank + 1)), std::invalid_argument);  // past the last octave
}

// The searches run as a work queue over (image, block): the selections are the same on one thread
// or two, whichever thread takes which block. (LibTorch's encoder is another matter: its
// posteriors may differ in the last bits between thread counts, and with them a file's header.)
TEST(RecBinned, SelectionsDoNotDependOnTheThreads) {
  for (rec::Scheme scheme : {rec::Scheme::Zipf, rec::Scheme::Binned}) {
    const rec::Layout layout = rec::Layout::for_posteriors(scheme, {2.0, 3.0, 0.001, 2.5, 4.0, 1.5}, 4.0);
    const int64_t images = 9, k = 6;
    std::vector<double> mean(images * k), sd(images * k);
    for (int64_t i = 0; i < images * k; ++i) {
      mean[i] = std::sin(0.7 * i) * 1.5;
      sd[i] = 0.15 + 0.1 * (i % 5);
    }
    set_threads(1);
    const auto one = layout.select_images(3, 40, images, k, mean.data(), sd.data(), 1 << 16);
    set_threads(2);
    const auto two = layout.select_images(3, 40, images, k, mean.data(), sd.data(), 1 << 16);
    set_threads(0);
    ASSERT_EQ(one.size(), static_cast<size_t>(images) * layout.count());
    ASSERT_EQ(two.size(), one.size());
    for (size_t t = 0; t < one.size(); ++t) {
      EXPECT_EQ(one[t].index, two[t].index) << t;
      EXPECT_EQ(one[t].searched, two[t].searched) << t;
      // The same block searched alone gives the same choice (the queue passes image and block on).
      const size_t i = t / layout.count(), bl = t % layout.count();
      std::vector<double> m, s;
      for (size_t j : layout.dims[bl]) {
        m.push_back(mean[i * k + j]);
        s.push_back(sd[i * k + j]);
      }
      EXPECT_EQ(layout.select(3, 40 + i, static_cast<uint32_t>(bl), m, s, 1 << 16).index, one[t].index) << t;
    }
  }
}

TEST(RecBinned, LayoutIndicesRoundTrip) {
  const std::vector<uint8_t> blocks = {0, 1, 0, rec::kPriorBlock, 1};
  const std::vector<uint8_t> bits = {3, 0, 7, 0, 16};
  rec::Layout layout(rec::Scheme::Binned, blocks, bits, {});
  const std::vector<uint64_t> index = {(uint64_t(5) << 7 | 100) << rec::kRankBits | 9,
                                       (uint64_t(65535)) << rec::kRankBits | 1, (uint64_t(0)) << rec::kRankBits | 3000,
                                       (uint64_t(1)) << rec::kRankBits | 2};
  layout.fit_rank_codes(index);
  rans::Message m;
  layout.push(m, index.data() + 2);
  layout.push(m, index.data());
  uint64_t out[2];
  layout.pop(m, out);
  EXPECT_EQ(out[0], index[0]);
  EXPECT_EQ(out[1], index[1]);
  layout.pop(m, out);
  EXPECT_EQ(out[0], index[2]);
  EXPECT_EQ(out[1], index[3]);
}

// Both schemes' files round-trip and say their scheme; the same options give the same file.
TEST(RecBinned, BothSchemesFilesRoundTrip) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(20);
  const Images cal = test::fashion(50, false, "train");
  for (rec::Scheme scheme : {rec::Scheme::Zipf, rec::Scheme::Binned}) {
    RecOptions o;
    o.seed = 5;
    o.scheme = scheme;
    RecReport r;
    const std::string bytes = compress_rec(run.model, x, cal, o, &r);
    EXPECT_EQ(parse_coded_file(bytes, "mem").rec_scheme, static_cast<uint8_t>(scheme));
    std::vector<float> z;
    const Images y = decompress_rec(run.model, bytes, "mem", true, &z);
    EXPECT_EQ(y.count, 20);
    EXPECT_EQ(compress_rec(run.model, x, cal, o, nullptr), bytes);
    EXPECT_LE(r.lossy.ideal_bits, r.lossy.bits);
  }
}

// The decoder regenerates these points on every machine: their bits are pinned, like the golden
// files' (a change here is a new coding arithmetic or rec scheme, container.h).
TEST(RecBinned, PointsArePinnedBitForBit) {
  struct Case {
    uint64_t bin, k;
    uint32_t j, interval;
    unsigned bits;
    uint64_t expected;
  };
  const Case cases[] = {
      {0, 1, 0, 0, 0, 0xbfd9c0d8cad8cc4cull},       // -0.40239543732895267
      {12345, 7, 1, 5, 3, 0x3fe46230c519d4b8ull},   // 0.63698614593763292
      {99, 2, 2, 65535, 16, 0x40115846fa83ef41ull},  // 4.3362082617784958
      {3, 1000, 0, 0, 16, 0xc0121e11511b30dfull},    // -4.5293629334302912
      {1, 3, 4, 1, 1, 0x3ff3b5b8d1ff39efull},        // 1.2318657114989227
  };
  for (const Case& c : cases) {
    const double z = rec::bin_point(42, 9, 2, c.bin, c.k, c.j, c.interval, c.bits);
    uint64_t bits;
    std::memcpy(&bits, &z, 8);
    EXPECT_EQ(bits, c.expected) << z;
  }
}
