#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/commands.h"
#include "util/threads.h"
#include "coding/container.h"
#include "coding/decompress.h"
#include "coding/lossless.h"
#include "coding/lossless_rec.h"
#include "coding/lossy.h"
#include "coding/lossy_rec.h"
#include "coding/tiling.h"
#include "coding/transform_codec.h"
#include "model/adapted_parameters.h"
#include "data/idx.h"
#include "data/png.h"
#include "eval/evaluate.h"
#include "eval/generate.h"
#include "train/adapt.h"
#include "train/run.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace vlae {

namespace {
struct CompressFlags {
  DataFlags data;
  std::string run, out, json;
  int64_t threads = 0, lanes = 0, calibration = 2000;
  int search_passes = 1;
  unsigned latent_bits = 14, posterior_prec = 24, obs_prec = 24;
  bool lossy = false, no_search = false;
  double grid_scale = 0;  // 0: choose on calibration images
  std::string codec;  // lossless: bits-back (default) | rec; lossy: grid (default) | rec
  std::string lane_start = "auto";  // bits-back: auto | initial-bits | prior-median (coding/bits_back.h)
  uint32_t importance_samples = 1;  // bits-back: K coupled posterior samples per image (BB-IS)
  std::string expert = "none";      // bits-back: expert_of's names (coding/adaptive_expert.h)
  int64_t reference_samples = 8;    // lossless: posterior samples of the report's reference -ELBO (0: none)
  double rec_block_nats = 0;
  bool rec_block_nats_given = false;  // else the scheme's default (rec::default_block_nats)
  std::string rec_scheme = rec::scheme_name(rec::kDefaultScheme);
  double rec_margin_nats = rec::kBinMarginNats;
  uint64_t rec_seed = 0;
  AdaptOptions adapt;               // --adapt-steps > 0: instance-adaptive coding (train/adapt.h)
  RefineOptions refine;             // --refine-steps > 0: transform coders' refined latents (β from the run)
};

// --expert's names: the newest rule, and each earlier one by its number (files record the rule).
codec::ExpertMixing expert_of(const std::string& name) {
  const std::pair<const char*, codec::ExpertMixing> names[] = {{"none", codec::ExpertMixing::None},
                                                               {"adaptive", codec::ExpertMixing::Adaptive4},
                                                               {"adaptive3", codec::ExpertMixing::Adaptive3},
                                                               {"adaptive2", codec::ExpertMixing::Adaptive2},
                                                               {"adaptive1", codec::ExpertMixing::Adaptive1}};
  for (const auto& [n, mixing] : names)
    if (name == n) return mixing;
  throw InputError("--expert: expected none, adaptive, adaptive1, adaptive2 or adaptive3, got '" + name + "'");
}

// Training images that set a codec's grid or blocks: never the images being coded.
Images calibration_images(const CompressFlags& f, const LoadedRun& run) {
  DataSpec cal = run.config.train.data;
  cal.split = "train";
  cal.limit = f.calibration;
  if (cal.binarize == Binarize::Dynamic) cal.binarize = Binarize::Static;
  return load_images(cal);
}

// The reference -ELBO of a lossless file's images, in bits per sub-pixel of the pictures x (their
// tiles are what is coded), averaged over `samples` posterior samples per image; NaN for none (the
// report then says so and its JSON holds null). Scored 64 images at a time: a colour PixelCNN's
// activations for eval's default 250 held about 2 GB.
constexpr int64_t kReferenceBatch = 64;
double reference_neg_elbo_bits_per_dim(LoadedRun& run, const Images& x, int64_t samples) {
  if (samples == 0) return std::nan("");
  EvalOptions eo;
  eo.iwae_samples = 0;
  eo.elbo_samples = samples;
  eo.batch = kReferenceBatch;
  const Images coded = model_tiles(x, run.model->config);
  const EvalResult ev = evaluate(run.model, coded, eo);
  return ev.neg_elbo_bits_per_dim * static_cast<double>(coded.count * coded.dims()) / static_cast<double>(x.count * x.dims());
}

// The report's line for the reference -ELBO beside the file's `actual` bits/dim.
void print_reference(int width, double neg_elbo, double actual) {
  if (std::isnan(neg_elbo))
    std::printf("%-*s %10s            (--reference-samples 0)\n", width, "model -ELBO on these images", "not scored");
  else
    std::printf("%-*s %10.5f bits/dim   (overhead %+.3f%%)\n", width, "model -ELBO on these images", neg_elbo,
                100.0 * (actual / neg_elbo - 1.0));
}

RecOptions rec_options(const CompressFlags& f) {
  RecOptions o;
  o.seed = f.rec_seed;
  o.scheme = rec::scheme_from_name(f.rec_scheme).value_or(rec::kDefaultScheme);  // checked in run_compress
  o.block_nats = f.rec_block_nats_given ? f.rec_block_nats : rec::default_block_nats(o.scheme);
  o.margin_nats = f.rec_margin_nats;
  return o;
}

// Lossless with z by relative-entropy coding instead of bits back; blocks are set on training images.
void run_compress_lossless_rec(const CompressFlags& f, LoadedRun& run, const Images& x, const BitsBackConfig& cfg) {
  const RecOptions o = rec_options(f);
  check_lossless_rec_model(run.model->config);
  const Images calibration = calibration_images(f, run);
  LosslessRecReport r;
  const std::string bytes = compress_lossless_rec(run.model, x, calibration, o, cfg, &r, true);
  write_file_atomic(f.out, bytes);
  const double neg_elbo = reference_neg_elbo_bits_per_dim(run, x, f.reference_samples);
  const double dims = static_cast<double>(r.images * r.dims), n = static_cast<double>(r.images);
  nlohmann::json j = to_json(r);
  j["file"] = f.out;
  j["neg_elbo_bits_per_dim"] = neg_elbo;
  j["overhead_vs_neg_elbo_percent"] = 100.0 * (8.0 * r.bytes / dims / neg_elbo - 1.0);
  j["lanes"] = cfg.lanes;
  j["obs_prec"] = cfg.obs_prec;
  std::printf("%-36s %s (%lu bytes, %ld images, %ld blocks, %s scheme)\n", "file", f.out.c_str(),
              static_cast<unsigned long>(r.bytes), static_cast<long>(r.images), static_cast<long>(r.blocks),
              rec::scheme_name(r.scheme));
  std::printf("%-36s %10.5f bits/dim (no initial bits: nothing is got back)\n", "actual", 8.0 * r.bytes / dims);
  print_reference(36, neg_elbo, 8.0 * r.bytes / dims);
  std::printf("%-36s %10.2f bits/image (KL %.2f, index/KL %.3f)\n", "z: block indices (ideal)", r.index_bits / n,
              r.kl_bits / n, r.index_bits / std::max(1e-9, r.kl_bits));
  std::printf("%-36s %10.2f bits/image\n", "x under p(x|z) at the sample (ideal)", r.x_bits / n);
  std::printf("%-36s %10.0f%%\n", "blocks whose search proved its choice", 100.0 * r.exact_share);
  std::printf("%-36s %10.1f images/s\n", "compress speed", n / r.seconds);
  write_json_file(f.json, j.dump(2));
}

// Lossy by relative-entropy coding: a sample of q(z|x) is sent; blocks are set on training images.
void run_compress_rec(const CompressFlags& f, LoadedRun& run, const Images& x) {
  const Images calibration = calibration_images(f, run);
  const RecOptions o = rec_options(f);
  RecReport r;
  const std::string bytes = compress_rec(run.model, x, calibration, o, &r);
  write_file_atomic(f.out, bytes);
  nlohmann::json j = to_json(r);
  j["file"] = f.out;
  const double n = static_cast<double>(r.lossy.images), px = n * r.lossy.pixels;
  std::printf("%-36s %s (%lu bytes, %ld images, %ld blocks, %s scheme)\n", "file", f.out.c_str(),
              static_cast<unsigned long>(r.lossy.bytes), static_cast<long>(r.lossy.images), static_cast<long>(r.blocks),
              rec::scheme_name(r.scheme));
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel\n", "actual (file, header included)", r.lossy.bits / n,
              r.lossy.bits / px);
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel\n", "ideal (index codes)", r.lossy.ideal_bits / n,
              r.lossy.ideal_bits / px);
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel\n", "model rate KL(q||p)", r.lossy.kl_bits / n,
              r.lossy.kl_bits / px);
  std::printf("%-36s %10.3f\n", "actual / KL", r.lossy.bits / r.lossy.kl_bits);
  std::printf("%-36s %10.2f nats/image (model E_q: %.2f)\n", "-log p(x|z) at the sent sample", r.lossy.nll_at_code_nats / n,
              r.lossy.distortion_nats / n);
  std::printf("%-36s %10.2f (%.0f%% of blocks exact)\n", "log2 candidates searched per block", r.mean_log2_candidates,
              100.0 * r.exact_share);
  std::printf("%-36s %10.2f dB PSNR, SSIM %.4f\n", "decoder mean at the sample", r.lossy.psnr_db, r.lossy.ssim);
  write_json_file(f.json, j.dump(2));
}

