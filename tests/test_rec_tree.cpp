// The tree scheme of relative-entropy coding (rec_tree.h): its sample is q's, its search proves its
// choice, a node's point lies in its box, its depth code round-trips and follows the earlier
// depths, and its files decode.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "coding/container.h"
#include "coding/lossy_rec.h"
#include "coding/rec.h"
#include "helpers.h"
#include "util/error.h"

using namespace vlae;

namespace {
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace

// Over many seeds for one posterior, the decoded points' per-dimension mean and variance and a KS
// statistic match q: one narrow dimension, one wide, one nearly the prior, with weights that cut
// the first far more often than the others. KL about 3.2 nats: every search ends proven.
TEST(RecTree, DecodedSamplesAreDistributedAsThePosterior) {
  const std::vector<double> mean = {0.8, -1.2, 0.1}, sd = {0.1, 0.5, 0.9};
  const std::vector<uint8_t> schedule = rec::cut_schedule({24, 8, 1});
  const int runs = 3000;
  std::vector<std::vector<double>> z(mean.size());
  int exact = 0;
  for (int s = 0; s < runs; ++s) {
    const rec::TreeSelection sel = rec::select_tree(static_cast<uint64_t>(s), 3, 1, mean, sd, schedule);
    exact += sel.exact;
    const auto c = rec::tree_point(static_cast<uint64_t>(s), 3, 1, sel.heap, schedule, mean.size());
    for (size_t j = 0; j < mean.size(); ++j) z[j].push_back(c[j]);
  }
  EXPECT_EQ(exact, runs);
  test::expect_samples_of_posterior(z, mean, sd);
}

// The schedule follows the weights' shares, stops at kTreeMaxLevel cuts per dimension, and a
// node's point lies in its box.
TEST(RecTree, ScheduleFollowsTheWeightsAndPointsLieInTheirBoxes) {
  const std::vector<uint8_t> s = rec::cut_schedule({3, 1});
  EXPECT_EQ(std::vector<uint8_t>(s.begin(), s.begin() + 8), (std::vector<uint8_t>{0, 0, 0, 1, 0, 0, 0, 1}));
  const std::vector<uint8_t> one = rec::cut_schedule({7});
  for (int t = 0; t < rec::kTreeMaxDepth; ++t) EXPECT_EQ(one[t], t < rec::kTreeMaxLevel ? 0 : rec::kNoCut) << t;
  EXPECT_THROW(rec::cut_schedule({2, 0}), std::invalid_argument);
  EXPECT_THROW(rec::box_of(uint64_t(1) << (rec::kTreeMaxLevel + 1), one, 1), std::invalid_argument);  // below the last cut
  for (uint64_t heap : {uint64_t(1), uint64_t(2), uint64_t(7), uint64_t(1000), uint64_t(123456789), (uint64_t(1) << 40) + 12345}) {
    const rec::Box box = rec::box_of(heap, s, 2);
    EXPECT_EQ(box.level[0] + box.level[1], rec::heap_depth(heap));
    const auto z = rec::tree_point(17, 4, 2, heap, s, 2);
    for (size_t q = 0; q < 2; ++q) {
      const double n = std::ldexp(1.0, box.level[q]), p = normal_cdf(z[q]);
      EXPECT_GE(p, box.interval[q] / n - 1e-12) << heap;
      EXPECT_LE(p, (box.interval[q] + 1) / n + 1e-12) << heap;
    }
  }
}

// Heap numbers of every depth round-trip through a layout's code, and a depth code that follows
// the earlier blocks' depths costs less than one that ignores them when the blocks' depths move
// together, as an image's do.
TEST(RecTree, LayoutIndicesRoundTripAndTheDepthCodeUsesTheEarlierBlocks) {
  const std::vector<uint8_t> blocks = {0, 1, rec::kPriorBlock, 1, 0};
  const std::vector<uint8_t> weights = {16, 8, 0, 8, 40};
  rec::Layout layout(rec::Scheme::Tree, blocks, weights, {});
  ASSERT_EQ(layout.count(), 2u);
  std::vector<uint64_t> index;
  for (int i = 0; i < 300; ++i) {
    const int d0 = 4 + (i * 37) % 30, d1 = std::min(layout.max_depth[1], d0 + (i % 5) - 2);
    index.push_back((uint64_t(1) << d0) + (uint64_t(i) * 2654435761u & ((uint64_t(1) << d0) - 1)));
    index.push_back((uint64_t(1) << d1) + (uint64_t(i) * 40503u & ((uint64_t(1) << d1) - 1)));
  }
  index[0] = 1;                                         // the root
  index[2] = (uint64_t(1) << layout.max_depth[0]) + 5;  // the deepest node
  layout.fit_rank_codes(index);
  EXPECT_GT(layout.depth_codes[1].slope, 200);  // about one: block 1's depth follows block 0's
  rans::Message m;
  double bits = 0;
  for (size_t i = index.size() / 2; i-- > 0;) bits += layout.push(m, index.data() + 2 * i);
  std::vector<uint64_t> out(index.size());
  for (size_t i = 0; i < index.size() / 2; ++i) layout.pop(m, out.data() + 2 * i);
  EXPECT_EQ(out, index);
  EXPECT_EQ(m.state, rans::kLower);
  // Block 1's depth is block 0's within 2: given block 0's, its code costs about log2(5) bits; alone,
  // about the 5 bits of the spread of block 0's depths.
  double path = 0;
  for (uint64_t h : index) path += rec::heap_depth(h);
  std::vector<int64_t> earlier, none(index.size() / 2, 0);
  std::vector<int> depth1;
  for (size_t i = 0; i < index.size() / 2; ++i) {
    earlier.push_back(rec::heap_depth(index[2 * i]));
    depth1.push_back(rec::heap_depth(index[2 * i + 1]));
  }
  auto cost = [&](const rec::DepthCode& c, const std::vector<int64_t>& e) {
    double b = 0;
    for (size_t i = 0; i < depth1.size(); ++i) {
      const auto oct = rec::depth_codec(c, e[i], layout.max_depth[1]).octave;
      b += oct.prec - std::log2(static_cast<double>(oct.cdf[depth1[i] + 1] - oct.cdf[depth1[i]]));
    }
    return b / depth1.size();
  };
  const double given = cost(layout.depth_codes[1], earlier);
  const double alone = cost(rec::fit_depth_code(none, depth1, layout.max_depth[1]), none);
  EXPECT_LT(given, 3.0);
  EXPECT_GT(alone, given + 1.5);
  EXPECT_NEAR((bits - path) / depth1.size(), given + cost(layout.depth_codes[0], none), 0.1);
  // The layout survives the file's header.
  CodedFile f;
  f.kind = CodedKind::LossyRec;
  rec::store_layout(layout, 9, &f);
  const rec::Layout back = rec::layout_of(f);
  EXPECT_EQ(back.scheme, rec::Scheme::Tree);
  EXPECT_EQ(back.rank_shapes, layout.rank_shapes);
  EXPECT_EQ(back.schedules, layout.schedules);
}

// A lossy file of the tree scheme decodes to the z the encoder reported, from the same options
// the same bytes, and it says its scheme; a damaged depth code in its header is refused.
TEST(RecTree, FilesRoundTrip) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(20);
  const Images cal = test::fashion(50, false, "train");
  RecOptions o;
  o.seed = 5;
  o.scheme = rec::Scheme::Tree;
  o.block_nats = rec::kTreeBlockNats;
  o.max_candidates = uint64_t(1) << 14;  // this barely trained model has posteriors wider than the prior
  RecReport r;
  const std::string bytes = compress_rec(run.model, x, cal, o, &r);
  CodedFile f = parse_coded_file(bytes, "mem");
  EXPECT_EQ(f.rec_scheme, static_cast<uint8_t>(rec::Scheme::Tree));
  EXPECT_GT(r.exact_share, 0.5);
  std::vector<float> z;
  const Images y = decompress_rec(run.model, bytes, "mem", true, &z);
  EXPECT_EQ(y.count, 20);
  EXPECT_EQ(compress_rec(run.model, x, cal, o, nullptr), bytes);
  EXPECT_LE(r.lossy.ideal_bits, r.lossy.bits);
  f.rec_shapes[1] = 3;  // a depth code's width below the smallest allowed
  EXPECT_THROW(parse_coded_file(serialize(f), "bad"), InputError);
}
