#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "helpers.h"
#include "util/atomic_file.h"

using namespace vlae;
using test::run_cli;

using test::expect_usage_error;

TEST(Cli, BadUsageExitsTwoWithOneLine) {
  const std::string dir = test::temp_dir("cli");
  expect_usage_error("frobnicate", "frobnicate");
  expect_usage_error("train --out " + dir + "/r --epochs nope", "--epochs");
  expect_usage_error("train --out " + dir + "/r --data nowhere.idx", "nowhere.idx");
  expect_usage_error("train --out " + dir + "/r --model transformer", "--model");
  expect_usage_error("train --out " + dir + "/r --binarize maybe", "--binarize");
  expect_usage_error("train --out " + dir + "/r --kl-anneal quadratic:5", "--kl-anneal");
  expect_usage_error("train --out " + dir + "/r --capacity 5", "--capacity");
  expect_usage_error("train --out " + dir + "/r --device tpu", "--device");
  expect_usage_error("train --out " + dir + "/r --hidden-layers 0", "--hidden-layers");
  expect_usage_error("compress --lossy --run " + test::tiny_run(false) + " --limit 5 --search-passes 0 -o " + dir +
                         "/l.vlae", "--search-passes");
  expect_usage_error("sweep --out " + dir + "/sw --search-passes 99", "--search-passes");
  expect_usage_error("compress --run " + test::tiny_run(false) + " --limit 5 --lane-start first -o " + dir + "/s.vlae",
                     "--lane-start");
  expect_usage_error("compress --run " + test::tiny_run(false) + " --limit 5 --importance-samples 3 -o " + dir + "/s.vlae",
                     "--importance-samples");
  expect_usage_error("compress --run " + test::tiny_run(false) + " --limit 5 --codec rec --lane-start prior-median -o " +
                         dir + "/s.vlae", "--lane-start");
  expect_usage_error("train --out " + dir + "/r --likelihood poisson", "--likelihood");
  expect_usage_error("train --out " + dir + "/r --likelihood gaussian --binarize static", "--likelihood gaussian");
  expect_usage_error("train --out " + dir + "/r --likelihood gaussian --model pixelcnn", "--likelihood gaussian");
  expect_usage_error("eval --run " + dir + "/missing", "missing");
  expect_usage_error("compress --run " + dir + "/missing -o x", "missing");
  expect_usage_error("decompress --run " + test::tiny_run(false) + " " + dir + "/none.vlae -o " + dir + "/o.idx",
                     "none.vlae");
  test::write_bytes(dir + "/junk.vlae", "VLAE\x01\x00garbage");
  expect_usage_error("decompress --run " + test::tiny_run(false) + " " + dir + "/junk.vlae -o " + dir + "/o.idx",
                     "junk.vlae");
  EXPECT_FALSE(std::filesystem::exists(dir + "/o.idx"));  // nothing left behind
  expect_usage_error("eval --run " + test::tiny_run(false) + " --data mnist --limit 0", "--limit");
}

