#include "coding/lossy.h"

#include <chrono>
#include <cstring>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "coding/codecs.h"
#include "coding/container.h"
#include "coding/gaussian.h"
#include "coding/lossless.h"
#include "coding/tiling.h"
#include "data/tensor.h"
#include "engine/vae_engine.h"
#include "eval/image_quality.h"
#include "model/likelihood.h"
#include "util/error.h"
#include "util/hash.h"

namespace vlae {

namespace {

// The prior N(0,1) discretized on the grid {(i - M) * step}: cell i spans
// [(i - M - 1/2) step, (i - M + 1/2) step), the end cells reach to infinity.
struct GridPrior {
  double step;
  uint32_t m, n;
  // step 0: the dimension is not sent (a single cell at the prior mean).
  explicit GridPrior(double s)
      : step(s), m(s > 0 ? static_cast<uint32_t>(std::ceil(kLossyRange / s)) : 0), n(2 * m + 1) {}
  uint32_t operator()(uint32_t i) const {
    if (i == 0 || i >= n) return codec::quantize_cdf(0.0, i, n, kLossyPrec);
    return codec::quantize_cdf(codec::normal_cdf((static_cast<double>(i) - m - 0.5) * step), i, n, kLossyPrec);
  }
  uint32_t index(double mean) const {
    const double i = std::nearbyint(mean / step) + m;
    return static_cast<uint32_t>(std::clamp(i, 0.0, static_cast<double>(n - 1)));
  }
  double value(uint32_t i) const { return (static_cast<double>(i) - m) * step; }
};

constexpr int64_t kBatch = 250;

// z-hat for images [from, from + b) given their indices (unsent dimensions at the prior mean 0).
torch::Tensor dequantize(const std::vector<GridPrior>& cells, const std::vector<uint32_t>& idx, int64_t from,
                         int64_t b) {
  const int64_t k = static_cast<int64_t>(cells.size());
  auto z = torch::zeros({b, k});
  float* zp = z.data_ptr<float>();
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < k; ++j)
      if (cells[j].step > 0) zp[i * k + j] = static_cast<float>(cells[j].value(idx[(from + i) * k + j]));
  return z;
}

// Encoder-side search ("analysis by synthesis"): the encoder knows x, so for each sent dimension
// it tries the neighbouring grid points and keeps one wherever -log p(x|z-hat) falls. Coordinate
// descent, `passes` passes over the dimensions, two decoder runs per dimension for the whole batch.
// A later pass starts from the earlier one's code, so -log p(x|z-hat) never rises from pass to pass.
// idx holds the batch's indices [b, k]; returns -log p(x|z-hat) per image.
torch::Tensor refine(VAE& model, const torch::Tensor& xb, const std::vector<GridPrior>& cells, uint32_t* idx,
                     int64_t b, int passes) {
  const int64_t k = static_cast<int64_t>(cells.size());
  const auto lik = model->config.likelihood;
  std::vector<uint32_t> all(idx, idx + b * k);
  auto z = dequantize(cells, all, 0, b);
  auto best = -log_likelihood(lik, model->decoder->forward(z), xb);
  for (int pass = 0; pass < passes; ++pass) {
    for (int64_t j = 0; j < k; ++j) {
      if (cells[j].step == 0) continue;
      for (int delta : {-1, 1}) {
        auto cand = z.clone();  // contiguous [b, k] floats on the CPU
        float* cp = cand.data_ptr<float>();
        std::vector<uint32_t> moved(b);
        for (int64_t i = 0; i < b; ++i) {
          const int64_t q = static_cast<int64_t>(idx[i * k + j]) + delta;
          moved[i] = static_cast<uint32_t>(std::clamp<int64_t>(q, 0, cells[j].n - 1));
          cp[i * k + j] = static_cast<float>(cells[j].value(moved[i]));
        }
        const auto nll = -log_likelihood(lik, model->decoder->forward(cand), xb);
        const auto better = (nll < best).contiguous();
        const bool* bp = better.data_ptr<bool>();
        float* zp = z.data_ptr<float>();
        for (int64_t i = 0; i < b; ++i)
          if (bp[i]) {
            idx[i * k + j] = moved[i];
            zp[i * k + j] = cp[i * k + j];
          }
        best = torch::where(better, nll, best);
      }
    }
  }
  return best;
}

std::vector<GridPrior> grid_priors(const LatentGrid& grid) {
  return std::vector<GridPrior>(grid.step.begin(), grid.step.end());
}

// Quantizes every image's posterior mean and measures what the code costs and achieves.
std::vector<uint32_t> quantize(VAE& model, const Images& x, const LatentGrid& grid, LossyReport* r) {
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  const int64_t k = model->config.latent_dim;
  const auto cells = grid_priors(grid);
  std::vector<uint32_t> idx(static_cast<size_t>(x.count * k), 0);
  *r = LossyReport{};
  r->images = x.count;
  r->dims = x.dims();
  r->pixels = x.plane();
  for (double s : grid.step) r->sent_dims += s > 0;
  for (int64_t s = 0; s < x.count; s += kBatch) {
    const int64_t b = std::min(kBatch, x.count - s);
    const auto xb = to_tensor(x, s, b);
    const VAETerms t = model->terms(xb);
    r->kl_bits += t.rate.sum().item<double>() / std::log(2.0);
    // The model's E_q[-log p(x|z)], averaged over 4 posterior samples so that comparisons with the
    // code's distortion are not decided by sampling noise.
    double d = t.distortion.sum().item<double>();
    for (int e = 1; e < 4; ++e)
      d += -log_likelihood(model->config.likelihood, model->decoder->forward(t.posterior.sample()), xb).sum().item<double>();
    r->distortion_nats += d / 4;
    const auto mean = t.posterior.mean.to(torch::kFloat64).contiguous();
    const double* mp = mean.data_ptr<double>();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < k; ++j) {
        if (cells[j].step == 0) continue;
        idx[(s + i) * k + j] = cells[j].index(mp[i * k + j]);
      }
    if (grid.search) refine(model, xb, cells, idx.data() + s * k, b, grid.search_passes);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < k; ++j)
        if (cells[j].step > 0) {
          const uint32_t q = idx[(s + i) * k + j];
          r->ideal_bits += codec::cost_bits(cells[j](q + 1) - cells[j](q), kLossyPrec);
        }
    const auto params = model->decoder->forward(dequantize(cells, idx, s, b));
    r->nll_at_code_nats += -log_likelihood(model->config.likelihood, params, xb).sum().item<double>();
  }
  return idx;
}

