// PixelCNN decoders and autoregressive priors: causality by gradients, the sequential pass against
// teacher forcing, the flow's log-determinant against a numerical Jacobian, the priors' conditionals,
// and bits-back round trips through both.
#include <gtest/gtest.h>

#include <cmath>

#include "baselines/atlas.h"
#include "baselines/jbig.h"
#include "baselines/jpegxl.h"
#include "coding/bits_back.h"
#include "coding/container.h"
#include "coding/lossless.h"
#include "coding/lossless_rec.h"
#include "coding/vae_codecs.h"
#include "data/dataset.h"
#include "helpers.h"
#include "model/flow_prior.h"
#include "model/iaf.h"
#include "model/likelihood.h"
#include "model/pixelcnn.h"
#include "model/prior.h"
#include "model/vae.h"

namespace vlae {
namespace {

ModelConfig pixel_config(const std::string& field, bool gated, Likelihood lik, const std::string& stack = "single") {
  ModelConfig c;
  c.pixel_stack = stack;
  c.arch = field == "local" ? "vlae" : "pixelcnn";
  c.receptive_field = field;
  c.gated = gated;
  c.likelihood = lik;
  c.latent_dim = 4;
  c.hidden = 32;
  c.pixel_channels = 8;
  return c;
}

// Randomizes every parameter so that no mask can hide behind a zero weight.
void randomize(torch::nn::Module& m, double scale = 0.3) {
  torch::NoGradGuard g;
  for (auto& p : m.parameters()) p.normal_(0.0, scale);
}

// ∂f/∂z by central differences, [K, K] (column i: the derivative along z_i).
torch::Tensor numerical_jacobian(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& z) {
  const int64_t k = z.size(0);
  auto jac = torch::zeros({k, k}, torch::kFloat64);
  const double h = 1e-6;
  for (int64_t i = 0; i < k; ++i) {
    auto zp = z.clone(), zm = z.clone();
    zp[i] += h;
    zm[i] -= h;
    jac.select(1, i).copy_((f(zp) - f(zm)) / (2 * h));
  }
  return jac;
}

// ∂ params(pixel j) / ∂ x, as an [H, W] map of absolute values.
torch::Tensor input_gradient(PixelCNN& net, const torch::Tensor& z, int64_t j) {
  const auto& c = net->config;
  auto x = (torch::rand({1, c.dims()}) * 255).round().requires_grad_(true);
  net->forward(z, x).select(2, j).sum().backward();
  return x.grad().view({c.height, c.width}).abs();
}

class PixelCNNCausality : public ::testing::TestWithParam<std::tuple<std::string, bool, std::string>> {};

TEST_P(PixelCNNCausality, OutputNeverDependsOnThePixelOrLaterOnes) {
  const auto [field, gated, stack] = GetParam();
  torch::manual_seed(1);
  const auto c = pixel_config(field, gated, Likelihood::Logistic, stack);
  PixelCNN net(c);
  randomize(*net);
  const int64_t h = c.height, w = c.width, reach = net->receptive_rows(), cols = net->receptive_cols();
  const auto z = torch::randn({1, c.latent_dim});
  for (const int64_t j : {0L, 1L, 27L, 28L, 29L, 400L, 405L, 783L}) {
    auto x = (torch::rand({1, c.dims()}) * 255).round().requires_grad_(true);
    const auto params = net->forward(z, x);  // [1, 2, D]
    params.select(2, j).sum().backward();
    const auto g = x.grad().view({h, w}).abs();
    const int64_t r = j / w, col = j % w;
    for (int64_t i = 0; i < c.dims(); ++i) {
      const int64_t ri = i / w, ci = i % w;
      const float gi = g[ri][ci].item<float>();
      if (i >= j) EXPECT_EQ(gi, 0.0f) << field << " pixel " << j << " depends on pixel " << i;
      if (r - ri > reach || std::abs(ci - col) > cols)
        EXPECT_EQ(gi, 0.0f) << field << " pixel " << j << " sees " << i << " outside its receptive field";
    }
    if (j == 405) {
      // The pixel to the left and the one above are always seen.
      EXPECT_GT(g[r][col - 1].item<float>(), 0.0f);
      EXPECT_GT(g[r - 1][col].item<float>(), 0.0f);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(FullAndLocal, PixelCNNCausality,
                         ::testing::Combine(::testing::Values("full", "local"), ::testing::Bool(),
                                            ::testing::Values("single", "vh")));

// The single masked stack cannot see some earlier pixels inside its window (up and to the right);
// the vertical + horizontal stacks see every one of them.
TEST(PixelCNN, TwoStacksHaveNoBlindSpot) {
  torch::manual_seed(3);
  const int64_t j = 14 * 28 + 10;  // row 14, column 10
  for (const std::string stack : {"single", "vh"}) {
    PixelCNN net(pixel_config("local", true, Likelihood::Logistic, stack));
    randomize(*net);
    const int64_t w = 28, rows = net->receptive_rows(), cols = net->receptive_cols();
    const auto g = input_gradient(net, torch::randn({1, 4}), j);
    int64_t blind = 0;
    for (int64_t i = 0; i < j; ++i)
      if (j / w - i / w <= rows && std::abs(i % w - j % w) <= cols && g[i / w][i % w].item<float>() == 0.0f) ++blind;
    if (stack == "single") EXPECT_GT(blind, 0) << "the masked stack's blind spot";
    else EXPECT_EQ(blind, 0) << "earlier pixels inside the window the vh stacks cannot see";
  }
}

TEST(PixelCNN, ReceptiveFieldsAreFullAndLocal) {
  const auto full = PixelCNN(pixel_config("full", false, Likelihood::Bernoulli));
  const auto local = PixelCNN(pixel_config("local", false, Likelihood::Bernoulli));
  EXPECT_GE(full->receptive_rows(), 27);  // the bottom row sees the top row
  EXPECT_EQ(local->receptive_rows(), 6);
}

TEST(PixelCNN, SequentialPassMatchesTeacherForcing) {
  torch::NoGradGuard no_grad;
  for (const std::string field : {"full", "local", "vh"}) {
    torch::manual_seed(2);
    const auto c = field == "vh" ? pixel_config("full", true, Likelihood::Logistic, "vh")
                                 : pixel_config(field, true, Likelihood::Logistic);
    PixelCNN net(c);
    randomize(*net, 0.2);
    const auto z = torch::randn({3, c.latent_dim});
    const auto x = (torch::rand({3, c.dims()}) * 255).round();
    const auto forced = net->forward(z, x);  // [3, 2, D]
    auto seq = torch::zeros_like(forced);
    auto xa = x.accessor<float, 2>();
    net->autoregress(z, [&](int64_t j, const double* p, uint8_t* values) {
      for (int64_t b = 0; b < 3; ++b) {
        seq[b][0][j] = p[b * 2];
        seq[b][1][j] = p[b * 2 + 1];
        values[b] = static_cast<uint8_t>(xa[b][j]);
      }
    });
    EXPECT_LT((seq - forced).abs().max().item<float>(), 1e-4f) << field;
  }
}

TEST(FlowPrior, LogDeterminantMatchesNumericalJacobian) {
  torch::manual_seed(3);
  const int64_t k = 5;
  FlowPriorImpl flow(k, 16, 3);
  randomize(flow, 0.5);
  flow.to(torch::kFloat64);
  const auto z = torch::randn({k}, torch::kFloat64);
  const auto [eps, log_det] = flow.forward_flow(z.unsqueeze(0));
  const auto jac = numerical_jacobian([&](const torch::Tensor& v) { return flow.forward_flow(v.unsqueeze(0)).first.squeeze(0); }, z);
  // Autoregressive: the Jacobian is lower triangular.
  EXPECT_LT(jac.triu(1).abs().max().item<double>(), 1e-8);
  const double numerical = std::log(std::abs(torch::det(jac).item<double>()));
  EXPECT_NEAR(log_det.item<double>(), numerical, 1e-6);
  EXPECT_GT(std::abs(numerical), 0.1);  // not the identity
}

TEST(IAFPosterior, LogDeterminantMatchesNumericalJacobianAndIwaeBoundsTheElbo) {
  torch::manual_seed(7);
  const int64_t k = 4, ctx = 3;
  IAF iaf(k, 16, ctx, 3);
  randomize(*iaf, 0.5);
  iaf->to(torch::kFloat64);
  const auto z0 = torch::randn({k}, torch::kFloat64), h = torch::randn({ctx}, torch::kFloat64);
  const auto [z, log_sigma] = iaf->forward(z0.unsqueeze(0), h.unsqueeze(0));
  const auto jac = numerical_jacobian(
      [&](const torch::Tensor& v) { return iaf->forward(v.unsqueeze(0), h.unsqueeze(0)).first.squeeze(0); }, z0);
  EXPECT_NEAR(log_sigma.sum().item<double>(), std::log(std::abs(torch::det(jac).item<double>())), 1e-6);

  // In a model: the IWAE bound with many samples is at least the ELBO (in expectation; checked on
  // a batch with a margin for noise).
  ModelConfig c;
  c.likelihood = Likelihood::Bernoulli;
  c.latent_dim = 4;
  c.hidden = 32;
  c.flow_hidden = 16;
  c.posterior = "iaf";
  VAE model(c);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = (torch::rand({16, c.dims()}) < 0.3).to(torch::kFloat32);
  double elbo = 0;
  for (int r = 0; r < 20; ++r) {
    const auto t = model->terms(x);
    elbo += -(t.distortion + t.rate).mean().item<double>() / 20;
  }
  const auto q = model->encode(x);
  const auto lw = model->log_importance_weights(x, q, 200);
  const double iwae = (torch::logsumexp(lw, 0) - std::log(200.0)).mean().item<double>();
  EXPECT_GE(iwae, elbo - 0.5);
}

// log p(z) = Σ_i log N(z_i; m_i, s_i²) with (m_i, s_i) from conditional() on the zeroed prefix.
void expect_conditionals_factor_the_density(PriorImpl& prior, int64_t k) {
  torch::NoGradGuard no_grad;
  const auto z = torch::randn({6, k});
  const auto per_dim = prior.log_prob_per_dim(z).to(torch::kFloat64);
  for (int64_t i = 0; i < k; ++i) {
    auto prefix = z.clone();
    prefix.slice(1, i).zero_();
    const auto [m, s] = prior.conditional(prefix, i);
    const auto zi = z.select(1, i).to(torch::kFloat64);
    const auto lp = -0.5 * ((zi - m) / s).pow(2) - s.log() - 0.5 * std::log(2 * M_PI);
    EXPECT_LT((lp - per_dim.select(1, i)).abs().max().item<double>(), 1e-4) << "dimension " << i;
    // Later dimensions must not matter.
    auto noisy = prefix.clone();
    noisy.slice(1, i).normal_();
    noisy.slice(1, i).zero_();
    EXPECT_TRUE(torch::equal(prior.conditional(noisy, i).first, m));
  }
}

TEST(FlowPrior, ConditionalsFactorTheDensity) {
  torch::manual_seed(4);
  FlowPriorImpl flow(6, 32, 2);
  randomize(flow);
  expect_conditionals_factor_the_density(flow, 6);
}

TEST(AR1Prior, ConditionalsAnalyticKlAndCommittedRate) {
  torch::manual_seed(5);
  AR1PriorImpl ar1(0.9);
  expect_conditionals_factor_the_density(ar1, 6);
  // Analytic KL against a Monte-Carlo estimate.
  DiagGaussian q{torch::randn({4, 6}) * 0.5, torch::randn({4, 6}) * 0.5 - 1.0};
  const auto analytic = ar1.analytic_kl(q).sum(1);
  const int64_t s = 400000;
  const auto zs = q.mean.unsqueeze(0) + q.std().unsqueeze(0) * torch::randn({s, 4, 6});
  const auto mc = (q.log_prob(zs) - ar1.log_prob(zs)).mean(0);
  EXPECT_LT((analytic - mc).abs().max().item<float>(), 0.05f);
  EXPECT_TRUE((ar1.analytic_kl(q) >= 0).all().item<bool>());
  // No factorized posterior gets below the committed rate; the best one reaches it.
  const double delta = ar1_committed_rate(0.9, 6);
  EXPECT_GT(delta, 0.5);
  for (int trial = 0; trial < 20; ++trial) {
    DiagGaussian r{torch::randn({8, 6}) * 0.3, torch::randn({8, 6}) * 0.3};
    EXPECT_TRUE((ar1.analytic_kl(r).sum(1) >= delta - 1e-5).all().item<bool>());
  }
  // Optimum: zero mean, variance 1/(Σ^-1)_ii: (1-α²) at the ends, (1-α²)/(1+α²) inside.
  auto var = torch::full({1, 6}, (1 - 0.81) / (1 + 0.81));
  var[0][0] = 1 - 0.81;
  var[0][5] = 1 - 0.81;
  DiagGaussian best{torch::zeros({1, 6}), var.log()};
  EXPECT_NEAR(ar1.analytic_kl(best).sum().item<float>(), delta, 1e-4);
}

// Bits-back through a PixelCNN decoder and a non-factorized prior: exact round trip, and the
// ideal net cost equals -ELBO up to the discretization of z.
void expect_round_trip(ModelConfig c, const Images& x) {
  torch::manual_seed(6);
  VAE model(c);
  randomize(*model->encoder, 0.05);
  model->eval();
  // Each way to start the lanes: chosen per lane, all with initial bits, all under p(x | z_median).
  BitsBackStats chosen, forced[2];
  for (const std::optional<uint8_t> start : {std::optional<uint8_t>{}, std::optional<uint8_t>{kStartInitialBits},
                                             std::optional<uint8_t>{kStartPriorMedian}}) {
    BitsBackConfig cfg;
    cfg.lanes = 2;
    cfg.lane_start = start;
    BitsBackStats st;
    auto coded = bits_back_encode(model, x, cfg, &st);
    (start ? forced[*start] : chosen) = st;
    const Images back = bits_back_decode(model, coded, x.count, cfg);
    EXPECT_EQ(back.pixels, x.pixels) << c.arch << " " << c.prior << " start " << int(start.value_or(9));
    if (start == kStartInitialBits || x.count > cfg.lanes) EXPECT_GT(st.bits_back, 0);  // some image got bits back
    if (start == kStartPriorMedian) EXPECT_EQ(st.median_starts, 2);
    if (start == kStartInitialBits) EXPECT_TRUE(coded.starts.empty());
  }
  // Chosen per lane, the costs are those of the lanes' starts coded directly (when every lane took
  // one start, the encoder kept that trial's messages and costs instead of pushing again).
  const BitsBackStats& same = forced[chosen.median_starts == 2 ? kStartPriorMedian : kStartInitialBits];
  if (chosen.median_starts != 1) {  // of the 2 lanes, 0 or 2 under p(x | z_median): one start
    EXPECT_EQ(chosen.x_bits, same.x_bits) << c.arch;
    EXPECT_EQ(chosen.z_prior_bits, same.z_prior_bits) << c.arch;
    EXPECT_EQ(chosen.bits_back, same.bits_back) << c.arch;
    EXPECT_EQ(chosen.initial_bits, same.initial_bits) << c.arch;
  }
  // Importance-weighted bits-back (K coupled samples) decodes exactly too, from either start.
  for (const uint8_t start : {kStartInitialBits, kStartPriorMedian}) {
    BitsBackConfig cfg;
    cfg.lanes = 2;
    cfg.lane_start = start;
    cfg.importance_samples = 4;
    BitsBackStats st;
    auto coded = bits_back_encode(model, x, cfg, &st);
    EXPECT_EQ(bits_back_decode(model, coded, x.count, cfg).pixels, x.pixels) << c.arch << " K = 4, start " << int(start);
  }
}

// Likelihood pushes recorded on tapes (coding/tape.h) replay into the messages that pushing them
// directly makes, at the same cost; the importance codec, which replays the chosen sample's tapes,
// makes the same message when a step is too large to record (tape_bytes 0: it runs the decoder again).
void expect_tapes_replay_pushes(ModelConfig c, const Images& x) {
  torch::manual_seed(7);
  VAE model(c);
  randomize(*model->encoder, 0.05);
  model->eval();
  const VAECodecs v(model, BitsBackConfig{});
  auto seeded = [&x] {
    std::vector<rans::Message> m(static_cast<size_t>(x.count));
    for (size_t l = 0; l < m.size(); ++l) {
      m[l].words = {7u, static_cast<uint32_t>(l)};
      m[l].state = rans::kLower + 12345 * (l + 1);
      m[l].source = [w = uint32_t{99}]() mutable { return w = w * 1664525u + 1013904223u; };
    }
    return m;
  };
  const Latents z = v.prior_median(x.count);
  auto direct = seeded(), replayed = seeded();
  const double bits = v.likelihood(z).push({direct.data(), x.count}, x);
  const auto tapes = v.likelihood_tapes(z, x, true), costs = v.likelihood_tapes(z, x, false);
  double sum = 0;
  for (int64_t l = 0; l < x.count; ++l) {
    tapes[l].replay(replayed[l]);
    sum += tapes[l].bits;
    EXPECT_EQ(tapes[l].start.size(), static_cast<size_t>(x.dims()));
    EXPECT_TRUE(costs[l].start.empty());
    EXPECT_EQ(costs[l].bits, tapes[l].bits);
    EXPECT_EQ(replayed[l].state, direct[l].state) << c.arch << " lane " << l;
    EXPECT_EQ(replayed[l].words, direct[l].words) << c.arch << " lane " << l;
  }
  EXPECT_EQ(sum, bits);
  auto recorded = seeded(), recomputed = seeded();
  const double net = VAECodecs::Importance{v, 4, nullptr}.push({recorded.data(), x.count}, x);
  EXPECT_EQ((VAECodecs::Importance{v, 4, nullptr, 0}.push({recomputed.data(), x.count}, x)), net);
  for (int64_t l = 0; l < x.count; ++l) {
    EXPECT_EQ(recorded[l].state, recomputed[l].state) << c.arch << " lane " << l;
    EXPECT_EQ(recorded[l].words, recomputed[l].words) << c.arch << " lane " << l;
  }
}

TEST(BitsBackAutoregressive, LikelihoodTapesReplayThePushes) {
  expect_tapes_replay_pushes(pixel_config("local", false, Likelihood::Bernoulli), test::fashion(3, true));
  auto mix = pixel_config("full", true, Likelihood::LogisticMixture, "vh");
  mix.logistic_mixtures = 3;
  expect_tapes_replay_pushes(mix, test::fashion(2, false));
  ModelConfig mlp;  // a factorized decoder
  mlp.latent_dim = 4;
  mlp.hidden = 16;
  expect_tapes_replay_pushes(mlp, test::fashion(3, false));
}

TEST(BitsBackAutoregressive, PixelCNNAndFlowPriorRoundTrip) {
  const Images bin = test::fashion(3, true);
  auto c = pixel_config("local", false, Likelihood::Bernoulli);
  c.prior = "af";
  c.flow_hidden = 16;
  expect_round_trip(c, bin);
  const Images levels = test::fashion(2, false);
  auto g = pixel_config("full", true, Likelihood::Logistic);
  g.prior = "ar1";
  expect_round_trip(g, levels);
  expect_round_trip(pixel_config("full", true, Likelihood::Bernoulli, "vh"), bin);
}

// The first `limit` test images of a data set, and a shipped model's run directory.
Images first_test_images(const std::string& data, int64_t limit) {
  DataSpec s;
  s.data = data;
  s.split = "test";
  s.limit = limit;
  return load_images(s);
}
std::string shipped(const std::string& name) { return std::string(VLAE_SOURCE_DIR) + "/models/" + name; }

}  // namespace

// The shipped lossless VLAE (models/fashion-mnist-vlae-vh, experiments/lossless_vlae.sh and
// ship_lossless_models.sh): it loads, its files of real test images decode exactly, and they are
// far smaller than the shipped MLP VAE's on the same images (README's figures: 2.8247 vs 3.5889
// bits/dim on all 10,000).
TEST(ShippedModels, LosslessVlaeCodesFashionMnistExactlyAndBelowTheMlpVae) {
  const Images x = test::fashion(64);
  BitsBackConfig cfg;
  cfg.lanes = 4;
  double bits[2];
  int i = 0;
  for (const char* name : {"fashion-mnist-vlae-vh", "fashion-mnist-mlp"}) {
    const std::string dir = std::string(VLAE_SOURCE_DIR) + "/models/" + name;
    LoadedRun run = load_run(dir);
    LosslessReport r;
    const std::string bytes = compress_lossless(run.model, x, cfg, &r, false);
    EXPECT_EQ(decompress_lossless(run.model, bytes, dir, false).pixels, x.pixels) << name;
    bits[i++] = r.stats.net_bits() / static_cast<double>(x.count * x.dims());
  }
  EXPECT_LT(bits[0], 0.85 * bits[1]) << "vlae-vh " << bits[0] << " vs MLP " << bits[1] << " bits/dim";
}

// The shipped binarized-digit PixelCNN (models/mnist-binarized-pixelcnn-vh, experiments/
// lossless_digits.sh and ship_lossless_digits.sh): its posterior has collapsed, so lossless rec
// sends almost nothing for z; its files of real test digits decode exactly, and their ideal cost is
// far below the shipped MLP VAE's bits-back cost on the same digits (RESULTS: 0.1513 vs 0.1917
// bits/dim -ELBO on all 2,000).
TEST(ShippedModels, DigitPixelCnnCodesBinarizedDigitsExactlyAndBelowTheMlpVae) {
  DataSpec s;
  s.data = "mnist";
  s.split = "test";
  s.limit = 200;
  s.binarize = Binarize::Static;
  const Images x = load_images(s);
  s.split = "train";
  const Images cal = load_images(s);
  BitsBackConfig cfg;
  cfg.lanes = 4;
  const std::string dir = std::string(VLAE_SOURCE_DIR) + "/models/";
  LoadedRun pixel = load_run(dir + "mnist-binarized-pixelcnn-vh");
  LosslessRecReport r;
  const std::string bytes = compress_lossless_rec(pixel.model, x, cal, RecOptions{}, cfg, &r, false);
  EXPECT_EQ(decompress_lossless_rec(pixel.model, bytes, "mem", false).pixels, x.pixels);
  EXPECT_LT(r.kl_bits / x.count, 1.0) << "the shipped digit model's posterior should have collapsed";
  LoadedRun mlp = load_run(dir + "mnist-binarized-mlp");
  LosslessReport m;
  const std::string mlp_bytes = compress_lossless(mlp.model, x, cfg, &m, false);
  EXPECT_EQ(decompress_lossless(mlp.model, mlp_bytes, "mem", false).pixels, x.pixels);
  const double dims = static_cast<double>(x.count * x.dims());
  const double pixel_bits = (r.index_bits + r.x_bits) / dims, mlp_bits = m.stats.net_bits() / dims;
  EXPECT_LT(pixel_bits, 0.85 * mlp_bits) << "pixelcnn-vh " << pixel_bits << " vs MLP " << mlp_bits << " bits/dim";
}

// The shipped 8-bit digit VLAE with a logistic mixture per sub-pixel (models/mnist-8bit-vlae-vh-mix,
// LIKELIHOOD=logistic-mixture experiments/lossless_vlae.sh digits8, then ship_lossless_models.sh
// digits8): its file of real 8-bit test digits decodes exactly and is smaller than JPEG XL's
// strongest lossless atlas of the same digits (README: all 2,000 test digits, against JPEG XL's atlas).
TEST(ShippedModels, DigitMixtureVlaeCodes8BitDigitsExactlyAndBelowJpegXl) {
  const Images x = first_test_images("mnist", 64);
  const std::string dir = shipped("mnist-8bit-vlae-vh-mix");
  LoadedRun run = load_run(dir);
  EXPECT_EQ(run.model->config.likelihood, Likelihood::LogisticMixture);
  BitsBackConfig cfg;
  cfg.lanes = 2;
  LosslessReport r;
  const std::string bytes = compress_lossless(run.model, x, cfg, &r, false);
  EXPECT_EQ(decompress_lossless(run.model, bytes, dir, false).pixels, x.pixels);
  const Atlas a = make_atlas(x, x.pixels);
  const double dims = static_cast<double>(x.count * x.dims());
  const double jxl_bits = 8.0 * jpegxl_lossless(a.pixels.data(), 1, a.height, a.width).size() / dims;
  const double vlae_bits = 8.0 * bytes.size() / dims;  // the whole file: initial bits and header too
  EXPECT_LT(vlae_bits, jxl_bits) << "vlae " << vlae_bits << " vs JPEG XL atlas " << jxl_bits << " bits/dim";
}

// The digit models fine-tuned on LeCun's 60,000 training digits (experiments/mnist_full.sh, shipped
// by ship_mnist_full.sh): on real MNIST test digits (`--data mnist-full`), the 8-bit VLAE's file
// decodes exactly and is smaller than JPEG XL's lossless atlas, and the binarized PixelCNN's lossless
// rec file decodes exactly and is smaller than JBIG's atlas (README: all 10,000 test digits).
TEST(ShippedModels, FullMnistModelsCodeTestDigitsExactlyAndBelowJpegXlAndJbig) {
  const std::string dir = std::string(VLAE_SOURCE_DIR) + "/models/";
  DataSpec s;
  s.data = "mnist-full";
  s.split = "test";
  s.limit = 64;
  const Images x8 = load_images(s);
  LoadedRun digits8 = load_run(dir + "mnist-full-8bit-vlae-vh-mix");
  BitsBackConfig cfg;
  cfg.lanes = 2;
  LosslessReport r;
  const std::string bytes8 = compress_lossless(digits8.model, x8, cfg, &r, false);
  EXPECT_EQ(decompress_lossless(digits8.model, bytes8, "mem", false).pixels, x8.pixels);
  const Atlas a8 = make_atlas(x8, x8.pixels);
  const double dims8 = static_cast<double>(x8.count * x8.dims());
  const double jxl = 8.0 * jpegxl_lossless(a8.pixels.data(), 1, a8.height, a8.width).size() / dims8;
  EXPECT_LT(8.0 * bytes8.size() / dims8, jxl) << "vlae " << 8.0 * bytes8.size() / dims8 << " vs JPEG XL atlas " << jxl;

  // Without z a VLAE's local decoder still models a digit, so each lane starts under p(x | z_median)
  // and saves most of the initial bits (about 448 per lane; README, "Lane starts").
  EXPECT_EQ(r.stats.median_starts, 2);
  cfg.lane_start = kStartInitialBits;
  const std::string initial8 = compress_lossless(digits8.model, x8, cfg, nullptr, false);
  EXPECT_GT(8.0 * (initial8.size() - bytes8.size()), 2 * 250.0) << initial8.size() << " vs " << bytes8.size() << " bytes";
  cfg.lane_start.reset();
  // Eight coupled importance samples cost less than the -ELBO's bits-back on the same digits
  // (the IWAE bound of the 8 is tighter), and decode exactly; the file says how many it used.
  BitsBackConfig iw = cfg;
  iw.importance_samples = 8;
  const Images x32 = x8.first(32);
  LosslessReport plain, weighted;
  compress_lossless(digits8.model, x32, cfg, &plain, false);
  const std::string bytes_iw = compress_lossless(digits8.model, x32, iw, &weighted, false);
  EXPECT_EQ(decompress_lossless(digits8.model, bytes_iw, "mem", false).pixels, x32.pixels);
  EXPECT_EQ(parse_coded_file(bytes_iw, "mem").importance_log2, 3);
  EXPECT_LT(weighted.stats.net_bits(), plain.stats.net_bits() - 0.001 * 784 * 32)
      << weighted.stats.net_bits() << " vs " << plain.stats.net_bits() << " bits";

  s.limit = 200;
  s.binarize = Binarize::Static;
  const Images xb = load_images(s);
  s.split = "train";
  const Images cal = load_images(s);
  LoadedRun pixel = load_run(dir + "mnist-full-binarized-pixelcnn-vh");
  const std::string bytesb = compress_lossless_rec(pixel.model, xb, cal, RecOptions{}, cfg, nullptr, false);
  EXPECT_EQ(decompress_lossless_rec(pixel.model, bytesb, "mem", false).pixels, xb.pixels);
  const Atlas ab = make_atlas(xb, xb.pixels);
  const double dimsb = static_cast<double>(xb.count * xb.dims());
  const double jbig = 8.0 * jbig_encode(ab.pixels.data(), ab.height, ab.width).size() / dimsb;
  EXPECT_LT(8.0 * bytesb.size() / dimsb, jbig) << "vlae " << 8.0 * bytesb.size() / dimsb << " vs JBIG atlas " << jbig;
}


// The shipped colour PixelCNN of photos32 (models/photos32-pixelcnn-mix-linear5) with the adaptive
// expert (coding/adaptive_expert.h): its files of real test patches decode exactly, and the expert,
// learning along each lane of consecutive patches, takes far more off them than it costs (README:
// 4.2898 bits/dim on all 602 with the network alone).
TEST(ShippedModels, Photos32PixelCnnWithTheExpertCodesTestPatchesExactly) {
  const Images x = first_test_images("photos32", 24);
  const std::string dir = shipped("photos32-pixelcnn-mix-linear5");
  LoadedRun run = load_run(dir);
  BitsBackConfig cfg;
  cfg.lanes = 2;
  double bits[2];
  int i = 0;
  for (const auto expert : {codec::ExpertMixing::None, codec::ExpertMixing::Adaptive4}) {
    cfg.expert = expert;
    LosslessReport r;
    const std::string bytes = compress_lossless(run.model, x, cfg, &r, false);
    EXPECT_EQ(decompress_lossless(run.model, bytes, dir, false).pixels, x.pixels);
    bits[i++] = static_cast<double>(bytes.size()) * 8.0 / static_cast<double>(x.count * x.dims());
  }
  EXPECT_LT(bits[1], 0.9 * bits[0]) << "with the expert " << bits[1] << " vs the network alone " << bits[0] << " bits/dim";
}

}  // namespace vlae
