#include "serve/demo.h"

#include <cmath>
#include <filesystem>

#include "coding/bits_back.h"
#include "coding/container.h"
#include "data/dataset.h"
#include "coding/lossy_rec.h"
#include "coding/transform_codec.h"
#include "data/tensor.h"
#include "eval/generate.h"
#include "eval/image_quality.h"  // psnr_db
#include "model/likelihood.h"
#include "train/run.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {

constexpr double kLn2 = 0.6931471805599453;
constexpr int64_t kCalibrationImages = 200;  // training images that set relative-entropy coding's blocks
constexpr uint64_t kSampleSeed = 7;          // the decoder sample of p(x|z): the same for the same request

std::vector<int> to_vector(const Images& x, int64_t i, double scale = 1.0) {
  std::vector<int> v(static_cast<size_t>(x.dims()));
  for (int64_t j = 0; j < x.dims(); ++j) v[j] = static_cast<int>(std::lround(x.image(i)[j] * scale));
  return v;
}

}  // namespace

Demo Demo::load(const std::string& sweep_dir, const std::string& study_dir,
                const std::vector<std::string>& transform_runs) {
  Demo d;
  const SweepResults results = load_sweep_results(sweep_dir);
  d.baselines = nlohmann::json::array();
  for (const auto& p : results.baselines) d.baselines.push_back(to_json(p));
  d.data = results.data;
  for (const auto& m : results.models) {
    DemoModel dm;
    dm.beta = m.beta;
    // The run folder sits in the sweep directory, whatever the path the sweep was given.
    dm.run = (fs::path(sweep_dir) / fs::path(m.run).filename()).string();
    LoadedRun run = load_run(dm.run);
    if (transform_coder_arch(run.config.model.arch))
      throw InputError(sweep_dir + ": a sweep of transform coders (--model " + run.config.model.arch +
                       "); the page explains a VAE's posterior and bits back, so it serves VAE sweeps only");
    dm.model = run.model;
    const std::string coded = sweep_coded_test_file(dm.run);
    if (!fs::exists(coded)) throw InputError(coded + ": missing (rerun the sweep)");
    try {
      dm.grid.step = parse_coded_file(read_file(coded), coded).grid;
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (rerun `vlae sweep` on " + sweep_dir + " to recode it)");
    }
    dm.grid.scale = m.grid_scale;
    dm.grid.search_passes = m.search_passes;  // as the sweep coded its test images
    dm.summary = m;
    if (d.models.empty()) {
      DataSpec spec = run_data_spec(run.config);
      spec.split = "test";
      spec.limit = results.test_images;
      d.test = load_images(spec);
      spec.split = "train";
      spec.limit = kCalibrationImages;
      d.calibration = load_images(spec);
    }
    d.models.push_back(std::move(dm));
  }
  std::sort(d.models.begin(), d.models.end(), [](const DemoModel& a, const DemoModel& b) { return a.beta < b.beta; });
  for (const std::string& dir : transform_runs) {
    LoadedRun run = load_run(dir);
    if (!transform_coder_arch(run.config.model.arch))
      throw InputError("--transform-run " + dir + ": a '" + run.config.model.arch +
                       "' run, not a transform coder (--model factorized or hyperprior)");
    const DataSpec spec = run_data_spec(run.config);
    if (spec.data != d.data)
      throw InputError("--transform-run " + dir + ": trained on " + spec.data + ", the sweep is on " + d.data);
    DemoTransform t;
    t.name = fs::path(dir).filename().string();
    if (t.name.empty()) t.name = fs::path(dir).parent_path().filename().string();
    t.beta = run.config.objective.beta;
    const std::string bytes = compress_transform(run.model, d.test, &t.code);
    // The point is a file that decodes: decode it once and score what came back.
    LossyReport back;
    score_reconstructions(d.test, decompress_transform(run.model, bytes, dir), &back);
    if (back.mse != t.code.mse) throw std::runtime_error(dir + ": the transform code did not decode to what was scored");
    d.transforms.push_back(std::move(t));
  }
  std::sort(d.transforms.begin(), d.transforms.end(),
            [](const DemoTransform& a, const DemoTransform& b) { return a.code.bits < b.code.bits; });
  if (!study_dir.empty()) {
    d.study = load_study_results(study_dir);
    d.study_dir = study_dir;
  }
  return d;
}

