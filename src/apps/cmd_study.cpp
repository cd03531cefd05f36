// vlae study collapse: posterior collapse and its cures on one budget (experiments/study.h); prints
// the checks and the table.
#include <cmath>
#include <cstdio>

#include "apps/commands.h"
#include "apps/train_flags.h"
#include "experiments/study.h"
#include "util/threads.h"

namespace vlae {

namespace {

struct StudyFlags {
  TrainingFlags run;
  StudyOptions study;
};

void study(const StudyFlags& f) {
  set_threads(f.run.threads);
  StudyOptions o = f.study;
  o.base = run_config_from(f.run);
  o.device = f.run.device;
  StudyResults r;
  run_with_peers("study", [&] { r = run_study(o); });
  if (!r.complete) return;  // a rank other than 0: rank 0 reports
  print_claims(r.checks);
  std::printf("\n%-18s %9s %11s %10s %10s %6s %7s %10s\n", "model", "KL nats", "distortion", "-ELBO bpd", "IWAE NLL",
              "active", "I(X;Z)", "lossless");
  for (const auto& m : r.models)
    std::printf("%-18s %9.2f %11.2f %10.4f %10.2f %6d %7.2f %10.4f\n", m.name.c_str(), m.rate_nats, m.distortion_nats,
                m.neg_elbo_bits_per_dim, m.iwae_nll_nats, static_cast<int>(m.active_units), m.mutual_info_nats,
                m.lossless ? m.lossless->bits_per_dim : NAN);
  std::printf("\nresults: %s/results.json, results.csv, results.md; figures in each model's folder\n", o.out.c_str());
}

}  // namespace

void add_study_command(CLI::App& app) {
  auto* group = app.add_subcommand("study", "Experiments that train and compare several models");
  group->require_subcommand(1);
  auto f = std::make_shared<StudyFlags>();
  auto* cmd = group->add_subcommand("collapse", "Posterior collapse and its cures: PixelCNN VAEs, cures, and VLAE");
  add_training_flags(*cmd, f->run, true);
  StudyOptions& o = f->study;
  cmd->add_option("--out", o.out, "study directory (one run per model; finished ones are reused)")->required();
  add_peer_timeout_flag(*cmd, o.peer_timeout_s, "the others' models");
  cmd->add_option("--models", o.models,
                  "comma-separated: factorized, pixelcnn, pixelcnn-vh, pixelcnn-anneal, pixelcnn-freebits, pixelcnn-delta, "
                  "pixelcnn-ar1, vlae, vlae-vh, vlae-vh-freebits, vlae-iaf");
  cmd->add_option("--eval-limit", o.eval_limit, "test images evaluated per model");
  cmd->add_option("--iwae-samples", o.iwae_samples, "importance samples for the IWAE NLL");
  cmd->add_option("--code-limit", o.code_limit, "test images coded losslessly (and decoded back) per model");
  cmd->add_option("--figure-images", o.figure_images, "test images per figure");
  cmd->add_option("--study-free-bits", o.free_bits, "free bits (nats per dimension) of pixelcnn-freebits");
  cmd->add_option("--study-delta", o.delta, "delta (nats per dimension) of pixelcnn-delta");
  cmd->callback([f] { study(*f); });
}

}  // namespace vlae
