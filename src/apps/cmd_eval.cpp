#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "util/threads.h"
#include "eval/evaluate.h"
#include "train/distributed.h"
#include "train/run.h"
#include "train/trainer.h"
#include "util/error.h"

namespace vlae {

namespace {
struct EvalFlags {
  DataFlags data;
  std::string run, json, device = "cpu";
  int64_t peer_timeout_s = 300;
  int64_t iwae_samples = 1000, threads = 0, batch = 250;
};

void print_eval(const EvalResult& r) {
  const double ln2 = std::log(2.0);
  std::printf("%-28s %12s %12s\n", "", "nats/image", "bits/dim");
  auto row = [&](const char* name, double nats) {
    std::printf("%-28s %12.3f %12.5f\n", name, nats, nats / (r.dims * ln2));
  };
  row("distortion E_q[-log p(x|z)]", r.distortion);
  row("rate KL(q(z|x)||p(z))", r.rate);
  row("-ELBO = distortion + rate", -r.elbo);
  if (r.iwae_samples > 0) {
    char name[64];
    std::snprintf(name, sizeof name, "IWAE NLL (K=%ld)", static_cast<long>(r.iwae_samples));
    row(name, r.iwae_nll);
  }
  std::printf("%-28s %12.3f   (upper bound log N = %.3f)\n", "I(X;Z)", r.mutual_info, r.mi_upper_bound);
  std::printf("%-28s %12.3f\n", "KL(q(z)||p(z)) marginal", r.marginal_kl);
  std::printf("%-28s %12ld of %zu\n", "active units", static_cast<long>(r.active_units), r.kl_per_dim.size());
  if (r.pixel_metrics) std::printf("%-28s %12.3f   (MSE %.2f on 0..255)\n", "PSNR dB (decoder mean)", r.psnr_db, r.mse);
  std::printf("%-28s %12ld\n", "images", static_cast<long>(r.images));
}

void run_eval(const EvalFlags& f) {
  set_threads(f.threads);
  if (f.iwae_samples < 0) throw InputError("--iwae-samples: must be >= 0");
  if (f.batch <= 0) throw InputError("--batch-size: must be positive");
  LoadedRun run = load_run(f.run, parse_device(f.device));
  DataSpec spec = run_data_spec(run.config);
  if (!f.data.data.empty()) spec.data = f.data.data;
  if (!f.data.split.empty()) spec.split = f.data.split;
  spec.limit = f.data.limit;
  const Images x = load_images(spec);
  if (x.height != run.config.model.height || x.width != run.config.model.width)
    throw InputError("--data: images are " + std::to_string(x.width) + "x" + std::to_string(x.height) +
                     ", the model expects " + std::to_string(run.config.model.width) + "x" +
                     std::to_string(run.config.model.height));
  EvalOptions opt;
  opt.iwae_samples = f.iwae_samples;
  opt.batch = f.batch;
  // Under a launcher (torchrun ...), the images are split over the processes; rank 0 reports.
  const auto dist = Distributed::from_environment(std::chrono::seconds(f.peer_timeout_s), parse_device(f.device));
  if (dist) {
    opt.rank = dist->rank();
    opt.world = dist->world();
    opt.allreduce_sum = [&](std::vector<torch::Tensor> t) { dist->allreduce_sum(std::move(t)); };
  }
  opt.progress = !dist || dist->rank() == 0;
  EvalResult r;
  run_with_peers("eval", [&] { r = evaluate(run.model, x, opt); });
  if (dist && dist->rank() != 0) return;
  print_eval(r);
  nlohmann::json j = to_json(r);
  j["run"] = f.run;
  j["data"] = spec.data;
  j["split"] = spec.split;
  j["binarize"] = to_string(spec.binarize);
  write_json_file(f.json, j.dump(2));
}
}  // namespace

void add_eval_command(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a run: ELBO, rate, distortion, IWAE NLL, active units, I(X;Z)");
  cmd->add_option("--run", f->run, "run directory")->required();
  add_data_flags(*cmd, f->data, false);
  cmd->add_option("--iwae-samples", f->iwae_samples, "importance samples K for the IWAE NLL (0: skip)");
  cmd->add_option("--json", f->json, "write the results as JSON to this file");
  add_peer_timeout_flag(*cmd, f->peer_timeout_s, "the others");
  cmd->add_option("--threads", f->threads, "CPU threads (default: all cores)");
  cmd->add_option("--device", f->device, "cpu | cuda");
  cmd->add_option("--batch-size", f->batch, "images per forward pass");
  cmd->callback([f] { run_eval(*f); });
}

}  // namespace vlae
