// Relative-entropy coding over a binary tree of the prior (scheme 2 of rec.h's Layout, `--rec-scheme
// tree`): the Poisson functional representation (PFR) with the A* sampling construction of its
// Poisson process (Maddison et al. 2014), searched by branch and bound and indexed by the position
// of the chosen node in the tree (A* coding, Flamich, Markou & Hernández-Lobato 2022).
//
// Node h of the tree (heap numbering: root 1, children 2h and 2h + 1) is a box of the prior: at
// depth t the schedule names the dimension its box is cut in, into halves of equal N(0, 1) mass, so
// a node at depth D has prior mass 2^-D. Every node holds one point, drawn from the prior restricted
// to its box with the file's seed, and an arrival time: the root's is Exp(1); a child's is its
// parent's plus an Exp of the child's mass. The points and times together are a Poisson process of
// rate 1 with points from the prior, so argmin T / w, w = q / p, is an exact sample of q, as in
// rec.h's other schemes. The encoder draws the times (the decoder never needs them) and expands nodes
// in order of a lower bound on the best score in their subtree, log T - log sup_box w, separable over
// the dimensions; it stops when no open node's bound beats the best point, which proves the choice.
//
// Unlike the binned scheme, the depth is not fixed: a block whose KL is larger than the file's mean
// goes deeper instead of scoring many points of one bin, so the work grows with the block's
// dimensions more than with its KL, and blocks can hold twice the KL (16 nats). The index is the
// heap number h: its depth D = floor(log2 h), about the block's KL in bits, then the D path bits
// uniform (the aggregate posterior is the prior, and every cut halves the prior mass). The depth is
// the costly part: an image's KL varies far more from image to image than within it (its blocks'
// KLs correlate at about 0.9), so block b's depth is coded under a discretized normal centred on a
// line in the sum of the image's earlier blocks' depths, fitted to the file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "coding/rec_partition.h"

namespace vlae::rec {

constexpr int kTreeMaxDepth = 62;     // heap numbers below 2^63
constexpr int kTreeMaxLevel = 40;     // cuts of one dimension
constexpr uint8_t kNoCut = 255;       // schedule entry past the last cut
constexpr uint64_t kTreeDefaultMaxWork = uint64_t(1) << 20;  // nodes expanded
constexpr double kTreeBlockNats = 16.0;  // the default block size of this scheme
// At most this many dimensions per block: the work grows about exponentially in a block's
// dimensions (each adds the gap between sup w and its typical value to the bound).
constexpr size_t kTreeMaxBlockDims = 16;

// Cut weights per dimension: its mean KL in 1/8 bits, 1 .. 255 for dimensions sent, 0 otherwise.
std::vector<uint8_t> cut_weights(const std::vector<uint8_t>& blocks, const std::vector<double>& mean_kl_nats);
// The dimension (index within the block) cut at each depth 0 .. kTreeMaxDepth - 1: the one whose
// cuts so far, plus one, over its weight is smallest (the lowest on ties), at most kTreeMaxLevel
// each; kNoCut once every dimension has them all. Cuts then follow the weights' shares.
std::vector<uint8_t> cut_schedule(const std::vector<uint8_t>& weights);

// floor(log2 heap): a node's depth.
int heap_depth(uint64_t heap);

// A node's box: per dimension of the block, its interval and the cuts made in that dimension.
struct Box {
  std::vector<uint64_t> interval;
  std::vector<uint8_t> level;
};
Box box_of(uint64_t heap, const std::vector<uint8_t>& schedule, size_t dims);
void box_of(uint64_t heap, const std::vector<uint8_t>& schedule, size_t dims, Box* box);  // into *box

struct TreeSelection {
  uint64_t heap = 1;   // the chosen node
  uint64_t work = 0;   // nodes expanded
  bool exact = false;  // the search proved the choice
};
TreeSelection select_tree(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                          const std::vector<double>& sd, const std::vector<uint8_t>& schedule,
                          uint64_t max_work = kTreeDefaultMaxWork);
// The point of node `heap` of a block: what the decoder computes from the index.
std::vector<double> tree_point(uint64_t seed, uint64_t image, uint32_t block, uint64_t heap,
                               const std::vector<uint8_t>& schedule, size_t dims);

// Block b's depth code, in 1/256 octave: depth ~ discretized N(mu, sigma^2) over 0 .. the block's
// last cut, mu = intercept + slope * (sum of the image's depths in blocks 0 .. b - 1), all integers
// so that both sides build the same code.
struct DepthCode {
  int16_t intercept = 128;
  uint16_t sigma = 256;
  int16_t slope = 0;
};
// The octave code of one block's heap number given the sum of the image's earlier depths.
RankCodec depth_codec(const DepthCode& c, int64_t earlier_depths, int max_depth);
// The code that costs these depths the fewest bits: the least-squares line, then a small grid of
// offsets and widths around it. earlier[i], depth[i]: image i's sum of earlier depths and depth.
DepthCode fit_depth_code(const std::vector<int64_t>& earlier, const std::vector<int>& depth, int max_depth);

}  // namespace vlae::rec
