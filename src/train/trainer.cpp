#include "train/trainer.h"

#include <torch/cuda.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/tensor.h"
#include "eval/evaluate.h"
#include "model/widen.h"
#include "train/distributed.h"
#include "train/fused_adam.h"
#include "train/lr_schedule.h"
#include "util/error.h"
#include "util/progress.h"

namespace fs = std::filesystem;

namespace vlae {

torch::Device parse_device(const std::string& s) {
  if (s == "cpu") return torch::kCPU;
  if (s == "cuda") {
    if (!torch::cuda::is_available())
      throw InputError("--device cuda: this LibTorch build has no CUDA or no GPU is visible");
    // Under a launcher, one GPU per process on each machine: LOCAL_RANK's, modulo the GPUs seen.
    const int local = Distributed::local_rank_from_environment();
    if (local < 0) return torch::kCUDA;
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local % torch::cuda::device_count()));
  }
  throw InputError("--device: expected cpu or cuda, got '" + s + "'");
}

namespace {
uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(epoch + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  return (z ^ (z >> 27)) & 0x7fffffffffffull;
}

// Adam over the model. The Gaussian decoder's single log-scale is a well-determined scalar (its
// gradient averages every pixel of the batch), so it gets 10x the step: it tracks the residual
// level within a few hundred steps instead of the thousands plain Adam would take.
torch::optim::Adam make_optimizer(VAE& model, double lr) {
  const auto scale = model->gaussian_log_scale();
  std::vector<torch::Tensor> rest;
  for (const auto& p : model->parameters())
    if (!scale.defined() || !p.is_same(scale)) rest.push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(rest, std::make_unique<torch::optim::AdamOptions>(lr));
  if (scale.defined())
    groups.emplace_back(std::vector<torch::Tensor>{scale}, std::make_unique<torch::optim::AdamOptions>(10 * lr));
  return torch::optim::Adam(std::move(groups), torch::optim::AdamOptions(lr));
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Rank 0's parameters and buffers (masks included) on every rank.
void broadcast_model(Distributed& dist, VAE& model) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> t;
  for (auto& p : model->parameters()) t.push_back(p.data());
  for (auto& b : model->buffers()) t.push_back(b);
  dist.broadcast(t);
}
}  // namespace

