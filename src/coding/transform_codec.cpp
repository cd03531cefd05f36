#include "coding/transform_codec.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "coding/codecs.h"
#include "coding/container.h"
#include "coding/gaussian.h"
#include "coding/tiling.h"
#include "data/tensor.h"
#include "engine/transform_engine.h"
#include "model/likelihood.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"

namespace vlae {

namespace {

constexpr int64_t kBatch = 250;
constexpr int32_t kR = engine::kSymbolRange;

// A factorized latent of channel c: its table's cells, symbols -R..R stored as s + R.
struct TableCells {
  const std::vector<uint32_t>* cdf;
  uint32_t operator()(uint32_t i) const { return (*cdf)[i]; }
  static constexpr uint32_t n = 2 * kR + 1;
};

// q = round(y - μ) under N(0, σ²) on the integers of the window -w..w, stored as q + w.
struct GaussianCells {
  double scale;
  uint32_t w, n;
  explicit GaussianCells(double s)
      : scale(s),
        w(static_cast<uint32_t>(std::clamp<double>(std::ceil(kGaussianWindowScales * s), 1.0, kMaxGaussianWindow))),
        n(2 * w + 1) {}
  uint32_t operator()(uint32_t i) const {
    if (i == 0 || i >= n) return codec::quantize_cdf(0.0, i, n, kTransformPrec);
    return codec::quantize_cdf(codec::normal_cdf((static_cast<double>(i) - w - 0.5) / scale), i, n, kTransformPrec);
  }
};

// What the payload holds for `count` model-sized images: ẑ symbols [count][Kz] (hyperprior), the
// y symbols [count][Ky] (q, or ŷ itself for the factorized model).
struct Symbols {
  std::vector<int32_t> z, y;
};

struct Geometry {
  int64_t ky, kz, hw_y, hw_z;
  explicit Geometry(const TransformCoderImpl& t)
      : ky(t.latent_channels * t.latent_h * t.latent_w), kz(t.hyper_channels * t.hyper_h * t.hyper_w),
        hw_y(t.latent_h * t.latent_w), hw_z(t.hyper_h * t.hyper_w) {}
};

// The decoder's ŷ for images [from, from + b) from their symbols (and, for the hyperprior, the
// engine's means of those images).
std::vector<float> latents_hat(const Symbols& s, const std::vector<float>& mean, int64_t from, int64_t b, int64_t ky) {
  std::vector<float> y(static_cast<size_t>(b * ky));
  for (int64_t i = 0; i < b * ky; ++i) {
    const float q = static_cast<float>(s.y[from * ky + i]);
    y[i] = mean.empty() ? q : mean[i] + q;
  }
  return y;
}

uint64_t symbols_checksum(const Symbols& s) {
  const uint64_t h = fnv1a(s.z.data(), s.z.size() * sizeof(int32_t));
  return fnv1a(s.y.data(), s.y.size() * sizeof(int32_t), h);
}

int32_t clamp_symbol(double v, int32_t r) {
  return static_cast<int32_t>(std::clamp(std::nearbyint(v), static_cast<double>(-r), static_cast<double>(r)));
}

}  // namespace

void check_transform_model(const ModelConfig& c) {
  if (!transform_coder_arch(c.arch))
    throw InputError("this run is '" + c.arch + "', not a transform coder (--model factorized or hyperprior)");
}

std::string compress_transform(VAE& model, const Images& x, LossyReport* report, const RefineOptions& refine) {
  check_transform_model(model->config);
  check_pictures_fit_model(x, model->config, "compress --lossy");
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();
  const auto t0 = std::chrono::steady_clock::now();
  TransformCoderImpl& t = *model->transform;
  const engine::TransformEngine net(t, kTransformPrec);
  const Geometry g(t);
  const Images tiles = model_tiles(x, model->config);
  const int64_t n = tiles.count;
  Symbols s;
  s.z.resize(static_cast<size_t>(n * g.kz));
  s.y.resize(static_cast<size_t>(n * g.ky));
  std::vector<double> scales(static_cast<size_t>(n * g.ky), 0.0);  // hyperprior: each q's σ
  LossyReport r;
  Images recon;
  recon.count = n;
  recon.channels = tiles.channels;
  recon.height = tiles.height;
  recon.width = tiles.width;
  recon.pixels.resize(tiles.pixels.size());
  std::optional<Progress> bar;
  if (refine.steps > 0) bar.emplace("refine latents", n);
  for (int64_t from = 0; from < n; from += kBatch) {
    const int64_t b = std::min(kBatch, n - from);
    const auto xb = to_tensor(tiles, from, b);
    // The model's own rate and distortion (noisy latents), what the code is compared with.
    const VAETerms terms = model->terms(xb);
    r.kl_bits += terms.rate.sum().item<double>() / std::log(2.0);
    r.distortion_nats += terms.distortion.sum().item<double>();
    // The analysis output y is the posterior's centre: the terms above computed it once already.
    torch::Tensor y = terms.posterior.mean.view({b, t.latent_channels, t.latent_h, t.latent_w}), z;
    if (refine.steps > 0) {
      const RefinedLatents refined = refine_latents(t, xb, refine);
      y = refined.y;
      z = refined.z;
      r.refine_steps = refine.steps;
      r.refined_images += refined.images_improved;
      r.objective_before_nats += refined.objective_before_nats;
      r.objective_after_nats += refined.objective_after_nats;
      bar->update(from + b);
    } else if (t.hyper_analysis) {
      z = t.hyper_analysis->forward(y);
    }
    y = y.contiguous();
    const float* yp = y.data_ptr<float>();
    std::vector<float> mean;
    if (t.hyper_analysis) {
      z = z.contiguous();
      const float* zp = z.data_ptr<float>();
      std::vector<float> zhat(static_cast<size_t>(b * g.kz));
      for (int64_t i = 0; i < b * g.kz; ++i) {
        s.z[from * g.kz + i] = clamp_symbol(zp[i], kR);
        zhat[i] = static_cast<float>(s.z[from * g.kz + i]);
      }
      std::vector<double> scale;
      net.latent_gaussian(zhat.data(), b, mean, scale);
      for (int64_t i = 0; i < b * g.ky; ++i) {
        const GaussianCells cells(scale[i]);
        s.y[from * g.ky + i] = clamp_symbol(static_cast<double>(yp[i]) - mean[i], static_cast<int32_t>(cells.w));
        scales[from * g.ky + i] = scale[i];
      }
    } else {
      for (int64_t i = 0; i < b * g.ky; ++i) s.y[from * g.ky + i] = clamp_symbol(yp[i], kR);
    }
    const std::vector<float> yhat = latents_hat(s, mean, from, b, g.ky);
    net.reconstruct(yhat.data(), b, recon.image(from));
    const auto params = t.decode(torch::from_blob(const_cast<float*>(yhat.data()), {b, g.ky}, torch::kFloat32));
    r.nll_at_code_nats += -log_likelihood(model->config.likelihood, params, xb).sum().item<double>();
  }
  if (bar) bar->finish();
  // Stack order: ŷ pushed first (last image, last latent first), then ẑ, so the decoder pops every
  // ẑ in reading order, then every ŷ.
  rans::Message m;
  for (int64_t i = n * g.ky - 1; i >= 0; --i) {
    if (t.hyper_analysis) {
      const GaussianCells cells(scales[i]);
      r.ideal_bits += codec::push_cdf(m, cells, static_cast<uint32_t>(s.y[i] + static_cast<int32_t>(cells.w)), kTransformPrec);
    } else {
      const TableCells cells{&net.table((i % g.ky) / g.hw_y)};
      r.ideal_bits += codec::push_cdf(m, cells, static_cast<uint32_t>(s.y[i] + kR), kTransformPrec);
    }
  }
  for (int64_t i = n * g.kz - 1; i >= 0; --i) {
    const TableCells cells{&net.table((i % g.kz) / g.hw_z)};
    r.ideal_bits += codec::push_cdf(m, cells, static_cast<uint32_t>(s.z[i] + kR), kTransformPrec);
  }
  CodedFile f = coded_file_header(CodedKind::Transform, model->fingerprint(), x);
  f.obs_prec = kTransformPrec;
  f.data_checksum = symbols_checksum(s);
  f.lanes.push_back(std::move(m));
  std::string bytes = serialize(f);
  score_reconstructions(x, untile(std::move(recon), x.count, x.height, x.width), &r);
  r.images = x.count;
  r.dims = x.dims();
  r.pixels = x.plane();
  r.sent_dims = g.ky + g.kz;
  r.bytes = bytes.size();
  r.bits = 8.0 * bytes.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (report) *report = r;
  return bytes;
}

Images decompress_transform(VAE& model, const std::string& bytes, const std::string& name, bool verify_fingerprint) {
  check_transform_model(model->config);
  CodedFile f = parse_coded_file(bytes, name);
  if (f.kind != CodedKind::Transform)
    throw InputError(name + (f.kind == CodedKind::Lossless ? ": a lossless file, not a transform code"
                                                           : ": a VAE's lossy file, not a transform code"));
  if (verify_fingerprint && f.fingerprint != model->fingerprint())
    throw InputError(name + ": compressed with a different model (fingerprint mismatch); pass the --run that made it");
  check_file_fits_model(f, model->config, name);
  if (f.lanes.size() != 1 || f.obs_prec != kTransformPrec) throw InputError(name + ": not a transform code's layout");
  TransformCoderImpl& t = *model->transform;
  const engine::TransformEngine net(t, kTransformPrec);
  const Geometry g(t);
  const int64_t n = coded_images(f, model->config);
  if (n * (g.ky + g.kz) > (int64_t(1) << 28)) throw InputError(name + ": too many images for one file");
  Symbols s;
  s.z.resize(static_cast<size_t>(n * g.kz));
  s.y.resize(static_cast<size_t>(n * g.ky));
  rans::Message& m = f.lanes[0];
  Images out;
  out.count = n;
  out.channels = model->config.image_channels;
  out.height = model->config.height;
  out.width = model->config.width;
  out.pixels.resize(static_cast<size_t>(n * model->config.dims()));
  try {
    for (int64_t i = 0; i < n * g.kz; ++i) {
      const TableCells cells{&net.table((i % g.kz) / g.hw_z)};
      s.z[i] = static_cast<int32_t>(codec::pop_cdf(m, cells, TableCells::n, kTransformPrec).symbol) - kR;
    }
    for (int64_t from = 0; from < n; from += kBatch) {
      const int64_t b = std::min(kBatch, n - from);
      std::vector<float> mean;
      if (t.hyper_analysis) {
        std::vector<float> zhat(s.z.begin() + from * g.kz, s.z.begin() + (from + b) * g.kz);
        std::vector<double> scale;
        net.latent_gaussian(zhat.data(), b, mean, scale);
        for (int64_t i = 0; i < b * g.ky; ++i) {
          const GaussianCells cells(scale[i]);
          s.y[from * g.ky + i] = static_cast<int32_t>(codec::pop_cdf(m, cells, cells.n, kTransformPrec).symbol) -
                                 static_cast<int32_t>(cells.w);
        }
      } else {
        for (int64_t i = 0; i < b * g.ky; ++i) {
          const TableCells cells{&net.table(((from * g.ky + i) % g.ky) / g.hw_y)};
          s.y[from * g.ky + i] = static_cast<int32_t>(codec::pop_cdf(m, cells, TableCells::n, kTransformPrec).symbol) - kR;
        }
      }
      const std::vector<float> yhat = latents_hat(s, mean, from, b, g.ky);
      net.reconstruct(yhat.data(), b, out.image(from));
    }
  } catch (const rans::DecodeError& e) {
    throw InputError(name + ": " + e.what());
  }
  if (symbols_checksum(s) != f.data_checksum) throw InputError(checksum_failure(name, "latents"));
  return pictures_from_tiles(std::move(out), f);
}

}  // namespace vlae
