#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "baselines/lossy_baselines.h"
#include "coding/container.h"
#include "coding/lossless.h"
#include "coding/lossy.h"
#include "eval/image_quality.h"
#include "helpers.h"
#include "train/run.h"
#include "util/atomic_file.h"
#include "util/error.h"

using namespace vlae;

class LossyRoundTrip : public ::testing::TestWithParam<Likelihood> {};

TEST_P(LossyRoundTrip, DecodesTheReportedReconstructions) {
  LoadedRun run = load_run(test::tiny_run(false, 2, GetParam()));
  const Images x = test::fashion(120);
  const LatentGrid grid = choose_grid(run.model, test::fashion(300, false, "train"));
  LossyReport r;
  const std::string bytes = compress_lossy(run.model, x, grid, &r);
  EXPECT_EQ(r.bytes, bytes.size());
  const Images y = decompress_lossy(run.model, bytes, "mem");
  ASSERT_EQ(y.count, x.count);
  double sq = 0;
  for (size_t i = 0; i < x.pixels.size(); ++i) sq += (double(x.pixels[i]) - y.pixels[i]) * (double(x.pixels[i]) - y.pixels[i]);
  EXPECT_NEAR(sq / x.pixels.size(), r.mse, 1e-6 * r.mse + 1e-9);  // the decoder sees exactly what the report measured
  EXPECT_GT(r.psnr_db, 10.0);
  EXPECT_GT(r.ssim, 0.05);  // a tiny two-epoch model: sanity only
  // The file costs what the codec says, plus a header and the flushed state.
  EXPECT_NEAR(r.bits, r.ideal_bits, 8.0 * (120 + 8 * run.config.model.latent_dim) + 64);
}
INSTANTIATE_TEST_SUITE_P(LogisticAndGaussian, LossyRoundTrip,
                         ::testing::Values(Likelihood::Logistic, Likelihood::Gaussian),
                         [](const auto& info) { return to_string(info.param); });

TEST(Lossy, DeadDimensionsCostNothingAndCoarserGridsCostLess) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(100);
  PosteriorWidths w = posterior_widths(run.model, test::fashion(200, false, "train"));
  w.kl_nats[0] = 0.0;  // pretend dimension 0 carries nothing
  const LatentGrid fine = make_grid(w, 0.5), coarse = make_grid(w, 2.0);
  EXPECT_EQ(fine.step[0], 0.0);
  const LossyReport a = measure_grid(run.model, x, fine), b = measure_grid(run.model, x, coarse);
  EXPECT_EQ(a.sent_dims, run.config.model.latent_dim - 1);
  EXPECT_GT(a.ideal_bits, b.ideal_bits);
  EXPECT_LE(a.nll_at_code_nats, b.nll_at_code_nats * 1.01);
  LatentGrid none = fine;
  std::fill(none.step.begin(), none.step.end(), 0.0);
  EXPECT_EQ(measure_grid(run.model, x, none).ideal_bits, 0.0);
}

TEST(Lossy, MoreSearchPassesNeverRaiseTheDistortionAndStillDecode) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(100);
  LatentGrid grid = make_grid(posterior_widths(run.model, test::fashion(200, false, "train")), 4.0);
  grid.search = false;
  const double nearest = measure_grid(run.model, x, grid).nll_at_code_nats;
  grid.search = true;
  double prev = nearest;
  for (int passes : {1, 2, 3}) {
    grid.search_passes = passes;
    LossyReport r;
    const std::string bytes = compress_lossy(run.model, x, grid, &r);
    EXPECT_LE(r.nll_at_code_nats, prev + 1e-3) << passes;  // each pass starts from the last one's code
    prev = r.nll_at_code_nats;
    EXPECT_EQ(decompress_lossy(run.model, bytes, "mem").count, x.count);
  }
  EXPECT_LT(prev, nearest);
  EXPECT_THROW(choose_grid(run.model, test::fashion(50, false, "train"), 0), InputError);
}