int64_t train(const std::string& dir, RunConfig cfg, const TrainOptions& opt) {
  const torch::Device device = parse_device(opt.device);
  const auto check_batch = [](int64_t batch, int world) {
    if (batch > 0 && batch % world != 0)
      throw InputError("--batch-size " + std::to_string(batch) + " must be a multiple of the " + std::to_string(world) +
                       " processes (each trains on an equal shard of every batch)");
  };
  if (opt.data_parallel) check_batch(cfg.train.batch_size, Distributed::world_from_environment());  // before any rendezvous
  // Several processes (RANK, WORLD_SIZE, ... from a launcher): rank 0 owns the run directory,
  // every rank trains on its shard of each global batch (distributed.h).
  const auto dist = opt.data_parallel ? Distributed::from_environment(std::chrono::seconds(opt.peer_timeout_s), device)
                                      : nullptr;
  const int rank = dist ? dist->rank() : 0, world = dist ? dist->world() : 1;
  const bool writer = rank == 0;
  bool existing = writer && has_checkpoint(dir);
  if (dist) existing = dist->share("existing", existing ? "1" : "0") == "1";
  if (existing && !opt.resume)
    throw InputError("--out: " + dir + " already holds a trained model (pass --resume to continue it)");
  if (existing) {
    // The run's own configuration wins; only the epoch budget may be extended. Other ranks get
    // rank 0's (they need no copy of the run directory).
    // So may the learning-rate schedule's end (--lr-final), which is then written to config.json.
    const int64_t epochs = cfg.train.epochs;
    const double lr_final = cfg.train.lr_final;
    cfg = dist ? run_config_from_json(nlohmann::json::parse(dist->share("config", writer ? to_json(load_run_config(dir)).dump() : "")))
               : load_run_config(dir);
    cfg.train.epochs = epochs;
    if (lr_final >= 0 && lr_final != cfg.train.lr_final) {
      cfg.train.lr_final = lr_final;
      if (writer) save_run_config(dir, cfg);
    }
  }
  if (!existing && !opt.init_from.empty()) {
    if (writer && !fs::exists(opt.init_from + "/config.json"))
      throw InputError("--init-from: " + opt.init_from + " is not a run directory or shipped model (no config.json)");
    // The starting model's configuration replaces the flags' (its weights must fit). Other ranks
    // get rank 0's copy, as for a resumed run.
    std::string from = writer ? to_json(load_run_config(opt.init_from).model).dump() : "";
    if (dist) from = dist->share("init", from);
    cfg.model = model_config_from_json(nlohmann::json::parse(from));
    cfg.train.init_from = opt.init_from;
  }
  int64_t narrow_channels = 0;  // with --widen-channels: the channels of the model --init-from holds
  if (opt.widen_channels) {
    if (opt.init_from.empty()) throw InputError("--widen-channels: needs --init-from (the model to widen)");
    if (!existing) {
      narrow_channels = cfg.model.channels;
      cfg.model = widened_config(cfg.model, opt.widen_channels);
    }
  }
  if (opt.hard_quantization) {
    if (opt.init_from.empty()) throw InputError("--hard-quantization: needs --init-from (a model trained with noise)");
    if (!existing) cfg.model.hard_quantization = true;
  }
  if (cfg.train.lr_final > cfg.train.lr) throw InputError("--lr-final: expected at most --lr");
  if (cfg.train.batch_size <= 0 || cfg.train.epochs <= 0 || cfg.train.lr <= 0)
    throw InputError("--batch-size, --epochs and --lr must be positive");
  check_batch(cfg.train.batch_size, world);  // a resumed run's own batch size

  const DataSpec& train_spec = cfg.train.data;  // its split: train unless --split says otherwise
  const Images train_x = load_images(train_spec);
  DataSpec test_spec = run_data_spec(cfg);
  test_spec.limit = cfg.train.test_limit;
  const Images test_x = writer ? load_images(test_spec) : Images{};
  const bool binary = cfg.train.data.binarize != Binarize::None;
  cfg.model.height = train_x.height;
  cfg.model.width = train_x.width;
  cfg.model.image_channels = train_x.channels;
  if (binary && cfg.model.likelihood == Likelihood::LogisticMixture)
    throw InputError("--likelihood logistic-mixture: for 8-bit data (--binarize none); binary pixels are Bernoulli");
  if (binary) cfg.model.likelihood = Likelihood::Bernoulli;  // else logistic or gaussian, as configured
  else if (cfg.model.likelihood == Likelihood::Bernoulli) cfg.model.likelihood = Likelihood::Logistic;
  if (writer && (test_x.height != train_x.height || test_x.width != train_x.width || test_x.channels != train_x.channels))
    throw InputError("--data: train images are " + describe_size(train_x) + ", test images " + describe_size(test_x));
  validate(cfg.model);  // e.g. a PixelCNN decoder on RGB images

  if (writer) fs::create_directories(dir);
  torch::manual_seed(cfg.train.seed);
  VAE model(cfg.model);
  model->to(device);
  torch::optim::Adam adam = make_optimizer(model, cfg.train.lr);
  std::vector<double> group_lr;  // each group's lr at --lr (the scale group's is 10x): the schedule scales them
  for (auto& g : adam.param_groups()) group_lr.push_back(static_cast<torch::optim::AdamOptions&>(g.options()).lr());
  int64_t epoch = 0, step = 0;
  if (existing) {
    if (dist) {  // rank 0's checkpoint, weights and optimizer, on every rank
      std::istringstream in(dist->share("checkpoint", writer ? file_bytes(checkpoint_path(dir)) : ""));
      std::tie(epoch, step) = load_checkpoint(in, checkpoint_path(dir), model, &adam, cfg.train.epochs);
    } else {
      // An exported (weights-only) model that has trained for its epochs counts as finished.
      std::tie(epoch, step) = load_checkpoint(dir, model, &adam, cfg.train.epochs);
    }
  } else {
    if (writer && narrow_channels) {
      ModelConfig narrow = cfg.model;  // the wide model but for its channels (its hyperprior is the narrow one's)
      narrow.channels = narrow_channels;
      VAE from(narrow);
      load_checkpoint(opt.init_from, from, nullptr);
      widen_transform_coder(*from->transform, *model->transform);
    } else if (writer && !opt.init_from.empty()) {
      load_checkpoint(opt.init_from, model, nullptr);  // weights only
    }
    if (writer) save_run_config(dir, cfg);
  }
  if (dist) broadcast_model(*dist, model);  // at the start and on resume
  if (epoch >= cfg.train.epochs) {
    if (writer) std::fprintf(stderr, "train: %s already trained for %ld epochs\n", dir.c_str(), static_cast<long>(epoch));
    return 0;
  }

  const int64_t n = train_x.count, bs = std::min(cfg.train.batch_size, n);
  const int64_t steps_per_epoch = n / bs;  // the last partial batch is dropped: every step sees bs images
  if (steps_per_epoch == 0) throw InputError("--batch-size: larger than the training set");
  if (bs % world != 0) throw InputError("--batch-size: the training set is smaller than the batch");
  const int64_t shard = bs / world, first = rank * shard;  // this rank's rows of every global batch
  const auto data = to_tensor(train_x).to(device);
  auto batch = torch::empty({bs, train_x.dims()}, data.options());
  const double bits = 1.0 / (train_x.dims() * std::log(2.0));
  const int64_t start_epoch = epoch;
  const bool progress = opt.progress && writer;
  // Gradients are summed over ranks while backward runs (distributed.h); VLAE_GRAD_OVERLAP=0 sums
  // them after it instead (the same model; bench/distributed_throughput.sh compares the two).
  const char* overlap_env = std::getenv("VLAE_GRAD_OVERLAP");
  const bool overlap = !(overlap_env && std::string(overlap_env) == "0");
  std::unique_ptr<Distributed::OverlappedGradients> reducer;
  if (dist && overlap) reducer = std::make_unique<Distributed::OverlappedGradients>(*dist, model->parameters());

  for (; epoch < cfg.train.epochs; ++epoch) {
    torch::manual_seed(epoch_seed(cfg.train.seed, epoch));
    model->train();
    const auto order = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64)).to(device);
    Progress bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(cfg.train.epochs), steps_per_epoch * bs);
    double sum_d = 0, sum_r = 0, sum_loss = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
      torch::index_select_out(batch, data, 0, order.slice(0, s * bs, (s + 1) * bs));
      // Dynamic binarization: a fresh Bernoulli(level / 255) draw per pixel. (bernoulli_() without
      // an argument would draw with p = 0.5 and ignore the data.) Every rank draws the whole global
      // batch's randomness, binarization and posterior noise, from the same stream and keeps its
      // rows: each image gets its own draws, and N processes train the model one process trains.
      if (cfg.train.data.binarize == Binarize::Dynamic) batch.bernoulli_(batch * (1.0 / 255.0));
      torch::Tensor noise;
      if (dist) noise = torch::randn({bs, cfg.model.latent_dim}, torch::TensorOptions().device(device)).narrow(0, first, shard);
      const VAETerms t = dist ? model->terms(batch.narrow(0, first, shard), noise) : model->terms(batch);
      const Loss loss = objective(cfg.objective, t, step);
      release_gradients(adam);
      // The shard's mean over 1/N: summed over ranks, the gradient of the global batch's mean.
      (dist ? loss.loss * (1.0 / world) : loss.loss).backward();
      if (reducer) {
        reducer->finish();
      } else if (dist) {
        std::vector<torch::Tensor> grads;
        for (auto& p : model->parameters())
          if (p.grad().defined()) grads.push_back(p.mutable_grad());
        dist->allreduce_sum(grads);
      }
      const double lr_now = scheduled_lr(cfg.train.lr, cfg.train.lr_final, step, cfg.train.epochs * steps_per_epoch);
      for (size_t g = 0; g < group_lr.size(); ++g)
        static_cast<torch::optim::AdamOptions&>(adam.param_groups()[g].options()).lr(group_lr[g] * lr_now / cfg.train.lr);
      fused_adam_step(adam);
      sum_d += loss.distortion.sum().item<double>();
      sum_r += loss.rate.sum().item<double>();
      sum_loss += loss.loss.item<double>() * shard;
      if (progress) {
        const double m = static_cast<double>((s + 1) * shard);
        char buf[128];
        std::snprintf(buf, sizeof buf, "rate %.2f distortion %.2f nats -ELBO %.4f bits/dim", sum_r / m, sum_d / m,
                      (sum_r + sum_d) / m * bits);
        bar.update((s + 1) * bs, buf);
      }
    }
    if (dist) {  // the epoch's sums over every rank's shard
      auto sums = torch::tensor({sum_d, sum_r, sum_loss}, torch::kFloat64);
      dist->allreduce_sum({sums});
      sum_d = sums[0].item<double>();
      sum_r = sums[1].item<double>();
      sum_loss = sums[2].item<double>();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double m = static_cast<double>(steps_per_epoch * bs);
    if (writer) {
      EvalOptions eo;
      eo.iwae_samples = 0;
      eo.mi_images = 0;
      const EvalResult test = evaluate(model, test_x, eo);
      save_checkpoint(dir, model, adam, epoch + 1, step);
      nlohmann::json line = {
          {"epoch", epoch + 1},
          {"step", step},
          {"seconds", secs},
          {"images_per_s", m / secs},
          {"processes", world},
          {"lr", scheduled_lr(cfg.train.lr, cfg.train.lr_final, step - 1, cfg.train.epochs * steps_per_epoch)},
          {"train",
           {{"loss", sum_loss / m}, {"rate_nats", sum_r / m}, {"distortion_nats", sum_d / m},
            {"neg_elbo_bits_per_dim", (sum_r + sum_d) / m * bits}}},
          {"test",
           {{"rate_nats", test.rate}, {"distortion_nats", test.distortion},
            {"neg_elbo_bits_per_dim", test.neg_elbo_bits_per_dim}, {"active_units", test.active_units}}}};
      append_line(dir + "/metrics.jsonl", line.dump());
      if (progress) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "test: rate %.2f distortion %.2f nats -ELBO %.4f bits/dim",
                      test.rate, test.distortion, test.neg_elbo_bits_per_dim);
        bar.finish(buf);
      }
    }
    // The other ranks wait for rank 0's checkpoint: a job killed after this point resumes from it.
    if (dist) dist->barrier();
  }
  return epoch - start_epoch;
}

}  // namespace vlae
