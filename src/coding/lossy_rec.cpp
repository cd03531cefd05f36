#include "coding/lossy_rec.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "coding/container.h"
#include "coding/tiling.h"
#include "data/tensor.h"
#include "eval/image_quality.h"
#include "model/likelihood.h"
#include "util/error.h"
#include "util/hash.h"

namespace vlae {

namespace {

constexpr int64_t kBatch = 256;

// Reconstructions at latents z [n, K].
Images reconstruct(VAE& model, const std::vector<float>& z, int64_t n) {
  const int64_t k = model->config.latent_dim;
  return decoder_mean_images(model, n, kBatch, [&](int64_t s, int64_t b) {
    return torch::from_blob(const_cast<float*>(z.data() + s * k), {b, k}, torch::kFloat32);
  });
}

}  // namespace

void check_rec_options(const RecOptions& o) {
  if (!(o.block_nats > 0) || o.block_nats > 30) throw InputError("--rec-block-nats: expected a size in (0, 30] nats");
  if (!(o.margin_nats >= 0) || o.margin_nats > 30) throw InputError("--rec-margin-nats: expected 0 to 30 nats");
}

nlohmann::json to_json(const RecReport& r) {
  nlohmann::json j = to_json(r.lossy);
  j["codec"] = "rec";
  j["rec_scheme"] = rec::scheme_name(r.scheme);
  j["blocks"] = r.blocks;
  j["mean_log2_candidates"] = r.mean_log2_candidates;
  j["exact_share"] = r.exact_share;
  j["sample_nll_nats"] = j["nll_at_code_nats"];
  j["block_kl_nats"] = r.block_kl_nats;
  j["block_log2_candidates"] = r.block_log2_candidates;
  j["image_ideal_bits"] = r.image_ideal_bits;
  return j;
}

std::string compress_rec(VAE& model, const Images& pictures, const Images& calibration, const RecOptions& o,
                         RecReport* report) {
  check_lossy_model(model->config);
  check_pictures_fit_model(pictures, model->config, "compress --codec rec");
  check_rec_options(o);
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t k = model->config.latent_dim;
  const PosteriorWidths w = posterior_widths(model, calibration);
  rec::Layout layout = rec::Layout::for_posteriors(o.scheme, w.kl_nats, o.block_nats, o.margin_nats);
  const size_t nb = layout.count();

  RecReport r;
  r.lossy.images = pictures.count;
  r.lossy.dims = pictures.dims();
  r.lossy.pixels = pictures.plane();
  const Images x = model_tiles(pictures, model->config);  // what is coded: the pictures or their tiles
  for (uint8_t bl : layout.blocks) r.lossy.sent_dims += bl != rec::kPriorBlock;
  r.blocks = static_cast<int64_t>(nb);
  r.scheme = o.scheme;
  std::vector<uint64_t> index(static_cast<size_t>(x.count) * nb);
  std::vector<float> z(static_cast<size_t>(x.count * k));
  int64_t exact = 0;
  for (int64_t s = 0; s < x.count; s += kBatch) {
    const int64_t b = std::min(kBatch, x.count - s);
    const auto xb = to_tensor(x, s, b);
    const VAETerms t = model->terms(xb);
    r.lossy.kl_bits += t.rate.sum().item<double>() / std::log(2.0);
    double d = t.distortion.sum().item<double>();
    for (int e = 1; e < 4; ++e)
      d += -log_likelihood(model->config.likelihood, model->decoder->forward(t.posterior.sample()), xb).sum().item<double>();
    r.lossy.distortion_nats += d / 4;
    const auto mean = t.posterior.mean.to(torch::kFloat64).contiguous();
    const auto sd = t.posterior.std().to(torch::kFloat64).contiguous();
    const auto kl = t.kl_per_dim.to(torch::kFloat64).contiguous();
    const double* mp = mean.data_ptr<double>();
    const double* sp = sd.data_ptr<double>();
    const double* kp = kl.data_ptr<double>();
    // The per-block figures go to fixed slots, so the report does not depend on the threads.
    const auto sel = layout.select_images(o.seed, static_cast<uint64_t>(s), b, k, mp, sp, o.max_candidates);
    std::vector<double> block_kl(static_cast<size_t>(b) * nb), block_log2(static_cast<size_t>(b) * nb);
    for (int64_t i = 0; i < b; ++i) {
      const int64_t img = s + i;
      for (size_t bl = 0; bl < nb; ++bl) {
        const rec::Selection& e = sel[i * nb + bl];
        double bkl = 0;
        for (size_t j : layout.dims[bl]) bkl += kp[i * k + j];
        index[img * nb + bl] = e.index;
        exact += e.exact;
        block_kl[i * nb + bl] = bkl;
        block_log2[i * nb + bl] = std::log2(static_cast<double>(std::max<uint64_t>(1, e.searched)));
      }
      layout.latent(o.seed, static_cast<uint64_t>(img), index.data() + img * nb, z.data() + img * k);
    }
    r.block_kl_nats.insert(r.block_kl_nats.end(), block_kl.begin(), block_kl.end());
    r.block_log2_candidates.insert(r.block_log2_candidates.end(), block_log2.begin(), block_log2.end());
  }
  layout.fit_rank_codes(index);
  // One message: the last image's last block first, so decoding pops in reading order.
  rans::Message msg;
  r.image_ideal_bits.assign(static_cast<size_t>(x.count), 0.0);
  for (int64_t i = x.count - 1; i >= 0; --i) r.lossy.ideal_bits += r.image_ideal_bits[i] = layout.push(msg, index.data() + i * nb);
  // What the receiver will see: -log p(x | z) at the sample and the decoder mean's fidelity.
  const Images recon = reconstruct(model, z, x.count);
  for (int64_t s = 0; s < x.count; s += kBatch) {
    const int64_t b = std::min(kBatch, x.count - s);
    const auto zt = torch::from_blob(z.data() + s * k, {b, k}, torch::kFloat32);
    r.lossy.nll_at_code_nats += -log_likelihood(model->config.likelihood, model->decoder->forward(zt), to_tensor(x, s, b)).sum().item<double>();
  }
  score_reconstructions(pictures, untile(recon, pictures.count, pictures.height, pictures.width), &r.lossy);
  double sum_log2 = 0;
  for (double v : r.block_log2_candidates) sum_log2 += v;
  r.mean_log2_candidates = sum_log2 / std::max<size_t>(1, r.block_log2_candidates.size());
  r.exact_share = static_cast<double>(exact) / std::max<size_t>(1, r.block_log2_candidates.size());

  CodedFile f = coded_file_header(CodedKind::LossyRec, model->fingerprint(), pictures);
  f.obs_prec = rec::kOctavePrec;
  f.data_checksum = fnv1a(index.data(), index.size() * sizeof(uint64_t));
  f.lanes.push_back(std::move(msg));
  rec::store_layout(layout, o.seed, &f);
  std::string bytes = serialize(f);
  r.lossy.bytes = bytes.size();
  r.lossy.bits = 8.0 * bytes.size();
  r.lossy.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (report) *report = r;
  return bytes;
}

Images decompress_rec(VAE& model, const std::string& bytes, const std::string& name, bool verify_fingerprint,
                      std::vector<float>* latents) {
  CodedFile f = open_lossy_file(model, bytes, name, static_cast<uint8_t>(CodedKind::LossyRec), verify_fingerprint);
  const auto& c = model->config;
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();
  const int64_t k = c.latent_dim, n = coded_images(f, c);
  const rec::Layout layout = rec::layout_of(f);
  const size_t nb = layout.count();
  if (n * static_cast<int64_t>(nb) > (int64_t(1) << 26)) throw InputError(name + ": too many images for one file");
  std::vector<uint64_t> index(static_cast<size_t>(n) * nb);
  std::vector<float> z(static_cast<size_t>(n * k));
  rans::Message& m = f.lanes[0];
  try {
    for (int64_t i = 0; i < n; ++i) layout.pop(m, index.data() + i * nb);
  } catch (const rans::DecodeError& e) {
    throw InputError(name + ": " + e.what());
  }
  if (fnv1a(index.data(), index.size() * sizeof(uint64_t)) != f.data_checksum)
    throw InputError(checksum_failure(name, "indices"));
  for (int64_t i = 0; i < n; ++i) layout.latent(f.rec_seed, static_cast<uint64_t>(i), index.data() + i * nb, z.data() + i * k);
  Images out = pictures_from_tiles(reconstruct(model, z, n), f);
  if (latents) *latents = std::move(z);
  return out;
}

}  // namespace vlae