nlohmann::json Demo::models_json() const {
  nlohmann::json ms = nlohmann::json::array();
  for (size_t i = 0; i < models.size(); ++i) {
    const auto s = to_json(models[i].summary);
    nlohmann::json m = {{"index", i}, {"beta", models[i].beta}};
    for (const char* k : {"rate_nats", "rate_bits", "distortion_nats", "bits_per_pixel", "kl_bits_per_pixel", "psnr_db",
                          "ssim", "mse", "active_units", "mutual_info_nats", "iwae_nll_nats", "elbo_nats",
                          "neg_elbo_bits_per_dim", "latent_dims_sent"})
      if (s.contains(k)) m[k] = s[k];
    ms.push_back(m);
  }
  const auto& c = models.front().model->config;
  nlohmann::json out = {{"data", data},
                        {"channels", c.image_channels},
                        {"height", c.height},
                        {"width", c.width},
                        {"latent_dim", c.latent_dim},
                        {"binary", c.likelihood == Likelihood::Bernoulli},
                        {"test_images", test.count},
                        {"models", ms},
                        {"baselines", baselines}};
  nlohmann::json ts = nlohmann::json::array();
  for (const auto& t : transforms) {
    const auto r = to_json(t.code);
    nlohmann::json e = {{"name", t.name}, {"beta", t.beta}};
    for (const char* k : {"bits_per_pixel", "psnr_db", "ssim", "mse"})
      if (r.contains(k)) e[k] = r[k];
    ts.push_back(e);
  }
  out["transforms"] = ts;
  if (study) {
    nlohmann::json sm = nlohmann::json::array();
    for (const auto& row : study->models) {
      const nlohmann::json m = to_json(row);
      nlohmann::json e;
      for (const char* k : {"name", "description", "cure", "rate_nats", "distortion_nats", "iwae_nll_nats",
                            "active_units", "mutual_info_nats", "lossless_bits_per_dim", "neg_elbo_bits_per_dim"})
        if (m.contains(k)) e[k] = m[k];
      const std::string name = m.value("name", std::string());
      e["figures"] = {{"lossy_code", "/study/" + name + "/lossy_code.png"},
                      {"samples", "/study/" + name + "/samples.png"},
                      {"reconstructions", "/study/" + name + "/reconstructions.png"}};
      sm.push_back(e);
    }
    out["study"] = {{"data", study->data}, {"models", sm}, {"checks", to_json(study->checks)}};
  }
  return out;
}

const DemoModel& Demo::pick(const nlohmann::json& which) const {
  if (which.is_number_integer()) {
    const int64_t i = which.get<int64_t>();
    if (i < 0 || i >= static_cast<int64_t>(models.size()))
      throw InputError("model index " + std::to_string(i) + " out of range 0.." + std::to_string(models.size() - 1));
    return models[i];
  }
  if (which.is_number()) return pick_beta(which);
  throw InputError("\"model\" must be an index (integer) or a beta (float)");
}

const DemoModel& Demo::pick_beta(const nlohmann::json& beta) const {
  if (!beta.is_number()) throw InputError("\"beta\" must be a number");
  const double b = beta.get<double>();
  for (const auto& m : models)
    if (std::abs(m.beta - b) < 1e-9 * std::max(1.0, m.beta)) return m;
  throw InputError("no model with beta " + beta.dump());
}

