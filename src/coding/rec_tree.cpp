#include "coding/rec_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <stdexcept>

#include "coding/rec.h"
#include "coding/rec_region.h"

namespace vlae::rec {

int heap_depth(uint64_t heap) { return heap == 0 ? 0 : 63 - __builtin_clzll(heap); }

std::vector<uint8_t> cut_weights(const std::vector<uint8_t>& blocks, const std::vector<double>& mean_kl_nats) {
  std::vector<uint8_t> w(blocks.size(), 0);
  for (size_t j = 0; j < blocks.size(); ++j)
    if (blocks[j] != kPriorBlock)
      w[j] = static_cast<uint8_t>(std::clamp(std::round(std::max(0.0, mean_kl_nats[j]) / std::log(2.0) * 8.0), 1.0, 255.0));
  return w;
}

std::vector<uint8_t> cut_schedule(const std::vector<uint8_t>& weights) {
  for (uint8_t w : weights)
    if (w == 0) throw std::invalid_argument("rec: a cut weight must be positive");
  if (weights.size() >= kNoCut) throw std::invalid_argument("rec: too many dimensions in a block");
  std::vector<uint8_t> schedule(kTreeMaxDepth, kNoCut);
  std::vector<uint32_t> level(weights.size(), 0);
  for (int t = 0; t < kTreeMaxDepth; ++t) {
    size_t pick = weights.size();
    for (size_t q = 0; q < weights.size(); ++q) {
      if (level[q] >= kTreeMaxLevel) continue;
      // (level_q + 1) / w_q < (level_pick + 1) / w_pick, in integers.
      if (pick == weights.size() || (level[q] + 1) * weights[pick] < (level[pick] + 1) * weights[q]) pick = q;
    }
    if (pick == weights.size()) break;
    schedule[t] = static_cast<uint8_t>(pick);
    ++level[pick];
  }
  return schedule;
}

void box_of(uint64_t heap, const std::vector<uint8_t>& schedule, size_t dims, Box* box) {
  if (heap == 0) throw std::invalid_argument("rec: heap number 0");
  const int depth = heap_depth(heap);
  box->interval.assign(dims, 0);
  box->level.assign(dims, 0);
  for (int t = 0; t < depth; ++t) {
    const uint8_t q = t < static_cast<int>(schedule.size()) ? schedule[t] : kNoCut;
    if (q >= dims) throw std::invalid_argument("rec: a node below the tree's last cut");
    box->interval[q] = box->interval[q] << 1 | ((heap >> (depth - 1 - t)) & 1);
    ++box->level[q];
  }
}

Box box_of(uint64_t heap, const std::vector<uint8_t>& schedule, size_t dims) {
  Box box;
  box_of(heap, schedule, dims, &box);
  return box;
}

namespace {
double node_coordinate(uint64_t seed, uint64_t image, uint32_t block, uint64_t heap, const Box& box, size_t q) {
  const uint64_t a = shared_hash(seed, image, block, heap, static_cast<uint32_t>(q)) >> 11;
  return interval_point(a, box.interval[q], box.level[q]);
}
}  // namespace

std::vector<double> tree_point(uint64_t seed, uint64_t image, uint32_t block, uint64_t heap,
                               const std::vector<uint8_t>& schedule, size_t dims) {
  const Box box = box_of(heap, schedule, dims);
  std::vector<double> z(dims);
  for (size_t q = 0; q < dims; ++q) z[q] = node_coordinate(seed, image, block, heap, box, q);
  return z;
}

TreeSelection select_tree(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                          const std::vector<double>& sd, const std::vector<uint8_t>& schedule, uint64_t max_work) {
  const size_t d = mean.size();
  if (sd.size() != d || schedule.size() != static_cast<size_t>(kTreeMaxDepth))
    throw std::invalid_argument("rec: posterior and schedule disagree");
  // Bounds hold for the whole subtree: the outer edges are where a point of the deepest level can lie.
  std::vector<LogWeight> lw(d);
  for (size_t q = 0; q < d; ++q) lw[q] = LogWeight(mean[q], sd[q], kTreeMaxLevel);

  // An open node: its bound on the best score in its subtree (log T - log sup w; the queue's key),
  // its arrival time, sup log w over its box and its heap number (which also breaks ties, so the
  // order does not depend on the queue's implementation). 32 bytes, the search's only storage.
  struct Node {
    double bound, t, log_sup;
    uint64_t heap;
    bool operator>(const Node& o) const { return bound > o.bound || (bound == o.bound && heap > o.heap); }
  };
  std::priority_queue<Node, std::vector<Node>, std::greater<Node>> open;
  EncoderStream rng{shared_hash(seed ^ 0x3c6ef372fe94f82aull, image, block, 0, 0xfffffffeu)};
  const double root_t = rng.exponential();
  double root_sup = 0;
  for (size_t q = 0; q < d; ++q) root_sup += lw[q].sup(-lw[q].bound, lw[q].bound);
  open.push(Node{std::log(root_t) - root_sup, root_t, root_sup, 1});

  TreeSelection sel;
  Box box;  // the expanded node's, reused: the search's hot loop allocates nothing but open nodes
  double best = std::numeric_limits<double>::infinity();
  double dropped = std::numeric_limits<double>::infinity();  // best bound of subtrees past the last cut
  while (!open.empty()) {
    if (open.top().bound >= best) {
      sel.exact = true;
      break;
    }
    if (sel.work >= max_work && std::isfinite(best)) break;
    const Node node = open.top();
    open.pop();
    ++sel.work;
    box_of(node.heap, schedule, d, &box);
    double log_w = 0;
    for (size_t q = 0; q < d; ++q) log_w += lw[q].f(node_coordinate(seed, image, block, node.heap, box, q));
    const double log_t = std::log(node.t);
    if (log_t - log_w < best) {
      best = log_t - log_w;
      sel.heap = node.heap;
    }
    const int depth = heap_depth(node.heap);
    const uint8_t j = depth < kTreeMaxDepth ? schedule[depth] : kNoCut;
    if (j == kNoCut) {  // the rest of this box's process is not in the tree
      dropped = std::min(dropped, log_t - node.log_sup);
      continue;
    }
    const uint64_t iv = box.interval[j];
    const unsigned level = box.level[j];
    const double before = lw[j].sup(lw[j].edge(iv, level), lw[j].edge(iv + 1, level));
    const double child_rate_inv = std::ldexp(1.0, depth + 1);  // 1 / the child's prior mass
    for (uint64_t c = 0; c < 2; ++c) {
      const uint64_t civ = 2 * iv + c;
      const double t = node.t + rng.exponential() * child_rate_inv;
      const double log_sup = node.log_sup - before + lw[j].sup(lw[j].edge(civ, level + 1), lw[j].edge(civ + 1, level + 1));
      open.push(Node{std::log(t) - log_sup, t, log_sup, 2 * node.heap + c});
    }
  }
  sel.exact = sel.exact && !(dropped < best);
  return sel;
}

RankCodec depth_codec(const DepthCode& c, int64_t earlier_depths, int max_depth) {
  const int64_t mu = std::clamp<int64_t>(c.intercept + int64_t(c.slope) * earlier_depths, 0, int64_t(max_depth + 1) * 256);
  return RankCodec(RankShape{static_cast<uint16_t>(mu), c.sigma}, max_depth);
}

DepthCode fit_depth_code(const std::vector<int64_t>& earlier, const std::vector<int>& depth, int max_depth) {
  const size_t n = depth.size();
  if (n == 0) return {};
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += static_cast<double>(earlier[i]);
    my += depth[i] + 0.5;  // a depth's mass is centred half an octave above it
  }
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (earlier[i] - mx) * (earlier[i] - mx);
    sxy += (earlier[i] - mx) * (depth[i] + 0.5 - my);
  }
  const double slope = sxx > 0 ? sxy / sxx : 0.0;
  DepthCode line;
  line.slope = static_cast<int16_t>(std::clamp(std::round(slope * 256.0), -32767.0, 32767.0));
  double ss = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = depth[i] + 0.5 - my - line.slope / 256.0 * (earlier[i] - mx);
    ss += r * r;
  }
  const double sd = std::sqrt(ss / n), intercept = my - line.slope / 256.0 * mx;
  auto intercept_of = [](double centre) {
    return static_cast<int16_t>(std::clamp(std::round(centre * 256.0), -32767.0, 32767.0));
  };
  const OctaveFit fit = fit_octave_grid(intercept, sd, [&](double centre, uint16_t sigma) {
    const DepthCode c{intercept_of(centre), sigma, line.slope};
    double bits = 0;
    std::map<int64_t, codec::Categorical> codes;  // by the earlier depths' sum: images share them
    for (size_t i = 0; i < n; ++i) {
      auto it = codes.find(earlier[i]);
      if (it == codes.end()) it = codes.emplace(earlier[i], depth_codec(c, earlier[i], max_depth).octave).first;
      const uint32_t e = static_cast<uint32_t>(depth[i]);
      bits += codec::cost_bits(it->second.cdf[e + 1] - it->second.cdf[e], it->second.prec);
    }
    return bits;
  });
  return DepthCode{intercept_of(fit.centre), fit.sigma, line.slope};
}

}  // namespace vlae::rec