// Lossy: only z is sent; the grid is chosen on training images, never on the images being coded.
void run_compress_lossy(const CompressFlags& f, LoadedRun& run, const Images& x) {
  LatentGrid grid;
  const Images calibration = calibration_images(f, run);
  check_search_passes(f.search_passes);
  if (f.grid_scale > 0)
    grid = make_grid(posterior_widths(run.model, calibration), f.grid_scale);
  else
    grid = choose_grid(run.model, calibration, f.no_search ? 1 : f.search_passes);
  grid.search = !f.no_search;
  grid.search_passes = f.search_passes;
  LossyReport r;
  const std::string bytes = compress_lossy(run.model, x, grid, &r);
  write_file_atomic(f.out, bytes);
  const double n = static_cast<double>(r.images), px = n * r.pixels;
  nlohmann::json j = to_json(r);
  j["file"] = f.out;
  j["grid_scale"] = grid.scale;
  j["encoder_search"] = grid.search;
  j["search_passes"] = grid.search ? grid.search_passes : 0;
  std::printf("%-36s %s (%lu bytes, %ld images)\n", "file", f.out.c_str(), static_cast<unsigned long>(r.bytes),
              static_cast<long>(r.images));
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel\n", "actual", r.bits / n, r.bits / px);
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel   (actual/KL %.3f)\n", "model rate KL(q||p) (ideal)",
              r.kl_bits / n, r.kl_bits / px, r.bits / r.kl_bits);
  std::printf("%-36s %10.2f nats/image   (model E_q[-log p(x|z)] %.2f)\n", "distortion -log p(x|z-hat)",
              r.nll_at_code_nats / n, r.distortion_nats / n);
  std::printf("%-36s %10.3f dB   MSE %.2f  SSIM %.4f\n", "PSNR of the decoder mean", r.psnr_db, r.mse, r.ssim);
  std::printf("%-36s %10ld of %ld (grid scale %.2f x posterior std)\n", "latent dimensions sent",
              static_cast<long>(r.sent_dims), static_cast<long>(run.config.model.latent_dim), grid.scale);
  write_json_file(f.json, j.dump(2));
}