TEST(Lossy, FileErrors) {
  LoadedRun run = load_run(test::tiny_run(false));
  LoadedRun other = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(10);
  const LatentGrid grid = make_grid(posterior_widths(run.model, x), 1.0);
  const std::string bytes = compress_lossy(run.model, x, grid, nullptr);
  EXPECT_THROW(decompress_lossy(other.model, bytes, "f"), InputError);
  EXPECT_THROW(decompress_lossy(run.model, bytes.substr(0, bytes.size() - 3), "f"), InputError);
  std::string flipped = bytes;
  flipped[60] ^= 1;
  EXPECT_THROW(decompress_lossy(run.model, flipped, "f"), InputError);
  BitsBackConfig cfg;
  EXPECT_THROW(decompress_lossy(run.model, compress_lossless(run.model, x, cfg, nullptr, false), "f"), InputError);
}

TEST(Lossy, ImageQualityMetrics) {
  std::vector<uint8_t> a(28 * 28), b(28 * 28);
  for (size_t i = 0; i < a.size(); ++i) a[i] = b[i] = static_cast<uint8_t>((i * 7) % 256);
  EXPECT_NEAR(ssim(a.data(), b.data(), 28, 28), 1.0, 1e-12);
  for (auto& v : b) v = static_cast<uint8_t>(255 - v);
  EXPECT_LT(ssim(a.data(), b.data(), 28, 28), 0.0);
  EXPECT_NEAR(psnr_db(255.0 * 255.0 / 100.0), 20.0, 1e-9);
}

TEST(Lossy, ClassicalBaselinesTradeRateForDistortion) {
  const Images x = test::fashion(16);
  std::vector<uint8_t> dec;
  const size_t lo = jpeg_roundtrip(x.image(0), 1, 28, 28, 10, &dec), hi = jpeg_roundtrip(x.image(0), 1, 28, 28, 90, &dec);
  EXPECT_LT(lo, hi);
  LossyBaselineOptions o;
  o.avif_speed = 8;  // the ladder's shape, fast; speed 0 is the default everywhere else
  const auto pts = lossy_baselines(x, false, o);
  ASSERT_EQ(pts.size(), 2u * (14 + 12 + std::size(kJpegXlDistances) + std::size(kAvifQuantizers)));
  // Higher quality: more bits and higher PSNR, for every codec in atlas form (JPEG XL's distance
  // and AVIF's quantizer fall as quality rises: their ladders run from coarse to fine).
  for (const char* codec : {"jpeg", "webp"}) {
    std::vector<LossyPoint> c;
    for (const auto& p : pts)
      if (p.codec == codec && p.form == "atlas") c.push_back(p);
    EXPECT_GT(c.back().bits_per_pixel, c.front().bits_per_pixel) << codec;
    EXPECT_GT(c.back().psnr_db, c.front().psnr_db + 5) << codec;
  }
  for (const char* codec : {"jpegxl", "avif"}) {
    std::vector<LossyPoint> c;
    for (const auto& p : pts)
      if (p.codec == codec && p.form == "atlas") c.push_back(p);
    ASSERT_GE(c.size(), 4u) << codec;
    const bool avif = std::string(codec) == "avif";
    const auto& fine = avif ? c.back() : c.front();  // AVIF: quantizers 63 .. 30; JPEG XL: distances 2 .. 25
    const auto& coarse = avif ? c.front() : c.back();
    EXPECT_GT(fine.bits_per_pixel, coarse.bits_per_pixel) << codec;
    EXPECT_GT(fine.psnr_db, coarse.psnr_db + 5) << codec;
  }
}

TEST(Sweep, ResultsFigureAndChecks) {
  const std::string dir = test::temp_dir("sweep");
  const auto r = test::run_cli("sweep --data fashion-mnist --limit 1000 --out " + dir +
                               " --betas 0.5,4 --epochs 1 --hidden 32 --latent-dim 4 --batch-size 50"
                               " --eval-limit 100 --calibration 100 --iwae-samples 5 --avif-speed 8");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/results.json"));
  ASSERT_EQ(j["models"].size(), 2u);
  for (const char* key : {"beta", "rate_nats", "distortion_nats", "bits_per_pixel", "psnr_db", "active_units",
                          "mutual_info_nats", "iwae_nll_nats", "kl_bits_per_pixel", "actual_over_kl"})
    EXPECT_TRUE(j["models"][0].contains(key)) << key;
  EXPECT_GT(j["models"][0]["rate_nats"].get<double>(), j["models"][1]["rate_nats"].get<double>());  // beta 0.5 vs 4
  EXPECT_FALSE(j["checks"].empty());
  EXPECT_GT(std::filesystem::file_size(dir + "/rd.png"), 1000u);
  EXPECT_GT(std::filesystem::file_size(dir + "/rd.svg"), 1000u);
  EXPECT_TRUE(std::filesystem::exists(dir + "/results.csv"));
  // A second call reuses the trained models.
  const auto again = test::run_cli("sweep --data fashion-mnist --limit 1000 --out " + dir +
                                   " --betas 0.5,4 --epochs 1 --hidden 32 --latent-dim 4 --batch-size 50"
                                   " --eval-limit 100 --calibration 100 --iwae-samples 5 --avif-speed 8");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("already trained"), std::string::npos);
  EXPECT_EQ(test::run_cli("sweep --out " + dir + " --betas 1,abc").code, 2);
}

