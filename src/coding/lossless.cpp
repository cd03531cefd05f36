#include "coding/lossless.h"

#include <algorithm>
#include <chrono>

#include "coding/container.h"
#include "coding/tiling.h"
#include "model/adapted_parameters.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"

namespace vlae {

void check_images_fit_model(const Images& x, const ModelConfig& c, const std::string& what) {
  if (c.posterior != "diag")
    throw InputError(what + ": bits-back coding needs a per-dimension Gaussian posterior; this run uses --posterior " +
                     c.posterior + " (evaluate it with vlae eval)");
  check_pictures_fit_model(x, c, what);
}

void check_expert_fits_model(codec::ExpertMixing expert, VAE& model, const std::string& what) {
  if (expert == codec::ExpertMixing::None) return;
  if (!model->autoregressive() || model->config.likelihood == Likelihood::Bernoulli)
    throw InputError(what + ": an expert beside the network needs a PixelCNN-family decoder of 8-bit levels; this run's is " +
                     (model->autoregressive() ? std::string("binary") : std::string("factorized")));
}

int64_t automatic_lanes(int64_t count, bool autoregressive) {
  return std::clamp<int64_t>(count / (autoregressive ? kImagesPerLanePixelCNN : kImagesPerLaneFactorized), 1,
                             kMaxAutomaticLanes);
}

std::string compress_lossless(VAE& model, const Images& x, const BitsBackConfig& cfg, LosslessReport* report,
                              bool progress, const ParamDeltas& adapted) {
  check_images_fit_model(x, model->config, "compress");
  check_expert_fits_model(cfg.expert, model, "compress");
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t fingerprint = model->fingerprint();  // the run's model: the file names it, then its deltas
  const AdaptedParameters with_deltas(model, adapted, "compress");
  const Images tiles = model_tiles(x, model->config);
  Progress bar("compress", tiles.count);
  BitsBackStats stats;
  auto coded = bits_back_encode(model, tiles, cfg, &stats, [&](int64_t done) {
    if (progress) bar.update(done);
  });
  if (progress) bar.finish();
  CodedFile f = coded_file_header(CodedKind::Lossless, fingerprint, x);
  f.adapted = adapted;
  f.expert_mixing = static_cast<uint8_t>(cfg.expert);
  f.latent_bits = static_cast<uint8_t>(cfg.latent_bits);
  f.posterior_prec = static_cast<uint8_t>(cfg.posterior_prec);
  f.obs_prec = static_cast<uint8_t>(cfg.obs_prec);
  f.data_checksum = fnv1a(x.pixels.data(), x.pixels.size());
  f.lanes = std::move(coded.lanes);
  f.lane_starts = std::move(coded.starts);
  while ((2u << f.importance_log2) <= cfg.importance_samples) ++f.importance_log2;
  std::string bytes = serialize(f);
  if (report) {
    report->images = x.count;
    report->dims = x.dims();
    report->bytes = bytes.size();
    report->stats = stats;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return bytes;
}

Images decompress_lossless(VAE& model, const std::string& bytes, const std::string& name, bool progress,
                           bool verify_fingerprint) {
  if (model->config.posterior != "diag")
    throw InputError(name + ": bits-back coding needs a per-dimension Gaussian posterior, this run's is " +
                     model->config.posterior);
  CodedFile f = parse_coded_file(bytes, name);
  if (f.kind != CodedKind::Lossless) throw InputError(name + ": a lossy file (decode it with the lossy codec)");
  const auto& c = model->config;
  if (verify_fingerprint && f.fingerprint != model->fingerprint())
    throw InputError(name + ": compressed with a different model (fingerprint mismatch); pass the --run that made it");
  check_file_fits_model(f, c, name);
  const int64_t coded = coded_images(f, c);
  if (static_cast<int64_t>(f.lanes.size()) > coded) throw InputError(name + ": more lanes than images");
  BitsBackConfig cfg;
  cfg.latent_bits = f.latent_bits;
  cfg.posterior_prec = f.posterior_prec;
  cfg.obs_prec = f.obs_prec;
  cfg.importance_samples = 1u << f.importance_log2;
  cfg.expert = static_cast<codec::ExpertMixing>(f.expert_mixing);
  check_expert_fits_model(cfg.expert, model, name);
  const AdaptedParameters with_deltas(model, f.adapted, name);
  Progress bar("decompress", coded);
  Images out;
  try {
    out = bits_back_decode(model, {std::move(f.lanes), std::move(f.lane_starts)}, coded, cfg, [&](int64_t done) {
      if (progress) bar.update(done);
    });
  } catch (const rans::DecodeError& e) {
    throw InputError(name + ": " + e.what());
  }
  if (progress) bar.finish();
  out = pictures_from_tiles(std::move(out), f);
  if (fnv1a(out.pixels.data(), out.pixels.size()) != f.data_checksum)
    throw InputError(checksum_failure(name, "data"));
  return out;
}

}  // namespace vlae
