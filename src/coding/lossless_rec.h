// Lossless coding with z sent by relative-entropy coding instead of bits back (issue 20's
// stretch), behind `vlae compress --codec rec` (without --lossy). A composition on each lane:
//   push(m, x):  z <- an exact sample of q(z|x), chosen by the encoder as block indices (rec.h)
//                likelihood(z).push(m, x)     x under p(x|z), the model's pixel codec
//                indices.push(m)             z's block indices under their index codes
//   pop(m):      indices <- pop; z <- the candidates they name; x <- likelihood(z).pop(m)
// Its cost is the index codes (about KL(q||p) + log(KL + 1) + a few bits per block) plus
// -log p(x|z) at the sample: the ELBO's two terms plus REC's overhead, with nothing to get back,
// so no initial bits are needed. BB-ANS (bits_back.h) codes the same model at the net -ELBO.
// Models: a diagonal Gaussian posterior and the N(0, I) prior (the candidates' law); any decoder.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "coding/lossy_rec.h"
#include "coding/vae_codecs.h"
#include "data/images.h"
#include "model/vae.h"

namespace vlae {

struct LosslessRecReport {
  int64_t images = 0, dims = 0;  // pictures and sub-pixels per picture
  uint64_t bytes = 0;
  double kl_bits = 0;     // the model's rate, KL(q||p), summed over the coded images
  double index_bits = 0;  // ideal cost of the block indices
  double x_bits = 0;      // ideal cost of x under p(x|z) at the sent samples
  int64_t blocks = 0;
  rec::Scheme scheme = rec::kDefaultScheme;
  double exact_share = 0;  // blocks whose search proved its choice
  double seconds = 0;
};
nlohmann::json to_json(const LosslessRecReport& r);

// calibration: training images that set the blocks (never the images coded). cfg: obs_prec and lanes.
std::string compress_lossless_rec(VAE& model, const Images& pictures, const Images& calibration, const RecOptions& o,
                                  const BitsBackConfig& cfg, LosslessRecReport* report, bool progress);
// Throws InputError for a file of another model, a corrupt or truncated stream, or a checksum
// mismatch after decoding.
Images decompress_lossless_rec(VAE& model, const std::string& bytes, const std::string& name, bool progress,
                               bool verify_fingerprint = true);

// Throws InputError unless the model suits this codec.
void check_lossless_rec_model(const ModelConfig& c);

}  // namespace vlae