// The reconstructions a decoder will produce from idx (one engine for all batches).
Images grid_reconstructions(VAE& model, const LatentGrid& grid, const std::vector<uint32_t>& idx, int64_t count) {
  const auto cells = grid_priors(grid);
  return decoder_mean_images(model, count, kBatch, [&](int64_t s, int64_t b) { return dequantize(cells, idx, s, b); });
}

}  // namespace

void check_lossy_model(const ModelConfig& c) {
  if (transform_coder_arch(c.arch))
    throw InputError("--model " + c.arch + " is a transform coder: compress --lossy codes it with its own codec "
                     "(no --codec)");
  if (c.autoregressive_decoder())
    throw InputError("--lossy: the lossy codec needs a factorized decoder (--model mlp or conv), this run is '" +
                     c.arch + "'; code it losslessly instead");
  if (c.posterior != "diag")
    throw InputError("--lossy: the lossy codec needs a Gaussian posterior, this run uses --posterior " + c.posterior);
  if (c.prior != "normal")
    throw InputError("--lossy: the lossy codec needs the N(0, I) prior, this run uses --prior " + c.prior);
}

PosteriorWidths posterior_widths(const DiagGaussian& q) {
  // Geometric-mean std and mean KL per dimension over the images in q.
  const auto log_sigma = (0.5 * q.log_var).mean(0).to(torch::kFloat64).contiguous();
  const auto kl = kl_to_standard_normal(q).mean(0).to(torch::kFloat64).contiguous();
  PosteriorWidths w;
  for (int64_t j = 0; j < log_sigma.size(0); ++j) {
    w.sigma.push_back(std::exp(log_sigma.data_ptr<double>()[j]));
    w.kl_nats.push_back(kl.data_ptr<double>()[j]);
  }
  return w;
}

