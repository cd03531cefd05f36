// The deterministic engine (src/engine, util/det_math.h): its elementary functions against libm,
// its networks against LibTorch's, and the properties files rely on: an output does not depend on
// the batch, a row's place in it or the thread count, and a PixelCNN's incremental params equal its
// teacher-forced ones bit for bit.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "data/tensor.h"
#include "engine/dense.h"
#include "util/threads.h"
#include "engine/pixelcnn_engine.h"
#include "engine/vae_engine.h"
#include "helpers.h"
#include "model/likelihood.h"
#include "model/vae.h"
#include "util/det_math.h"

namespace vlae {
namespace {

double rel(double a, double b) { return b == 0 ? std::fabs(a) : std::fabs(a - b) / std::fabs(b); }

TEST(DetMath, MatchesLibmClosely) {
  std::mt19937_64 g(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  double e = 0, l = 0, c = 0, t = 0, s = 0, ec = 0;
  for (int i = 0; i < 200000; ++i) {
    const double v = u(g);
    e = std::max(e, rel(det::exp(700 * v), std::exp(700 * v)));
    l = std::max(l, rel(det::log(std::exp(700 * v)), std::log(std::exp(700 * v))));
    c = std::max(c, std::fabs(det::cos_2pi(3 * v) - std::cos(2 * M_PI * 3 * v)));
    t = std::max(t, std::fabs(det::tanh(10 * v) - std::tanh(10 * v)));
    s = std::max(s, rel(det::softplus(30 * v), std::log1p(std::exp(30 * v))));
    ec = std::max(ec, rel(det::erfc(10 * v), std::erfc(10 * v)));
  }
  const double eps = std::numeric_limits<double>::epsilon();
  EXPECT_LT(e, 2 * eps);
  EXPECT_LT(l, 3 * eps);
  EXPECT_LT(c, 32 * eps);  // the reference rounds 2π·x first
  EXPECT_LT(t, 4 * eps);
  EXPECT_LT(s, 8 * eps);
  EXPECT_LT(ec, 1e-13);
  // The normal CDF's tails, where coding's latent buckets live.
  for (double x : {-30.0, -8.0, -3.0, -0.5, 0.0, 0.5, 3.0, 8.0})
    EXPECT_LT(rel(det::normal_cdf(x), 0.5 * std::erfc(-x / std::sqrt(2.0))), 1e-12) << x;
}

TEST(DetMath, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(det::exp(0.0), 1.0);
  EXPECT_EQ(det::exp(-inf), 0.0);
  EXPECT_EQ(det::exp(inf), inf);
  EXPECT_EQ(det::exp(1000.0), inf);
  EXPECT_GT(det::exp(-740.0), 0.0);  // subnormal, not flushed
  EXPECT_EQ(det::log(1.0), 0.0);
  EXPECT_EQ(det::log(0.0), -inf);
  EXPECT_TRUE(std::isnan(det::log(-1.0)));
  EXPECT_NEAR(det::log(4.9e-324), std::log(4.9e-324), 1e-12);
  EXPECT_TRUE(std::isnan(det::exp(nan)));
  EXPECT_EQ(det::erfc(0.0), 1.0);
  EXPECT_EQ(det::erfc(30.0), 0.0);
  EXPECT_EQ(det::erfc(-30.0), 2.0);
  EXPECT_EQ(det::cos_2pi(0.0), 1.0);
  EXPECT_EQ(det::tanh(0.0), 0.0);
  EXPECT_EQ(det::sigmoid(0.0), 0.5);
  EXPECT_EQ(det::log1p(0.0), 0.0);
}

// A subnormal product survives a host thread that flushes subnormals to zero (x86 FTZ/DAZ), and
// the host's mode is restored afterwards.
TEST(DenseKernel, KeepsSubnormalsUnderAFlushingHost) {
  const float w = 1e-20f, x[8] = {1e-20f};
  const engine::Dense d(1, 1, &w, nullptr);
  float y = 0;
  d.forward_row(x, &y, 0, 1);
  EXPECT_GT(y, 0.0f);
  EXPECT_LT(y, 1.2e-38f);  // a subnormal
#if defined(__SSE2__)
  const unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | 0x8040);
  float flushed = 0;
  d.forward_row(x, &flushed, 0, 1);
  EXPECT_EQ(_mm_getcsr() & 0x8040, 0x8040u);
  _mm_setcsr(saved);
  EXPECT_EQ(flushed, y);
#endif
}

// Every parameter random, so that no network output hides behind a zero weight.
void randomize(torch::nn::Module& m, double scale) {
  torch::NoGradGuard g;
  for (auto& p : m.parameters()) p.normal_(0.0, scale);
}

ModelConfig tiny(const std::string& arch, Likelihood lik) {
  ModelConfig c;
  c.arch = arch;
  c.likelihood = lik;
  c.latent_dim = 5;
  c.hidden = 24;
  c.channels = 4;
  c.pixel_channels = 6;
  c.pixel_layers = 4;
  return c;
}

Images random_images(const ModelConfig& c, int64_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  Images x;
  x.count = n;
  x.height = c.height;
  x.width = c.width;
  x.binary = c.likelihood == Likelihood::Bernoulli;
  x.pixels.resize(static_cast<size_t>(n * c.dims()));
  for (auto& p : x.pixels) p = static_cast<uint8_t>(x.binary ? g() % 2 : g() % 256);
  return x;
}

class EngineFactorized : public ::testing::TestWithParam<std::tuple<std::string, Likelihood, std::string>> {};

TEST_P(EngineFactorized, MatchesLibTorchAndIgnoresBatchAndThreads) {
  const auto [arch, lik, prior] = GetParam();
  torch::manual_seed(11);
  ModelConfig c = tiny(arch, lik);
  c.prior = prior;
  c.flow_hidden = 16;
  VAE model(c);
  randomize(*model, 0.08);
  model->eval();
  torch::NoGradGuard ng;
  const engine::VAEEngine net(model);
  const Images x = random_images(c, 9, 3);
  const int64_t k = c.latent_dim, n = x.count;

  // q(z|x) against LibTorch, and each image alone against the batch of 9 (bitwise).
  std::vector<double> mean, std, m1, s1;
  net.posterior(x.image(0), n, mean, std);
  const DiagGaussian q = model->encode(to_tensor(x));
  const auto qm = q.mean.to(torch::kFloat64).contiguous(), qs = q.std().to(torch::kFloat64).contiguous();
  for (int64_t i = 0; i < n * k; ++i) {
    EXPECT_NEAR(mean[i], qm.data_ptr<double>()[i], 1e-4 * (1 + std::fabs(mean[i])));
    EXPECT_NEAR(std[i], qs.data_ptr<double>()[i], 1e-4 * std[i]);
  }
  for (int64_t i = 0; i < n; ++i) {
    net.posterior(x.image(i), 1, m1, s1);
    EXPECT_EQ(0, std::memcmp(m1.data(), mean.data() + i * k, sizeof(double) * k)) << "image " << i;
    EXPECT_EQ(0, std::memcmp(s1.data(), std.data() + i * k, sizeof(double) * k)) << "image " << i;
  }

  // p(x|z) against LibTorch; batch, position and threads do not change a bit.
  std::vector<float> z(static_cast<size_t>(n * k));
  for (size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>(mean[i]);
  std::vector<double> params, one, threaded;
  net.decoder_params(z.data(), n, params);
  const auto tp = model->decoder->forward(torch::from_blob(z.data(), {n, k})).to(torch::kFloat64).contiguous();
  ASSERT_EQ(static_cast<int64_t>(params.size()), tp.numel());
  for (int64_t i = 0; i < tp.numel(); ++i) EXPECT_NEAR(params[i], tp.data_ptr<double>()[i], 1e-4 * (1 + std::fabs(params[i])));
  const int64_t per = static_cast<int64_t>(params.size()) / n;
  for (int64_t i = 0; i < n; ++i) {
    net.decoder_params(z.data() + i * k, 1, one);
    EXPECT_EQ(0, std::memcmp(one.data(), params.data() + i * per, sizeof(double) * per)) << "image " << i;
  }
  const int saved = at::get_num_threads();
  at::set_num_threads(saved == 1 ? 2 : 1);
  net.decoder_params(z.data(), n, threaded);
  at::set_num_threads(saved);
  EXPECT_EQ(threaded, params);

  // The prior's conditionals against LibTorch's.
  std::vector<double> cm(static_cast<size_t>(n)), cs(static_cast<size_t>(n));
  for (int64_t j = 0; j < k; ++j) {
    std::vector<float> prefix(z);
    for (int64_t i = 0; i < n; ++i) std::fill(prefix.begin() + i * k + j, prefix.begin() + (i + 1) * k, 0.0f);
    net.prior_conditional(prefix.data(), n, j, cm.data(), cs.data());
    const auto [tm, ts] = model->prior->conditional(torch::from_blob(prefix.data(), {n, k}), j);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_NEAR(cm[i], tm[i].item<double>(), 1e-4 * (1 + std::fabs(cm[i])));
      EXPECT_NEAR(cs[i], ts[i].item<double>(), 1e-4 * cs[i]);
    }
  }
}
INSTANTIATE_TEST_SUITE_P(
    Families, EngineFactorized,
    ::testing::Values(std::make_tuple("mlp", Likelihood::Logistic, "normal"), std::make_tuple("mlp", Likelihood::Bernoulli, "af"),
                      std::make_tuple("mlp", Likelihood::Gaussian, "ar1"), std::make_tuple("conv", Likelihood::Logistic, "normal"),
                      std::make_tuple("conv", Likelihood::Bernoulli, "af")));

// (receptive field, stack, gated, likelihood, linear predictor's kernel)
class EnginePixelCNN : public ::testing::TestWithParam<std::tuple<std::string, std::string, bool, Likelihood, int>> {};

TEST_P(EnginePixelCNN, IncrementalEqualsTeacherForcedAndLibTorch) {
  const auto [field, stack, gated, lik, linear] = GetParam();
  torch::manual_seed(5);
  ModelConfig c = tiny(field == "local" ? "vlae" : "pixelcnn", lik);
  c.pixel_linear = linear;
  c.receptive_field = field;
  c.pixel_stack = stack;
  c.gated = gated;
  c.pixel_layers = 0;  // the receptive field's preset: full has dilations 1, 2, 4, 8
  VAE model(c);
  randomize(*model, 0.15);
  model->eval();
  torch::NoGradGuard ng;
  const engine::VAEEngine net(model);
  const auto& pc = *net.pixelcnn();
  const Images x = random_images(c, 2, 9);
  const int64_t d = c.dims(), p = pc.params_per_pixel();
  std::vector<float> z(static_cast<size_t>(c.latent_dim));
  for (size_t i = 0; i < z.size(); ++i) z[i] = 0.3f * static_cast<float>(i) - 0.5f;
  const auto zt = torch::from_blob(z.data(), {1, c.latent_dim});
  for (int64_t img = 0; img < x.count; ++img) {
    std::vector<double> forced(static_cast<size_t>(d * p)), step(static_cast<size_t>(p));
    pc.teacher_forced(z.data(), x.image(img), forced.data());
    auto im = pc.start(z.data());
    for (int64_t j = 0; j < d; ++j) {
      pc.params_at(im, j, step.data());
      ASSERT_EQ(0, std::memcmp(step.data(), forced.data() + j * p, sizeof(double) * p)) << "pixel " << j;
      pc.set(im, j, x.image(img)[j]);
    }
    const auto xt = to_tensor(x, img, 1);
    const auto tp = model->pixelcnn->forward(zt, xt).to(torch::kFloat64).contiguous();  // [1, P, D]
    for (int64_t j = 0; j < d; ++j)
      for (int64_t q = 0; q < p; ++q) {
        const double e = forced[j * p + q], t = tp.data_ptr<double>()[q * d + j];
        ASSERT_NEAR(e, t, 1e-4 * (1 + std::fabs(t))) << "pixel " << j << " param " << q;
      }
  }
}
INSTANTIATE_TEST_SUITE_P(Variants, EnginePixelCNN,
                         ::testing::Values(std::make_tuple("full", "single", false, Likelihood::Bernoulli, 0),
                                           std::make_tuple("full", "vh", true, Likelihood::Logistic, 0),
                                           std::make_tuple("local", "single", true, Likelihood::Logistic, 0),
                                           std::make_tuple("local", "vh", false, Likelihood::Bernoulli, 0),
                                           std::make_tuple("full", "vh", true, Likelihood::Logistic, 5),
                                           std::make_tuple("local", "single", false, Likelihood::Bernoulli, 3)));

}  // namespace
}  // namespace vlae

