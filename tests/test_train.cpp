#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "helpers.h"
#include "train/fused_adam.h"
#include "train/lr_schedule.h"
#include "train/run.h"
#include "train/trainer.h"
#include "util/error.h"

using namespace vlae;
using vlae::test::expect_input_error;

namespace {
RunConfig small_config(int64_t epochs) {
  RunConfig cfg;
  cfg.model.hidden = 32;
  cfg.model.latent_dim = 4;
  cfg.train.data.limit = 600;
  cfg.train.epochs = epochs;
  cfg.train.batch_size = 50;
  cfg.train.test_limit = 100;
  return cfg;
}
std::vector<nlohmann::json> metrics(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}
}  // namespace

TEST(Train, LossFallsAndMetricsAreWritten) {
  const std::string dir = test::temp_dir("falls");
  TrainOptions opt;
  opt.progress = false;
  train(dir, small_config(3), opt);
  const auto m = metrics(dir);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_LT(m[2]["train"]["loss"].get<double>(), m[0]["train"]["loss"].get<double>());
  EXPECT_LT(m[2]["test"]["neg_elbo_bits_per_dim"].get<double>(), 8.0);  // far below raw 8-bit pixels
}

TEST(Train, DynamicBinarizationLearnsTheData) {
  // A model trained on freshly binarized digits must beat 1 bit/pixel (a coin flip per pixel)
  // by far; it would sit at 1.0 if the binarization ignored the images.
  const std::string dir = test::temp_dir("dynamic");
  RunConfig cfg = small_config(3);
  cfg.train.data.data = "mnist";
  cfg.train.data.limit = 3000;
  cfg.model.hidden = 64;
  cfg.train.data.binarize = Binarize::Dynamic;
  TrainOptions opt;
  opt.progress = false;
  train(dir, cfg, opt);
  EXPECT_LT(metrics(dir).back()["test"]["neg_elbo_bits_per_dim"].get<double>(), 0.6);
}

TEST(Train, ResumeContinuesExactlyAsUninterrupted) {
  TrainOptions opt;
  opt.progress = false;
  const std::string a = test::temp_dir("straight"), b = test::temp_dir("resumed");
  train(a, small_config(2), opt);
  train(b, small_config(1), opt);
  EXPECT_THROW(train(b, small_config(2), opt), InputError);  // exists: needs --resume
  opt.resume = true;
  EXPECT_EQ(train(b, small_config(2), opt), 1);
  EXPECT_EQ(train(b, small_config(2), opt), 0);  // already complete: nothing to do
  VAE ma = load_run(a).model, mb = load_run(b).model;
  auto pa = ma->parameters(), pb = mb->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
  EXPECT_EQ(metrics(a).back()["test"], metrics(b).back()["test"]);
}

// --init-from: a new run starts from another run's weights and model configuration (the flags'
// model is ignored); at a learning rate too small to move them, its first test score is the
// source's. A missing source is an input error; a resumed run keeps its own checkpoint.
TEST(Train, InitFromStartsFromTheSourcesWeights) {
  TrainOptions opt;
  opt.progress = false;
  const std::string a = test::temp_dir("init-source"), b = test::temp_dir("init-tuned");
  train(a, small_config(1), opt);
  RunConfig cfg = small_config(1);
  cfg.model.hidden = 16;  // ignored: the source's 32 wins
  cfg.train.lr = 1e-12;
  opt.init_from = a;
  train(b, cfg, opt);
  const RunConfig got = load_run_config(b);
  EXPECT_EQ(got.model.hidden, 32);
  EXPECT_EQ(got.train.init_from, a);
  EXPECT_NEAR(metrics(b)[0]["test"]["neg_elbo_bits_per_dim"].get<double>(),
              metrics(a)[0]["test"]["neg_elbo_bits_per_dim"].get<double>(), 1e-4);
  // Without the source's weights the same run scores as a fresh model: far from the source.
  TrainOptions fresh;
  fresh.progress = false;
  const std::string c = test::temp_dir("init-none");
  RunConfig same = cfg;
  same.model.hidden = 32;
  train(c, same, fresh);
  EXPECT_GT(std::abs(metrics(c)[0]["test"]["neg_elbo_bits_per_dim"].get<double>() -
                     metrics(a)[0]["test"]["neg_elbo_bits_per_dim"].get<double>()), 0.05);
  opt.resume = true;
  opt.init_from = test::temp_dir("init-missing") + "/nothing";
  cfg.train.epochs = 2;
  EXPECT_EQ(train(b, cfg, opt), 1);  // resumed: the missing source is never read
  opt.resume = false;
  expect_input_error([&] { train(test::temp_dir("init-other"), cfg, opt); }, "--init-from: ");
}

