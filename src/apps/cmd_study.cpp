// vlae study collapse: posterior collapse and its cures on one budget. A factorized-decoder VAE, a
// full-receptive-field PixelCNN VAE without and with each cure, and VLAE (local PixelCNN + AF
// prior), each trained, evaluated, coded losslessly with the real bits-back codec (and decoded
// back to check), and drawn: reconstructions, samples, and several decodings of one z per image.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/commands.h"
#include "apps/train_flags.h"
#include "coding/lossless.h"
#include "eval/evaluate.h"
#include "eval/generate.h"
#include "model/prior.h"
#include "train/run.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {

struct StudyFlags {
  TrainingFlags run;
  std::string out, models = "factorized,pixelcnn,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,vlae";
  int64_t eval_limit = 500, iwae_samples = 100, code_limit = 100, figure_images = 8;
  double free_bits = 0.25, delta = 0.1;
};

struct StudyModel {
  std::string name, description, cure;
  RunConfig config;
  double floor_nats = 0;  // the rate the cure guarantees (0: none)
};

std::vector<StudyModel> study_models(const StudyFlags& f, int64_t train_images) {
  const RunConfig base = run_config_from(f.run);
  const int64_t steps = f.run.epochs * ((train_images + f.run.batch_size - 1) / f.run.batch_size);
  const int64_t k = base.model.latent_dim;
  auto make = [&](const std::string& arch, const std::string& field, const std::string& prior) {
    RunConfig c = base;
    c.model.arch = arch;
    c.model.receptive_field = field;
    c.model.prior = prior;
    return c;
  };
  std::vector<StudyModel> all;
  all.push_back({"factorized", "MLP encoder and decoder, N(0,I) prior", "none", make("mlp", "full", "normal")});
  all.push_back({"pixelcnn", "full-receptive-field PixelCNN decoder, no cure", "none", make("pixelcnn", "full", "normal")});
  {
    StudyModel m{"pixelcnn-vh", "full Gated PixelCNN (vertical + horizontal stacks: no blind spot), no cure", "none",
                 make("pixelcnn", "full", "normal")};
    m.config.model.gated = true;
    m.config.model.pixel_stack = "vh";
    all.push_back(m);
  }
  {
    StudyModel m{"pixelcnn-anneal", "full PixelCNN, KL weight 0 -> 1 over half the steps", "kl annealing",
                 make("pixelcnn", "full", "normal")};
    m.config.objective.kl_anneal = "linear:" + std::to_string(std::max<int64_t>(1, steps / 2));
    all.push_back(m);
  }
  {
    char d[160];
    std::snprintf(d, sizeof d, "full PixelCNN, free bits %.3g nats per dimension", f.free_bits);
    StudyModel m{"pixelcnn-freebits", d, "free bits", make("pixelcnn", "full", "normal")};
    m.config.objective.free_bits = f.free_bits;
    m.floor_nats = f.free_bits * k;
    all.push_back(m);
  }
  {
    char d[160];
    std::snprintf(d, sizeof d, "full PixelCNN, delta-VAE committing %.3g nats per dimension", f.delta);
    StudyModel m{"pixelcnn-delta", d, "delta-VAE", make("pixelcnn", "full", "normal")};
    m.config.model.delta = f.delta;
    m.floor_nats = f.delta * k;
    all.push_back(m);
  }
  {
    StudyModel m{"pixelcnn-ar1", "full PixelCNN, delta-VAE in AR(1)-prior form", "delta-VAE (AR(1))",
                 make("pixelcnn", "full", "ar1")};
    m.floor_nats = ar1_committed_rate(m.config.model.ar1_alpha, k);
    all.push_back(m);
  }
  all.push_back({"vlae", "local PixelCNN decoder (6 rows up) and AF prior", "none (lossy by design)",
                 make("vlae", "local", "af")});
  {
    StudyModel m{"vlae-vh", "local Gated PixelCNN decoder (vertical + horizontal stacks, 6 layers) and AF prior",
                 "none (lossy by design)", make("vlae", "local", "af")};
    m.config.model.gated = true;
    m.config.model.pixel_stack = "vh";
    all.push_back(m);
    char d[200];
    std::snprintf(d, sizeof d, "%s, free bits %.3g nats per dimension", m.description.c_str(), f.free_bits);
    m = {"vlae-vh-freebits", d, "free bits", m.config};
    m.config.objective.free_bits = f.free_bits;
    m.floor_nats = f.free_bits * k;
    all.push_back(m);
  }
  {
    StudyModel m{"vlae-iaf", "local PixelCNN decoder, N(0,I) prior, IAF posterior (the paper's comparison)",
                 "none (lossy by design)", make("vlae", "local", "normal")};
    m.config.model.posterior = "iaf";
    all.push_back(m);
  }
  std::vector<StudyModel> chosen;
  std::stringstream ss(f.models);
  for (std::string name; std::getline(ss, name, ',');) {
    auto it = std::find_if(all.begin(), all.end(), [&](const StudyModel& m) { return m.name == name; });
    if (it == all.end()) {
      std::string names;
      for (const auto& m : all) names += (names.empty() ? "" : ", ") + m.name;
      throw InputError("--models: unknown model '" + name + "' (expected some of: " + names + ")");
    }
    chosen.push_back(*it);
  }
  if (chosen.empty()) throw InputError("--models: empty list");
  return chosen;
}

