// Relative-entropy coding (channel simulation): sending an exact sample of q(z|x) in about
// KL(q || p) + log(KL + 1) + a few nats, with randomness both sides share (the file's seed).
// Scheme: the Poisson functional representation (Li & El Gamal 2018). Candidates z_1, z_2, ...
// are drawn from the prior p = N(0, I) by a counter-based generator, so candidate n of a block can
// be regenerated on its own; arrival times T_1 < T_2 < ... are a Poisson process of rate 1. The
// encoder sends n = argmin_i T_i / w_i, w_i = q(z_i) / p(z_i): z_n is then distributed exactly as
// q. It searches until T_i / sup w exceeds the best score, which proves no later candidate can win,
// or until a cap of candidates, exp(block KL + kSearchMarginNats) (then the sample is approximate). The index is coded under a Zipf
// law p(n) ∝ n^-(1 + 1/λ), λ = the block's mean KL (nats) + 1, as an octave (a categorical) and
// an offset within it (uniform bits).
// z is coded in blocks of dimensions of about `block_nats` mean KL each, fixed per file from
// calibration images, so that the candidates grow as exp(block KL), not exp(KL).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "coding/combinators.h"
#include "coding/rec_partition.h"
#include "coding/rec_tree.h"

namespace vlae {
struct CodedFile;
}

