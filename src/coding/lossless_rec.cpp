#include "coding/lossless_rec.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "coding/container.h"
#include "coding/lane_steps.h"
#include "coding/lossless.h"
#include "coding/tiling.h"
#include "data/tensor.h"
#include "model/posterior.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"

namespace vlae {

namespace {

constexpr int64_t kEncodeBatch = 64;  // images per encoder pass and progress update

// The codec of one step's lanes, as the header comment composes it.
struct RecLossless {
  const VAECodecs& v;
  const rec::Layout& layout;
  uint64_t seed;
  int64_t k;

  // z of a step's `count` lanes from their images' indices [count * blocks]; lane l holds image first + l.
  Latents latents(const uint64_t* index, int64_t first, int64_t count) const {
    Latents z;
    z.value.resize(static_cast<size_t>(count * k));
    for (int64_t l = 0; l < count; ++l)
      layout.latent(seed, static_cast<uint64_t>(first + l), index + l * layout.count(), z.value.data() + l * k);
    return z;
  }
  // Pushes the step's images x, whose indices the encoder chose; returns {x bits, index bits}.
  std::pair<double, double> push(codec::Lanes m, const Images& x, const uint64_t* index, int64_t first) const {
    const double x_bits = v.likelihood(latents(index, first, m.count)).push(m, x);
    double index_bits = 0;
    for (int64_t l = 0; l < m.count; ++l) index_bits += layout.push(m[l], index + l * layout.count());
    return {x_bits, index_bits};
  }
  Images pop(codec::Lanes m, int64_t first) const {
    std::vector<uint64_t> index(static_cast<size_t>(m.count) * layout.count());
    for (int64_t l = 0; l < m.count; ++l) layout.pop(m[l], index.data() + l * layout.count());
    return v.likelihood(latents(index.data(), first, m.count)).pop(m).symbol;
  }
};

}  // namespace

void check_lossless_rec_model(const ModelConfig& c) {
  if (transform_coder_arch(c.arch))
    throw InputError("--codec rec: --model " + c.arch + " is a transform coder; code it with compress --lossy");
  if (c.posterior != "diag")
    throw InputError("--codec rec: relative-entropy coding needs a Gaussian posterior, this run uses --posterior " + c.posterior);
  if (c.prior != "normal")
    throw InputError("--codec rec: relative-entropy coding draws its candidates from the N(0, I) prior, this run uses "
                     "--prior " + c.prior + " (code it with bits back: drop --codec)");
}

nlohmann::json to_json(const LosslessRecReport& r) {
  const double dims = static_cast<double>(r.images * r.dims), n = static_cast<double>(std::max<int64_t>(1, r.images));
  return {{"codec", "rec"},
          {"images", r.images},
          {"bytes", r.bytes},
          {"bits_per_dim", 8.0 * r.bytes / dims},
          {"bits_per_dim_with_initial", 8.0 * r.bytes / dims},  // nothing is drawn: no initial bits
          {"initial_bits", 0},
          {"kl_bits_per_image", r.kl_bits / n},
          {"index_bits_per_image", r.index_bits / n},
          {"index_over_kl", r.index_bits / std::max(1e-9, r.kl_bits)},
          {"x_bits_per_image", r.x_bits / n},
          {"ideal_bits_per_dim", (r.index_bits + r.x_bits) / dims},
          {"blocks", r.blocks},
          {"rec_scheme", rec::scheme_name(r.scheme)},
          {"exact_share", r.exact_share},
          {"compress_seconds", r.seconds},
          {"compress_images_per_s", r.images / std::max(1e-9, r.seconds)}};
}

std::string compress_lossless_rec(VAE& model, const Images& pictures, const Images& calibration, const RecOptions& o,
                                  const BitsBackConfig& cfg, LosslessRecReport* report, bool progress) {
  const ModelConfig& c = model->config;
  check_lossless_rec_model(c);
  check_images_fit_model(pictures, c, "compress --codec rec");
  check_rec_options(o);
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t k = c.latent_dim;
  const PosteriorWidths w = posterior_widths(model, calibration);
  rec::Layout layout = rec::Layout::for_posteriors(o.scheme, w.kl_nats, o.block_nats, o.margin_nats);
  const size_t nb = layout.count();
  const Images x = model_tiles(pictures, c);

  // The encoder's choice: each image's block indices, by PFR over its posterior (LibTorch's
  // encoder: only the indices reach the file, so the decoder never runs it).
  LosslessRecReport r;
  r.images = pictures.count;
  r.dims = pictures.dims();
  r.blocks = static_cast<int64_t>(nb);
  r.scheme = o.scheme;
  std::vector<uint64_t> index(static_cast<size_t>(x.count) * nb);
  int64_t exact = 0;
  Progress bar("compress (rec search)", x.count);
  for (int64_t s = 0; s < x.count; s += kEncodeBatch) {
    const int64_t b = std::min(kEncodeBatch, x.count - s);
    const DiagGaussian q = model->encode(to_tensor(x, s, b));
    r.kl_bits += kl_to_standard_normal(q).sum().item<double>() / std::log(2.0);
    const auto mean = q.mean.to(torch::kFloat64).contiguous();
    const auto sd = q.std().to(torch::kFloat64).contiguous();
    const double* mp = mean.data_ptr<double>();
    const double* sp = sd.data_ptr<double>();
    const auto sel = layout.select_images(o.seed, static_cast<uint64_t>(s), b, k, mp, sp, o.max_candidates);
    for (int64_t t = 0; t < b * static_cast<int64_t>(nb); ++t) {
      index[s * nb + t] = sel[t].index;
      exact += sel[t].exact;
    }
    if (progress) bar.update(s + b);
  }
  if (progress) bar.finish();

  layout.fit_rank_codes(index);
  const VAECodecs v(model, cfg);
  const RecLossless codec{v, layout, o.seed, k};
  const int64_t lanes = std::max<int64_t>(1, std::min<int64_t>(cfg.lanes, x.count));
  std::vector<rans::Message> msgs(lanes);
  const codec::Lanes all{msgs.data(), lanes};
  const int64_t steps = (x.count + lanes - 1) / lanes;
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t b = lanes_at(t, lanes, x.count);
    const auto bits = codec.push(all.substack(0, b), slice(x, t * lanes, b), index.data() + t * lanes * nb, t * lanes);
    r.x_bits += bits.first;
    r.index_bits += bits.second;
  }
  r.exact_share = static_cast<double>(exact) / std::max<double>(1.0, static_cast<double>(x.count * nb));