TEST(Cli, HelpExitsZero) {
  EXPECT_EQ(run_cli("--help").code, 0);
  const auto r = run_cli("train --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("--kl-anneal"), std::string::npos);
}

TEST(Cli, EvalJsonHasTheContractKeys) {
  const std::string dir = test::temp_dir("evaljson");
  const auto r = run_cli("eval --run " + test::tiny_run(false) + " --limit 100 --iwae-samples 20 --json " + dir +
                         "/e.json");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/e.json"));
  for (const char* key : {"elbo_nats", "rate_nats", "distortion_nats", "neg_elbo_bits_per_dim", "iwae_nll_nats",
                          "iwae_samples", "kl_per_dim_nats", "active_units", "mutual_info_nats", "marginal_kl_nats",
                          "images", "mse", "psnr_db"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_NEAR(j["elbo_nats"].get<double>(), -(j["rate_nats"].get<double>() + j["distortion_nats"].get<double>()), 1e-6);
  EXPECT_LE(j["iwae_nll_nats"].get<double>(), -j["elbo_nats"].get<double>());
  EXPECT_EQ(j["images"].get<int>(), 100);
  EXPECT_EQ(j["kl_per_dim_nats"].size(), 8u);
  EXPECT_LT(j["neg_elbo_bits_per_dim"].get<double>(), 8.0);
  EXPECT_GT(j["psnr_db"].get<double>(), 5.0);  // a tiny one-epoch model: only sanity
}

TEST(Cli, CompressJsonHasTheContractKeys) {
  const std::string dir = test::temp_dir("compressjson");
  const auto r = run_cli("compress --run " + test::tiny_run(true) + " --limit 64 -o " + dir + "/f.vlae --json " + dir +
                         "/c.json");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/c.json"));
  for (const char* key : {"images", "bytes", "bits_per_dim", "bits_per_dim_with_initial", "neg_elbo_bits_per_dim",
                          "naive_bits_per_dim", "bits_back_per_image", "initial_bits", "compress_images_per_s"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["bytes"].get<uint64_t>(), std::filesystem::file_size(dir + "/f.vlae"));
  // Equal where every lane starts under p(x | z_median) and no later pop runs dry: no initial bits.
  EXPECT_LE(j["bits_per_dim"].get<double>(), j["bits_per_dim_with_initial"].get<double>());
  EXPECT_EQ(j["bits_per_dim"].get<double>() < j["bits_per_dim_with_initial"].get<double>(), j["initial_bits"].get<uint64_t>() > 0);
  EXPECT_LE(j["median_start_lanes"].get<int64_t>(), j["lanes"].get<int64_t>());
  EXPECT_LT(j["bits_per_dim"].get<double>(), j["naive_bits_per_dim"].get<double>());
  EXPECT_GT(j["neg_elbo_bits_per_dim"].get<double>(), 0.0);

  // --reference-samples 0: the same file, no reference scored (null in the JSON, said in the report).
  const auto none = run_cli("compress --run " + test::tiny_run(true) + " --limit 64 --reference-samples 0 -o " + dir +
                            "/g.vlae --json " + dir + "/g.json");
  ASSERT_EQ(none.code, 0) << none.output;
  EXPECT_NE(none.output.find("not scored"), std::string::npos) << none.output;
  const auto g = nlohmann::json::parse(read_file(dir + "/g.json"));
  EXPECT_TRUE(g["neg_elbo_bits_per_dim"].is_null());
  EXPECT_TRUE(g["overhead_vs_neg_elbo_percent"].is_null());
  EXPECT_EQ(read_file(dir + "/g.vlae"), read_file(dir + "/f.vlae"));
  test::expect_usage_error("compress --run " + test::tiny_run(true) + " --limit 4 --reference-samples -1 -o " + dir + "/h.vlae",
                           "--reference-samples");
}

TEST(Cli, KilledTrainingLeavesAUsableCheckpoint) {
  const std::string dir = test::temp_dir("killed");
  const std::string run = dir + "/run";
  // Many epochs of a small model in the background; kill it (SIGKILL: no chance to clean up) once
  // the first checkpoint exists, while later epochs are being written.
  const std::string cmd = std::string(VLAE_BINARY) + " train --data fashion-mnist --limit 2000 --hidden 32 --latent-dim 4" +
                          " --epochs 1000 --batch-size 50 --test-limit 50 --out " + run + " >/dev/null 2>&1 & echo $!";
  FILE* p = popen(cmd.c_str(), "r");
  long pid = 0;
  ASSERT_EQ(std::fscanf(p, "%ld", &pid), 1);
  pclose(p);
  for (int i = 0; i < 600 && !std::filesystem::exists(run + "/checkpoint.pt"); ++i) usleep(50000);
  usleep(700000);
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
  usleep(200000);
  const auto e = run_cli("eval --run " + run + " --limit 50 --iwae-samples 0");
  EXPECT_EQ(e.code, 0) << e.output;
  const auto r = run_cli("train --out " + run + " --epochs 1 --resume");
  EXPECT_EQ(r.code, 0) << r.output;  // already past epoch 1: nothing to do, but the checkpoint loads
}

TEST(Cli, TrainHonoursSplit) {
  const std::string dir = test::temp_dir("split");
  const auto r = run_cli("train --data mnist --split test --limit 400 --hidden 16 --latent-dim 2 --epochs 1"
                         " --batch-size 50 --test-limit 50 --out " + dir + "/run");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto cfg = nlohmann::json::parse(read_file(dir + "/run/config.json"));
  EXPECT_EQ(cfg["data"]["split"], "test");
  EXPECT_EQ(run_cli("train --split valid --out " + dir + "/bad").code, 2);
}

// vlae export: a run's model without its optimizer, a third of the size, that codes the same file,
// never overwrites a folder that holds something, and refuses to resume.
TEST(Cli, ExportShipsTheModelAlone) {
  const std::string dir = test::temp_dir("cli_export"), run = test::tiny_run(false);
  const auto e = run_cli("export --run " + run + " --out " + dir + "/model");
  ASSERT_EQ(e.code, 0) << e.output;
  EXPECT_LT(std::filesystem::file_size(dir + "/model/checkpoint.pt"),
            std::filesystem::file_size(run + "/checkpoint.pt") / 2);
  for (const std::string r : {run, dir + "/model"}) {
    const auto c = run_cli("compress --run " + r + " --limit 12 -o " + dir + "/" + std::to_string(r.size()) + ".vlae");
    ASSERT_EQ(c.code, 0) << c.output;
  }
  EXPECT_EQ(read_file(dir + "/" + std::to_string(run.size()) + ".vlae"),
            read_file(dir + "/" + std::to_string((dir + "/model").size()) + ".vlae"));
  expect_usage_error("export --run " + run + " --out " + dir + "/model", "not an empty folder");
  expect_usage_error("train --data fashion-mnist --limit 64 --epochs 2 --resume --out " + dir + "/model", "weights only");
}
