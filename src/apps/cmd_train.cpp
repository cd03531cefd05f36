#include <cstdio>

#include "apps/commands.h"
#include "util/threads.h"
#include "apps/train_flags.h"
#include "train/trainer.h"

namespace vlae {

namespace {
struct TrainCommandFlags {
  TrainingFlags run;
  std::string out;
  bool resume = false;
};

void run_train(const TrainCommandFlags& f) {
  set_threads(f.run.threads);
  const RunConfig cfg = run_config_from(f.run);
  TrainOptions opt;
  opt.resume = f.resume;
  opt.device = f.run.device;
  train(f.out, cfg, opt);
  std::printf("trained: %s (vlae eval --run %s)\n", f.out.c_str(), f.out.c_str());
}
}  // namespace

void add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainCommandFlags>();
  auto* cmd = app.add_subcommand("train", "Train a VAE: loss = distortion + beta * rate");
  add_training_flags(*cmd, f->run, true);
  cmd->add_option("--out", f->out, "run directory (config, checkpoint, metrics.jsonl)")->required();
  cmd->add_option("--test-limit", f->run.test_limit, "test images scored after each epoch (default all)");
  cmd->add_flag("--resume", f->resume, "continue the run in --out from its last checkpoint");
  cmd->callback([f] { run_train(*f); });
}

}  // namespace vlae
