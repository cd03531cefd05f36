#include "coding/rec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "coding/container.h"
#include "util/det_math.h"
#include "util/threads.h"

namespace vlae::rec {

namespace {

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A uniform in (0, 1) from 53 bits of a hash.
double unit(uint64_t h) { return (static_cast<double>(h >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

}  // namespace

uint64_t shared_hash(uint64_t seed, uint64_t image, uint32_t block, uint64_t n, uint32_t j) {
  uint64_t h = mix(seed + 0x9e3779b97f4a7c15ull);
  h = mix(h ^ (image * 0xd1b54a32d192ed03ull));
  h = mix(h ^ (static_cast<uint64_t>(block) << 32 ^ j));
  return mix(h ^ (n * 0x9e3779b97f4a7c15ull));
}


double shared_normal(uint64_t seed, uint64_t image, uint32_t block, uint64_t n, uint32_t j) {
  // Box-Muller from two hashed uniforms, with vlae's own log and cosine: the decoder regenerates
  // these candidates, so they must be the same numbers on every machine.
  const uint64_t h = shared_hash(seed, image, block, n, j);
  const double u1 = unit(h), u2 = unit(mix(h + 0x632be59bd9b4e019ull));
  return std::sqrt(-2.0 * det::log(u1)) * det::cos_2pi(u2);
}

std::vector<double> candidate(uint64_t seed, uint64_t image, uint32_t block, uint64_t n, size_t dims) {
  std::vector<double> z(dims);
  for (size_t j = 0; j < dims; ++j) z[j] = shared_normal(seed, image, block, n, static_cast<uint32_t>(j));
  return z;
}

Selection select(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                 const std::vector<double>& sd, uint64_t max_candidates) {
  // log w(z) = sum_j f_j(z_j), f(z) = -((z - m) / s)^2 / 2 - log s + z^2 / 2. Candidates never leave
  // [-kCandidateBound, kCandidateBound], so sup w over them is finite for any s: f is concave for
  // s < 1 (its peak m / (1 - s^2), clipped), convex or linear otherwise (an end of the range).
  const size_t d = mean.size();
  double log_sup = 0, kl = 0;
  std::vector<double> sup_f(d), neg_log_sd(d);
  for (size_t j = 0; j < d; ++j) {
    neg_log_sd[j] = -std::log(sd[j]);
    kl += 0.5 * (sd[j] * sd[j] + mean[j] * mean[j] - 1.0) - std::log(sd[j]);
    auto f = [&](double z) {
      const double u = (z - mean[j]) / sd[j];
      return -std::log(sd[j]) + 0.5 * (z * z - u * u);
    };
    double best_f = std::max(f(-kCandidateBound), f(kCandidateBound));
    if (sd[j] < 1.0) best_f = std::max(best_f, f(std::clamp(mean[j] / (1.0 - sd[j] * sd[j]), -kCandidateBound, kCandidateBound)));
    sup_f[j] = best_f;
    log_sup += best_f;
  }
  // rest_sup[j]: what dimensions j.. can add to log w at most.
  std::vector<double> rest_sup(d + 1, 0.0);
  for (size_t j = d; j-- > 0;) rest_sup[j] = rest_sup[j + 1] + sup_f[j];
  // Arrival times: a Poisson process from the encoder's own stream (the decoder never needs them).
  // The search needs about exp(KL) candidates; past exp(KL + kSearchMarginNats) it stops (then the
  // sample is approximate, as in ordered random coding with that many candidates).
  max_candidates = std::min<uint64_t>(
      max_candidates, static_cast<uint64_t>(std::ceil(std::exp(std::min(kl + kSearchMarginNats, 44.0)))));
  uint64_t t_state = mix(seed ^ 0x5851f42d4c957f2dull ^ mix(image * 31 + block));
  double t = 0, best = std::numeric_limits<double>::infinity();
  Selection s;
  for (uint64_t n = 1; n <= max_candidates; ++n) {
    t_state = mix(t_state + 0x9e3779b97f4a7c15ull);
    t += -std::log(unit(t_state));
    const double log_t = std::log(t);
    if (log_t - log_sup >= best) {  // no later candidate can score lower
      s.exact = true;
      break;
    }
    // log w dimension by dimension; a candidate is dropped as soon as even the best values of its
    // remaining dimensions could not bring its score below the best so far.
    double part = 0;  // sum of f_j over the dimensions so far
    bool beaten = false;
    for (size_t j = 0; j < d; ++j) {
      const double z = shared_normal(seed, image, block, n, static_cast<uint32_t>(j));
      const double u = (z - mean[j]) / sd[j];
      part += neg_log_sd[j] + 0.5 * (z * z - u * u);
      if (log_t - part - rest_sup[j + 1] >= best) {
        beaten = true;
        break;
      }
    }
    if (!beaten) {
      best = log_t - part;
      s.index = n;
    }
    s.searched = n;
  }
  return s;
}

namespace {
// Zipf mass of the octave [2^e, 2^(e+1)) under p(n) ∝ n^-s, unnormalized.
double octave_mass(int e, double s) {
  const double lo = std::ldexp(1.0, e), hi = std::ldexp(1.0, e + 1);
  if (e <= 10) {
    double m = 0;
    for (double n = lo; n < hi; n += 1.0) m += det::pow(n, -s);
    return m;
  }
  return (det::pow(lo - 0.5, 1.0 - s) - det::pow(hi - 0.5, 1.0 - s)) / (s - 1.0);  // midpoint-corrected integral
}
codec::Categorical octave_codec(double lambda) {
  if (!(lambda > 0) || !std::isfinite(lambda)) throw std::invalid_argument("rec: lambda must be positive");
  const double s = 1.0 + 1.0 / lambda;
  std::vector<double> mass;
  double total = 0;
  for (int e = 0; e <= kMaxLog2Candidates; ++e) total += mass.emplace_back(octave_mass(e, s));
  // Integer frequencies >= 1 summing to 2^prec: floor of the scaled masses, the rest to the largest.
  const uint32_t n = static_cast<uint32_t>(mass.size()), full = 1u << kOctavePrec;
  std::vector<uint32_t> f(n);
  uint32_t used = 0;
  for (uint32_t e = 0; e < n; ++e) used += f[e] = 1 + static_cast<uint32_t>(std::floor(mass[e] / total * (full - n)));
  f[static_cast<size_t>(std::max_element(mass.begin(), mass.end()) - mass.begin())] += full - used;
  return codec::Categorical::from_frequencies(f, kOctavePrec);
}
}  // namespace

IndexCodec::IndexCodec(double lambda) : OctaveCodec{octave_codec(lambda)} {}

std::vector<uint8_t> make_blocks(const std::vector<double>& mean_kl_nats, double block_nats, size_t max_dims) {
  if (!(block_nats > 0)) throw std::invalid_argument("rec: block size must be positive");
  std::vector<uint8_t> block(mean_kl_nats.size(), kPriorBlock);
  double total = 0;
  for (double k : mean_kl_nats)
    if (k >= kMinSentKlNats) total += k;
  if (total <= 0) return block;
  // As many blocks as whole block_nats fit (at least 1, at most 254); a dimension joins the block
  // whose share of the running KL holds its midpoint.
  size_t sent = 0;
  for (double k : mean_kl_nats) sent += k >= kMinSentKlNats;
  const int by_kl = static_cast<int>(std::clamp(std::round(total / block_nats), 1.0, 254.0));
  const int by_dims = static_cast<int>(std::min<size_t>(254, (sent + max_dims - 1) / std::max<size_t>(1, max_dims)));
  // When the dimensions' cap needs more blocks than the KL does, the blocks share the dimensions
  // equally instead of the KL.
  const bool count_dims = by_dims > by_kl;
  const int blocks = std::max(by_kl, by_dims);
  double run = 0;
  for (size_t j = 0; j < mean_kl_nats.size(); ++j) {
    if (mean_kl_nats[j] < kMinSentKlNats) continue;
    const double size = count_dims ? 1.0 : mean_kl_nats[j];
    const double mid = (run + 0.5 * size) / (count_dims ? static_cast<double>(sent) : total);
    block[j] = static_cast<uint8_t>(std::min(blocks - 1, static_cast<int>(mid * blocks)));
    run += size;
  }
  // Number the blocks that got dimensions 0, 1, ... in order.
  std::vector<int> renumber(256, -1);
  int next = 0;
  for (auto& b : block)
    if (b != kPriorBlock) {
      if (renumber[b] < 0) renumber[b] = next++;
      b = static_cast<uint8_t>(renumber[b]);
    }
  return block;
}

std::vector<double> block_lambdas(const std::vector<uint8_t>& blocks, const std::vector<double>& mean_kl_nats) {
  int n = 0;
  for (uint8_t b : blocks)
    if (b != kPriorBlock) n = std::max(n, b + 1);
  std::vector<double> lambda(static_cast<size_t>(n), 1.0);
  for (size_t j = 0; j < blocks.size(); ++j)
    if (blocks[j] != kPriorBlock) lambda[blocks[j]] += std::max(0.0, mean_kl_nats[j]);
  return lambda;
}

Layout::Layout(std::vector<uint8_t> b, std::vector<double> l)
    : scheme(Scheme::Zipf), blocks(std::move(b)), lambdas(std::move(l)), dims(lambdas.size()) {
  for (size_t j = 0; j < blocks.size(); ++j)
    if (blocks[j] != kPriorBlock) dims[blocks[j]].push_back(j);
  for (double v : lambdas) index_codecs.emplace_back(v);
}

Layout::Layout(Scheme sch, std::vector<uint8_t> b, std::vector<uint8_t> per_dim, std::vector<uint16_t> shapes)
    : scheme(sch), blocks(std::move(b)), bin_bits(std::move(per_dim)), rank_shapes(std::move(shapes)) {
  if (scheme == Scheme::Zipf) throw std::invalid_argument("rec: the plain scheme has lambdas");
  if (bin_bits.size() != blocks.size()) throw std::invalid_argument("rec: one bin count per dimension");
  size_t n = 0;
  for (uint8_t v : blocks)
    if (v != kPriorBlock) n = std::max<size_t>(n, v + 1u);
  dims.resize(n);
  block_bits.resize(n);
  for (size_t j = 0; j < blocks.size(); ++j)
    if (blocks[j] != kPriorBlock) {
      dims[blocks[j]].push_back(j);
      block_bits[blocks[j]].push_back(bin_bits[j]);
    }
  if (scheme == Scheme::Tree) {
    for (size_t bl = 0; bl < n; ++bl) {
      schedules.push_back(cut_schedule(block_bits[bl]));
      int depth = 0;
      while (depth < kTreeMaxDepth && schedules.back()[depth] != kNoCut) ++depth;
      max_depth.push_back(depth);
    }
    if (rank_shapes.empty())
      for (size_t bl = 0; bl < n; ++bl) {
        const DepthCode c;
        rank_shapes.insert(rank_shapes.end(), {static_cast<uint16_t>(c.intercept), c.sigma, static_cast<uint16_t>(c.slope)});
      }
    if (rank_shapes.size() != 3 * n) throw std::invalid_argument("rec: one depth code per block");
    for (size_t bl = 0; bl < n; ++bl)
      depth_codes.push_back(DepthCode{static_cast<int16_t>(rank_shapes[3 * bl]), rank_shapes[3 * bl + 1],
                                      static_cast<int16_t>(rank_shapes[3 * bl + 2])});
    return;
  }
  if (rank_shapes.empty()) rank_shapes.assign(2 * n, 256);
  if (rank_shapes.size() != 2 * n) throw std::invalid_argument("rec: one rank code per block");
  for (size_t bl = 0; bl < n; ++bl) rank_codecs.emplace_back(RankShape{rank_shapes[2 * bl], rank_shapes[2 * bl + 1]});
}

Layout Layout::for_posteriors(Scheme scheme, const std::vector<double>& mean_kl_nats, double block_nats,
                              double margin_nats) {
  std::vector<uint8_t> b = make_blocks(mean_kl_nats, block_nats, scheme == Scheme::Tree ? kTreeMaxBlockDims : SIZE_MAX);
  if (scheme == Scheme::Zipf) {
    std::vector<double> l = block_lambdas(b, mean_kl_nats);
    return Layout(std::move(b), std::move(l));
  }
  if (scheme == Scheme::Tree) {
    std::vector<uint8_t> w = cut_weights(b, mean_kl_nats);
    return Layout(scheme, std::move(b), std::move(w), {});
  }
  std::vector<uint8_t> bins = rec::bin_bits(b, mean_kl_nats, margin_nats);
  return Layout(scheme, std::move(b), std::move(bins), {});
}

Selection Layout::select(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                         const std::vector<double>& sd, uint64_t max_work) const {
  if (scheme == Scheme::Zipf) return rec::select(seed, image, block, mean, sd, max_work);
  if (scheme == Scheme::Tree) {
    const TreeSelection t = select_tree(seed, image, block, mean, sd, schedules[block], std::min(max_work, kTreeDefaultMaxWork));
    return Selection{t.heap, t.work, t.exact};
  }
  const BinSelection b = select_binned(seed, image, block, mean, sd, block_bits[block], std::min(max_work, kDefaultMaxWork));
  return Selection{b.bin << kRankBits | b.k, b.work, b.exact};
}

std::vector<Selection> Layout::select_images(uint64_t seed, uint64_t first, int64_t n, int64_t k, const double* mean,
                                             const double* sd, uint64_t max_work) const {
  const int64_t nb = static_cast<int64_t>(count());
  std::vector<Selection> out(static_cast<size_t>(n * nb));
  parallel_queue(n * nb, [&](int64_t t) {
    const int64_t i = t / nb, bl = t % nb;
    std::vector<double> m, s;
    for (size_t j : dims[bl]) {
      m.push_back(mean[i * k + j]);
      s.push_back(sd[i * k + j]);
    }
    out[t] = select(seed, first + i, static_cast<uint32_t>(bl), m, s, max_work);
  });
  return out;
}

void Layout::fit_rank_codes(const std::vector<uint64_t>& index) {
  if (scheme == Scheme::Zipf || count() == 0) return;
  const size_t images = index.size() / count();
  if (scheme == Scheme::Tree) {
    std::vector<int64_t> earlier(images, 0);
    for (size_t bl = 0; bl < count(); ++bl) {
      std::vector<int> depth(images);
      for (size_t i = 0; i < images; ++i) depth[i] = heap_depth(index[i * count() + bl]);
      const DepthCode c = depth_codes[bl] = fit_depth_code(earlier, depth, max_depth[bl]);
      rank_shapes[3 * bl] = static_cast<uint16_t>(c.intercept);
      rank_shapes[3 * bl + 1] = c.sigma;
      rank_shapes[3 * bl + 2] = static_cast<uint16_t>(c.slope);
      for (size_t i = 0; i < images; ++i) earlier[i] += depth[i];
    }
    return;
  }
  rank_codecs.clear();
  for (size_t bl = 0; bl < count(); ++bl) {
    std::vector<uint64_t> ranks(images);
    for (size_t i = 0; i < images; ++i) ranks[i] = index[i * count() + bl] & ((uint64_t(1) << kRankBits) - 1);
    const RankShape s = fit_rank_shape(ranks);
    rank_shapes[2 * bl] = s.mu;
    rank_shapes[2 * bl + 1] = s.sigma;
    rank_codecs.emplace_back(s);
  }
}

void Layout::latent(uint64_t seed, uint64_t image, const uint64_t* index, float* z) const {
  for (size_t bl = 0; bl < count(); ++bl) {
    const uint32_t b = static_cast<uint32_t>(bl);
    const std::vector<double> zc =
        scheme == Scheme::Zipf   ? candidate(seed, image, b, index[bl], dims[bl].size())
        : scheme == Scheme::Tree ? tree_point(seed, image, b, index[bl], schedules[bl], dims[bl].size())
                                 : binned_candidate(seed, image, b, index[bl], block_bits[bl]);
    for (size_t q = 0; q < dims[bl].size(); ++q) z[dims[bl][q]] = static_cast<float>(zc[q]);
  }
  for (size_t j = 0; j < blocks.size(); ++j)
    if (blocks[j] == kPriorBlock) z[j] = static_cast<float>(shared_normal(seed, image, kPriorBlock, 0, static_cast<uint32_t>(j)));
}

double Layout::push(rans::Message& m, const uint64_t* index) const {
  double bits = 0;
  int64_t earlier = 0;  // Tree: the sum of the depths of the blocks before bl
  if (scheme == Scheme::Tree)
    for (size_t bl = 0; bl < count(); ++bl) earlier += heap_depth(index[bl]);
  for (size_t bl = count(); bl-- > 0;) {
    if (scheme == Scheme::Zipf) {
      bits += index_codecs[bl].push(m, index[bl]);
      continue;
    }
    if (scheme == Scheme::Tree) {  // the heap number: its depth, then its path
      earlier -= heap_depth(index[bl]);
      bits += depth_codec(depth_codes[bl], earlier, max_depth[bl]).push(m, index[bl]);
      continue;
    }
    // The bin, its last dimension's interval first, then the rank on top.
    const uint64_t bin = index[bl] >> kRankBits;
    int offset = 0;
    for (size_t q = block_bits[bl].size(); q-- > 0;) {
      const unsigned b = block_bits[bl][q];
      if (b > 0) bits += codec::Uniform{b}.push(m, static_cast<uint32_t>((bin >> offset) & ((uint64_t(1) << b) - 1)));
      offset += static_cast<int>(b);
    }
    bits += rank_codecs[bl].push(m, index[bl] & ((uint64_t(1) << kRankBits) - 1));
  }
  return bits;
}

void Layout::pop(rans::Message& m, uint64_t* index) const {
  int64_t earlier = 0;
  for (size_t bl = 0; bl < count(); ++bl) {
    if (scheme == Scheme::Zipf) {
      index[bl] = index_codecs[bl].pop(m).symbol;
      continue;
    }
    if (scheme == Scheme::Tree) {
      index[bl] = depth_codec(depth_codes[bl], earlier, max_depth[bl]).pop(m).symbol;
      earlier += heap_depth(index[bl]);
      continue;
    }
    const uint64_t k = rank_codecs[bl].pop(m).symbol;
    uint64_t bin = 0;
    for (uint8_t b : block_bits[bl])
      if (b > 0) bin = bin << b | codec::Uniform{b}.pop(m).symbol;
    index[bl] = bin << kRankBits | k;
  }
}

void store_layout(const Layout& layout, uint64_t seed, CodedFile* f) {
  f->rec_seed = seed;
  f->rec_scheme = static_cast<uint8_t>(layout.scheme);
  f->rec_blocks = layout.blocks;
  f->rec_lambdas = layout.lambdas;
  f->rec_per_dim = layout.bin_bits;
  f->rec_shapes = layout.rank_shapes;
}

Layout layout_of(const CodedFile& f) {
  if (f.rec_scheme == static_cast<uint8_t>(Scheme::Zipf)) return Layout(f.rec_blocks, f.rec_lambdas);
  return Layout(static_cast<Scheme>(f.rec_scheme), f.rec_blocks, f.rec_per_dim, f.rec_shapes);
}

}  // namespace vlae::rec
