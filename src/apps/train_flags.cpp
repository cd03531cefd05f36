#include "apps/train_flags.h"

#include "model/transform_coder.h"
#include "util/error.h"

namespace vlae {

void add_training_flags(CLI::App& cmd, TrainingFlags& f, bool with_beta) {
  add_data_flags(cmd, f.data);
  cmd.add_option("--model", f.model,
                 "mlp | conv (factorized decoders) | pixelcnn (PixelCNN decoder) | vlae (local PixelCNN + AF prior) | "
                 "factorized | hyperprior (Balle et al.'s transform coders, for the lossy codec; --channels N, "
                 "--latent-dim M latent channels)");
  cmd.add_option("--latent-dim", f.latent_dim, "latent dimensions K");
  cmd.add_option("--hidden", f.hidden, "MLP hidden width");
  cmd.add_option("--hidden-layers", f.hidden_layers, "MLP encoder and decoder: hidden layers (default 1)");
  cmd.add_option("--channels", f.channels, "conv channels of the first layer");
  cmd.add_option("--likelihood", f.likelihood,
                 "8-bit data: logistic (discretized, per-pixel scales; default) | gaussian (discretized, one learned "
                 "scale: trains for MSE/PSNR; the transform coders' default and only choice) | logistic-mixture "
                 "(PixelCNN decoders: a mixture of discretized logistics per sub-pixel, as in PixelCNN++). Binarized "
                 "data is always bernoulli");
  cmd.add_option("--logistic-mixtures", f.logistic_mixtures, "logistic-mixture: components per sub-pixel (default 5)");
  cmd.add_option("--receptive-field", f.receptive_field, "PixelCNN: full (default for pixelcnn) | local (vlae)");
  cmd.add_option("--pixel-layers", f.pixel_layers, "PixelCNN masked conv layers (0: preset, 9 full / 6 local)");
  cmd.add_option("--pixel-channels", f.pixel_channels, "PixelCNN channels");
  cmd.add_flag("--gated", f.gated, "PixelCNN: gated tanh*sigmoid units");
  cmd.add_option("--pixel-linear", f.pixel_linear,
                 "PixelCNN: a KxK linear causal predictor from the pixels to the params beside the network "
                 "(odd K 3..15; default 0, none)");
  cmd.add_flag("--gdn", f.gdn, "transform coders: GDN / IGDN nonlinearities (Balle et al.) instead of ReLU");
  cmd.add_flag("--mixed-quantization", f.mixed_quantization,
               "transform coders: the synthesis decodes rounded latents (straight-through), the rate prices noisy "
               "ones (Minnen & Singh 2020)");
  cmd.add_option("--pixel-stack", f.pixel_stack,
                 "PixelCNN: single (masked convs, with a blind spot; default) | vh (vertical + horizontal stacks, none)");
  cmd.add_option("--pixel-context", f.pixel_context,
                 "PixelCNN on RGB: colour (earlier sub-pixels in colour, channel masks; default) | gray (only the gray "
                 "level of earlier pixels: colour must come through z, VLAE's CIFAR-10 variant)");
  cmd.add_option("--prior", f.prior, "normal (default) | af (MADE autoregressive flow; default for vlae) | ar1");
  cmd.add_option("--flow-layers", f.flow_layers, "AF prior: MADE layers");
  cmd.add_option("--flow-hidden", f.flow_hidden, "AF prior: MADE hidden width");
  cmd.add_option("--ar1-alpha", f.ar1_alpha, "AR(1) prior correlation (delta-VAE sequential form)");
  cmd.add_option("--posterior", f.posterior, "diag (Gaussian, default) | iaf (inverse autoregressive flow)");
  cmd.add_option("--iaf-layers", f.iaf_layers, "IAF posterior: flow steps");
  if (with_beta) cmd.add_option("--beta", f.beta, "weight of the rate term");
  cmd.add_option("--epochs", f.epochs, "epochs (with --resume: the total to reach)");
  cmd.add_option("--batch-size", f.batch_size, "minibatch size");
  cmd.add_option("--lr", f.lr, "Adam learning rate");
  cmd.add_option("--lr-final", f.lr_final,
                 "cosine decay of the learning rate from --lr to this at the run's last step (default: constant; "
                 "may be given to a --resume'd run)");
  cmd.add_option("--seed", f.seed, "random seed");
  cmd.add_option("--threads", f.threads, "CPU threads (default: all cores)");
  cmd.add_option("--device", f.device, "cpu | cuda");
  cmd.add_option("--kl-anneal", f.kl_anneal, "linear:STEPS | sigmoid:STEPS | cyclical:PERIOD");
  cmd.add_option("--free-bits", f.free_bits, "floor in nats on each dimension's minibatch-mean KL");
  cmd.add_option("--delta", f.delta, "delta-VAE: committed rate per dimension in nats");
  cmd.add_option("--capacity", f.capacity, "C_NATS:STEPS:GAMMA, loss gamma*|KL - C(t)|");
}

RunConfig run_config_from(const TrainingFlags& f) {
  if (f.beta < 0 || f.free_bits < 0 || f.delta < 0) throw InputError("--beta, --free-bits and --delta must be >= 0");
  RunConfig cfg;
  cfg.model.arch = f.model;
  cfg.model.latent_dim = f.latent_dim;
  cfg.model.hidden = f.hidden;
  cfg.model.hidden_layers = f.hidden_layers;
  cfg.model.channels = f.channels;
  cfg.model.delta = f.delta;
  cfg.model.receptive_field = !f.receptive_field.empty() ? f.receptive_field : f.model == "vlae" ? "local" : "full";
  cfg.model.prior = !f.prior.empty() ? f.prior : f.model == "vlae" ? "af" : "normal";
  cfg.model.pixel_layers = f.pixel_layers;
  cfg.model.pixel_channels = f.pixel_channels;
  cfg.model.gated = f.gated;
  cfg.model.gdn = f.gdn;
  cfg.model.mixed_quantization = f.mixed_quantization;
  cfg.model.pixel_stack = f.pixel_stack;
  cfg.model.pixel_context = f.pixel_context;
  cfg.model.pixel_linear = f.pixel_linear;
  cfg.model.flow_layers = f.flow_layers;
  cfg.model.flow_hidden = f.flow_hidden;
  cfg.model.ar1_alpha = f.ar1_alpha;
  cfg.model.posterior = f.posterior;
  cfg.model.iaf_layers = f.iaf_layers;
  const std::string likelihood =
      !f.likelihood.empty() ? f.likelihood : transform_coder_arch(f.model) ? "gaussian" : "logistic";
  if (likelihood != "logistic" && likelihood != "gaussian" && likelihood != "logistic-mixture")
    throw InputError("--likelihood: expected logistic, gaussian or logistic-mixture, got '" + likelihood + "'");
  cfg.model.likelihood = parse_likelihood(likelihood);
  cfg.model.logistic_mixtures = f.logistic_mixtures;
  if (cfg.model.likelihood != Likelihood::Logistic && !f.data.binarize.empty() && f.data.binarize != "none")
    throw InputError("--likelihood " + likelihood + ": binarized data is modelled by a Bernoulli decoder");
  validate(cfg.model);
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
  cfg.train.lr_final = f.lr_final;
  cfg.train.seed = f.seed;
  cfg.train.test_limit = f.test_limit;
  return cfg;
}

}  // namespace vlae
