#include <gtest/gtest.h>

#include <random>

#include "coding/codecs.h"
#include "coding/gaussian.h"
#include "coding/rans.h"

using namespace vlae;
using namespace vlae::codec;

namespace {
// Random frequencies (each >= 1) summing to 2^prec over n symbols.
std::vector<uint32_t> random_freqs(std::mt19937_64& rng, uint32_t n, unsigned prec) {
  const uint32_t total = 1u << prec;
  std::vector<uint32_t> f(n, 1);
  std::uniform_int_distribution<uint32_t> pick(0, n - 1);
  // Skewed: a few symbols take most of the mass.
  uint32_t left = total - n;
  while (left > 0) {
    const uint32_t take = std::max<uint32_t>(1, left / 3);
    f[pick(rng) % std::max<uint32_t>(1, n / 4 + 1)] += take;
    left -= take;
  }
  return f;
}
}  // namespace

TEST(Rans, RoundTripRandomDistributionsAllPrecisions) {
  std::mt19937_64 rng(7);
  for (unsigned prec = 1; prec <= 24; ++prec) {
    const uint32_t n = std::min<uint32_t>(1u << prec, 1 + rng() % 300);
    const Categorical c = Categorical::from_frequencies(random_freqs(rng, n, prec), prec);
    std::vector<uint32_t> symbols(5000);
    std::uniform_int_distribution<uint32_t> any(0, n - 1);
    for (auto& s : symbols) s = any(rng);
    rans::Message m;
    for (uint32_t s : symbols) c.push(m, s);
    for (size_t i = symbols.size(); i-- > 0;) ASSERT_EQ(c.pop(m).symbol, symbols[i]) << "prec " << prec;
    EXPECT_EQ(m.state, rans::kLower);
    EXPECT_TRUE(m.words.empty());
  }
}

TEST(Rans, PushInvertsPopFromExtremeStates) {
  // push(pop(m)) == m: the property whose failure broke bits-back in an earlier project.
  std::mt19937_64 rng(11);
  const uint64_t states[] = {rans::kLower, rans::kLower + 1, (rans::kLower << 32) - 1, (rans::kLower << 31) + 12345};
  for (unsigned prec : {1u, 8u, 16u, 20u, 24u}) {
    const uint32_t n = std::min<uint32_t>(1u << prec, 17);
    const Categorical c = Categorical::from_frequencies(random_freqs(rng, n, prec), prec);
    for (uint64_t st : states) {
      rans::Message m;
      m.state = st;
      m.words = {0u, 0xffffffffu, 0x12345678u};
      const rans::Message before = m;
      const uint32_t s = c.pop(m).symbol;
      ASSERT_GE(m.state, rans::kLower);
      ASSERT_LT(m.state, rans::kLower << 32);
      c.push(m, s);
      EXPECT_EQ(m.state, before.state);
      EXPECT_EQ(m.words, before.words);
    }
  }
}

TEST(Rans, LongMessageCostsItsEntropy) {
  std::mt19937_64 rng(3);
  const unsigned prec = 16;
  const Categorical c = Categorical::from_frequencies(random_freqs(rng, 40, prec), prec);
  std::vector<double> w;
  for (size_t k = 0; k + 1 < c.cdf.size(); ++k) w.push_back(c.cdf[k + 1] - c.cdf[k]);
  std::discrete_distribution<uint32_t> draw(w.begin(), w.end());
  rans::Message m;
  double ideal = 0;
  std::vector<uint32_t> symbols(1000000);
  for (auto& s : symbols) {
    s = draw(rng);
    ideal += c.push(m, s);
  }
  EXPECT_LT(static_cast<double>(m.bits()), ideal * 1.0001 + 64);
  for (size_t i = symbols.size(); i-- > 0;) ASSERT_EQ(c.pop(m).symbol, symbols[i]);
}

TEST(Rans, EmptyStackIsADecodeErrorUnlessSourced) {
  rans::Message m;
  const Uniform u{20};
  EXPECT_THROW(u.pop(m), rans::DecodeError);  // state L: popping must pull a word
  rans::Message s;
  s.source = [] { return 0xdeadbeefu; };
  u.pop(s);
  EXPECT_EQ(s.words_drawn, 1u);
}

TEST(Codecs, EachPopInvertsItsPush) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  rans::Message m;
  m.source = [&] { return static_cast<uint32_t>(rng()); };
  const LatentBuckets buckets(10);
  struct Step {
    int kind;
    double a, b;
    uint32_t s;
  };
  std::vector<Step> steps;
  for (int i = 0; i < 20000; ++i) {
    Step st{static_cast<int>(rng() % 5), normal(rng), normal(rng), 0};
    if (st.kind == 0) st.s = rng() % 2;
    if (st.kind == 1 || st.kind == 4) st.s = rng() % 256;
    if (st.kind == 2) {  // a bucket the posterior can produce
      const GaussianBuckets g(&buckets, st.a, std::exp(st.b - 2), 18);
      st.s = g.lo + static_cast<uint32_t>(rng() % g.n);
    }
    if (st.kind == 3) st.s = rng() % (1u << 12);
    steps.push_back(st);
  }
  auto push = [&](const Step& st) {
    switch (st.kind) {
      case 0: Bernoulli::from_logit(st.a * 5, 24).push(m, st.s); break;
      case 1: DiscretizedLogistic(st.a * 0.5, st.b * 2 - 3, 24).push(m, st.s); break;
      case 2: GaussianBuckets(&buckets, st.a, std::exp(st.b - 2), 18).push(m, st.s); break;
      case 4: DiscretizedGaussian(st.a * 0.5, st.b * 2 - 3, 24).push(m, st.s); break;
      default: Uniform{12}.push(m, st.s);
    }
  };
  auto pop = [&](const Step& st) -> uint32_t {
    switch (st.kind) {
      case 0: return Bernoulli::from_logit(st.a * 5, 24).pop(m).symbol;
      case 1: return DiscretizedLogistic(st.a * 0.5, st.b * 2 - 3, 24).pop(m).symbol;
      case 2: return GaussianBuckets(&buckets, st.a, std::exp(st.b - 2), 18).pop(m).symbol;
      case 4: return DiscretizedGaussian(st.a * 0.5, st.b * 2 - 3, 24).pop(m).symbol;
      default: return Uniform{12}.pop(m).symbol;
    }
  };
  for (const auto& st : steps) push(st);
  for (size_t i = steps.size(); i-- > 0;) ASSERT_EQ(pop(steps[i]), steps[i].s) << i;
}

