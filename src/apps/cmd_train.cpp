#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "train/trainer.h"
#include "util/error.h"

namespace vlae {

namespace {
struct TrainFlags {
  DataFlags data;
  std::string out, model = "mlp", kl_anneal, capacity, device = "cpu";
  int64_t latent_dim = 32, hidden = 512, channels = 32, epochs = 10, batch_size = 128, threads = 0, test_limit = -1;
  double beta = 1.0, lr = 1e-3, free_bits = 0.0, delta = 0.0;
  uint64_t seed = 1;
  bool resume = false;
};

void run_train(const TrainFlags& f) {
  set_threads(f.threads);
  RunConfig cfg;
  cfg.model.arch = f.model;
  if (f.model != "mlp" && f.model != "conv") throw InputError("--model: expected mlp or conv, got '" + f.model + "'");
  if (f.latent_dim <= 0 || f.hidden <= 0 || f.channels <= 0)
    throw InputError("--latent-dim, --hidden and --channels must be positive");
  if (f.beta < 0 || f.free_bits < 0 || f.delta < 0) throw InputError("--beta, --free-bits and --delta must be >= 0");
  cfg.model.latent_dim = f.latent_dim;
  cfg.model.hidden = f.hidden;
  cfg.model.channels = f.channels;
  cfg.model.delta = f.delta;
  cfg.objective.beta = f.beta;
  cfg.objective.free_bits = f.free_bits;
  if (!f.kl_anneal.empty()) {
    std::string kind;
    int64_t steps;
    parse_kl_anneal(f.kl_anneal, &kind, &steps);
    cfg.objective.kl_anneal = f.kl_anneal;
  }
  if (!f.capacity.empty()) parse_capacity(f.capacity, &cfg.objective);
  cfg.train.data.data = f.data.data.empty() ? "fashion-mnist" : f.data.data;
  cfg.train.data.limit = f.data.limit;
  cfg.train.data.binarize = parse_binarize(f.data.binarize.empty() ? "none" : f.data.binarize);
  cfg.train.epochs = f.epochs;
  cfg.train.batch_size = f.batch_size;
  cfg.train.lr = f.lr;
  cfg.train.seed = f.seed;
  cfg.train.test_limit = f.test_limit;
  TrainOptions opt;
  opt.resume = f.resume;
  opt.device = f.device;
  train(f.out, cfg, opt);
  std::printf("trained: %s (vlae eval --run %s)\n", f.out.c_str(), f.out.c_str());
}
}  // namespace

void add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand("train", "Train a VAE: loss = distortion + beta * rate");
  add_data_flags(*cmd, f->data);
  cmd->add_option("--out", f->out, "run directory (config, checkpoint, metrics.jsonl)")->required();
  cmd->add_option("--model", f->model, "mlp | conv");
  cmd->add_option("--latent-dim", f->latent_dim, "latent dimensions K");
  cmd->add_option("--hidden", f->hidden, "MLP hidden width");
  cmd->add_option("--channels", f->channels, "conv channels of the first layer");
  cmd->add_option("--beta", f->beta, "weight of the rate term");
  cmd->add_option("--epochs", f->epochs, "epochs (with --resume: the total to reach)");
  cmd->add_option("--batch-size", f->batch_size, "minibatch size");
  cmd->add_option("--lr", f->lr, "Adam learning rate");
  cmd->add_option("--seed", f->seed, "random seed");
  cmd->add_option("--threads", f->threads, "CPU threads (default: all cores)");
  cmd->add_option("--device", f->device, "cpu | cuda");
  cmd->add_option("--test-limit", f->test_limit, "test images scored after each epoch (default all)");
  cmd->add_flag("--resume", f->resume, "continue the run in --out from its last checkpoint");
  cmd->add_option("--kl-anneal", f->kl_anneal, "linear:STEPS | sigmoid:STEPS | cyclical:PERIOD");
  cmd->add_option("--free-bits", f->free_bits, "floor in nats on each dimension's minibatch-mean KL");
  cmd->add_option("--delta", f->delta, "delta-VAE: committed rate per dimension in nats");
  cmd->add_option("--capacity", f->capacity, "C_NATS:STEPS:GAMMA, loss gamma*|KL - C(t)|");
  cmd->callback([f] { run_train(*f); });
}

}  // namespace vlae