// Lossy with a transform coder's own codec (its latents are rounded, not gridded).
void run_compress_transform(const CompressFlags& f, LoadedRun& run, const Images& x) {
  LossyReport r;
  RefineOptions refine = f.refine;
  refine.beta = run.config.objective.beta;
  const std::string bytes = compress_transform(run.model, x, &r, refine);
  write_file_atomic(f.out, bytes);
  const double n = static_cast<double>(r.images), px = n * r.pixels;
  nlohmann::json j = to_json(r);
  j["codec"] = "transform";
  j["file"] = f.out;
  std::printf("%-36s %s (%lu bytes, %ld images)\n", "file", f.out.c_str(), static_cast<unsigned long>(r.bytes),
              static_cast<long>(r.images));
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel\n", "actual", r.bits / n, r.bits / px);
  std::printf("%-36s %10.2f bits/image %8.4f bits/pixel   (actual/model %.3f)\n", "model rate -log p(y~, z~)",
              r.kl_bits / n, r.kl_bits / px, r.bits / r.kl_bits);
  std::printf("%-36s %10.2f nats/image   (model, noisy latents: %.2f)\n", "distortion -log p(x|y-hat)",
              r.nll_at_code_nats / n, r.distortion_nats / n);
  std::printf("%-36s %10.3f dB   MSE %.2f  SSIM %.4f\n", "PSNR of the reconstruction", r.psnr_db, r.mse, r.ssim);
  if (r.refine_steps > 0)
    std::printf("%-36s %10.2f -> %.2f nats/image (beta %g; %ld of %ld images refined, %ld steps)\n",
                "objective, refined latents", r.objective_before_nats / n, r.objective_after_nats / n, refine.beta,
                static_cast<long>(r.refined_images), static_cast<long>(r.images), static_cast<long>(r.refine_steps));
  write_json_file(f.json, j.dump(2));
}