// A sweep over a shipped transform coder (an exported, weights-only run counts as trained) codes
// with refined latents and takes the classical codecs' points from a `vlae baselines` file made on
// the same images; a file made on other images, or without the strongest codecs, is refused first.
TEST(Sweep, TransformCodersWithRefinedLatentsAndGivenBaselines) {
  const std::string dir = test::temp_dir("sweep-refine");
  std::filesystem::copy(std::string(VLAE_SOURCE_DIR) + "/models/fashion-mnist-hyperprior-b1", dir + "/beta-1");
  const std::string same = dir + "/same.json", other = dir + "/other.json", classic = dir + "/classic.json";
  for (const auto& [file, flags] : {std::pair<std::string, std::string>{same, "--limit 30"},
                                    {other, "--limit 20"}, {classic, "--limit 30 --classic-only"}}) {
    const auto b = test::run_cli("baselines --data fashion-mnist --split test --lossy --avif-speed 8 " + flags +
                                 " --json " + file);
    ASSERT_EQ(b.code, 0) << b.output;
  }
  const std::string sweep = "sweep --data fashion-mnist --out " + dir +
                            " --model hyperprior --gdn --mixed-quantization --channels 48 --latent-dim 32 --epochs 6"
                            " --betas 1 --eval-limit 30 --iwae-samples 0 --avif-speed 8 --refine-steps 20";
  test::expect_usage_error(sweep + " --baselines " + other, "--baselines");
  test::expect_usage_error(sweep + " --baselines " + classic, "no jpegxl");
  test::expect_usage_error("sweep --data fashion-mnist --out " + dir + "/vae --betas 1 --refine-steps 5",
                           "--refine-steps");
  const auto r = test::run_cli(sweep + " --baselines " + same);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("already trained"), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/results.json"));
  ASSERT_EQ(j["models"].size(), 1u);
  EXPECT_EQ(j["models"][0]["refine_steps"], 20);
  EXPECT_GT(j["models"][0]["psnr_db"].get<double>(), 20.0);
  const auto given = nlohmann::json::parse(read_file(same));
  ASSERT_EQ(j["baselines"].size(), given["points"].size());
  for (size_t i = 0; i < given["points"].size(); ++i)
    EXPECT_EQ(j["baselines"][i]["bits_per_pixel"], given["points"][i]["bits_per_pixel"]) << i;
  // Training on past its epochs needs the optimizer state an exported model does not hold.
  test::expect_usage_error("train --out " + dir + "/beta-1 --resume --epochs 7", "weights only");
}

// With --rec the sweep also sends a sample of q(z|x) for each beta and draws it in its figure.
TEST(Sweep, RelativeEntropyCodePerBeta) {
  const std::string dir = test::temp_dir("sweep-rec");
  const auto r = test::run_cli("sweep --data fashion-mnist --limit 1000 --out " + dir +
                               " --betas 1 --epochs 1 --hidden 32 --latent-dim 4 --batch-size 50"
                               " --eval-limit 30 --calibration 100 --iwae-samples 2 --avif-speed 8 --rec");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/results.json"));
  const auto& rec = j["models"][0]["rec"];
  EXPECT_EQ(rec["codec"], "rec");
  EXPECT_GT(rec["bits_per_pixel"].get<double>(), 0.0);
  EXPECT_GT(rec["psnr_db"].get<double>(), 5.0);
  EXPECT_GT(std::filesystem::file_size(dir + "/rd_vae_rec.dat"), 20u);
  EXPECT_TRUE(std::filesystem::exists(dir + "/beta-1/test.lossy.vlae.rec"));
  EXPECT_EQ(test::run_cli("sweep --out " + dir + " --betas 1 --rec --rec-block-nats 0").code, 2);
}