// Figures of one model: reconstructions, samples, and the lossy-code picture.
nlohmann::json draw_figures(VAE& model, const Images& test, const std::string& dir, int64_t n) {
  torch::NoGradGuard no_grad;
  const Images x = test.first(n);
  const auto device = model->parameters().front().device();
  const auto xt = torch::from_blob(const_cast<uint8_t*>(x.pixels.data()), {x.count, x.dims()}, torch::kUInt8)
                      .to(torch::kFloat32)
                      .to(device);
  const auto mean = model->encode(xt).mean;
  const Images recon = decode_latents(model, mean, true, 1);
  write_file_atomic(dir + "/reconstructions.png", grid_png({&x, &recon}, x.count, 2));
  const Images samples = sample_model(model, 2 * n, 2);
  const Images s0 = samples.first(n);
  Images s1 = samples;
  s1.pixels.erase(s1.pixels.begin(), s1.pixels.begin() + n * samples.dims());
  s1.count = samples.count - n;
  write_file_atomic(dir + "/samples.png", grid_png({&s0, &s1}, n, 2));
  // Lossy code: row 0 the images, rows 1..4 draws from p(x|z) at the same z (the posterior mean).
  std::vector<Images> draws;
  for (uint64_t s = 0; s < 4; ++s) draws.push_back(decode_latents(model, mean, false, 10 + s));
  std::vector<const Images*> rows{&x};
  for (const auto& d : draws) rows.push_back(&d);
  write_file_atomic(dir + "/lossy_code.png", grid_png(rows, x.count, 2));
  return {{"reconstructions", dir + "/reconstructions.png"},
          {"samples", dir + "/samples.png"},
          {"lossy_code", dir + "/lossy_code.png"}};
}