TEST(Codecs, PosteriorWindowRejectsFarBuckets) {
  const LatentBuckets b(12);
  const GaussianBuckets g(&b, 0.5, 0.01, 20);
  // ±10σ = 0.2 wide where the prior density is φ(0.5) = 0.352: 0.2 · 0.352 · 4096 ≈ 288 buckets.
  EXPECT_NEAR(g.n, 289.0, 2.0);
  rans::Message m;
  EXPECT_THROW(g.push(m, 0), rans::DecodeError);
  EXPECT_THROW(g.push(m, 4095), rans::DecodeError);
  const GaussianBuckets wide(&b, 0.0, 1.0, 20);
  EXPECT_EQ(wide.n, 4096u);  // the prior itself spans all of them
}

TEST(Codecs, QuantizedCdfsAreStrictlyIncreasingAndComplete) {
  for (double mean : {-5.0, -1.0, 0.0, 0.99, 3.0})
    for (double ls : {-20.0, -7.0, -2.0, 1.0}) {
      const DiscretizedLogistic d(mean, ls, 16);
      ASSERT_EQ(d(0), 0u);
      ASSERT_EQ(d(256), 1u << 16);
      for (uint32_t k = 0; k < 256; ++k) ASSERT_LT(d(k), d(k + 1));
      const DiscretizedGaussian g(mean, ls, 16);
      ASSERT_EQ(g(0), 0u);
      ASSERT_EQ(g(256), 1u << 16);
      for (uint32_t k = 0; k < 256; ++k) ASSERT_LT(g(k), g(k + 1));
    }
  const LatentBuckets b(8);
  for (double sd : {1e-6, 0.01, 1.0, 50.0}) {
    const GaussianBuckets g(&b, 0.3, sd, 12);
    ASSERT_GE(g.n, 1u);
    ASSERT_LE(g.lo + g.n, 256u);
    for (uint32_t k = 0; k < g.n; ++k) ASSERT_LT(g(k), g(k + 1));
    ASSERT_EQ(g(g.n), 1u << 12);
  }
}

TEST(Codecs, LogisticMixtureIsACompleteCdfThatRoundTripsAndReducesToTheLogistic) {
  // Three components, one far off and one sharp: logits, means, log-scales.
  const double params[9] = {0.5, -1.0, 2.0, -0.9, 0.1, 0.95, -2.0, -4.0, -7.5};
  const DiscretizedLogisticMixture mix(params, 9, 16);
  ASSERT_EQ(mix(0), 0u);
  ASSERT_EQ(mix(256), 1u << 16);
  for (uint32_t k = 0; k < 256; ++k) ASSERT_LT(mix(k), mix(k + 1));
  // The sharp component at 0.95 owns most of its level's mass (weight 0.79).
  const uint32_t peak = 249;  // level_of(0.95)
  EXPECT_GT(mix(peak + 1) - mix(peak), (1u << 16) / 2);
  rans::Message m;
  std::mt19937 rng(3);
  std::vector<uint32_t> sent;
  for (int i = 0; i < 500; ++i) {
    sent.push_back(rng() % 256);
    mix.push(m, sent.back());
  }
  for (int i = 499; i >= 0; --i) ASSERT_EQ(mix.pop(m).symbol, sent[i]);
  const double one[3] = {0.0, 0.3, -2.5};
  const DiscretizedLogisticMixture single(one, 3, 16);
  const DiscretizedLogistic plain(0.3, -2.5, 16);
  for (uint32_t k = 0; k <= 256; ++k) ASSERT_EQ(single(k), plain(k));
  EXPECT_THROW(DiscretizedLogisticMixture(params, 8, 16), std::invalid_argument);
}

TEST(Gaussian, QuantileInvertsCdfAndBucketsHaveEqualMass) {
  for (double p : {1e-12, 1e-6, 0.01, 0.3, 0.5, 0.77, 0.999999})
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-12 + 1e-9 * p);
  const LatentBuckets b(6);
  for (uint32_t k = 0; k < b.count(); ++k) {
    const double mass = normal_cdf(b.edges[k + 1]) - normal_cdf(b.edges[k]);
    EXPECT_NEAR(mass, 1.0 / 64, 1e-12);
    EXPECT_GT(b.centres[k], b.edges[k]);
    EXPECT_LT(b.centres[k], b.edges[k + 1]);
  }
}