PosteriorWidths posterior_widths(VAE& model, const Images& calibration) {
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  return posterior_widths(model->encode(to_tensor(calibration)));
}

LatentGrid make_grid(const PosteriorWidths& w, double scale, double min_kl_nats) {
  LatentGrid g;
  g.scale = scale;
  for (size_t j = 0; j < w.sigma.size(); ++j)
    g.step.push_back(w.kl_nats[j] < min_kl_nats ? 0.0 : std::clamp(scale * w.sigma[j], kMinGridStep, kMaxGridStep));
  return g;
}

nlohmann::json to_json(const LossyReport& r) {
  const double n = static_cast<double>(r.images), px = n * r.pixels;
  nlohmann::json j = {{"codec", "grid"},
          {"images", r.images},
          {"bytes", r.bytes},
          {"bits_per_image", r.bits / n},
          {"bits_per_pixel", r.bits / px},
          {"ideal_bits_per_image", r.ideal_bits / n},
          {"kl_bits_per_image", r.kl_bits / n},
          {"kl_bits_per_pixel", r.kl_bits / px},
          {"actual_over_kl", r.bits / r.kl_bits},
          {"nll_at_code_nats", r.nll_at_code_nats / n},
          {"model_distortion_nats", r.distortion_nats / n},
          {"latent_dims_sent", r.sent_dims},
          {"mse", r.mse},
          {"psnr_db", r.psnr_db},
          {"ssim", r.ssim},
          {"compress_images_per_s", n / r.seconds}};
  if (r.refine_steps > 0) {
    j["refine_steps"] = r.refine_steps;
    j["refined_images"] = r.refined_images;
    j["objective_before_nats"] = r.objective_before_nats / n;
    j["objective_after_nats"] = r.objective_after_nats / n;
  }
  return j;
}

LossyReport measure_grid(VAE& model, const Images& x, const LatentGrid& grid) {
  LossyReport r;
  const auto idx = quantize(model, x, grid, &r);
  score_reconstructions(x, grid_reconstructions(model, grid, idx, x.count), &r);
  return r;
}

void check_search_passes(int n) {
  if (n < 1 || n > kMaxSearchPasses) throw InputError("--search-passes: expected 1.." + std::to_string(kMaxSearchPasses));
}

