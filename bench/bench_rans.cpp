// rANS microbenchmark: symbols/s encoding and decoding a static 256-symbol categorical on one core,
// with the generic quantized-CDF codec (binary search on decode) and the table codec
// (reciprocal-free push, slot lookup on pop) that static distributions allow.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "coding/codecs.h"

using namespace vlae;

namespace {
constexpr unsigned kPrec = 16;
constexpr size_t kSymbols = 1 << 20;

struct Fixture {
  codec::Categorical cat;
  std::vector<uint32_t> symbols;
  Fixture() {
    // A peaked distribution over 256 symbols, like 8-bit pixel residuals.
    std::vector<double> p(256);
    double z = 0;
    for (int k = 0; k < 256; ++k) z += p[k] = std::exp(-std::abs(k - 128) / 12.0);
    std::vector<uint32_t> f(256);
    uint32_t total = 0;
    for (int k = 0; k < 256; ++k) total += f[k] = 1 + static_cast<uint32_t>(p[k] / z * ((1u << kPrec) - 256));
    f[128] += (1u << kPrec) - total;
    cat = codec::Categorical::from_frequencies(f, kPrec);
    std::discrete_distribution<uint32_t> draw(f.begin(), f.end());
    std::mt19937 rng(1);
    symbols.resize(kSymbols);
    for (auto& s : symbols) s = draw(rng);
  }
};
const Fixture& fixture() {
  static Fixture f;
  return f;
}
}  // namespace

static void BM_EncodeCategorical(benchmark::State& state) {
  const auto& f = fixture();
  rans::Message m;
  m.words.reserve(kSymbols);
  for (auto _ : state) {
    m.state = rans::kLower;
    m.words.clear();
    for (size_t i = kSymbols; i-- > 0;) {
      const uint32_t s = f.symbols[i];
      rans::push(m, f.cat.cdf[s], f.cat.cdf[s + 1] - f.cat.cdf[s], kPrec);
    }
    benchmark::DoNotOptimize(m.state);
  }
  state.SetItemsProcessed(state.iterations() * kSymbols);
}
BENCHMARK(BM_EncodeCategorical)->Unit(benchmark::kMillisecond);

static void BM_DecodeCategoricalBinarySearch(benchmark::State& state) {
  const auto& f = fixture();
  rans::Message enc;
  for (size_t i = kSymbols; i-- > 0;) f.cat.push(enc, f.symbols[i]);
  for (auto _ : state) {
    rans::Message m = enc;
    uint64_t sum = 0;
    for (size_t i = 0; i < kSymbols; ++i) sum += f.cat.pop(m).symbol;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kSymbols);
}
BENCHMARK(BM_DecodeCategoricalBinarySearch)->Unit(benchmark::kMillisecond);

static void BM_DecodeCategoricalTable(benchmark::State& state) {
  const auto& f = fixture();
  std::vector<uint8_t> slot_to_symbol(1u << kPrec);
  for (uint32_t s = 0; s < 256; ++s)
    for (uint32_t k = f.cat.cdf[s]; k < f.cat.cdf[s + 1]; ++k) slot_to_symbol[k] = static_cast<uint8_t>(s);
  rans::Message enc;
  for (size_t i = kSymbols; i-- > 0;) f.cat.push(enc, f.symbols[i]);
  for (auto _ : state) {
    rans::Message m = enc;
    uint64_t sum = 0;
    for (size_t i = 0; i < kSymbols; ++i) {
      const uint32_t s = slot_to_symbol[rans::peek(m, kPrec)];
      rans::pop(m, f.cat.cdf[s], f.cat.cdf[s + 1] - f.cat.cdf[s], kPrec);
      sum += s;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kSymbols);
}
BENCHMARK(BM_DecodeCategoricalTable)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
