#include "experiments/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "coding/lossless.h"
#include "eval/evaluate.h"
#include "eval/generate.h"
#include "experiments/spread.h"
#include "model/prior.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {

// "Collapsed": a KL below this many nats, with no active unit.
constexpr double kCollapsedBelowNats = 1.0;
// Free bits floors the training objective's minibatch KL, not the KL itself: the floor holds to this.
constexpr double kFreeBitsFloorTolerance = 0.95;
// Draws of p(x|z) at one z in the lossy-code figure, and the first of their seeds.
constexpr int kLossyCodeDraws = 4;
constexpr uint64_t kLossyCodeSeed = 10;

// Figures of one model: reconstructions, samples, and the lossy-code picture.
void draw_figures(VAE& model, const Images& test, const std::string& dir, int64_t n, StudyRow& row) {
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
  // Lossy code: row 0 the images, the rows below draws from p(x|z) at the same z (the posterior mean).
  std::vector<Images> draws;
  for (int s = 0; s < kLossyCodeDraws; ++s) draws.push_back(decode_latents(model, mean, false, kLossyCodeSeed + s));
  std::vector<const Images*> rows{&x};
  for (const auto& d : draws) rows.push_back(&d);
  write_file_atomic(dir + "/lossy_code.png", grid_png(rows, x.count, 2));
  row.reconstructions = dir + "/reconstructions.png";
  row.samples = dir + "/samples.png";
  row.lossy_code = dir + "/lossy_code.png";
}

nlohmann::json read_json_or_null(const std::string& path) {
  return fs::exists(path) ? nlohmann::json::parse(read_file(path), nullptr, false) : nlohmann::json();
}

