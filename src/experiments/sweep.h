// The β sweep: one model per β, each trained (or resumed), evaluated, and coded with the lossy
// latent codec, beside JPEG and WebP on the same test images; the page's claims checked on the
// trained models. The command line and the page's server read the same typed results.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "baselines/lossy_baselines.h"
#include "coding/lossy.h"
#include "coding/rec.h"
#include "experiments/claims.h"
#include "model/refine_latents.h"
#include "train/run.h"

namespace vlae {

struct SweepOptions {
  RunConfig base;                     // every field but β
  std::string out;                    // sweep directory: one run per β, reused when finished
  std::vector<double> betas;          // ascending (parse_betas)
  std::string device = "cpu";         // training device
  int64_t eval_limit = 2000, iwae_samples = 100, calibration = 2000;
  int search_passes = 1;
  int avif_speed = 0;  // the AVIF baseline's encoder speed (0: slowest, strongest)
  bool rec = false;    // also code every beta's test images by relative-entropy coding
  // Transform coders: each image's latents refined for this many steps before coding
  // (model/refine_latents.h; 0: the analysis transform's), at this Adam step.
  int64_t refine_steps = 0;
  double refine_lr = RefineOptions{}.lr;
  // The classical codecs' points from `vlae baselines --lossy --json FILE` on the same images, instead
  // of computing them ("" computes them, once per sweep directory).
  std::string baselines_file;
  double rec_block_nats = rec::default_block_nats(rec::kDefaultScheme);
  // Under a launcher (RANK, WORLD_SIZE, ...: train/distributed.h), rank r trains, evaluates and
  // codes the βs r, r + world, ... (each model on one process); rank 0 gathers the rows through
  // the sweep directory (which every rank must see: one machine, or a shared file system), then
  // computes the baselines and the figure. A rank waits this long for the others.
  int64_t peer_timeout_s = 86400;
};

// The relative-entropy code of a beta's test images (SweepOptions::rec), per image and pixel.
struct SweepRec {
  double bits_per_pixel = 0, ideal_bits_per_image = 0, bits_per_image = 0, actual_over_kl = 0;
  double sample_nll_nats = 0, psnr_db = 0, ssim = 0, compress_images_per_s = 0;
};

// One β's model: the model's figures (nats) and its lossy code's (to_json(LossyReport), per image).
struct SweepRow {
  double beta = 0;
  std::string run;
  double rate_nats = 0, distortion_nats = 0, elbo_nats = 0, neg_elbo_bits_per_dim = 0, iwae_nll_nats = 0;
  int64_t iwae_samples = 0, active_units = 0;
  double mutual_info_nats = 0, marginal_kl_nats = 0;
  double grid_scale = 1.0;
  int search_passes = 1;
  int64_t refine_steps = 0;  // transform coders: the latents' refinement steps before coding
  // The lossy code of the test images, per image and per pixel (the keys of to_json(LossyReport)).
  int64_t images = 0, bytes = 0, latent_dims_sent = 0;
  double bits_per_image = 0, bits_per_pixel = 0, ideal_bits_per_image = 0, kl_bits_per_image = 0,
         kl_bits_per_pixel = 0, actual_over_kl = 0, nll_at_code_nats = 0, model_distortion_nats = 0, mse = 0,
         psnr_db = 0, ssim = 0, compress_images_per_s = 0;
  std::optional<SweepRec> rec;
  double rate_bits() const;
};

struct SweepResults {
  std::string data;
  int64_t test_images = 0;
  std::vector<SweepRow> models;  // by β, ascending
  std::vector<LossyPoint> baselines;
  std::vector<Claim> checks;
  bool complete = true;  // false on ranks other than 0 of a distributed sweep: nothing to report
};

nlohmann::json to_json(const LossyPoint& p);
nlohmann::json to_json(const SweepRow& r);
SweepRow sweep_row_from_json(const nlohmann::json& j);  // throws InputError naming the missing key
nlohmann::json to_json(const SweepResults& r);
// DIR/results.json; throws InputError naming what is missing or malformed.
SweepResults load_sweep_results(const std::string& dir);
// Where the sweep keeps a β's lossy file of its test images, inside the β's run directory.
std::string sweep_coded_test_file(const std::string& run_dir);
// The run directory of β inside the sweep directory.
std::string sweep_run_dir(const std::string& sweep_dir, double beta);

// "0.1,0.5,2" -> ascending βs; InputError naming --betas otherwise.
std::vector<double> parse_betas(const std::string& s);

// Trains what is missing, evaluates and codes every β, computes (or reuses) the baselines, checks
// the claims and writes results.json, results.csv and baselines_lossy.json in `out`.
SweepResults run_sweep(const SweepOptions& o);
// The page's claims on a sweep's rows and baselines.
std::vector<Claim> sweep_claims(const std::vector<SweepRow>& rows, const std::vector<LossyPoint>& baselines);

}  // namespace vlae