// vlae's own at::parallel_for loops (the engine's Dense and Conv2d, the coding lanes) run on
// several threads: the header template's OpenMP pragma is compiled into vlae's files only with
// -fopenmp, and without it every one of them silently ran on one thread.
TEST(EngineThreads, ParallelForInVlaesOwnCodeUsesSeveralThreads) {
  vlae::set_threads(2);
  EXPECT_EQ(vlae::parallel_for_threads(8), 2);
  vlae::set_threads(1);
  EXPECT_EQ(vlae::parallel_for_threads(8), 1);
  vlae::set_threads(0);
}

// The work queue runs every item exactly once, on every thread it has, however long each takes.
TEST(EngineThreads, WorkQueueRunsEveryItemOnce) {
  vlae::set_threads(2);
  std::vector<std::atomic<int>> runs(101);
  std::mutex mu;
  std::set<std::thread::id> ids;
  vlae::parallel_queue(101, [&](int64_t i) {
    volatile double sink = 0;
    for (int k = 0; k < (i == 0 ? 2000000 : 20000); ++k) sink = sink + 1.0;  // item 0 is slow
    ++runs[i];
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_EQ(ids.size(), 2u);
  vlae::parallel_queue(0, [&](int64_t) { ADD_FAILURE(); });
  vlae::set_threads(0);
}
