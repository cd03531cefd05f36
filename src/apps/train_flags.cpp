#include "apps/train_flags.h"

#include "util/error.h"

namespace vlae {

void add_training_flags(CLI::App& cmd, TrainingFlags& f, bool with_beta) {
  add_data_flags(cmd, f.data);
  cmd.add_option("--model", f.model, "mlp | conv");
  cmd.add_option("--latent-dim", f.latent_dim, "latent dimensions K");
  cmd.add_option("--hidden", f.hidden, "MLP hidden width");
  cmd.add_option("--channels", f.channels, "conv channels of the first layer");
  if (with_beta) cmd.add_option("--beta", f.beta, "weight of the rate term");
  cmd.add_option("--epochs", f.epochs, "epochs (with --resume: the total to reach)");
  cmd.add_option("--batch-size", f.batch_size, "minibatch size");
  cmd.add_option("--lr", f.lr, "Adam learning rate");
  cmd.add_option("--seed", f.seed, "random seed");
  cmd.add_option("--threads", f.threads, "CPU threads (default: all cores)");
  cmd.add_option("--device", f.device, "cpu | cuda");
  cmd.add_option("--kl-anneal", f.kl_anneal, "linear:STEPS | sigmoid:STEPS | cyclical:PERIOD");
  cmd.add_option("--free-bits", f.free_bits, "floor in nats on each dimension's minibatch-mean KL");
  cmd.add_option("--delta", f.delta, "delta-VAE: committed rate per dimension in nats");
  cmd.add_option("--capacity", f.capacity, "C_NATS:STEPS:GAMMA, loss gamma*|KL - C(t)|");
}

RunConfig run_config_from(const TrainingFlags& f) {
  if (f.model != "mlp" && f.model != "conv") throw InputError("--model: expected mlp or conv, got '" + f.model + "'");
  if (f.latent_dim <= 0 || f.hidden <= 0 || f.channels <= 0)
    throw InputError("--latent-dim, --hidden and --channels must be positive");
  if (f.beta < 0 || f.free_bits < 0 || f.delta < 0) throw InputError("--beta, --free-bits and --delta must be >= 0");
  RunConfig cfg;
  cfg.model.arch = f.model;
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
  cfg.train.data.split = f.data.split.empty() ? "train" : f.data.split;
  cfg.train.data.limit = f.data.limit;
  cfg.train.data.binarize = parse_binarize(f.data.binarize.empty() ? "none" : f.data.binarize);
  cfg.train.epochs = f.epochs;
  cfg.train.batch_size = f.batch_size;
  cfg.train.lr = f.lr;
  cfg.train.seed = f.seed;
  cfg.train.test_limit = f.test_limit;
  return cfg;
}

}  // namespace vlae