void run_study(const StudyFlags& f) {
  set_threads(f.run.threads);
  if (f.eval_limit < 2 || f.code_limit < 1 || f.figure_images < 1 || f.figure_images > 32)
    throw InputError("--eval-limit must be >= 2, --code-limit >= 1, --figure-images 1..32");
  if (f.free_bits <= 0 || f.delta <= 0) throw InputError("--study-free-bits and --study-delta must be positive");
  RunConfig base = run_config_from(f.run);
  const Images train_set = load_images(base.train.data);
  const std::vector<StudyModel> models = study_models(f, train_set.count);
  fs::create_directories(f.out);
  DataSpec test_spec = run_data_spec(base);
  test_spec.limit = f.eval_limit;
  const Images test = load_images(test_spec);
  const Images coded = test.first(f.code_limit);

  const nlohmann::json previous = fs::exists(f.out + "/results.json")
                                     ? nlohmann::json::parse(read_file(f.out + "/results.json"), nullptr, false)
                                     : nlohmann::json();
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& sm : models) {
    const std::string dir = f.out + "/" + sm.name;
    std::fprintf(stderr, "study: %s -> %s\n", sm.name.c_str(), dir.c_str());
    RunConfig cfg = sm.config;
    cfg.train.test_limit = f.eval_limit;
    TrainOptions topt;
    topt.resume = true;
    topt.device = f.run.device;
    const int64_t ran = train(dir, cfg, topt);
    // A model evaluated before with these settings and not trained since is reused, so adding a
    // model to a study costs only that model. Its row is kept in its own folder (DIR/NAME/study.json;
    // studies of disjoint lists may run side by side into one DIR) and, in studies written before
    // that file existed, in the previous results.json.
    if (ran == 0) {
      const std::string row_file = dir + "/study.json";
      const nlohmann::json own = fs::exists(row_file) ? nlohmann::json::parse(read_file(row_file), nullptr, false)
                                                      : nlohmann::json();
      const nlohmann::json* old = nullptr;
      if (own.is_object() && own.value("name", std::string()) == sm.name) old = &own;
      if (!old && previous.is_object() && previous.contains("models") && previous["models"].is_array())
        for (const auto& m : previous["models"])
          if (m.value("name", std::string()) == sm.name) old = &m;
      const bool figures = old && old->contains("figures") &&
                           fs::exists((*old)["figures"].value("lossy_code", std::string("")));
      if (old && figures && old->value("epochs", int64_t(-1)) == f.run.epochs &&
          old->value("eval_images", int64_t(-1)) == test.count &&
          old->value("iwae_samples", int64_t(-1)) == f.iwae_samples &&
          (old->value("lossless_images", coded.count) == coded.count)) {
        std::fprintf(stderr, "study: %s: evaluated before with these settings, reused\n", sm.name.c_str());
        rows.push_back(*old);
        continue;
      }
    }
    // Evaluation and figures on the training device; the codec on the CPU (its files must decode the
    // same on any machine).
    LoadedRun run = load_run(dir, parse_device(f.run.device));
    LoadedRun cpu = f.run.device == "cpu" ? run : load_run(dir);
    EvalOptions eo;
    eo.iwae_samples = f.iwae_samples;
    eo.progress = true;
    const EvalResult ev = evaluate(run.model, test, eo);
    // Lossless: the real codec on the first code_limit test images, decoded back and compared.
    // (Bits-back needs a per-dimension Gaussian posterior: an IAF run is not coded.)
    const bool codable = run.config.model.posterior == "diag";
    LosslessReport rep;
    double dsec = 0;
    EvalResult cev;
    if (codable) {
      BitsBackConfig bb;
      bb.lanes = automatic_lanes(coded.count, cpu.model->autoregressive());
      const std::string bytes = compress_lossless(cpu.model, coded, bb, &rep, true);
      write_file_atomic(dir + "/test.vlae", bytes);
      const auto t0 = std::chrono::steady_clock::now();
      const Images back = decompress_lossless(cpu.model, bytes, dir + "/test.vlae", true);
      dsec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (back.pixels != coded.pixels) throw std::runtime_error(sm.name + ": lossless round trip differs");
      EvalOptions ce;
      ce.iwae_samples = 0;
      ce.elbo_samples = 8;
      cev = evaluate(cpu.model, coded, ce);
    }
    const double dims = static_cast<double>(coded.count * coded.dims());
    nlohmann::json m = {{"name", sm.name},
                        {"description", sm.description},
                        {"cure", sm.cure},
                        {"run", dir},
                        {"arch", run.config.model.arch},
                        {"receptive_field", run.model->autoregressive() ? run.config.model.receptive_field : "n/a"},
                        {"prior", run.config.model.prior},
                        {"rate_floor_nats", sm.floor_nats},
                        {"rate_nats", ev.rate},
                        {"distortion_nats", ev.distortion},
                        {"elbo_nats", ev.elbo},
                        {"neg_elbo_bits_per_dim", ev.neg_elbo_bits_per_dim},
                        {"iwae_nll_nats", ev.iwae_nll},
                        {"iwae_samples", ev.iwae_samples},
                        {"active_units", ev.active_units},
                        {"mutual_info_nats", ev.mutual_info},
                        {"kl_per_dim_nats", ev.kl_per_dim},
                        {"eval_images", ev.images},
                        {"posterior", run.config.model.posterior},
                        {"epochs", run.epoch}};
    if (codable)
      m.update({{"lossless_images", coded.count},
                {"lossless_bytes", rep.bytes},
                {"lossless_bits_per_dim", (8.0 * rep.bytes - rep.stats.initial_bits) / dims},
                {"lossless_neg_elbo_bits_per_dim", cev.neg_elbo_bits_per_dim},
                {"bits_back_per_image", rep.stats.bits_back / coded.count},
                {"compress_images_per_s", coded.count / std::max(1e-9, rep.seconds)},
                {"decompress_images_per_s", coded.count / std::max(1e-9, dsec)}});
    else
      m["lossless_bits_per_dim"] = nullptr;
    m["figures"] = draw_figures(run.model, test, dir, f.figure_images);
    write_file_atomic(dir + "/study.json", m.dump(2) + "\n");
    rows.push_back(m);
  }

  std::printf("\nchecks on the trained models:\n");
  nlohmann::json checks = nlohmann::json::array();
  auto find = [&](const std::string& name) -> const nlohmann::json* {
    for (const auto& m : rows)
      if (m["name"] == name) return &m;
    return nullptr;
  };
  char buf[320];
  for (const char* name : {"pixelcnn", "pixelcnn-vh"})
    if (const auto* p = find(name)) {
      std::snprintf(buf, sizeof buf, "%s: KL %.3f nats, %d active units", name, (*p)["rate_nats"].get<double>(),
                    (*p)["active_units"].get<int>());
      checks.push_back(check_claim("the uncured full PixelCNN collapses (KL < 1 nat, no active units)",
                                   (*p)["rate_nats"].get<double>() < 1.0 && (*p)["active_units"].get<int>() == 0, buf));
    }
  for (const auto& m : rows) {
    const double floor = m["rate_floor_nats"], rate = m["rate_nats"];
    if (floor > 0) {
      // Free bits floors the training objective's minibatch KL, not the KL itself: allow 5%.
      const bool soft = m["cure"] == "free bits";
      std::snprintf(buf, sizeof buf, "%s: KL %.2f nats, floor %.2f nats%s", m["name"].get<std::string>().c_str(), rate,
                    floor, soft ? " (free bits: within 5%)" : "");
      checks.push_back(check_claim("the cure holds the rate at or above its floor", rate >= (soft ? 0.95 : 1.0) * floor, buf));
    } else if (m["cure"] == "kl annealing") {
      std::snprintf(buf, sizeof buf, "%s: KL %.2f nats, %d active units", m["name"].get<std::string>().c_str(), rate,
                    m["active_units"].get<int>());
      checks.push_back(check_claim("KL annealing keeps a code (KL >= 1 nat, active units > 0)",
                             rate >= 1.0 && m["active_units"].get<int>() > 0, buf));
    }
  }
  // VLAE proper (local PixelCNN + AF prior): the single-stack and the two-stack decoder.
  const auto* fz = find("factorized");
  std::vector<const nlohmann::json*> vlaes;
  for (const char* name : {"vlae", "vlae-vh", "vlae-vh-freebits"})
    if (const auto* v = find(name)) vlaes.push_back(v);
  for (const auto* vl : vlaes) {
    if (!fz) break;
    const std::string name = (*vl)["name"];
    std::snprintf(buf, sizeof buf, "%s: KL %.2f nats with %d active units; factorized VAE KL %.2f nats", name.c_str(),
                  (*vl)["rate_nats"].get<double>(), (*vl)["active_units"].get<int>(), (*fz)["rate_nats"].get<double>());
    checks.push_back(check_claim("VLAE keeps a smaller code than the factorized VAE, and uses it",
                           (*vl)["rate_nats"].get<double>() < (*fz)["rate_nats"].get<double>() &&
                               (*vl)["active_units"].get<int>() > 0,
                           buf));
    std::snprintf(buf, sizeof buf, "%s %.5f vs factorized %.5f bits/dim on %d images", name.c_str(),
                  (*vl)["lossless_bits_per_dim"].get<double>(), (*fz)["lossless_bits_per_dim"].get<double>(),
                  (*vl)["lossless_images"].get<int>());
    checks.push_back(check_claim("VLAE's lossless files are smaller than the factorized VAE's",
                           (*vl)["lossless_bits_per_dim"].get<double>() < (*fz)["lossless_bits_per_dim"].get<double>(),
                           buf));
  }
  if (!vlaes.empty()) {
    std::string best, vlae_names;
    double best_nll = INFINITY, vlae_nll = INFINITY;
    for (const auto& m : rows)
      if (m["iwae_nll_nats"].get<double>() < best_nll) {
        best_nll = m["iwae_nll_nats"];
        best = m["name"];
      }
    for (const auto* vl : vlaes) {
      vlae_nll = std::min(vlae_nll, (*vl)["iwae_nll_nats"].get<double>());
      vlae_names += (vlae_names.empty() ? "" : ", ") + (*vl)["name"].get<std::string>();
    }
    std::snprintf(buf, sizeof buf, "best IWAE NLL %.2f nats: %s (best VLAE, of %s: %.2f)", best_nll, best.c_str(),
                  vlae_names.c_str(), vlae_nll);
    checks.push_back(check_claim("VLAE reaches the best IWAE NLL of the lot", vlae_nll <= best_nll, buf));
  }

  const nlohmann::json results = {{"data", test_spec.data},
                                  {"binarize", to_string(test_spec.binarize)},
                                  {"train_images", train_set.count},
                                  {"epochs", f.run.epochs},
                                  {"eval_images", test.count},
                                  {"lossless_images", coded.count},
                                  {"models", rows},
                                  {"checks", checks}};
  write_file_atomic(f.out + "/results.json", results.dump(2) + "\n");
  std::ostringstream csv, md;
  const char* keys[] = {"name", "rate_nats", "distortion_nats", "neg_elbo_bits_per_dim", "iwae_nll_nats",
                        "active_units", "mutual_info_nats", "lossless_bits_per_dim"};
  for (size_t i = 0; i < std::size(keys); ++i) csv << keys[i] << (i + 1 < std::size(keys) ? "," : "\n");
  for (const auto& m : rows)
    for (size_t i = 0; i < std::size(keys); ++i) csv << m[keys[i]].dump() << (i + 1 < std::size(keys) ? "," : "\n");
  write_file_atomic(f.out + "/results.csv", csv.str());
  md << "| model | KL (rate) nats | distortion nats | -ELBO bits/dim | IWAE NLL nats (K=" << f.iwae_samples
     << ") | active units | I(X;Z) nats | lossless bits/dim |\n|---|---|---|---|---|---|---|---|\n";
  std::printf("\n%-18s %9s %11s %10s %10s %6s %7s %10s\n", "model", "KL nats", "distortion", "-ELBO bpd", "IWAE NLL",
              "active", "I(X;Z)", "lossless");
  for (const auto& m : rows) {
    const double lossless = m["lossless_bits_per_dim"].is_null() ? NAN : m["lossless_bits_per_dim"].get<double>();
    std::snprintf(buf, sizeof buf, "| %s | %.2f | %.2f | %.4f | %.2f | %d | %.2f | %.4f |\n",
                  m["name"].get<std::string>().c_str(), m["rate_nats"].get<double>(), m["distortion_nats"].get<double>(),
                  m["neg_elbo_bits_per_dim"].get<double>(), m["iwae_nll_nats"].get<double>(),
                  m["active_units"].get<int>(), m["mutual_info_nats"].get<double>(), lossless);
    md << buf;
    std::printf("%-18s %9.2f %11.2f %10.4f %10.2f %6d %7.2f %10.4f\n", m["name"].get<std::string>().c_str(),
                m["rate_nats"].get<double>(), m["distortion_nats"].get<double>(),
                m["neg_elbo_bits_per_dim"].get<double>(), m["iwae_nll_nats"].get<double>(),
                m["active_units"].get<int>(), m["mutual_info_nats"].get<double>(), lossless);
  }
  md << "\nChecks:\n\n";
  for (const auto& c : checks)
    md << "- [" << (c["holds"].get<bool>() ? "holds" : "FAILS") << "] " << c["claim"].get<std::string>() << ": "
       << c["detail"].get<std::string>() << "\n";
  write_file_atomic(f.out + "/results.md", md.str());
  std::printf("\nresults: %s/results.json, results.csv, results.md; figures in each model's folder\n", f.out.c_str());
}

}  // namespace