// --lr-final: a cosine from --lr at step 0 to the final rate at the last step, recorded per epoch;
// a resumed run may be given one, which config.json then keeps; without it nothing changes.
TEST(Train, LearningRateScheduleDecaysToTheFinalRate) {
  EXPECT_DOUBLE_EQ(scheduled_lr(1e-3, -1, 50, 100), 1e-3);
  EXPECT_DOUBLE_EQ(scheduled_lr(1e-3, 1e-5, 0, 100), 1e-3);
  EXPECT_DOUBLE_EQ(scheduled_lr(1e-3, 1e-5, 99, 100), 1e-5);
  EXPECT_NEAR(scheduled_lr(1e-3, 0, 99, 199), 0.5e-3, 1e-12);  // halfway: the mean of the two
  for (int64_t t = 1; t < 100; ++t) EXPECT_LT(scheduled_lr(1e-3, 1e-5, t, 100), scheduled_lr(1e-3, 1e-5, t - 1, 100));
  TrainOptions opt;
  opt.progress = false;
  const std::string a = test::temp_dir("lr-decay"), b = test::temp_dir("lr-constant");
  RunConfig cfg = small_config(3);
  cfg.train.lr_final = 1e-5;
  train(a, cfg, opt);
  const auto m = metrics(a);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_LT(m[1]["lr"].get<double>(), m[0]["lr"].get<double>());
  EXPECT_DOUBLE_EQ(m[2]["lr"].get<double>(), 1e-5);  // the last step's
  EXPECT_DOUBLE_EQ(load_run_config(a).train.lr_final, 1e-5);
  train(b, small_config(1), opt);
  EXPECT_DOUBLE_EQ(metrics(b)[0]["lr"].get<double>(), 1e-3);
  EXPECT_EQ(to_json(load_run_config(b))["train"].count("lr_final"), 0u);  // configs without a schedule as before
  TrainOptions resume;
  resume.progress = false;
  resume.resume = true;
  // The decayed run trains a different model from the constant one, from the same seed.
  train(b, small_config(3), resume);
  EXPECT_FALSE(torch::equal(load_run(a).model->parameters()[0], load_run(b).model->parameters()[0]));
  // Resumed with a schedule: config.json keeps it.
  RunConfig later = small_config(4);
  later.train.lr_final = 2e-4;
  train(b, later, resume);
  EXPECT_DOUBLE_EQ(load_run_config(b).train.lr_final, 2e-4);
  EXPECT_NEAR(metrics(b).back()["lr"].get<double>(), 2e-4, 1e-12);
  RunConfig bad = small_config(1);
  bad.train.lr_final = 1.0;
  EXPECT_THROW(train(test::temp_dir("lr-bad"), bad, opt), InputError);
}

TEST(Train, CorruptCheckpointIsAnInputError) {
  TrainOptions opt;
  opt.progress = false;
  const std::string dir = test::temp_dir("corrupt");
  train(dir, small_config(1), opt);
  test::write_bytes(checkpoint_path(dir), "garbage");
  EXPECT_THROW(load_run(dir), InputError);
}

// The single-pass Adam equals torch's Adam step for step, and keeps its state where torch does,
// so a checkpoint written after fused steps resumes under either.
TEST(FusedAdam, MatchesTorchAdamAndSharesItsState) {
  torch::manual_seed(4);
  std::vector<torch::Tensor> a, b;
  for (int64_t n : {7L, 1000L, 70000L}) {  // below, at and above the parallel grain
    a.push_back(torch::randn({n}).requires_grad_(true));
    b.push_back(a.back().detach().clone().requires_grad_(true));
  }
  torch::optim::Adam ta(a, torch::optim::AdamOptions(3e-3)), fb(b, torch::optim::AdamOptions(3e-3));
  for (int step = 0; step < 25; ++step) {
    for (size_t i = 0; i < a.size(); ++i) {
      const auto g = torch::randn_like(a[i]) * (step % 3 + 0.1);
      a[i].mutable_grad() = g.clone();
      b[i].mutable_grad() = g.clone();
    }
    ta.step();
    fused_adam_step(fb);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << i;
    const auto key = c10::guts::to_string(b[i].unsafeGetTensorImpl());
    const auto& s = static_cast<const torch::optim::AdamParamState&>(*fb.state().at(key));
    EXPECT_EQ(s.step(), 25);
    const auto& t = static_cast<const torch::optim::AdamParamState&>(
        *ta.state().at(c10::guts::to_string(a[i].unsafeGetTensorImpl())));
    EXPECT_TRUE(torch::allclose(s.exp_avg_sq(), t.exp_avg_sq(), 1e-5, 1e-9))
        << i << " " << (s.exp_avg_sq() - t.exp_avg_sq()).abs().max().item<float>() << " " << t.exp_avg_sq().abs().max().item<float>();
  }
}