void run_compress(const CompressFlags& f) {
  set_threads(f.threads);
  if (f.latent_bits < 1 || f.latent_bits > 20) throw InputError("--latent-bits: expected 1..20");
  if (f.posterior_prec <= f.latent_bits || f.posterior_prec > 24)
    throw InputError("--posterior-prec: expected more than --latent-bits and at most 24");
  if (f.obs_prec < 9 || f.obs_prec > 24) throw InputError("--obs-prec: expected 9..24");
  if (f.lanes < 0) throw InputError("--lanes: must be positive (0: automatic)");
  if (f.lane_start != "auto" && f.lane_start != "initial-bits" && f.lane_start != "prior-median")
    throw InputError("--lane-start: expected auto, initial-bits or prior-median, got '" + f.lane_start + "'");
  if (f.importance_samples < 1 || f.importance_samples > 256 || (f.importance_samples & (f.importance_samples - 1)))
    throw InputError("--importance-samples: expected a power of two from 1 to 256");
  if (f.reference_samples < 0 || f.reference_samples > 1024)
    throw InputError("--reference-samples: expected 0 (none) to 1024");
  const codec::ExpertMixing expert = expert_of(f.expert);
  if (expert != codec::ExpertMixing::None && (f.lossy || f.codec == "rec"))
    throw InputError("--expert: for lossless bits-back files (drop --lossy and --codec rec)");
  LoadedRun run = load_run(f.run);
  DataSpec spec = run_data_spec(run.config);
  if (!f.data.data.empty()) {
    spec.data = f.data.data;
    spec.split = f.data.split;  // "" = a data set's test split, or every image of a folder or file
  } else if (!f.data.split.empty()) {
    spec.split = f.data.split;
  }
  spec.limit = f.data.limit;
  const Images x = load_images(spec);
  if (!rec::scheme_from_name(f.rec_scheme))
    throw InputError("--rec-scheme: expected binned, tree or plain, got '" + f.rec_scheme + "'");
  if (f.lossy && !f.codec.empty() && f.codec != "grid" && f.codec != "rec")
    throw InputError("--codec: with --lossy, expected grid or rec, got '" + f.codec + "'");
  if (!f.lossy && !f.codec.empty() && f.codec != "bits-back" && f.codec != "rec")
    throw InputError("--codec: lossless, expected bits-back or rec (add --lossy for grid), got '" + f.codec + "'");
  check_adapt_options(f.adapt);
  if (f.adapt.steps > 0 && (f.lossy || f.codec == "rec"))
    throw InputError("--adapt-steps: for lossless bits-back files (drop --lossy and --codec rec)");
  check_refine_options(f.refine);
  if (f.refine.steps > 0 && !transform_coder_arch(run.model->config.arch))
    throw InputError("--refine-steps: for transform coders' lossy files (--model factorized | hyperprior)");
  if (transform_coder_arch(run.model->config.arch)) {
    if (!f.lossy) throw InputError("--run " + f.run + ": a transform coder is a lossy codec; add --lossy");
    if (!f.codec.empty()) throw InputError("--codec: a transform coder has its own codec; drop --codec");
    return run_compress_transform(f, run, x);
  }
  if (f.lossy) return f.codec == "rec" ? run_compress_rec(f, run, x) : run_compress_lossy(f, run, x);
  BitsBackConfig cfg;
  cfg.latent_bits = f.latent_bits;
  cfg.posterior_prec = f.posterior_prec;
  cfg.obs_prec = f.obs_prec;
  cfg.expert = expert;
  check_images_fit_model(x, run.model->config, "compress");
  check_expert_fits_model(cfg.expert, run.model, "--expert");
  const Images coded = model_tiles(x, run.model->config);  // x, or its tiles when x is not the model's size
  cfg.lanes = f.lanes > 0 ? f.lanes : automatic_lanes(coded.count, run.model->autoregressive());
  if (f.importance_samples > 1 && f.codec == "rec") throw InputError("--importance-samples: for bits-back files");
  cfg.importance_samples = f.importance_samples;
  if (f.lane_start != "auto") {
    if (f.codec == "rec") throw InputError("--lane-start: for bits-back files (rec draws no initial bits)");
    cfg.lane_start = f.lane_start == "initial-bits" ? kStartInitialBits : kStartPriorMedian;
  }
  if (f.codec == "rec") return run_compress_lossless_rec(f, run, x, cfg);
  ParamDeltas adapted;
  AdaptReport adapt_report;
  if (f.adapt.steps > 0) adapted = adapt_parameters(run.model, coded, f.adapt, &adapt_report);
  LosslessReport rep;
  const std::string bytes = compress_lossless(run.model, x, cfg, &rep, true, adapted);
  write_file_atomic(f.out, bytes);

  const AdaptedParameters with_deltas(run.model, adapted, "compress");  // the -ELBO of the model that coded
  const double neg_elbo = reference_neg_elbo_bits_per_dim(run, x, f.reference_samples);
  const double dims = static_cast<double>(rep.images * rep.dims);
  const double total_bits = 8.0 * rep.bytes;
  const double net_bpd = (total_bits - rep.stats.initial_bits) / dims;
  nlohmann::json j = {{"file", f.out},
                      {"codec", "bits-back"},
                      {"images", rep.images},
                      {"bytes", rep.bytes},
                      {"bits_per_dim", net_bpd},
                      {"bits_per_dim_with_initial", total_bits / dims},
                      {"neg_elbo_bits_per_dim", neg_elbo},
                      {"overhead_vs_neg_elbo_percent", 100.0 * (net_bpd / neg_elbo - 1.0)},
                      {"ideal_net_bits_per_dim", rep.stats.net_bits() / dims},
                      {"naive_bits_per_dim", rep.stats.naive_bits() / dims},
                      {"x_bits_per_image", rep.stats.x_bits / rep.images},
                      {"z_prior_bits_per_image", rep.stats.z_prior_bits / rep.images},
                      {"bits_back_per_image", rep.stats.bits_back / rep.images},
                      {"initial_bits", rep.stats.initial_bits},
                      {"median_start_lanes", rep.stats.median_starts},
                      {"importance_samples", cfg.importance_samples},
                      {"expert", f.expert},
                      {"compress_seconds", rep.seconds},
                      {"compress_images_per_s", rep.images / rep.seconds},
                      {"latent_bits", cfg.latent_bits},
                      {"posterior_prec", cfg.posterior_prec},
                      {"obs_prec", cfg.obs_prec},
                      {"lanes", cfg.lanes}};
  if (!adapted.empty()) {
    j["adapt"] = {{"steps", f.adapt.steps},
                  {"lr", f.adapt.lr},
                  {"batch_size", f.adapt.batch_size},
                  {"step_log2", f.adapt.step_log2},
                  {"params", adapt_report.params},
                  {"weights", adapt_report.entries},
                  {"neg_elbo_first_steps_bits_per_dim", adapt_report.neg_elbo_first_bits_per_dim},
                  {"neg_elbo_last_steps_bits_per_dim", adapt_report.neg_elbo_last_bits_per_dim},
                  {"seconds", adapt_report.seconds}};
  }
  std::printf("%-34s %s (%lu bytes, %ld images)\n", "file", f.out.c_str(), static_cast<unsigned long>(rep.bytes),
              static_cast<long>(rep.images));
  std::printf("%-34s %10.5f bits/dim\n", "actual (initial bits excluded)", net_bpd);
  std::printf("%-34s %10.5f bits/dim\n", "actual (with initial bits)", total_bits / dims);
  print_reference(34, neg_elbo, net_bpd);
  std::printf("%-34s %10.5f bits/dim\n", "naive: z under prior + x, no bits back", rep.stats.naive_bits() / dims);
  std::printf("%-34s %10.2f bits/image\n", "bits back (from q(z|x))", rep.stats.bits_back / rep.images);
  std::printf("%-34s %10lu bits   (%ld of %ld lanes start under p(x|z_median) instead)\n", "initial bits",
              static_cast<unsigned long>(rep.stats.initial_bits), static_cast<long>(rep.stats.median_starts),
              static_cast<long>(cfg.lanes));
  std::printf("%-34s %10.0f images/s\n", "compress speed", rep.images / rep.seconds);
  if (!adapted.empty())
    std::printf("%-34s %10ld weights, %ld steps in %.1f s (batch -ELBO %.4f -> %.4f bits/dim)\n", "adapted to these images",
                static_cast<long>(adapt_report.entries), static_cast<long>(f.adapt.steps), adapt_report.seconds,
                adapt_report.neg_elbo_first_bits_per_dim, adapt_report.neg_elbo_last_bits_per_dim);
  write_json_file(f.json, j.dump(2));
}