Images Demo::request_image(const nlohmann::json& req) const {
  const auto& c = models.front().model->config;
  Images x;
  x.count = 1;
  x.channels = c.image_channels;
  x.height = c.height;
  x.width = c.width;
  x.binary = c.likelihood == Likelihood::Bernoulli;
  if (req.contains("image")) {
    if (!req["image"].is_number_integer()) throw InputError("\"image\" must be a test image index");
    const int64_t i = req["image"].get<int64_t>();
    if (i < 0 || i >= test.count)
      throw InputError("image index " + std::to_string(i) + " out of range 0.." + std::to_string(test.count - 1));
    x.pixels.assign(test.image(i), test.image(i) + test.dims());
    return x;
  }
  if (req.contains("pixels")) {
    const auto& p = req["pixels"];
    if (!p.is_array() || static_cast<int64_t>(p.size()) != c.dims())
      throw InputError("\"pixels\" must be an array of " + std::to_string(c.dims()) + " values (" +
                       std::to_string(c.height) + "x" + std::to_string(c.width) +
                       (c.image_channels == 3 ? ", R plane, then G, then B, each row-major)" : ", row-major)"));
    x.pixels.resize(static_cast<size_t>(c.dims()));
    for (int64_t j = 0; j < c.dims(); ++j) {
      if (!p[j].is_number()) throw InputError("\"pixels\" must hold numbers 0..255");
      const double v = p[j].get<double>();
      if (!(v >= 0 && v <= 255)) throw InputError("\"pixels\" must hold numbers 0..255");
      // Binary models see the drawn image thresholded at half intensity.
      x.pixels[j] = x.binary ? (v >= 127.5 ? 1 : 0) : static_cast<uint8_t>(std::lround(v));
    }
    return x;
  }
  throw InputError("give \"image\" (a test index) or \"pixels\"");
}