  CodedFile f = coded_file_header(CodedKind::LosslessRec, model->fingerprint(), pictures);
  f.obs_prec = static_cast<uint8_t>(cfg.obs_prec);
  f.data_checksum = fnv1a(pictures.pixels.data(), pictures.pixels.size());
  f.lanes = std::move(msgs);
  rec::store_layout(layout, o.seed, &f);
  std::string bytes = serialize(f);
  r.bytes = bytes.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (report) *report = r;
  return bytes;
}

Images decompress_lossless_rec(VAE& model, const std::string& bytes, const std::string& name, bool progress,
                               bool verify_fingerprint) {
  CodedFile f = parse_coded_file(bytes, name);
  if (f.kind != CodedKind::LosslessRec) throw InputError(name + ": not a lossless rec file");
  const ModelConfig& c = model->config;
  if (verify_fingerprint && f.fingerprint != model->fingerprint())
    throw InputError(name + ": compressed with a different model (fingerprint mismatch); pass the --run that made it");
  check_lossless_rec_model(c);
  check_file_fits_model(f, c, name);
  if (f.rec_blocks.size() != static_cast<size_t>(c.latent_dim))
    throw InputError(name + ": " + std::to_string(f.rec_blocks.size()) + " latent blocks for a model of " +
                     std::to_string(c.latent_dim) + " dimensions");
  const int64_t count = coded_images(f, c);
  const int64_t lanes = static_cast<int64_t>(f.lanes.size());
  if (lanes > count) throw InputError(name + ": more lanes than images");
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();
  BitsBackConfig cfg;
  cfg.obs_prec = f.obs_prec;
  cfg.lanes = lanes;
  const VAECodecs v(model, cfg);
  const rec::Layout layout = rec::layout_of(f);
  const RecLossless codec{v, layout, f.rec_seed, c.latent_dim};
  Images out = v.empty_images(count);
  const codec::Lanes all{f.lanes.data(), lanes};
  const int64_t steps = (count + lanes - 1) / lanes;
  Progress bar("decompress", count);
  int64_t done = 0;
  try {
    for (int64_t t = steps - 1; t >= 0; --t) {
      const int64_t b = lanes_at(t, lanes, count);
      const Images x = codec.pop(all.substack(0, b), t * lanes);
      std::copy(x.pixels.begin(), x.pixels.end(), out.image(t * lanes));
      done += b;
      if (progress) bar.update(done);
    }
  } catch (const rans::DecodeError& e) {
    throw InputError(name + ": " + e.what());
  }
  if (progress) bar.finish();
  out = pictures_from_tiles(std::move(out), f);
  if (fnv1a(out.pixels.data(), out.pixels.size()) != f.data_checksum) throw InputError(checksum_failure(name, "data"));
  return out;
}

}  // namespace vlae
