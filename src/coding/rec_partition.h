// Relative-entropy coding over a partition of the prior (scheme 1 of rec.h's Layout): the Poisson
// functional representation (PFR), with its candidates sorted into bins of equal prior mass so
// that the encoder can search them by branch and bound instead of one by one.
//
// Each dimension j of a block is cut into 2^b_j intervals of equal N(0, 1) mass; a bin is one
// interval per dimension, B = 2^(sum b_j) bins of mass 1/B each. Every bin holds its own Poisson
// process of rate 1/B whose points are drawn from the prior restricted to the bin: point k of bin
// c is Φ^-1((i_j + u_j) / 2^b_j) per dimension, u from the file's seed. The union of the bins is a
// Poisson process of rate 1 with points from the prior, so PFR over it, argmin T / w with
// w = q / p, is an exact sample of q, as in rec.h's scheme 0.
// What changes is the search. The arrival times are the encoder's own (the decoder needs only
// the bin and the point's rank k in it); the encoder draws them top down over a tree of bins (a
// region's first arrival belongs to either half with probability 1/2, the other half's first
// comes an Exp later, as in A* sampling, Maddison et al. 2014) and expands regions in order of a
// lower bound on their best score, log T_first - log sup_region w, which is separable over the
// dimensions. It stops when no region's bound beats the best point: the choice is then proven.
// The index sent is (bin, k): the bin as b_j uniform bits per dimension (the aggregate posterior
// is the prior, and bins have equal prior mass), k with a code fitted to the file's ranks.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "coding/combinators.h"

namespace vlae::rec {

// An index n >= 1 as its octave e = floor(log2 n) under a categorical over e = 0 .. E, then the
// offset n - 2^e in e uniform bits (in pieces of at most kMaxOffsetBits):
// n < 2^(E+1), E <= 62. Every scheme's index code is one of these.
struct OctaveCodec {
  static constexpr unsigned kMaxOffsetBits = 24;  // rans::kMaxPrecision
  codec::Categorical octave;
  double push(rans::Message& m, uint64_t n) const;  // bits
  codec::Coded<uint64_t> pop(rans::Message& m) const;
};

constexpr int kMaxBinBitsPerDim = 16;
constexpr int kMaxBinBits = 40;        // per block: the bin's part of an index
constexpr int kRankBits = 23;          // index = bin << kRankBits | k, 1 <= k < 2^kRankBits
constexpr int kMaxLog2Rank = 22;       // k <= 2^22: the rank code's octaves 0 .. 22
constexpr double kBinMarginNats = 4.0;  // the bins hold about exp(block KL - this) points' share
constexpr uint64_t kDefaultMaxWork = uint64_t(1) << 21;  // regions expanded + points scored

// Bits per dimension: per block, floor((block mean KL - margin) / ln 2) bits, at most kMaxBinBits,
// shared over its dimensions in proportion to their mean KL (largest remainders), each at most
// kMaxBinBitsPerDim; 0 for dimensions not sent.
std::vector<uint8_t> bin_bits(const std::vector<uint8_t>& blocks, const std::vector<double>& mean_kl_nats,
                              double margin_nats = kBinMarginNats);

// Coordinate j of point k of a bin whose interval in that dimension is `interval` of 2^bits.
double bin_point(uint64_t seed, uint64_t image, uint32_t block, uint64_t bin, uint64_t k, uint32_t j, uint32_t interval,
                 unsigned bits);

struct BinSelection {
  uint64_t bin = 0, k = 0;   // the chosen point: rank k >= 1 in bin
  uint64_t work = 0;         // regions expanded and points scored
  uint64_t points = 0;       // points scored
  bool exact = false;        // the search proved the choice
};
// PFR over the partition for a block's posterior N(mean, sd^2) per dimension against N(0, 1);
// bits[q] is the block's q-th dimension's b. Stops proven, or after max_work (then approximate).
BinSelection select_binned(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                           const std::vector<double>& sd, const std::vector<uint8_t>& bits,
                           uint64_t max_work = kDefaultMaxWork);
// The block's point from its index (bin << kRankBits | k).
std::vector<double> binned_candidate(uint64_t seed, uint64_t image, uint32_t block, uint64_t index,
                                     const std::vector<uint8_t>& bits);

// The rank code: octave e = floor(log2 k) from a discretized normal of mean mu and deviation sigma
// (both in 1/256 of an octave, as stored in the file), then e uniform bits.
struct RankShape {
  uint16_t mu = 0, sigma = 256;
};
// The octave-code fits' search: over a small grid of centres (centre + -0.5 .. 0.5 octave) and
// deviations (0.6 .. 1.6 times sd, at least 0.3 octave), the (centre, sigma) whose cost(centre,
// sigma) in bits is lowest; sigma in 1/256 octave as files store it, the centre for the caller to
// quantize.
struct OctaveFit {
  double centre = 0;
  uint16_t sigma = 256;
};
OctaveFit fit_octave_grid(double centre, double sd, const std::function<double(double centre, uint16_t sigma)>& cost);

// The shape that codes these ranks in the fewest bits, from a small grid around their moments; the
// octaves run 0 .. max_log2 (the tree scheme codes its heap numbers, octave = depth, with these).
RankShape fit_rank_shape(const std::vector<uint64_t>& ranks, int max_log2 = kMaxLog2Rank);
struct RankCodec : OctaveCodec {
  explicit RankCodec(RankShape s, int max_log2 = kMaxLog2Rank);
};

}  // namespace vlae::rec