LatentGrid choose_grid(VAE& model, const Images& calibration, int search_passes) {
  check_lossy_model(model->config);
  check_search_passes(search_passes);
  torch::NoGradGuard no_grad;
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  const int64_t k = model->config.latent_dim;
  // Posteriors, their widths and the model's own distortion E_q[-log p(x|z)] (the budget), computed
  // once. The budget averages 4 posterior samples so the comparison is not decided by sampling noise.
  const auto x = to_tensor(calibration);
  const DiagGaussian q = model->encode(x);
  const PosteriorWidths w = posterior_widths(q);
  const auto mean = q.mean.to(torch::kFloat64).contiguous();
  const int64_t sub = std::min<int64_t>(500, calibration.count);
  double budget = 0, budget_sub = 0;
  for (int s = 0; s < 4; ++s) {
    const auto nll = -log_likelihood(model->config.likelihood, model->decoder->forward(q.sample()), x);
    budget += nll.sum().item<double>() / 4;
    budget_sub += nll.slice(0, 0, sub).sum().item<double>() / 4;
  }
  const auto nll_at = [&](const std::vector<double>& step, bool search) {
    auto z = torch::zeros_like(q.mean);
    float* zp = z.data_ptr<float>();
    const double* mp = mean.data_ptr<double>();
    for (int64_t i = 0; i < calibration.count; ++i)
      for (int64_t j = 0; j < k; ++j)
        if (step[j] > 0) {
          const GridPrior g(step[j]);
          zp[i * k + j] = static_cast<float>(g.value(g.index(mp[i * k + j])));
        }
    if (search) {  // on the first `sub` images only: the search costs two decoder runs per dimension
      const auto cells = grid_priors(LatentGrid{step, 1.0, true});
      std::vector<uint32_t> idx(static_cast<size_t>(sub * k), 0);
      for (int64_t i = 0; i < sub; ++i)
        for (int64_t j = 0; j < k; ++j)
          if (step[j] > 0) idx[i * k + j] = cells[j].index(mp[i * k + j]);
      return refine(model, x.slice(0, 0, sub), cells, idx.data(), sub, search_passes).sum().item<double>();
    }
    return -log_likelihood(model->config.likelihood, model->decoder->forward(z), x).sum().item<double>();
  };
  // 1. The coarsest common scale whose searched code stays within the budget.
  const std::vector<double> ladder = {0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0};
  size_t common = 0;
  for (size_t l = 1; l < ladder.size() && nll_at(make_grid(w, ladder[l]).step, true) <= budget_sub; ++l) common = l;
  LatentGrid grid = make_grid(w, ladder[common]);
  // 2's budget: the nearest-point distortion of the common grid, which the search then improves on.
  const double nearest_budget = std::max(budget, nll_at(grid.step, false));
  std::vector<size_t> level(k, common);
  // 2. Coarsen dimension by dimension, least informative first, while the budget holds; a
  //    dimension coarsened past the ladder's end is not sent at all.
  std::vector<int64_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return w.kl_nats[a] < w.kl_nats[b]; });
  for (int64_t j : order) {
    if (grid.step[j] == 0) continue;
    while (true) {
      std::vector<double> trial = grid.step;
      trial[j] = level[j] + 1 < ladder.size() ? std::clamp(ladder[level[j] + 1] * w.sigma[j], kMinGridStep, kMaxGridStep) : 0.0;
      if (nll_at(trial, false) > nearest_budget) break;
      grid.step = trial;
      if (trial[j] == 0) break;
      ++level[j];
    }
  }
  grid.scale = ladder[common];
  grid.search_passes = search_passes;
  return grid;
}

std::string compress_lossy(VAE& model, const Images& x, const LatentGrid& grid, LossyReport* report) {
  check_lossy_model(model->config);
  check_images_fit_model(x, model->config, "compress --lossy");
  if (static_cast<int64_t>(grid.step.size()) != model->config.latent_dim)
    throw InputError("compress --lossy: grid does not match the model's latent size");
  const auto t0 = std::chrono::steady_clock::now();
  LossyReport r;
  const Images tiles = model_tiles(x, model->config);
  const std::vector<uint32_t> idx = quantize(model, tiles, grid, &r);
  score_reconstructions(x, untile(grid_reconstructions(model, grid, idx, tiles.count), x.count, x.height, x.width), &r);
  r.images = x.count;
  r.dims = x.dims();
  r.pixels = x.plane();
  const auto cells = grid_priors(grid);
  const int64_t k = model->config.latent_dim;
  rans::Message m;
  // Stack order: push the last image's last dimension first so decoding pops in reading order.
  for (int64_t i = tiles.count - 1; i >= 0; --i)
    for (int64_t j = k - 1; j >= 0; --j)
      if (cells[j].step > 0) codec::push_cdf(m, cells[j], idx[i * k + j], kLossyPrec);
  CodedFile f = coded_file_header(CodedKind::Lossy, model->fingerprint(), x);
  f.obs_prec = kLossyPrec;
  f.data_checksum = fnv1a(idx.data(), idx.size() * sizeof(uint32_t));
  f.lanes.push_back(std::move(m));
  f.grid = grid.step;
  std::string bytes = serialize(f);
  r.bytes = bytes.size();
  r.bits = 8.0 * bytes.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (report) *report = r;
  return bytes;
}