// A row evaluated before with these settings, from DIR/NAME/study.json or (studies written before
// that file existed) the study's previous results.json; none when absent, stale or unreadable.
std::optional<StudyRow> reusable_row(const std::string& name, const std::string& dir, const nlohmann::json& previous,
                                     const StudyOptions& o, int64_t eval_images, int64_t coded_images) {
  const nlohmann::json own = read_json_or_null(dir + "/study.json");
  const nlohmann::json* old = nullptr;
  if (own.is_object() && own.value("name", std::string()) == name) old = &own;
  if (!old && previous.is_object() && previous.contains("models") && previous["models"].is_array())
    for (const auto& m : previous["models"])
      if (m.value("name", std::string()) == name) old = &m;
  if (!old) return std::nullopt;
  const bool figures =
      old->contains("figures") && fs::exists((*old)["figures"].value("lossy_code", std::string("")));
  if (!figures || old->value("epochs", int64_t(-1)) != o.base.train.epochs ||
      old->value("eval_images", int64_t(-1)) != eval_images ||
      old->value("iwae_samples", int64_t(-1)) != o.iwae_samples ||
      old->value("lossless_images", coded_images) != coded_images)
    return std::nullopt;
  try {
    return study_row_from_json(*old);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<StudyModel> study_registry(const StudyOptions& o, int64_t train_images) {
  const RunConfig& base = o.base;
  const int64_t batch = base.train.batch_size;
  const int64_t steps = base.train.epochs * ((train_images + batch - 1) / batch);
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
    std::snprintf(d, sizeof d, "full PixelCNN, free bits %.3g nats per dimension", o.free_bits);
    StudyModel m{"pixelcnn-freebits", d, "free bits", make("pixelcnn", "full", "normal")};
    m.config.objective.free_bits = o.free_bits;
    m.floor_nats = o.free_bits * k;
    all.push_back(m);
  }
  {
    char d[160];
    std::snprintf(d, sizeof d, "full PixelCNN, delta-VAE committing %.3g nats per dimension", o.delta);
    StudyModel m{"pixelcnn-delta", d, "delta-VAE", make("pixelcnn", "full", "normal")};
    m.config.model.delta = o.delta;
    m.floor_nats = o.delta * k;
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
    std::snprintf(d, sizeof d, "%s, free bits %.3g nats per dimension", m.description.c_str(), o.free_bits);
    m = {"vlae-vh-freebits", d, "free bits", m.config};
    m.config.objective.free_bits = o.free_bits;
    m.floor_nats = o.free_bits * k;
    all.push_back(m);
  }
  {
    StudyModel m{"vlae-iaf", "local PixelCNN decoder, N(0,I) prior, IAF posterior (the paper's comparison)",
                 "none (lossy by design)", make("vlae", "local", "normal")};
    m.config.model.posterior = "iaf";
    all.push_back(m);
  }
  return all;
}

std::vector<StudyModel> study_models(const StudyOptions& o, int64_t train_images) {
  const std::vector<StudyModel> all = study_registry(o, train_images);
  std::vector<StudyModel> chosen;
  std::stringstream ss(o.models);
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

nlohmann::json to_json(const StudyRow& r) {
  nlohmann::json m = {{"name", r.name},
                      {"description", r.description},
                      {"cure", r.cure},
                      {"run", r.run},
                      {"arch", r.arch},
                      {"receptive_field", r.receptive_field},
                      {"prior", r.prior},
                      {"rate_floor_nats", r.rate_floor_nats},
                      {"rate_nats", r.rate_nats},
                      {"distortion_nats", r.distortion_nats},
                      {"elbo_nats", r.elbo_nats},
                      {"neg_elbo_bits_per_dim", r.neg_elbo_bits_per_dim},
                      {"iwae_nll_nats", r.iwae_nll_nats},
                      {"iwae_samples", r.iwae_samples},
                      {"active_units", r.active_units},
                      {"mutual_info_nats", r.mutual_info_nats},
                      {"kl_per_dim_nats", r.kl_per_dim_nats},
                      {"eval_images", r.eval_images},
                      {"posterior", r.posterior},
                      {"epochs", r.epochs},
                      {"figures",
                       {{"reconstructions", r.reconstructions}, {"samples", r.samples}, {"lossy_code", r.lossy_code}}}};
  if (r.lossless)
    m.update({{"lossless_images", r.lossless->images},
              {"lossless_bytes", r.lossless->bytes},
              {"lossless_bits_per_dim", r.lossless->bits_per_dim},
              {"lossless_neg_elbo_bits_per_dim", r.lossless->neg_elbo_bits_per_dim},
              {"bits_back_per_image", r.lossless->bits_back_per_image},
              {"compress_images_per_s", r.lossless->compress_images_per_s},
              {"decompress_images_per_s", r.lossless->decompress_images_per_s}});
  else
    m["lossless_bits_per_dim"] = nullptr;
  return m;
}

StudyRow study_row_from_json(const nlohmann::json& j) {
  StudyRow r;
  r.name = j.at("name");
  r.description = j.value("description", std::string());
  r.cure = j.value("cure", std::string());
  r.run = j.value("run", std::string());
  r.arch = j.value("arch", std::string());
  r.receptive_field = j.value("receptive_field", std::string());
  r.prior = j.value("prior", std::string());
  r.posterior = j.value("posterior", std::string("diag"));
  r.rate_floor_nats = j.value("rate_floor_nats", 0.0);
  r.rate_nats = j.at("rate_nats");
  r.distortion_nats = j.at("distortion_nats");
  r.elbo_nats = j.value("elbo_nats", 0.0);
  r.neg_elbo_bits_per_dim = j.value("neg_elbo_bits_per_dim", 0.0);
  r.iwae_nll_nats = j.at("iwae_nll_nats");
  r.iwae_samples = j.value("iwae_samples", int64_t(0));
  r.active_units = j.at("active_units");
  r.mutual_info_nats = j.value("mutual_info_nats", 0.0);
  r.kl_per_dim_nats = j.value("kl_per_dim_nats", std::vector<double>());
  r.eval_images = j.value("eval_images", int64_t(0));
  r.epochs = j.value("epochs", int64_t(0));
  if (j.contains("lossless_bits_per_dim") && !j["lossless_bits_per_dim"].is_null()) {
    StudyLossless l;
    l.images = j.at("lossless_images");
    l.bytes = j.value("lossless_bytes", int64_t(0));
    l.bits_per_dim = j.at("lossless_bits_per_dim");
    l.neg_elbo_bits_per_dim = j.value("lossless_neg_elbo_bits_per_dim", 0.0);
    l.bits_back_per_image = j.value("bits_back_per_image", 0.0);
    l.compress_images_per_s = j.value("compress_images_per_s", 0.0);
    l.decompress_images_per_s = j.value("decompress_images_per_s", 0.0);
    r.lossless = l;
  }
  if (j.contains("figures")) {
    r.reconstructions = j["figures"].value("reconstructions", std::string());
    r.samples = j["figures"].value("samples", std::string());
    r.lossy_code = j["figures"].value("lossy_code", std::string());
  }
  return r;
}

nlohmann::json to_json(const StudyResults& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& m : r.models) rows.push_back(to_json(m));
  return {{"data", r.data},
          {"binarize", r.binarize},
          {"train_images", r.train_images},
          {"epochs", r.epochs},
          {"eval_images", r.eval_images},
          {"lossless_images", r.lossless_images},
          {"models", rows},
          {"checks", to_json(r.checks)}};
}

StudyResults load_study_results(const std::string& dir) {
  const std::string path = dir + "/results.json";
  if (!fs::exists(path)) throw InputError(path + ": not found (run `vlae study collapse` first)");
  StudyResults r;
  try {
    const auto j = nlohmann::json::parse(read_file(path));
    r.data = j.value("data", std::string());
    r.binarize = j.value("binarize", std::string());
    r.train_images = j.value("train_images", int64_t(0));
    r.epochs = j.value("epochs", int64_t(0));
    r.eval_images = j.value("eval_images", int64_t(0));
    r.lossless_images = j.value("lossless_images", int64_t(0));
    for (const auto& m : j.value("models", nlohmann::json::array())) r.models.push_back(study_row_from_json(m));
    for (const auto& c : j.value("checks", nlohmann::json::array())) r.checks.push_back(claim_from_json(c));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not a study's results (" + e.what() + ")");
  }
  return r;
}

StudyResults run_study(const StudyOptions& o) {
  if (o.eval_limit < 2 || o.code_limit < 1 || o.figure_images < 1 || o.figure_images > 32)
    throw InputError("--eval-limit must be >= 2, --code-limit >= 1, --figure-images 1..32");
  if (o.free_bits <= 0 || o.delta <= 0) throw InputError("--study-free-bits and --study-delta must be positive");
  const Images train_set = load_images(o.base.train.data);
  const std::vector<StudyModel> models = study_models(o, train_set.count);
  fs::create_directories(o.out);
  DataSpec test_spec = run_data_spec(o.base);
  test_spec.limit = o.eval_limit;
  const Images test = load_images(test_spec);
  const Images coded = test.first(o.code_limit);

  const nlohmann::json previous = read_json_or_null(o.out + "/results.json");
  StudyResults res;
  res.data = test_spec.data;
  res.binarize = to_string(test_spec.binarize);
  res.train_images = train_set.count;
  res.epochs = o.base.train.epochs;
  res.eval_images = test.count;
  res.lossless_images = coded.count;
  res.iwae_samples = o.iwae_samples;
  ModelSpread spread(o.peer_timeout_s, o.device);
  for (size_t index = 0; index < models.size(); ++index) {
    const auto& sm = models[index];
    if (!spread.mine(index)) continue;  // another rank's model
    const std::string dir = o.out + "/" + sm.name;
    std::fprintf(stderr, "study: %s -> %s\n", sm.name.c_str(), dir.c_str());
    RunConfig cfg = sm.config;
    cfg.train.test_limit = o.eval_limit;
    TrainOptions topt;
    topt.resume = true;
    topt.device = o.device;
    topt.data_parallel = false;  // the study spreads its models, not their batches
    const int64_t ran = train(dir, cfg, topt);
    // A model evaluated before with these settings and not trained since is reused, so adding a
    // model to a study costs only that model. Its row is kept in its own folder (DIR/NAME/study.json),
    // so studies of disjoint lists may run side by side into one DIR.
    if (ran == 0)
      if (auto old = reusable_row(sm.name, dir, previous, o, test.count, coded.count)) {
        std::fprintf(stderr, "study: %s: evaluated before with these settings, reused\n", sm.name.c_str());
        res.models.push_back(*old);
        continue;
      }
    // Evaluation and figures on the training device; the codec on the CPU (its files must decode the
    // same on any machine).
    LoadedRun run = load_run(dir, parse_device(o.device));
    LoadedRun cpu = o.device == "cpu" ? run : load_run(dir);
    EvalOptions eo;
    eo.iwae_samples = o.iwae_samples;
    eo.progress = true;
    const EvalResult ev = evaluate(run.model, test, eo);
    StudyRow m;
    m.name = sm.name;
    m.description = sm.description;
    m.cure = sm.cure;
    m.run = dir;
    m.arch = run.config.model.arch;
    m.receptive_field = run.model->autoregressive() ? run.config.model.receptive_field : "n/a";
    m.prior = run.config.model.prior;
    m.posterior = run.config.model.posterior;
    m.rate_floor_nats = sm.floor_nats;
    m.rate_nats = ev.rate;
    m.distortion_nats = ev.distortion;
    m.elbo_nats = ev.elbo;
    m.neg_elbo_bits_per_dim = ev.neg_elbo_bits_per_dim;
    m.iwae_nll_nats = ev.iwae_nll;
    m.iwae_samples = ev.iwae_samples;
    m.active_units = ev.active_units;
    m.mutual_info_nats = ev.mutual_info;
    m.kl_per_dim_nats = ev.kl_per_dim;
    m.eval_images = ev.images;
    m.epochs = run.epoch;
    // Lossless: the real codec on the first code_limit test images, decoded back and compared.
    // (Bits-back needs a per-dimension Gaussian posterior: an IAF run is not coded.)
    if (run.config.model.posterior == "diag") {
      BitsBackConfig bb;
      bb.lanes = automatic_lanes(coded.count, cpu.model->autoregressive());
      LosslessReport rep;
      const std::string bytes = compress_lossless(cpu.model, coded, bb, &rep, true);
      write_file_atomic(dir + "/test.vlae", bytes);
      const auto t0 = std::chrono::steady_clock::now();
      const Images back = decompress_lossless(cpu.model, bytes, dir + "/test.vlae", true);
      const double dsec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (back.pixels != coded.pixels) throw std::runtime_error(sm.name + ": lossless round trip differs");
      EvalOptions ce;
      ce.iwae_samples = 0;
      ce.elbo_samples = 8;
      const EvalResult cev = evaluate(cpu.model, coded, ce);
      const double dims = static_cast<double>(coded.count * coded.dims());
      StudyLossless l;
      l.images = coded.count;
      l.bytes = static_cast<int64_t>(rep.bytes);
      l.bits_per_dim = (8.0 * rep.bytes - rep.stats.initial_bits) / dims;
      l.neg_elbo_bits_per_dim = cev.neg_elbo_bits_per_dim;
      l.bits_back_per_image = rep.stats.bits_back / coded.count;
      l.compress_images_per_s = coded.count / std::max(1e-9, rep.seconds);
      l.decompress_images_per_s = coded.count / std::max(1e-9, dsec);
      m.lossless = l;
    }
    draw_figures(run.model, test, dir, o.figure_images, m);
    write_file_atomic(dir + "/study.json", to_json(m).dump(2) + "\n");
    res.models.push_back(m);
  }
  if (!spread.gather()) {
    res.complete = false;
    return res;
  }
  if (spread.active()) {  // every model's row, in the list's order
    res.models.clear();
    for (const auto& sm : models)
      res.models.push_back(study_row_from_json(nlohmann::json::parse(read_file(o.out + "/" + sm.name + "/study.json"))));
  }
  res.checks = study_claims(res.models);

  write_file_atomic(o.out + "/results.json", to_json(res).dump(2) + "\n");
  std::ostringstream csv, md;
  const char* keys[] = {"name", "rate_nats", "distortion_nats", "neg_elbo_bits_per_dim", "iwae_nll_nats",
                        "active_units", "mutual_info_nats", "lossless_bits_per_dim"};
  for (size_t i = 0; i < std::size(keys); ++i) csv << keys[i] << (i + 1 < std::size(keys) ? "," : "\n");
  for (const auto& row : res.models) {
    const auto m = to_json(row);
    for (size_t i = 0; i < std::size(keys); ++i) csv << m[keys[i]].dump() << (i + 1 < std::size(keys) ? "," : "\n");
  }
  write_file_atomic(o.out + "/results.csv", csv.str());
  md << "| model | KL (rate) nats | distortion nats | -ELBO bits/dim | IWAE NLL nats (K=" << o.iwae_samples
     << ") | active units | I(X;Z) nats | lossless bits/dim |\n|---|---|---|---|---|---|---|---|\n";
  char buf[320];
  for (const auto& m : res.models) {
    std::snprintf(buf, sizeof buf, "| %s | %.2f | %.2f | %.4f | %.2f | %d | %.2f | %.4f |\n", m.name.c_str(),
                  m.rate_nats, m.distortion_nats, m.neg_elbo_bits_per_dim, m.iwae_nll_nats,
                  static_cast<int>(m.active_units), m.mutual_info_nats, m.lossless ? m.lossless->bits_per_dim : NAN);
    md << buf;
  }
  md << "\nChecks:\n\n";
  for (const auto& c : res.checks) md << "- " << to_line(c) << "\n";
  write_file_atomic(o.out + "/results.md", md.str());
  return res;
}

std::vector<Claim> study_claims(const std::vector<StudyRow>& rows) {
  std::vector<Claim> checks;
  auto find = [&](const std::string& name) -> const StudyRow* {
    for (const auto& m : rows)
      if (m.name == name) return &m;
    return nullptr;
  };
  char buf[320];
  for (const char* name : {"pixelcnn", "pixelcnn-vh"})
    if (const auto* p = find(name)) {
      std::snprintf(buf, sizeof buf, "%s: KL %.3f nats, %d active units", name, p->rate_nats,
                    static_cast<int>(p->active_units));
      checks.push_back({"the uncured full PixelCNN collapses (KL < 1 nat, no active units)",
                        p->rate_nats < kCollapsedBelowNats && p->active_units == 0, buf});
    }
  for (const auto& m : rows) {
    const double floor = m.rate_floor_nats, rate = m.rate_nats;
    if (floor > 0) {
      const bool soft = m.cure == "free bits";
      std::snprintf(buf, sizeof buf, "%s: KL %.2f nats, floor %.2f nats%s", m.name.c_str(), rate, floor,
                    soft ? " (free bits: within 5%)" : "");
      checks.push_back({"the cure holds the rate at or above its floor",
                        rate >= (soft ? kFreeBitsFloorTolerance : 1.0) * floor, buf});
    } else if (m.cure == "kl annealing") {
      std::snprintf(buf, sizeof buf, "%s: KL %.2f nats, %d active units", m.name.c_str(), rate,
                    static_cast<int>(m.active_units));
      checks.push_back({"KL annealing keeps a code (KL >= 1 nat, active units > 0)",
                        rate >= kCollapsedBelowNats && m.active_units > 0, buf});
    }
  }
  // VLAE proper (local PixelCNN + AF prior): the single-stack and the two-stack decoder.
  const auto* fz = find("factorized");
  std::vector<const StudyRow*> vlaes;
  for (const char* name : {"vlae", "vlae-vh", "vlae-vh-freebits"})
    if (const auto* v = find(name)) vlaes.push_back(v);
  for (const auto* vl : vlaes) {
    if (!fz) break;
    std::snprintf(buf, sizeof buf, "%s: KL %.2f nats with %d active units; factorized VAE KL %.2f nats",
                  vl->name.c_str(), vl->rate_nats, static_cast<int>(vl->active_units), fz->rate_nats);
    checks.push_back({"VLAE keeps a smaller code than the factorized VAE, and uses it",
                      vl->rate_nats < fz->rate_nats && vl->active_units > 0, buf});
    if (vl->lossless && fz->lossless) {
      std::snprintf(buf, sizeof buf, "%s %.5f vs factorized %.5f bits/dim on %d images", vl->name.c_str(),
                    vl->lossless->bits_per_dim, fz->lossless->bits_per_dim, static_cast<int>(vl->lossless->images));
      checks.push_back({"VLAE's lossless files are smaller than the factorized VAE's",
                        vl->lossless->bits_per_dim < fz->lossless->bits_per_dim, buf});
    }
  }
  if (!vlaes.empty()) {
    std::string best, vlae_names;
    double best_nll = INFINITY, vlae_nll = INFINITY;
    for (const auto& m : rows)
      if (m.iwae_nll_nats < best_nll) {
        best_nll = m.iwae_nll_nats;
        best = m.name;
      }
    for (const auto* vl : vlaes) {
      vlae_nll = std::min(vlae_nll, vl->iwae_nll_nats);
      vlae_names += (vlae_names.empty() ? "" : ", ") + vl->name;
    }
    std::snprintf(buf, sizeof buf, "best IWAE NLL %.2f nats: %s (best VLAE, of %s: %.2f)", best_nll, best.c_str(),
                  vlae_names.c_str(), vlae_nll);
    checks.push_back({"VLAE reaches the best IWAE NLL of the lot", vlae_nll <= best_nll, buf});
  }
  return checks;
}

}  // namespace vlae
