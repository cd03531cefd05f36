#include <cstdio>
#include <cstdlib>

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
  std::string init_from;
  int64_t widen_channels = 0;
  bool hard_quantization = false;
  int64_t peer_timeout_s = 300;
};

void run_train(const TrainCommandFlags& f) {
  set_threads(f.run.threads);
  const RunConfig cfg = run_config_from(f.run);
  TrainOptions opt;
  opt.resume = f.resume;
  opt.init_from = f.init_from;
  opt.widen_channels = f.widen_channels;
  opt.hard_quantization = f.hard_quantization;
  opt.device = f.run.device;
  opt.peer_timeout_s = f.peer_timeout_s;
  // The checkpoint of the last complete epoch is untouched (writes are atomic).
  run_with_peers("train", [&] { train(f.out, cfg, opt); }, "; the last checkpoint in " + f.out + " stays usable (--resume)");
  const char* rank = std::getenv("RANK");  // several processes: rank 0 speaks for the job
  if (!rank || std::string(rank) == "0") std::printf("trained: %s (vlae eval --run %s)\n", f.out.c_str(), f.out.c_str());
}
}  // namespace

void add_export_command(CLI::App& app) {
  auto run = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("export", "Copy a run's model without its optimizer state (to ship it)");
  cmd->add_option("--run", *run, "the run directory to export")->required();
  cmd->add_option("--out", *out, "the new model directory (must not exist, or be empty)")->required();
  cmd->callback([run, out] {
    export_run(*run, *out);
    std::printf("exported: %s (vlae compress --run %s ...)\n", out->c_str(), out->c_str());
  });
}

void add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainCommandFlags>();
  auto* cmd = app.add_subcommand("train", "Train a VAE: loss = distortion + beta * rate");
  add_training_flags(*cmd, f->run, true);
  cmd->add_option("--out", f->out, "run directory (config, checkpoint, metrics.jsonl)")->required();
  cmd->add_option("--test-limit", f->run.test_limit, "test images scored after each epoch (default all)");
  cmd->add_flag("--resume", f->resume, "continue the run in --out from its last checkpoint");
  cmd->add_option("--init-from", f->init_from,
                  "start from this run's or exported model's weights and model configuration (the model flags "
                  "are ignored; optimizer and schedule start afresh; ignored when --resume finds a checkpoint)");
  cmd->add_option("--widen-channels", f->widen_channels,
                  "with --init-from a transform coder: widen its analysis and synthesis transforms to this many "
                  "channels first, computing the same function (the new channels start with zero outgoing weights)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--hard-quantization", f->hard_quantization,
                "with --init-from a transform coder: fine-tune in the hard phase of soft-then-hard training (analysis "
                "transforms frozen, latents rounded as in the file, no noise: the rate and distortion trained are the file's)");
  add_peer_timeout_flag(*cmd, f->peer_timeout_s, "the others before it stops");
  cmd->callback([f] { run_train(*f); });
}

}  // namespace vlae
