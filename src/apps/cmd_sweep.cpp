// vlae sweep: one model per beta, each evaluated and coded with the lossy latent codec, beside JPEG
// and WebP on the same test images (experiments/sweep.h); prints the checks and the table, draws
// the figure.
#include <cstdio>

#include "apps/commands.h"
#include "apps/train_flags.h"
#include "experiments/rd_plot.h"
#include "experiments/sweep.h"
#include "util/threads.h"

namespace vlae {

namespace {
struct SweepFlags {
  TrainingFlags run;
  std::string out, betas = "0.1,0.25,0.5,1,2,4,8";
  int64_t eval_limit = 2000, iwae_samples = 100, calibration = 2000;
  int search_passes = 1, avif_speed = 0;
  bool rec = false;
  double rec_block_nats = rec::default_block_nats(rec::kDefaultScheme);
  int64_t peer_timeout_s = 86400;
  int64_t refine_steps = 0;
  double refine_lr = RefineOptions{}.lr;
  std::string baselines;
};

void sweep(const SweepFlags& f) {
  set_threads(f.run.threads);
  SweepOptions o;
  o.betas = parse_betas(f.betas);
  o.base = run_config_from(f.run);
  o.out = f.out;
  o.device = f.run.device;
  o.eval_limit = f.eval_limit;
  o.iwae_samples = f.iwae_samples;
  o.calibration = f.calibration;
  o.search_passes = f.search_passes;
  o.avif_speed = f.avif_speed;
  o.rec = f.rec;
  o.rec_block_nats = f.rec_block_nats;
  o.peer_timeout_s = f.peer_timeout_s;
  o.refine_steps = f.refine_steps;
  o.refine_lr = f.refine_lr;
  o.baselines_file = f.baselines;
  SweepResults r;
  run_with_peers("sweep", [&] { r = run_sweep(o); });
  if (!r.complete) return;  // a rank other than 0: rank 0 reports
  print_claims(r.checks);
  std::printf("\n%6s %9s %11s %10s %9s %8s %8s %7s %6s %7s\n", "beta", "KL nats", "distortion", "IWAE NLL", "bpp",
              "KL bpp", "act/KL", "PSNR", "SSIM", "active");
  for (const auto& m : r.models)
    std::printf("%6g %9.2f %11.2f %10.2f %9.4f %8.4f %8.3f %7.2f %6.3f %7d\n", m.beta, m.rate_nats, m.distortion_nats,
                m.iwae_nll_nats, m.bits_per_pixel, m.kl_bits_per_pixel, m.actual_over_kl, m.psnr_db, m.ssim,
                static_cast<int>(m.active_units));
  for (const auto& m : r.models)
    if (m.rec)
      std::printf("rec  beta %-5g %9.4f bpp (%.3f x KL), PSNR %.2f dB, -log p(x|z) at the sample %.1f nats (E_q %.1f)\n",
                  m.beta, m.rec->bits_per_pixel, m.rec->actual_over_kl, m.rec->psnr_db, m.rec->sample_nll_nats,
                  m.model_distortion_nats);
  const std::string png = plot_rate_distortion(f.out, to_json(r));
  std::printf("\nresults: %s/results.json, results.csv; figure: %s (and rd.svg)\n", f.out.c_str(), png.c_str());
}
}  // namespace

void add_sweep_command(CLI::App& app) {
  auto f = std::make_shared<SweepFlags>();
  auto* cmd = app.add_subcommand("sweep", "Train one model per beta and trace the rate-distortion curve with real bits");
  add_training_flags(*cmd, f->run, false);
  cmd->add_option("--out", f->out, "sweep directory (one run per beta; finished ones are reused)")->required();
  cmd->add_option("--betas", f->betas, "comma-separated betas");
  cmd->add_option("--eval-limit", f->eval_limit, "test images evaluated and coded per model");
  cmd->add_option("--iwae-samples", f->iwae_samples, "importance samples for the IWAE NLL");
  cmd->add_option("--calibration", f->calibration, "training images used to choose each lossy grid");
  cmd->add_option("--search-passes", f->search_passes, "passes of the lossy codec's encoder-side search (default 1)");
  add_peer_timeout_flag(*cmd, f->peer_timeout_s, "the others' models");
  cmd->add_option("--avif-speed", f->avif_speed, "the AVIF baseline's encoder speed: 0 (default, strongest) .. 10");
  cmd->add_flag("--rec", f->rec, "also code each beta's test images by relative-entropy coding (slow: exp(block KL) candidates)");
  cmd->add_option("--rec-block-nats", f->rec_block_nats, "with --rec: mean KL per block of latent dimensions (nats)");
  cmd->add_option("--refine-steps", f->refine_steps,
                  "transform coders: refine each test image's latents for N steps before coding (as compress "
                  "--refine-steps; default 0)");
  cmd->add_option("--refine-lr", f->refine_lr, "--refine-steps: Adam's step on the latents (default 0.005)");
  cmd->add_option("--baselines", f->baselines,
                  "take the classical codecs' points from this `vlae baselines --lossy --json` file of the same test "
                  "images instead of computing them");
  cmd->callback([f] { sweep(*f); });
}

}  // namespace vlae
