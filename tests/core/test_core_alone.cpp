// Links vlae_core alone (no experiments, serve or command line): the core library stands by itself.
// The codec combinators are tested here, and bits-back coding end to end on an untrained model.
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "coding/bits_back.h"
#include "coding/combinators.h"
#include "model/vae.h"

using namespace vlae;
using namespace vlae::codec;

namespace {

// A categorical over 8 symbols at precision 12 whose frequencies depend on `context`.
Categorical conditional_categorical(uint32_t context) {
  std::vector<uint32_t> f(8, 1);
  uint32_t left = (1u << 12) - 8;
  f[context % 8] += left / 2;
  left -= left / 2;
  for (uint32_t i = 0; i < 8 && left; ++i) {
    const uint32_t add = std::min(left, 100u + 40 * i);
    f[i] += add;
    left -= add;
  }
  f[7] += left;
  return Categorical::from_frequencies(f, 12);
}

std::vector<rans::Message> sourced_lanes(int64_t n, uint64_t seed) {
  std::vector<rans::Message> m(static_cast<size_t>(n));
  auto rng = std::make_shared<std::mt19937_64>(seed);
  for (auto& l : m) l.source = [rng] { return static_cast<uint32_t>((*rng)()); };
  return m;
}

}  // namespace

TEST(Combinators, PerLaneAndSequenceRoundTripAndReportTheSameCost) {
  std::mt19937_64 rng(1);
  const int64_t lanes = 3, n = 50;
  std::vector<rans::Message> msgs(lanes);
  const Lanes m{msgs.data(), lanes};
  Sequence<PerLane<Categorical>> seq;
  std::vector<LaneSymbols> s(n, LaneSymbols(lanes));
  for (int64_t i = 0; i < n; ++i) {
    PerLane<Categorical> e;
    for (int64_t l = 0; l < lanes; ++l) {
      e.codecs.push_back(conditional_categorical(static_cast<uint32_t>(rng())));
      s[i][l] = static_cast<uint32_t>(rng() % 8);
    }
    seq.elements.push_back(e);
  }
  const double pushed = seq.push(m, s);
  const auto popped = seq.pop(m);
  EXPECT_EQ(popped.symbol, s);
  EXPECT_DOUBLE_EQ(popped.bits, pushed);
  for (const auto& msg : msgs) {
    EXPECT_EQ(msg.state, rans::kLower);
    EXPECT_TRUE(msg.words.empty());
  }
}

TEST(Combinators, AutoregressiveDecodesInOrderFromWhatItDecoded) {
  // Element j's codec depends on element j-1's symbol in the same lane; the scan sees only what
  // it is given back, so pop succeeds only if it rebuilds the encoder's codecs from decoded symbols.
  const int64_t lanes = 2, n = 40;
  auto scan = [&](auto visit) {
    LaneSymbols prev(lanes, 0);
    for (int64_t j = 0; j < n; ++j) {
      PerLane<Categorical> e;
      for (int64_t l = 0; l < lanes; ++l) e.codecs.push_back(conditional_categorical(prev[l]));
      prev = visit(j, e);
    }
  };
  const auto ar = autoregressive<PerLane<Categorical>>(scan);
  std::mt19937_64 rng(2);
  std::vector<LaneSymbols> s(n, LaneSymbols(lanes));
  for (auto& e : s)
    for (auto& v : e) v = static_cast<uint32_t>(rng() % 8);
  std::vector<rans::Message> msgs(lanes);
  const Lanes m{msgs.data(), lanes};
  const double pushed = ar.push(m, s);
  const auto popped = ar.pop(m);
  EXPECT_EQ(popped.symbol, s);
  EXPECT_DOUBLE_EQ(popped.bits, pushed);
  EXPECT_EQ(msgs[0].state, rans::kLower);
}

TEST(Combinators, SubstackCodesOnlyItsLanes) {
  std::vector<rans::Message> msgs(4);
  const Lanes all{msgs.data(), 4};
  const Repeat<Uniform> u{Uniform{10}};
  EXPECT_DOUBLE_EQ(u.push(all.substack(1, 2), LaneSymbols{5, 7}), 20.0);
  EXPECT_EQ(msgs[0].state, rans::kLower);
  EXPECT_EQ(msgs[3].state, rans::kLower);
  EXPECT_NE(msgs[1].state, rans::kLower);
  EXPECT_EQ(u.pop(all.substack(1, 2)).symbol, (LaneSymbols{5, 7}));
}

// BB-ANS as composed in bits_back.h takes any prior, likelihood(z) and posterior(x) codecs. A toy
// latent model: z in 0..3 uniform, x | z categorical, q(z|x) categorical; the round trip is exact.
TEST(Combinators, BitsBackComposesAnyThreeCodecs) {
  const Repeat<Categorical> prior{Categorical::from_frequencies({1024, 1024, 1024, 1024}, 12)};
  auto likelihood = [](const LaneSymbols& z) {
    PerLane<Categorical> c;
    for (uint32_t v : z) c.codecs.push_back(conditional_categorical(v));
    return c;
  };
  auto posterior = [](const LaneSymbols& x) {
    PerLane<Categorical> c;
    for (uint32_t v : x) {
      std::vector<uint32_t> f(4, 512);
      f[v % 4] += 2048;
      c.codecs.push_back(Categorical::from_frequencies(f, 12));
    }
    return c;
  };
  BitsBackStats stats;
  const auto bb = bits_back(prior, likelihood, posterior, &stats);
  auto msgs = sourced_lanes(2, 9);
  const Lanes m{msgs.data(), 2};
  std::vector<LaneSymbols> xs;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 200; ++i) xs.push_back({static_cast<uint32_t>(rng() % 8), static_cast<uint32_t>(rng() % 8)});
  double net = 0;
  for (const auto& x : xs) net += bb.push(m, x);
  EXPECT_NEAR(net, stats.net_bits(), 1e-6);
  EXPECT_GT(stats.bits_back, 0.0);
  for (auto& l : msgs) l.source = nullptr;
  for (size_t i = xs.size(); i-- > 0;) ASSERT_EQ(bb.pop(m).symbol, xs[i]) << i;
}

// The VAE's codecs through the same composition: an untrained MLP VAE codes and decodes exactly.
TEST(CoreAlone, BitsBackRoundTripOnAnUntrainedVAE) {
  torch::manual_seed(0);
  ModelConfig c;
  c.latent_dim = 4;
  c.hidden = 16;
  c.likelihood = Likelihood::Bernoulli;
  VAE model(c);
  Images x;
  x.count = 5;
  x.height = c.height;
  x.width = c.width;
  x.binary = true;
  std::mt19937_64 rng(3);
  for (int64_t i = 0; i < x.count * x.dims(); ++i) x.pixels.push_back(static_cast<uint8_t>(rng() % 2));
  BitsBackConfig cfg;
  cfg.lanes = 2;
  BitsBackStats st;
  auto lanes = bits_back_encode(model, x, cfg, &st);
  const Images y = bits_back_decode(model, lanes, x.count, cfg);
  EXPECT_EQ(y.pixels, x.pixels);
  EXPECT_GT(st.bits_back, 0.0);
}