struct DecompressFlags {
  std::string run, file, out, json;
  int64_t threads = 0;
  std::optional<uint64_t> decoder_sample;  // lossy files: a draw of p(x|z) at the decoded z, this seed
};

// x ~ p(x|z) at a lossy file's decoded z (the grid point, or the rec codec's sample of q(z|x); one
// draw per picture, or per tile), in place of the
// decoder mean the file decodes to. A draw from the model's own randomness (std::mt19937_64 on
// LibTorch's decoder params): reproducible with its seed on one machine, but unlike the decoded z
// and the decoder mean it is not a bit-exact promise across machines.
Images decoder_draws(VAE& model, const std::string& bytes, const std::string& name, uint64_t seed) {
  const CodedFile f = parse_coded_file(bytes, name);
  if (f.kind != CodedKind::LossyRec && f.kind != CodedKind::Lossy)
    throw InputError("--decoder-sample: for files of `compress --lossy` with --codec grid or rec (a latent z sent); " +
                     name + " is not one");
  std::vector<float> z;
  if (f.kind == CodedKind::LossyRec)
    decompress_rec(model, bytes, name, true, &z);
  else
    decompress_lossy(model, bytes, name, true, &z);
  const int64_t k = model->config.latent_dim, n = static_cast<int64_t>(z.size()) / k;
  const auto zt = torch::from_blob(z.data(), {n, k}, torch::kFloat32);
  return pictures_from_tiles(decode_latents(model, zt, false, seed), f);
}