void add_study_command(CLI::App& app) {
  auto* study = app.add_subcommand("study", "Experiments that train and compare several models");
  study->require_subcommand(1);
  auto f = std::make_shared<StudyFlags>();
  auto* cmd = study->add_subcommand("collapse", "Posterior collapse and its cures: PixelCNN VAEs, cures, and VLAE");
  add_training_flags(*cmd, f->run, true);
  cmd->add_option("--out", f->out, "study directory (one run per model; finished ones are reused)")->required();
  cmd->add_option("--models", f->models,
                  "comma-separated: factorized, pixelcnn, pixelcnn-vh, pixelcnn-anneal, pixelcnn-freebits, pixelcnn-delta, "
                  "pixelcnn-ar1, vlae, vlae-vh, vlae-vh-freebits, vlae-iaf");
  cmd->add_option("--eval-limit", f->eval_limit, "test images evaluated per model");
  cmd->add_option("--iwae-samples", f->iwae_samples, "importance samples for the IWAE NLL");
  cmd->add_option("--code-limit", f->code_limit, "test images coded losslessly (and decoded back) per model");
  cmd->add_option("--figure-images", f->figure_images, "test images per figure");
  cmd->add_option("--study-free-bits", f->free_bits, "free bits (nats per dimension) of pixelcnn-freebits");
  cmd->add_option("--study-delta", f->delta, "delta (nats per dimension) of pixelcnn-delta");
  cmd->callback([f] { run_study(*f); });
}

}  // namespace vlae
