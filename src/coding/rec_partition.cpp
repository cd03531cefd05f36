#include "coding/rec_partition.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>

#include "coding/rec.h"
#include "coding/rec_region.h"
#include "util/det_math.h"

namespace vlae::rec {

std::vector<uint8_t> bin_bits(const std::vector<uint8_t>& blocks, const std::vector<double>& mean_kl_nats,
                              double margin_nats) {
  std::vector<uint8_t> bits(blocks.size(), 0);
  int nb = 0;
  for (uint8_t b : blocks)
    if (b != kPriorBlock) nb = std::max(nb, b + 1);
  for (int bl = 0; bl < nb; ++bl) {
    std::vector<size_t> dims;
    double kl = 0;
    for (size_t j = 0; j < blocks.size(); ++j)
      if (blocks[j] == bl) {
        dims.push_back(j);
        kl += std::max(0.0, mean_kl_nats[j]);
      }
    const int cap = std::min<int>(kMaxBinBits, kMaxBinBitsPerDim * static_cast<int>(dims.size()));
    const int total = std::clamp(static_cast<int>(std::floor((kl - margin_nats) / std::log(2.0))), 0, cap);
    if (total == 0 || kl <= 0) continue;
    std::vector<double> want(dims.size());
    int used = 0;
    for (size_t q = 0; q < dims.size(); ++q) {
      want[q] = std::max(0.0, mean_kl_nats[dims[q]]) / kl * total;
      bits[dims[q]] = static_cast<uint8_t>(std::min<double>(kMaxBinBitsPerDim, std::floor(want[q])));
      used += bits[dims[q]];
    }
    while (used < total) {  // the largest remainder first, then the lowest dimension
      size_t pick = dims.size();
      double rest = -std::numeric_limits<double>::infinity();
      for (size_t q = 0; q < dims.size(); ++q)
        if (bits[dims[q]] < kMaxBinBitsPerDim && want[q] - bits[dims[q]] > rest) {
          rest = want[q] - bits[dims[q]];
          pick = q;
        }
      ++bits[dims[pick]];
      ++used;
    }
  }
  return bits;
}

double bin_point(uint64_t seed, uint64_t image, uint32_t block, uint64_t bin, uint64_t k, uint32_t j, uint32_t interval,
                 unsigned bits) {
  const uint64_t a = shared_hash(seed, image, block, shared_hash(bin, 0x2545f4914f6cdd1dull, 0, 0, 0) + k, j) >> 11;
  return interval_point(a, interval, bits);
}

BinSelection select_binned(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                           const std::vector<double>& sd, const std::vector<uint8_t>& bits, uint64_t max_work) {
  const size_t d = mean.size();
  if (sd.size() != d || bits.size() != d) throw std::invalid_argument("rec: posterior and bins disagree");
  std::vector<LogWeight> dim(d);
  int total_bits = 0;
  std::vector<int> offset(d, 0);  // bit offset of each dimension's interval in the bin number
  for (size_t q = d; q-- > 0;) {
    offset[q] = total_bits;
    total_bits += bits[q];
  }
  for (size_t q = 0; q < d; ++q)
    dim[q] = LogWeight(mean[q], sd[q], bits[q]);
  const double bins = std::ldexp(1.0, total_bits);

  // Regions: a box of intervals lo .. lo + 2^level per dimension, its first arrival not yet
  // scored (t), the points of a bin already scored (k) and sup log w over the box.
  struct Region {
    double t, log_sup;
    uint64_t k;
    int levels;  // sum of the levels: the region holds 2^levels bins
    int64_t sups = -1;  // a bin's: where its dimensions' rest sups start in rest_sup
  };
  // A bin's rest_sup[q]: sup over the bin of the log w terms of dimensions q + 1 .. d - 1, so that
  // a point is dropped as soon as its remaining dimensions could not bring it below the best.
  std::vector<double> rest_sup;
  std::vector<Region> regions;
  std::vector<uint32_t> lo;     // [region * d + q]
  std::vector<uint8_t> level;  // [region * d + q]
  using Entry = std::pair<double, uint32_t>;  // (lower bound on the region's best score, region)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> open;
  EncoderStream rng{shared_hash(seed ^ 0x7f4a7c159e3779b9ull, image, block, 0, 0xffffffffu)};

  Region root{rng.exponential(), 0.0, 0, total_bits, -1};
  for (size_t q = 0; q < d; ++q) {
    lo.push_back(0);
    level.push_back(bits[q]);
    root.log_sup += dim[q].sup(-dim[q].bound, dim[q].bound);
  }
  regions.push_back(root);
  open.emplace(std::log(root.t) - root.log_sup, 0);

  BinSelection sel;
  double best = std::numeric_limits<double>::infinity();
  while (!open.empty()) {
    const auto [bound, id] = open.top();
    if (bound >= best) {
      sel.exact = true;
      break;
    }
    if (sel.work >= max_work && sel.k > 0) break;
    open.pop();
    ++sel.work;
    if (regions[id].levels == 0) {  // a bin: score its next point
      Region& r = regions[id];
      uint64_t bin = 0;
      for (size_t q = 0; q < d; ++q) bin |= uint64_t(lo[id * d + q]) << offset[q];
      if (r.sups < 0) {
        r.sups = static_cast<int64_t>(rest_sup.size());
        rest_sup.resize(rest_sup.size() + d);
        double rest = 0;
        for (size_t q = d; q-- > 0;) {
          rest_sup[r.sups + q] = rest;
          const uint32_t i = lo[id * d + q];
          rest += dim[q].sup(dim[q].edge(i), dim[q].edge(i + 1));
        }
      }
      const double log_t = std::log(r.t);
      double log_w = 0;
      bool beaten = false;
      for (size_t q = 0; q < d && !beaten; ++q) {
        log_w += dim[q].f(bin_point(seed, image, block, bin, r.k + 1, static_cast<uint32_t>(q), lo[id * d + q], bits[q]));
        beaten = log_t - log_w - rest_sup[r.sups + q] >= best;
      }
      ++sel.points;
      const double score = log_t - log_w;
      if (!beaten && score < best) {
        best = score;
        sel.bin = bin;
        sel.k = r.k + 1;
      }
      if (r.k + 1 >= (uint64_t(1) << kMaxLog2Rank)) continue;  // the rank code's last octave: no more points here
      ++r.k;
      r.t += rng.exponential() * bins;  // the bin's process has rate 1 / B
      open.emplace(std::log(r.t) - r.log_sup, id);
      continue;
    }
    // Split the dimension with the most levels left (the lowest on ties) in halves.
    size_t split = 0;
    for (size_t q = 1; q < d; ++q)
      if (level[id * d + q] > level[id * d + split]) split = q;
    const uint32_t a = lo[id * d + split], width = uint32_t(1) << level[id * d + split], mid = a + width / 2;
    const LogWeight& dm = dim[split];
    const double ea = dm.edge(a), em = dm.edge(mid), ec = dm.edge(a + width);
    const double before = dm.sup(ea, ec), lower = dm.sup(ea, em), upper = dm.sup(em, ec);
    const uint32_t child = static_cast<uint32_t>(regions.size());
    Region r = regions[id];
    const double mass = std::ldexp(1.0, r.levels - total_bits);
    r.levels -= 1;
    Region up = r;
    r.log_sup += lower - before;
    up.log_sup += upper - before;
    // The region's first arrival falls in either half with probability 1/2; the other half's
    // first arrival is an Exp of its rate (mass / 2) later.
    (rng.unit() < 0.5 ? up : r).t += rng.exponential() / (0.5 * mass);
    regions[id] = r;
    regions.push_back(up);
    level[id * d + split] -= 1;
    for (size_t q = 0; q < d; ++q) {
      const uint32_t l = lo[id * d + q];
      const uint8_t v = level[id * d + q];
      lo.push_back(l);
      level.push_back(v);
    }
    lo[child * d + split] = mid;
    open.emplace(std::log(r.t) - r.log_sup, id);
    open.emplace(std::log(up.t) - up.log_sup, child);
  }
  return sel;
}

std::vector<double> binned_candidate(uint64_t seed, uint64_t image, uint32_t block, uint64_t index,
                                     const std::vector<uint8_t>& bits) {
  const uint64_t bin = index >> kRankBits, k = index & ((uint64_t(1) << kRankBits) - 1);
  std::vector<double> z(bits.size());
  int offset = 0;
  for (size_t q = bits.size(); q-- > 0;) {
    const uint32_t interval = static_cast<uint32_t>((bin >> offset) & ((uint64_t(1) << bits[q]) - 1));
    z[q] = bin_point(seed, image, block, bin, k, static_cast<uint32_t>(q), interval, bits[q]);
    offset += bits[q];
  }
  return z;
}

namespace {
constexpr unsigned kRankPrec = 16;
codec::Categorical rank_octaves(RankShape s, int max_log2) {
  const double mu = s.mu / 256.0, sigma = s.sigma / 256.0;
  if (!(sigma > 0)) throw std::invalid_argument("rec: rank code deviation must be positive");
  const uint32_t n = static_cast<uint32_t>(max_log2) + 1, full = 1u << kRankPrec;
  std::vector<double> mass(n);
  double total = 0;
  for (uint32_t e = 0; e < n; ++e)
    total += mass[e] = det::normal_cdf((e + 1.0 - mu) / sigma) - det::normal_cdf((e - mu) / sigma);
  std::vector<uint32_t> f(n);
  uint32_t used = 0;
  for (uint32_t e = 0; e < n; ++e)
    used += f[e] = 1 + static_cast<uint32_t>(std::floor(total > 0 ? mass[e] / total * (full - n) : 0.0));
  f[static_cast<size_t>(std::max_element(mass.begin(), mass.end()) - mass.begin())] += full - used;
  return codec::Categorical::from_frequencies(f, kRankPrec);
}
}  // namespace

RankShape fit_rank_shape(const std::vector<uint64_t>& ranks, int max_log2) {
  if (ranks.empty()) return {};
  std::vector<double> hist(static_cast<size_t>(max_log2) + 1, 0.0);
  double m1 = 0, m2 = 0;
  for (uint64_t k : ranks) {
    const int e = 63 - __builtin_clzll(std::max<uint64_t>(1, k));
    hist[static_cast<size_t>(std::min(e, max_log2))] += 1;
    m1 += e + 0.5;
    m2 += (e + 0.5) * (e + 0.5);
  }
  m1 /= ranks.size();
  const double sd = std::sqrt(std::max(0.0, m2 / ranks.size() - m1 * m1));
  auto mu_of = [&](double centre) {
    return static_cast<uint16_t>(std::clamp(std::round(centre * 256.0), 0.0, (max_log2 + 1) * 256.0));
  };
  const OctaveFit fit = fit_octave_grid(m1, sd, [&](double centre, uint16_t sigma) {
    const codec::Categorical c = rank_octaves(RankShape{mu_of(centre), sigma}, max_log2);
    double bits = 0;
    for (size_t e = 0; e < hist.size(); ++e)
      if (hist[e] > 0) bits += hist[e] * codec::cost_bits(c.cdf[e + 1] - c.cdf[e], c.prec);
    return bits;
  });
  return RankShape{mu_of(fit.centre), fit.sigma};
}

OctaveFit fit_octave_grid(double centre, double sd, const std::function<double(double, uint16_t)>& cost) {
  OctaveFit best_fit{centre, 256};
  double best = std::numeric_limits<double>::infinity();
  for (double dm : {-0.5, -0.25, 0.0, 0.25, 0.5})
    for (double fs : {0.6, 0.75, 0.9, 1.0, 1.15, 1.35, 1.6}) {
      const OctaveFit f{centre + dm, static_cast<uint16_t>(std::clamp(std::round(std::max(0.3, sd * fs) * 256.0), 64.0, 16.0 * 256))};
      const double bits = cost(f.centre, f.sigma);
      if (bits < best) {
        best = bits;
        best_fit = f;
      }
    }
  return best_fit;
}

RankCodec::RankCodec(RankShape s, int max_log2) : OctaveCodec{rank_octaves(s, max_log2)} {}

double OctaveCodec::push(rans::Message& m, uint64_t n) const {
  const uint64_t octaves = octave.cdf.size() - 1;
  if (n < 1) throw std::invalid_argument("rec: index out of range");
  const int e = 63 - __builtin_clzll(n);
  if (static_cast<uint64_t>(e) >= octaves) throw std::invalid_argument("rec: index out of range");
  double bits = 0;
  const uint64_t offset = n - (uint64_t(1) << e);
  // Pieces of kMaxOffsetBits from bit 0 up, pushed highest first so that pop reads them from bit 0.
  for (int lo = (e - 1) / static_cast<int>(kMaxOffsetBits) * static_cast<int>(kMaxOffsetBits); e > 0 && lo >= 0;
       lo -= static_cast<int>(kMaxOffsetBits)) {
    const unsigned width = std::min<unsigned>(kMaxOffsetBits, static_cast<unsigned>(e - lo));
    bits += codec::Uniform{width}.push(m, static_cast<uint32_t>((offset >> lo) & ((uint64_t(1) << width) - 1)));
  }
  return bits + octave.push(m, static_cast<uint32_t>(e));
}

codec::Coded<uint64_t> OctaveCodec::pop(rans::Message& m) const {
  const auto e = octave.pop(m);
  codec::Coded<uint64_t> out{uint64_t(1) << e.symbol, e.bits};
  for (unsigned lo = 0; lo < e.symbol; lo += kMaxOffsetBits) {
    const auto r = codec::Uniform{std::min(kMaxOffsetBits, e.symbol - lo)}.pop(m);
    out.symbol += uint64_t(r.symbol) << lo;
    out.bits += r.bits;
  }
  return out;
}

}  // namespace vlae::rec