void run_decompress(const DecompressFlags& f) {
  set_threads(f.threads);
  LoadedRun run = load_run(f.run);
  const std::string bytes = read_file(f.file);
  const auto t0 = std::chrono::steady_clock::now();
  parse_coded_file(bytes, f.file);  // a bad file fails before the output folder is made
  const bool idx = f.out.size() >= 4 && f.out.compare(f.out.size() - 4, 4, ".idx") == 0;
  if (!idx) {  // a folder: made now, so a path that cannot be one fails before any decoding
    std::error_code ec;
    std::filesystem::create_directories(f.out, ec);
    if (ec || !std::filesystem::is_directory(f.out))
      throw InputError(f.out + ": cannot create the output folder" + (ec ? " (" + ec.message() + ")" : ""));
  }
  const Images x = f.decoder_sample ? decoder_draws(run.model, bytes, f.file, *f.decoder_sample)
                                    : decompress_file(run.model, bytes, f.file, true);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (idx)
    write_idx_images(f.out, x);
  else
    write_png_folder(f.out, x);
  std::printf("decompressed %ld images to %s (%.0f images/s)\n", static_cast<long>(x.count), f.out.c_str(),
              x.count / secs);
  nlohmann::json j = {{"file", f.file},
                      {"out", f.out},
                      {"images", x.count},
                      {"decompress_seconds", secs},
                      {"decompress_images_per_s", x.count / secs}};
  if (f.decoder_sample) j["decoder_sample"] = *f.decoder_sample;
  write_json_file(f.json, j.dump(2));
}
}  // namespace