CodedFile open_lossy_file(VAE& model, const std::string& bytes, const std::string& name, uint8_t kind,
                          bool verify_fingerprint) {
  check_lossy_model(model->config);
  CodedFile f = parse_coded_file(bytes, name);
  if (static_cast<uint8_t>(f.kind) != kind)
    throw InputError(name + (f.kind == CodedKind::Lossless ? ": a lossless file, not a lossy one"
                             : f.kind == CodedKind::Lossy  ? ": a lossy grid file, not a relative-entropy coded one"
                                                           : ": a relative-entropy coded file, not a grid one"));
  const auto& c = model->config;
  if (verify_fingerprint && f.fingerprint != model->fingerprint())
    throw InputError(name + ": compressed with a different model (fingerprint mismatch); pass the --run that made it");
  const size_t latents = f.kind == CodedKind::Lossy ? f.grid.size() : f.rec_blocks.size();
  check_file_fits_model(f, c, name);
  if (static_cast<int64_t>(latents) != c.latent_dim || f.lanes.size() != 1)
    throw InputError(name + ": latent size does not match the model");
  return f;
}

Images decompress_lossy(VAE& model, const std::string& bytes, const std::string& name, bool verify_fingerprint,
                        std::vector<float>* latents) {
  CodedFile f = open_lossy_file(model, bytes, name, static_cast<uint8_t>(CodedKind::Lossy), verify_fingerprint);
  const auto& c = model->config;
  LatentGrid grid;
  grid.step = f.grid;
  const auto cells = grid_priors(grid);
  const int64_t k = c.latent_dim, n = coded_images(f, c);
  if (n * k > (int64_t(1) << 28)) throw InputError(name + ": too many images for one file");
  std::vector<uint32_t> idx(static_cast<size_t>(n * k), 0);
  rans::Message& m = f.lanes[0];
  try {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        if (cells[j].step > 0) idx[i * k + j] = codec::pop_cdf(m, cells[j], cells[j].n, kLossyPrec).symbol;
  } catch (const rans::DecodeError& e) {
    throw InputError(name + ": " + e.what());
  }
  if (fnv1a(idx.data(), idx.size() * sizeof(uint32_t)) != f.data_checksum)
    throw InputError(checksum_failure(name, "latents"));
  if (latents) {
    const auto z = dequantize(cells, idx, 0, n);
    latents->assign(z.data_ptr<float>(), z.data_ptr<float>() + n * k);
  }
  return pictures_from_tiles(grid_reconstructions(model, grid, idx, n), f);
}

void score_reconstructions(const Images& x, const Images& recon, LossyReport* r) {
  double sq = 0, ssim_sum = 0;
  std::vector<uint8_t> target(static_cast<size_t>(x.dims()));
  for (int64_t i = 0; i < x.count; ++i) {
    for (int64_t j = 0; j < x.dims(); ++j) target[j] = x.binary ? (x.image(i)[j] ? 255 : 0) : x.image(i)[j];
    for (int64_t j = 0; j < x.dims(); ++j) {
      const double e = static_cast<double>(target[j]) - recon.image(i)[j];
      sq += e * e;
    }
    ssim_sum += ssim(target.data(), recon.image(i), x.channels, x.height, x.width);
  }
  r->mse = sq / static_cast<double>(x.count * x.dims());
  r->psnr_db = psnr_db(r->mse);
  r->ssim = ssim_sum / static_cast<double>(x.count);
}

Images decoder_mean_images(VAE& model, int64_t count, int64_t batch,
                           const std::function<torch::Tensor(int64_t from, int64_t b)>& latents) {
  const auto& c = model->config;
  const engine::VAEEngine net(model);
  Images out;
  out.count = count;
  out.channels = c.image_channels;
  out.height = c.height;
  out.width = c.width;
  out.pixels.resize(static_cast<size_t>(count * c.dims()));
  std::vector<double> params;
  const int64_t p = likelihood_params(c), d = c.dims();
  for (int64_t s = 0; s < count; s += batch) {
    const int64_t b = std::min(batch, count - s);
    const torch::Tensor z = latents(s, b).to(torch::kCPU, torch::kFloat32).contiguous();
    net.decoder_params(z.data_ptr<float>(), b, params);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < d; ++j) out.image(s + i)[j] = engine::mean_level(c.likelihood, params[(i * p) * d + j]);
  }
  return out;
}

}  // namespace vlae
