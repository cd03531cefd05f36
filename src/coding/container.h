// The compressed file. Little-endian:
//   "VLAE" | version u16 | kind u8 (1 lossless bits-back, 2 lossy latent grid, 3 lossy relative-
//   entropy coded latent sample, 4 lossy transform code: a transform coder's quantized latents, 5 lossless
//     with z relative-entropy coded: indices and pixels on each lane) | binary u8
//   | model fingerprint u64 | count u32 | height u32 | width u32
//   | latent_bits u8 | posterior_prec u8 | obs_prec u8 | arithmetic u8 | checksum of decoded pixels u64
//   | lanes u32 | per lane: state u64, words u32, words...
//   | lossy only: latent dims u32, grid step per dim f64 (0: dimension not sent)
//   | rec only (kinds 3 and 5), whose latent_bits byte is the rec scheme (rec.h): seed u64, latent
//     dims u32, block per dim u8, blocks u32, then scheme 0: index-code lambda per block f64;
//     scheme 1: bins (log2) per dim u8, rank code per block: mu u16, sigma u16
//   | version 3 only: channels u8 (3)
//   | version 4: channels u8 (1 or 3)
//   | version 2, 3 and 4: names u32 (= count; 0 allowed in versions 3 and 4), per image: length u16,
//     its relative path (bytes)
//   | version 4 only (lossless kind 1): the adapted parameters (model/param_deltas.h): step_log2 u8,
//     tensors u16, per tensor: name length u8, name, entries u32, then the steps in a Golomb-Rice
//     code: its mode u8 (k, and zero flags in the high bit), then the bits (container.cpp)
//   | version 5 (lossless kind 1 only): channels u8 (1 or 3), names u32 (0 allowed) and each name as
//     above, adapted parameters u8 (0 none, 1 as in version 4, following), log2 of the importance
//     samples u8 (0: plain bits-back; coding/vae_codecs.h), then each lane's start u8
//     (coding/bits_back.h: 0 bits-back from initial bits, 1 the first image under p(x | z_median))
//   | version 6 (lossless kind 1 only): as version 5, then the expert mixing u8 (the network's pixel
//     distributions mixed with coding/adaptive_expert.h's: 1 restarted with every image, 2 with its
//     memory carried along each lane, 3 as 2 with a least-squares sub-predictor, 4 as 3 with each lane
//     holding consecutive images: coding/lane_steps.h's consecutive_image)
//   | checksum of every preceding byte u64
// Version 6 is written for files coded with an expert beside the network, version 5 for bits-back files with a lane that starts under p(x | z_median) or with
// importance samples, version 4
// for files with adapted parameters, version 3 for colour images, version 2 for gray images that
// have names (a folder's), and every other file is version 1, byte for byte as before; all six are
// read.
// count x height x width is the pictures' true size. When it is not the model's, the payload codes
// each picture as tiles of the model's size (data/tiles.h), and the decoder crops them back.
// Parsing checks everything it can before any decoding; errors are InputError naming the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "coding/rans.h"
#include "model/param_deltas.h"

namespace vlae {

// The arithmetic that computed the file's frequencies and reconstructions. A decoder refuses a
// file of another arithmetic, naming both.
//   0: LibTorch's float kernels (vlae before the deterministic engine): BLAS kernel, SIMD width
//      and thread split decided the last bits, so such a file decoded only where it was made.
//   1: vlae's deterministic kernels, version 1 (src/engine, util/det_math.h): the same bits on
//      every machine, thread count and compiler.
// Changing any operation on the coding path, or its order, is a new arithmetic id; the golden
// files under tests/golden/ catch a change that forgot to say so.
enum class CodingArithmetic : uint8_t { LibTorchFloat = 0, Deterministic1 = 1 };
constexpr CodingArithmetic kCodingArithmetic = CodingArithmetic::Deterministic1;
std::string to_string(CodingArithmetic a);
// The checksum-failure message of a decoded file: corrupt, or coded with another model.
std::string checksum_failure(const std::string& name, const std::string& what);

constexpr uint16_t kFormatVersion = 1;        // no names
constexpr uint16_t kFormatVersionNames = 2;   // with the images' relative paths
constexpr uint16_t kFormatVersionChannels = 3;  // colour: a channel count, then names (maybe none)
constexpr uint16_t kFormatVersionAdapted = 4;   // a channel count, names (maybe none), adapted parameters
constexpr uint16_t kFormatVersionLaneStarts = 5;  // as 4 with the adapted parameters optional, importance samples, lane starts
constexpr uint16_t kFormatVersionExpert = 6;      // as 5, then the expert mixing
enum class CodedKind : uint8_t { Lossless = 1, Lossy = 2, LossyRec = 3, Transform = 4, LosslessRec = 5 };
// Kinds whose header carries the rec layout (seed, blocks, index-code lambdas).
inline bool has_rec_layout(CodedKind k) { return k == CodedKind::LossyRec || k == CodedKind::LosslessRec; }

struct CodedFile {
  CodedKind kind = CodedKind::Lossless;
  bool binary = false;
  uint64_t fingerprint = 0;
  uint32_t count = 0, height = 0, width = 0;
  uint8_t channels = 1;
  uint8_t latent_bits = 0, posterior_prec = 0, obs_prec = 0;
  CodingArithmetic arithmetic = kCodingArithmetic;
  uint64_t data_checksum = 0;
  std::vector<rans::Message> lanes;
  std::vector<double> grid;  // lossy: quantization step of each latent dimension
  std::vector<std::string> names;  // empty, or one relative path per image
  ParamDeltas adapted;             // lossless: parameters fine-tuned on these images (train/adapt.h)
  std::vector<uint8_t> lane_starts;  // lossless: empty (every lane from initial bits) or one per lane
  uint8_t importance_log2 = 0;       // lossless: log2 of the importance samples per image (0: one)
  uint8_t expert_mixing = 0;         // lossless: codec::ExpertMixing (0: the network alone)
  // rec: the shared randomness, each dimension's block and each block's index-code lambda.
  uint64_t rec_seed = 0;
  std::vector<uint8_t> rec_blocks;
  std::vector<double> rec_lambdas;     // scheme 0
  uint8_t rec_scheme = 0;               // stored in the latent_bits byte
  std::vector<uint8_t> rec_per_dim;      // per dimension: scheme 1 its bins' bits, scheme 2 its cut weight
  std::vector<uint16_t> rec_shapes;      // per block, mu then sigma: scheme 1 its rank code, scheme 2 its depth code
};

// A file header for `count` images of height x width coded with the model of `fingerprint`.
struct Images;
CodedFile coded_file_header(CodedKind kind, uint64_t fingerprint, const Images& pictures);
std::string serialize(const CodedFile& f);
CodedFile parse_coded_file(const std::string& bytes, const std::string& name);

}  // namespace vlae