namespace vlae::rec {

constexpr double kDefaultBlockNats = 8.0;
// Dimensions whose mean KL on the calibration images is below this are not sent: both sides draw
// them from the prior with the shared randomness (block kPriorBlock).
constexpr double kMinSentKlNats = 0.01;
constexpr uint8_t kPriorBlock = 255;
// |candidate| never exceeds this: Box-Muller on uniforms of 53 bits, at least 2^-54 from 0.
constexpr double kCandidateBound = 8.6624;
constexpr int kMaxLog2Candidates = 22;  // at most 2^22 candidates per block
constexpr double kSearchMarginNats = 5.0;  // and at most exp(block KL + this)
constexpr unsigned kOctavePrec = 16;

// A standard normal of candidate n's dimension j in block b of image i, from the seed alone.
double shared_normal(uint64_t seed, uint64_t image, uint32_t block, uint64_t n, uint32_t j);
// Candidate n of a block of `dims` dimensions (n >= 1).
std::vector<double> candidate(uint64_t seed, uint64_t image, uint32_t block, uint64_t n, size_t dims);

struct Selection {
  uint64_t index = 0;        // n >= 1
  uint64_t searched = 0;     // candidates looked at
  bool exact = false;        // the search proved the choice (no cap reached)
};
// PFR over the block's posterior N(mean, sd^2) per dimension against N(0, 1).
Selection select(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                 const std::vector<double>& sd, uint64_t max_candidates = uint64_t(1) << kMaxLog2Candidates);

// The index code of one block: Zipf with exponent 1 + 1/lambda over 1 .. 2^kMaxLog2Candidates.
struct IndexCodec : OctaveCodec {  // octaves e = 0 .. kMaxLog2Candidates
  explicit IndexCodec(double lambda);
};

// Blocks of consecutive dimensions of about block_nats mean KL each: block[j] for dimension j, or
// kPriorBlock when its mean KL is below kMinSentKlNats. Blocks are numbered 0.. without gaps.
// At most max_dims dimensions per block where that takes more blocks (then equal counts).
std::vector<uint8_t> make_blocks(const std::vector<double>& mean_kl_nats, double block_nats, size_t max_dims = SIZE_MAX);
// lambda of each block (kPriorBlock excluded): its mean KL in nats + 1.
std::vector<double> block_lambdas(const std::vector<uint8_t>& blocks, const std::vector<double>& mean_kl_nats);

// How a file's blocks are sent. Zipf (scheme 0, `--rec-scheme plain`): PFR over plain prior
// candidates, searched one by one, the index under the Zipf law above.
// Binned (scheme 1, `--rec-scheme binned`): PFR over bins of equal prior mass,
// searched by branch and bound, the index as (bin, rank) (rec_partition.h). At the same block
// size it proves far more searches (the sample is exact) in less time, for 0-5% more bits where
// an image's block KL is below the bins' share (docs/RESULTS.md).
// Tree (scheme 2, `--rec-scheme tree`, the default): PFR over a binary tree of the prior whose depth adapts to
// the block, searched by branch and bound, the index as the chosen node's heap number
// (rec_tree.h). Its blocks hold twice the KL (16 nats against 8) with as many searches proven,
// which halves the blocks and so the index codes' overhead per image (docs/RESULTS.md).
enum class Scheme : uint8_t { Zipf = 0, Binned = 1, Tree = 2 };
constexpr Scheme kDefaultScheme = Scheme::Tree;
inline const char* scheme_name(Scheme s) {  // --rec-scheme
  return s == Scheme::Zipf ? "plain" : s == Scheme::Binned ? "binned" : "tree";
}
// The scheme of a --rec-scheme name; none for an unknown one.
inline std::optional<Scheme> scheme_from_name(std::string_view name) {
  for (Scheme s : {Scheme::Tree, Scheme::Binned, Scheme::Zipf})
    if (name == scheme_name(s)) return s;
  return std::nullopt;
}
// The block size (nats) a scheme uses when --rec-block-nats is not given.
constexpr double default_block_nats(Scheme s) { return s == Scheme::Tree ? kTreeBlockNats : kDefaultBlockNats; }

// The hash behind all shared randomness: a function of its five arguments' bits.
uint64_t shared_hash(uint64_t seed, uint64_t image, uint32_t block, uint64_t n, uint32_t j);

// A file's latent layout, shared by the lossy and the lossless rec codecs: each dimension's block
// (or kPriorBlock), each block's dimensions in order, and each block's index code.
struct Layout {
  Layout(std::vector<uint8_t> blocks, std::vector<double> lambdas);  // Zipf
  // Binned: bins per dimension (0 where not sent) and each block's rank code (mu, sigma pairs;
  // empty until fit_rank_codes). Tree: cut weights per dimension and each block's depth code.
  Layout(Scheme scheme, std::vector<uint8_t> blocks, std::vector<uint8_t> per_dim, std::vector<uint16_t> shapes);
  // The encoder's layout from the calibration images' mean KL per dimension.
  static Layout for_posteriors(Scheme scheme, const std::vector<double>& mean_kl_nats, double block_nats,
                               double margin_nats = kBinMarginNats);
  size_t count() const { return dims.size(); }  // blocks sent per image
  // The encoder's search for block `block` of image `image` under q = N(mean, sd^2) (the
  // block's dimensions in order); max_work caps candidates (Zipf) or regions and points (Binned).
  Selection select(uint64_t seed, uint64_t image, uint32_t block, const std::vector<double>& mean,
                   const std::vector<double>& sd, uint64_t max_work) const;
  // Every block of images first .. first + count - 1, their posteriors' means and sds [count, K]:
  // the selections [count * count()], image-major. The searches are independent (each a function
  // of the seed and its posterior) and run as a work queue over (image, block), so the result
  // does not depend on the threads.
  std::vector<Selection> select_images(uint64_t seed, uint64_t first, int64_t count, int64_t k, const double* mean,
                                       const double* sd, uint64_t max_work) const;
  // Binned, Tree: the rank (depth) codes that cost these indices [images * count()] the fewest bits.
  // Tree: each block's depth is coded given the sum of the image's earlier blocks' depths.
  void fit_rank_codes(const std::vector<uint64_t>& index);
  // z [K] of image `image` from its block indices [count()]: the decoder's z, which the encoder
  // also uses. Dimensions that are not sent are drawn from the prior with the shared randomness.
  void latent(uint64_t seed, uint64_t image, const uint64_t* index, float* z) const;
  // One image's indices on a message, last block first, so that pop reads them in order.
  double push(rans::Message& m, const uint64_t* index) const;  // ideal bits
  void pop(rans::Message& m, uint64_t* index) const;

  Scheme scheme;
  std::vector<uint8_t> blocks;
  std::vector<double> lambdas;        // Zipf: per block
  std::vector<uint8_t> bin_bits;      // Binned: bins per dimension; Tree: cut weights per dimension
  std::vector<uint16_t> rank_shapes;  // Binned: per block, mu then sigma (1/256 octave); Tree: its depth codes, 3 each
  std::vector<std::vector<size_t>> dims;
  std::vector<std::vector<uint8_t>> block_bits;  // Binned: per block, its dimensions' bins
  std::vector<std::vector<uint8_t>> schedules;   // Tree: per block, the dimension cut at each depth
  std::vector<int> max_depth;                    // Tree: per block, the depth of the last cut
  std::vector<DepthCode> depth_codes;            // Tree: per block
  std::vector<IndexCodec> index_codecs;
  std::vector<RankCodec> rank_codecs;            // Binned: per block
};

// The layout as a file's header holds it (container.h), and back.
void store_layout(const Layout& layout, uint64_t seed, CodedFile* f);
Layout layout_of(const CodedFile& f);

}  // namespace vlae::rec