void add_compress_commands(CLI::App& app) {
  auto c = std::make_shared<CompressFlags>();
  auto* cmd = app.add_subcommand("compress", "Compress images: lossless bits-back coding (BB-ANS), or --lossy latent coding");
  cmd->add_option("--run", c->run, "run directory of the model")->required();
  add_data_flags(*cmd, c->data, false);
  cmd->add_option("-o,--out", c->out, "output file")->required();
  cmd->add_option("--json", c->json, "write the report as JSON");
  cmd->add_option("--threads", c->threads, "CPU threads (default: all cores)");
  cmd->add_option("--lanes", c->lanes, "independent rANS messages coded side by side (0: one per 256 images, per 128 for a PixelCNN; at most 64)");
  cmd->add_option("--lane-start", c->lane_start,
                  "bits-back: how each lane's first image is coded: auto (default: the smaller, lane by lane) | "
                  "initial-bits (bits-back from random initial bits) | prior-median (under p(x|z) at the prior's median z)");
  cmd->add_option("--importance-samples", c->importance_samples,
                  "bits-back: K coupled posterior samples per image, a power of two up to 256 (BB-IS: the file "
                  "costs the importance-weighted bound of the K instead of the -ELBO; K teacher-forced decoder passes "
                  "per image; default 1)");
  cmd->add_option("--reference-samples", c->reference_samples,
                  "lossless: posterior samples per image of the report's reference -ELBO (default 8; 0 skips it, "
                  "which saves most of a PixelCNN's compress time, and the JSON's neg_elbo_bits_per_dim is null)");
  cmd->add_option("--expert", c->expert,
                  "bits-back, PixelCNN-family decoders of 8-bit levels: none (default) | adaptive (each sub-pixel's "
                  "distribution mixed with a classical adaptive predictor's, which learns along each lane of "
                  "consecutive images; the file records it) | adaptive3 (the third rule: lanes take every lanes-th "
                  "image) | adaptive2 (the second rule: no least-squares predictor either) | adaptive1 (the first rule: "
                  "restarted with every image)");
  cmd->add_option("--latent-bits", c->latent_bits, "p: 2^p equal-mass prior buckets per latent dimension");
  cmd->add_option("--posterior-prec", c->posterior_prec, "q: precision of posterior bucket masses (bits)");
  cmd->add_option("--obs-prec", c->obs_prec, "precision of the pixel codecs (bits)");
  cmd->add_flag("--lossy", c->lossy, "send only the quantized latent; decompress gives reconstructions");
  cmd->add_option("--grid-scale", c->grid_scale,
                  "lossy: grid step in posterior stds (default: the coarsest whose distortion is no worse than "
                  "the model's E_q[-log p(x|z)] on training images)");
  cmd->add_option("--calibration", c->calibration, "lossy and rec: training images used to set the grid or the blocks");
  cmd->add_flag("--no-search", c->no_search,
                "lossy: send the grid point nearest the posterior mean (no encoder-side search)");
  cmd->add_option("--search-passes", c->search_passes,
                  "lossy: passes of the encoder-side search over the dimensions (default 1; more lowers the distortion)");
  cmd->add_option("--codec", c->codec,
                  "lossless: bits-back (default, BB-ANS) | rec (z by relative-entropy coding, then x under p(x|z)); "
                  "lossy: grid (default: the quantized posterior mean) | rec (relative-entropy coding of a sample of q(z|x))");
  auto* block_nats = cmd->add_option("--rec-block-nats", c->rec_block_nats,
                                     "rec: mean KL per block of latent dimensions (nats; default 8, tree 16)");
  cmd->add_option("--rec-margin-nats", c->rec_margin_nats,
                  "rec binned: how much of a block's mean KL (nats) the rank within a bin carries, not the bin");
  cmd->add_option("--rec-scheme", c->rec_scheme,
                  "rec: tree (default: PFR over a tree of the prior whose depth adapts to each block, searched by branch "
                  "and bound: larger blocks, fewer bits) | binned (PFR over bins of equal prior mass) | plain "
                  "(PFR over candidates one by one, the index under a Zipf law: fewer searches proven)");
  cmd->add_option("--rec-seed", c->rec_seed, "rec: the shared randomness (stored in the file)");
  cmd->add_option("--adapt-steps", c->adapt.steps,
                  "lossless: fine-tune part of the model on these images for N Adam steps first and store the change "
                  "in the file (instance-adaptive coding; default 0: off)");
  cmd->add_option("--adapt-lr", c->adapt.lr, "--adapt-steps: learning rate (default 3e-4)");
  cmd->add_option("--adapt-batch-size", c->adapt.batch_size, "--adapt-steps: images per step (default 32)");
  cmd->add_option("--adapt-params", c->adapt.params,
                  "--adapt-steps: comma-separated parameter-name prefixes (default: a PixelCNN's head and linear "
                  "predictor, pixelcnn.head.,pixelcnn.linear.)")
      ->delimiter(',');
  cmd->add_option("--adapt-step-log2", c->adapt.step_log2,
                  "--adapt-steps: the stored changes are multiples of 2^-N (default 12)");
  cmd->add_option("--refine-steps", c->refine.steps,
                  "transform coders: refine each image's latents for N Adam steps against the run's own objective "
                  "(distortion + beta * rate, rounding annealed by SGA) before coding; the decoder is unchanged "
                  "(default 0: the analysis transform's latents)");
  cmd->add_option("--refine-lr", c->refine.lr, "--refine-steps: Adam's step on the latents, in bin widths (default 0.005)");
  cmd->callback([c, block_nats] {
    c->rec_block_nats_given = block_nats->count() > 0;
    run_compress(*c);
  });

  auto d = std::make_shared<DecompressFlags>();
  auto* dcmd = app.add_subcommand("decompress", "Decode a vlae file to an IDX file (OUT.idx) or a folder of PNGs");
  dcmd->add_option("--run", d->run, "run directory of the model that compressed FILE")->required();
  dcmd->add_option("file", d->file, "compressed file")->required();
  dcmd->add_option("-o,--out", d->out, "OUT.idx or a folder for PNGs")->required();
  dcmd->add_option("--json", d->json, "write timing as JSON");
  dcmd->add_option("--threads", d->threads, "CPU threads (default: all cores)");
  dcmd->add_option("--decoder-sample", d->decoder_sample,
                   "lossy grid and rec files: write a draw of p(x|z) at the decoded z (seeded by SEED) instead of the decoder mean");
  dcmd->callback([d] { run_decompress(*d); });
}


}  // namespace vlae
