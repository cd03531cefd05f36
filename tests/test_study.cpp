// vlae study collapse end to end on a tiny budget, and the errors of the new model flags.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "helpers.h"
#include "util/atomic_file.h"

using namespace vlae;
using test::run_cli;

using test::expect_usage_error;

TEST(Study, CollapseStudyWritesResultsFiguresAndChecks) {
  const std::string dir = test::temp_dir("study");
  const auto r = run_cli("study collapse --data mnist --binarize dynamic --out " + dir +
                         "/s --models factorized,pixelcnn-delta,vlae,vlae-vh --epochs 1 --limit 300 --eval-limit 20 "
                         "--code-limit 3 --iwae-samples 3 --latent-dim 4 --pixel-channels 8 --flow-hidden 16 "
                         "--figure-images 4 --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/s/results.json"));
  ASSERT_EQ(j["models"].size(), 4u);
  for (const auto& m : j["models"]) {
    for (const char* key : {"rate_nats", "distortion_nats", "neg_elbo_bits_per_dim", "iwae_nll_nats", "active_units",
                            "mutual_info_nats", "lossless_bits_per_dim"})
      EXPECT_TRUE(m.contains(key)) << key;
    EXPECT_GT(m["lossless_bits_per_dim"].get<double>(), 0.0);
    for (const char* fig : {"reconstructions", "samples", "lossy_code"})
      EXPECT_TRUE(std::filesystem::exists(m["figures"][fig].get<std::string>())) << fig;
    EXPECT_LE(m["iwae_nll_nats"].get<double>(), -m["elbo_nats"].get<double>() + 1.0);
  }
  // δ-VAE commits its floor: 0.1 nats x 4 dimensions.
  EXPECT_EQ(j["models"][1]["name"], "pixelcnn-delta");
  EXPECT_GE(j["models"][1]["rate_nats"].get<double>(), 0.4);
  EXPECT_EQ(j["models"][2]["prior"], "af");
  EXPECT_EQ(j["models"][2]["receptive_field"], "local");
  // vlae-vh: the same local field and AF prior, on the gated two-stack decoder.
  EXPECT_EQ(j["models"][3]["prior"], "af");
  const auto vh = nlohmann::json::parse(read_file(j["models"][3]["run"].get<std::string>() + "/config.json"));
  EXPECT_EQ(vh["model"]["pixel_stack"], "vh");
  EXPECT_TRUE(vh["model"]["gated"].get<bool>());
  int vlae_checks = 0;  // both VLAE rows are checked against the factorized VAE
  for (const auto& c : j["checks"])
    if (c["claim"].get<std::string>().rfind("VLAE", 0) == 0) ++vlae_checks;
  EXPECT_EQ(vlae_checks, 2 + 2 + 1);
  EXPECT_FALSE(j["checks"].empty());
  EXPECT_TRUE(std::filesystem::exists(dir + "/s/results.md"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/s/results.csv"));
  // A study of another model list into the same folder (as a second process would run it) trains
  // only its own model and rewrites results.json with that model alone.
  const std::string flags = " --epochs 1 --limit 300 --eval-limit 20 --code-limit 3 --iwae-samples 3 --latent-dim 4 "
                            "--pixel-channels 8 --flow-hidden 16 --figure-images 4 --threads 1";
  const auto other = run_cli("study collapse --data mnist --binarize dynamic --out " + dir +
                             "/s --models vlae-vh-freebits" + flags);
  ASSERT_EQ(other.code, 0) << other.output;
  const auto jo = nlohmann::json::parse(read_file(dir + "/s/results.json"));
  ASSERT_EQ(jo["models"].size(), 1u);
  const auto fb = nlohmann::json::parse(read_file(jo["models"][0]["run"].get<std::string>() + "/config.json"));
  EXPECT_EQ(fb["model"]["pixel_stack"], "vh");
  EXPECT_EQ(fb["model"]["prior"], "af");
  EXPECT_DOUBLE_EQ(fb["objective"]["free_bits"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(jo["models"][0]["rate_floor_nats"].get<double>(), 0.25 * 4);
  // A run over models of both lists reuses each from its own folder: nothing is trained or scored.
  const auto again = run_cli("study collapse --data mnist --binarize dynamic --out " + dir +
                             "/s --models factorized,vlae,vlae-vh-freebits" + flags);
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(again.output.find("epoch 1/1"), std::string::npos) << again.output;
  size_t reused = 0;
  for (size_t at = 0; (at = again.output.find("evaluated before with these settings, reused", at)) != std::string::npos; ++at)
    ++reused;
  EXPECT_EQ(reused, 3u) << again.output;
  const auto j2 = nlohmann::json::parse(read_file(dir + "/s/results.json"));
  ASSERT_EQ(j2["models"].size(), 3u);
  EXPECT_EQ(j2["models"][1], j["models"][2]);
  EXPECT_EQ(j2["models"][2], jo["models"][0]);
  int fb_vlae_checks = 0;  // the cured VLAE is a VLAE row: checked too
  for (const auto& c : j2["checks"])
    if (c["detail"].get<std::string>().find("vlae-vh-freebits") != std::string::npos) ++fb_vlae_checks;
  EXPECT_EQ(fb_vlae_checks, 4);  // its floor, its code and its files against the factorized VAE's, best NLL
}

TEST(Study, BadFlagsAreUsageErrors) {
  const std::string dir = test::temp_dir("studyerr");
  expect_usage_error("study collapse --data mnist --out " + dir + "/s --models factorized,transformer", "--models");
  expect_usage_error("train --out " + dir + "/r --model pixelcnn --receptive-field medium", "--receptive-field");
  expect_usage_error("train --out " + dir + "/r --prior gamma", "--prior");
  expect_usage_error("train --out " + dir + "/r --model pixelcnn --pixel-linear 4", "--pixel-linear");
  expect_usage_error("train --out " + dir + "/r --model mlp --pixel-linear 5", "--pixel-linear");
  expect_usage_error("train --out " + dir + "/r --prior ar1 --ar1-alpha 1.5", "--ar1-alpha");
  // The lossy codec needs a factorized decoder.
  const auto t = run_cli("train --data mnist --binarize dynamic --limit 64 --epochs 1 --model vlae --latent-dim 2 "
                         "--pixel-channels 4 --flow-hidden 8 --out " + dir + "/v");
  ASSERT_EQ(t.code, 0) << t.output;
  expect_usage_error("compress --run " + dir + "/v --limit 2 --lossy -o " + dir + "/x.vlae", "factorized decoder");
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.vlae"));
  // Bits-back needs a Gaussian posterior: an IAF run is refused with a clear message.
  const auto i = run_cli("train --data mnist --binarize dynamic --limit 64 --epochs 1 --posterior iaf --latent-dim 2 "
                         "--flow-hidden 8 --out " + dir + "/i");
  ASSERT_EQ(i.code, 0) << i.output;
  expect_usage_error("compress --run " + dir + "/i --limit 2 -o " + dir + "/y.vlae", "--posterior iaf");
  expect_usage_error("train --out " + dir + "/r --posterior normalizing", "--posterior");
}
