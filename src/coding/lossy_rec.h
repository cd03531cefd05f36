// The relative-entropy lossy codec behind `vlae compress --lossy --codec rec`: it sends an exact
// sample z ~ q(z|x) (rec.h), block by block, at about the model's KL, and the receiver decodes
// x-hat = the decoder mean at z. Its distortion is therefore E_q[-log p(x|z)], the model's own,
// where the grid codec (lossy.h) sends a quantized posterior mean instead.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "coding/lossy.h"
#include "coding/rec.h"

namespace vlae {

struct RecOptions {
  rec::Scheme scheme = rec::kDefaultScheme;
  double block_nats = rec::default_block_nats(rec::kDefaultScheme);  // mean KL per block on the calibration images
  double margin_nats = rec::kBinMarginNats;  // binned: block KL less the bins' share, in nats
  uint64_t seed = 0;                           // the shared randomness, stored in the file
  uint64_t max_candidates = uint64_t(1) << rec::kMaxLog2Candidates;
};

void check_rec_options(const RecOptions& o);  // InputError on a bad --rec-block-nats

struct RecReport {
  rec::Scheme scheme = rec::kDefaultScheme;
  LossyReport lossy;              // bits, KL, distortions (nll_at_code_nats is -log p(x|z) at the sample)
  int64_t blocks = 0;
  double mean_log2_candidates = 0;  // log2 of the candidates searched, averaged over blocks
  double exact_share = 0;           // blocks whose search proved its choice (no cap reached)
  std::vector<double> block_kl_nats, block_log2_candidates;  // per coded block: its KL and search size
  std::vector<double> image_ideal_bits;  // per coded image (tile): its index codes' ideal bits
};
nlohmann::json to_json(const RecReport& r);

std::string compress_rec(VAE& model, const Images& x, const Images& calibration, const RecOptions& o,
                         RecReport* report);
// The decoded latent samples [count * K] and the reconstructions.
Images decompress_rec(VAE& model, const std::string& bytes, const std::string& name, bool verify_fingerprint = true,
                      std::vector<float>* latents = nullptr);

}  // namespace vlae