nlohmann::json Demo::reconstruct(const DemoModel& m, const Images& x, const std::string& codec, bool sample) const {
  if (codec != "grid" && codec != "rec") throw InputError("\"codec\": expected \"grid\" or \"rec\", got \"" + codec + "\"");
  torch::NoGradGuard no_grad;
  VAE model = m.model;
  const auto& c = model->config;
  const int64_t d = c.dims();
  const double scale = x.binary ? 255.0 : 1.0;
  const auto xt = to_tensor(x);
  // Posterior and the model's own rate and distortion (E_q by 64 samples, fixed seed per request).
  const auto q = model->encode(xt);
  const auto kl = kl_to_standard_normal(q).squeeze(0).to(torch::kFloat64).contiguous();
  const auto mean = q.mean.squeeze(0).to(torch::kFloat64).contiguous();
  const auto std = q.std().squeeze(0).to(torch::kFloat64).contiguous();
  const double rate_nats = kl.sum().item<double>();
  torch::Generator gen = at::detail::createCPUGenerator(1234);
  const auto eps = at::randn({64, c.latent_dim}, gen);
  const auto z = q.mean + q.std() * eps;
  const double distortion_nats =
      -log_likelihood(c.likelihood, model->decoder->forward(z), xt.expand({64, d})).mean().item<double>();
  // The real lossy codec: code the posterior (its quantized mean, or a sample of it), decode it back.
  LossyReport lr;
  Images recon;
  std::vector<float> z_sent;
  nlohmann::json rec_info;
  if (codec == "grid") {
    const std::string bytes = compress_lossy(model, x, m.grid, &lr);
    recon = decompress_lossy(model, bytes, "request", false);
  } else {
    RecOptions ro;
    RecReport rr;
    const std::string bytes = compress_rec(model, x, calibration, ro, &rr);
    recon = decompress_rec(model, bytes, "request", false, &z_sent);
    lr = rr.lossy;
    rec_info = {{"blocks", rr.blocks}, {"mean_log2_candidates", rr.mean_log2_candidates}, {"exact_share", rr.exact_share},
                {"sample_nll_nats", rr.lossy.nll_at_code_nats / std::max<int64_t>(1, rr.lossy.images)}};
  }
  // The codec's report already scores the reconstruction it sends (MSE, PSNR, SSIM on 0..255);
  // the fidelity percentage needs the image's own variance beside it.
  double var = 0, mu = 0;
  for (int64_t j = 0; j < d; ++j) mu += x.pixels[j] * scale;
  mu /= d;
  for (int64_t j = 0; j < d; ++j) var += (x.pixels[j] * scale - mu) * (x.pixels[j] * scale - mu);
  const double mse = lr.mse, se = lr.mse * d, ssim_v = lr.ssim;
  // The real bits-back codec on this one image: naive cost, bits got back, net.
  BitsBackConfig bb;
  bb.lanes = 1;
  bb.lane_start = kStartInitialBits;  // the page shows what bits-back pays and gets back
  BitsBackStats st;
  bits_back_encode(model, x, bb, &st);
  const double raw_bits = d * (x.binary ? 1.0 : 8.0);
  std::vector<double> kl_v(kl.data_ptr<double>(), kl.data_ptr<double>() + c.latent_dim);
  std::vector<double> mean_v(mean.data_ptr<double>(), mean.data_ptr<double>() + c.latent_dim);
  std::vector<double> std_v(std.data_ptr<double>(), std.data_ptr<double>() + c.latent_dim);
  std::vector<int> sent(static_cast<size_t>(c.latent_dim));
  for (int64_t j = 0; j < c.latent_dim; ++j) sent[j] = m.grid.step[j] > 0 ? 1 : 0;
  nlohmann::json out = {
      {"beta", m.beta},
      {"codec", codec},
      {"channels", c.image_channels},
      {"height", c.height},
      {"width", c.width},
      {"input", to_vector(x, 0, scale)},
      {"reconstruction", to_vector(recon, 0)},
      {"posterior", {{"mean", mean_v}, {"std", std_v}, {"kl_nats", kl_v}, {"sent", sent}}},
      {"rate_nats", rate_nats},
      {"rate_bits", rate_nats / kLn2},
      {"distortion_nats", distortion_nats},
      {"distortion_bits", distortion_nats / kLn2},
      {"loss_nats", distortion_nats + m.beta * rate_nats},
      {"fidelity",
       {{"mse", mse},
        {"psnr_db", psnr_db(mse)},
        {"ssim", ssim_v},
        {"percent", 100.0 * std::max(0.0, 1.0 - se / std::max(var, 1e-9))},
        {"percent_definition", "100 * (1 - sum (x - x_hat)^2 / sum (x - mean(x))^2): the share of the image's pixel "
                               "variance the reconstruction explains, floored at 0"}}},
      {"lossy",
       {{"coded_bits", lr.ideal_bits},
        {"file_bytes", lr.bytes},
        {"raw_bits", raw_bits},
        // null when nothing is sent (every dimension dead): no finite ratio
        {"compression_ratio", lr.ideal_bits > 0 ? nlohmann::json(raw_bits / lr.ideal_bits) : nlohmann::json()},
        {"bits_per_pixel", lr.ideal_bits / static_cast<double>(c.height * c.width)},
        {"kl_bits", lr.kl_bits},
        {"latent_dims_sent", lr.sent_dims}}},
      {"bits_back",
       {{"naive_bits", st.naive_bits()},
        {"z_prior_bits", st.z_prior_bits},
        {"x_bits", st.x_bits},
        {"bits_back", st.bits_back},
        {"net_bits", st.net_bits()},
        {"neg_elbo_bits", (distortion_nats + rate_nats) / kLn2},
        {"gain_percent", 100.0 * st.bits_back / std::max(st.naive_bits(), 1e-9)},
        {"raw_bits", raw_bits}}},
  };
  if (codec == "rec") out["rec"] = rec_info;
  if (sample) {
    // A draw of p(x|z): at the sample the relative-entropy code sent, or for the grid codec at the
    // posterior mean (its grid cell lies within half a step of it).
    const torch::Tensor z = codec == "rec" ? torch::from_blob(z_sent.data(), {1, c.latent_dim}).clone() : q.mean;
    const Images s = decode_latents(model, z, false, kSampleSeed);
    out["sample"] = to_vector(s, 0, s.binary ? 255.0 : 1.0);
  }
  return out;
}

}  // namespace vlae
