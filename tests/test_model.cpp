#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eval/evaluate.h"
#include "helpers.h"
#include "coding/codecs.h"
#include "model/likelihood.h"
#include "model/vae.h"
#include "objective/objective.h"
#include "train/run.h"
#include "util/error.h"

using namespace vlae;

TEST(Likelihood, DiscretizedLogisticSumsToOneOverLevels) {
  torch::manual_seed(0);
  const auto levels = torch::arange(256, torch::kFloat32).unsqueeze(0);  // [1, 256]
  for (double mean : {-1.2, -0.3, 0.0, 0.7, 1.1})
    for (double ls : {-9.0, -4.0, -1.0, 0.5}) {
      auto params = torch::stack({torch::full({1, 256}, mean), torch::full({1, 256}, ls)}, 1);  // [1, 2, 256]
      // One image whose 256 pixels take every level: p(level k) summed over k.
      auto per_pixel = torch::zeros({256});
      for (int k = 0; k < 256; ++k) {
        auto p1 = params.slice(2, k, k + 1);
        per_pixel[k] = log_likelihood(Likelihood::Logistic, p1, levels.slice(1, k, k + 1)).exp().item<double>();
      }
      EXPECT_NEAR(per_pixel.sum().item<double>(), 1.0, 2e-3) << mean << " " << ls;
    }
}

TEST(Likelihood, FusedLogisticMatchesTheOpByOpFormAndItsGradients) {
  torch::manual_seed(3);
  // Means across and beyond [-1, 1], log-scales from below the floor (-7) to wide, every level; the
  // narrow scales put bins in the centre-density case (mass < 1e-5) as well as the log-mass case.
  const int64_t b = 6, d = 2048;
  const auto x = torch::randint(0, 256, {b, d}).to(torch::kFloat32);
  x.slice(1, 0, 200).fill_(0.0);
  x.slice(1, 200, 400).fill_(255.0);
  auto mean = (torch::rand({b, 1, d}) * 3.0 - 1.5);
  auto ls = torch::rand({b, 1, d}) * 10.0 - 8.5;
  const auto params = torch::cat({mean, ls}, 1);
  // The reference runs in double: float's σ(plus) - σ(minus) cancels in the upper tail, where the
  // fused form takes the difference of the complements instead.
  const auto p1 = params.clone().requires_grad_(true), p2 = params.to(torch::kFloat64).requires_grad_(true);
  const auto fused = log_likelihood(Likelihood::Logistic, p1, x);
  const auto ref = log_likelihood_op_by_op(Likelihood::Logistic, p2, x.to(torch::kFloat64));
  ASSERT_EQ(fused.sizes(), ref.sizes());
  EXPECT_TRUE(torch::allclose(fused.to(torch::kFloat64), ref, 1e-5, 1e-2))
      << (fused.to(torch::kFloat64) - ref).abs().max().item<double>();
  const auto w = torch::rand({b});  // an upstream gradient that differs per image
  (fused * w).sum().backward();
  (ref * w.to(torch::kFloat64)).sum().backward();
  const auto g_ref = p2.grad();
  const auto err = (p1.grad().to(torch::kFloat64) - g_ref).abs();
  const auto bad = err > 1e-3 * g_ref.abs() + 1e-6 * g_ref.abs().max();
  EXPECT_EQ(bad.sum().item<int64_t>(), 0) << "worst " << err.max().item<double>() << " of "
                                          << g_ref.abs().max().item<double>();
  EXPECT_TRUE((p1.grad().select(1, 1).masked_select(ls.select(1, 0) < kMinLogScale) == 0).all().item<bool>());
  {  // without gradients it takes the value-only path, with the same values
    torch::NoGradGuard g;
    EXPECT_TRUE(torch::equal(log_likelihood(Likelihood::Logistic, params, x), fused.detach()));
  }
}

TEST(Likelihood, DiscretizedGaussianSumsToOneMatchesItsCodecAndHasFiniteGradients) {
  const auto levels = torch::arange(256, torch::kFloat32).unsqueeze(0);  // one image, every level once
  for (double mean : {-1.3, -0.9, 0.0, 0.42, 1.2})
    for (double ls : {-9.0, -4.0, -2.0, 0.5}) {
      const auto m = torch::full({1, 1, 256}, mean, torch::requires_grad());
      const auto params = torch::cat({m, torch::full({1, 1, 256}, ls)}, 1);
      const auto logp = log_likelihood(Likelihood::Gaussian, params, levels);  // sum over the 256 pixels
      double total = 0;
      const codec::DiscretizedGaussian c(mean, ls, 24);
      for (int k = 0; k < 256; ++k) {
        const double lp = log_likelihood(Likelihood::Gaussian, params.slice(2, k, k + 1), levels.slice(1, k, k + 1))
                              .item<double>();
        total += std::exp(lp);
        // The codec's quantized bin mass (one count added per level) matches where it is not tiny.
        const double coded = (c(k + 1) - c(k)) / double(1 << 24);
        if (std::exp(lp) > 1e-3) EXPECT_NEAR(std::log(coded), lp, 1e-3) << mean << " " << ls << " " << k;
      }
      EXPECT_NEAR(total, 1.0, 2e-3) << mean << " " << ls;
      logp.backward();
      EXPECT_TRUE(torch::isfinite(m.grad()).all().item<bool>()) << mean << " " << ls;
    }
  // Far outside the level range the end bins keep a useful gradient pulling the mean back.
  const auto m = torch::full({1, 1, 1}, 3.0, torch::requires_grad());
  log_likelihood(Likelihood::Gaussian, torch::cat({m, torch::full({1, 1, 1}, -5.0)}, 1), torch::zeros({1, 1}))
      .backward();
  EXPECT_LT(m.grad().item<double>(), -1.0);
}

TEST(Likelihood, BernoulliMatchesClosedForm) {
  const auto logits = torch::tensor({{{0.3f, -2.0f}}});  // [1, 1, 2]
  const auto x = torch::tensor({{1.0f, 0.0f}});
  const double expect = std::log(1 / (1 + std::exp(-0.3))) + std::log(1 - 1 / (1 + std::exp(2.0)));
  EXPECT_NEAR(log_likelihood(Likelihood::Bernoulli, logits, x).item<double>(), expect, 1e-5);
}

TEST(Rate, AnalyticKlMatchesMonteCarlo) {
  torch::manual_seed(1);
  DiagGaussian q{torch::randn({4, 6}), torch::randn({4, 6}) * 0.5};
  const auto analytic = kl_to_standard_normal(q).sum(1);
  StandardNormalPriorImpl prior;
  const int64_t s = 200000;
  const auto z = q.mean.unsqueeze(0) + q.std().unsqueeze(0) * torch::randn({s, 4, 6});
  const auto mc = (q.log_prob(z) - prior.log_prob(z)).mean(0);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(mc[i].item<double>(), analytic[i].item<double>(), 0.05);
}

TEST(Eval, IwaeBoundsElboAndFallsWithK) {
  VAE model = VAE(load_run_config(test::tiny_run(false)).model);
  load_checkpoint(test::tiny_run(false), model, nullptr);
  const Images x = test::fashion(100);
  EvalOptions o;
  o.mi_images = 0;
  o.iwae_samples = 1;
  const auto k1 = evaluate(model, x, o);
  o.iwae_samples = 50;
  const auto k50 = evaluate(model, x, o);
  EXPECT_LE(k50.iwae_nll, -k50.elbo);
  EXPECT_LT(k50.iwae_nll, k1.iwae_nll);
  EXPECT_NEAR(k1.iwae_nll, -k1.elbo, 0.05 * -k1.elbo);  // K = 1 is the ELBO (another sample)
}

TEST(Eval, MutualInformationBounds) {
  VAE model = VAE(load_run_config(test::tiny_run(false)).model);
  load_checkpoint(test::tiny_run(false), model, nullptr);
  model->eval();
  const Images x = test::fashion(300);
  EvalOptions o;
  o.iwae_samples = 0;
  const auto r = evaluate(model, x, o);
  EXPECT_LE(r.mutual_info, std::log(300.0) + 1e-9);
  EXPECT_LE(r.mutual_info, r.rate + 1e-6);
  EXPECT_GT(r.mutual_info, 0.0);
  EXPECT_NEAR(r.mutual_info + r.marginal_kl, r.rate, 1e-3 * r.rate);  // Hoffman & Johnson's identity
  // Identical posteriors carry no information.
  DiagGaussian same{torch::zeros({50, 4}), torch::zeros({50, 4})};
  EXPECT_NEAR(mutual_information(same), 0.0, 1e-6);
  // Far-apart, sharp posteriors reach log N.
  DiagGaussian apart{torch::arange(50, torch::kFloat32).unsqueeze(1).repeat({1, 4}) * 10, torch::full({50, 4}, -8.0)};
  EXPECT_NEAR(mutual_information(apart), std::log(50.0), 1e-3);
}

TEST(Eval, ActiveUnitsOnConstructedModel) {
  ModelConfig c;
  c.hidden = 16;
  c.latent_dim = 4;
  VAE model(c);
  torch::NoGradGuard g;
  // Only latent 1 and 3 depend on x; the others' means are constant.
  for (auto& p : model->encoder->head->parameters()) p.zero_();
  for (auto& p : model->encoder->body->parameters()) p.fill_(0.01);
  model->encoder->head->weight[1].fill_(1.0);
  model->encoder->head->weight[3].fill_(-2.0);
  const Images x = test::fashion(200);
  EvalOptions o;
  o.iwae_samples = 0;
  const auto r = evaluate(model, x, o);
  EXPECT_EQ(r.active_units, 2);
  EXPECT_EQ(active_units(torch::tensor({{0.0f, 1.0f}, {0.05f, -1.0f}, {0.1f, 0.5f}})), 1);
}

TEST(Config, HiddenLayersDeepenTheMlpAndKeepOldConfigsValid) {
  ModelConfig c;
  c.hidden = 16;
  c.latent_dim = 4;
  // The default is not written, so configs (and file fingerprints) made before the flag stay valid.
  EXPECT_FALSE(to_json(c).contains("hidden_layers"));
  VAE shallow(c);
  c.hidden_layers = 3;
  const auto j = to_json(c);
  EXPECT_EQ(j.at("hidden_layers").get<int64_t>(), 3);
  EXPECT_EQ(model_config_from_json(j).hidden_layers, 3);
  VAE deep(c);
  auto count = [](torch::nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
  };
  // Two more hidden 16x16 layers (weights and biases) in each of the encoder and the decoder.
  EXPECT_EQ(count(*deep) - count(*shallow), 2 * 2 * (16 * 16 + 16));
  const auto out = deep->decoder->forward(torch::zeros({5, 4}));
  EXPECT_EQ(out.size(0), 5);
  EXPECT_EQ(out.size(2), c.dims());
  c.hidden_layers = 0;
  EXPECT_THROW(validate(c), InputError);
}

TEST(Objective, CuresMatchHandComputedValues) {
  VAETerms t;
  t.distortion = torch::tensor({10.0f, 20.0f});
  t.kl_per_dim = torch::tensor({{0.1f, 2.0f}, {0.3f, 4.0f}});  // batch-mean KL per dim: 0.2, 3.0
  t.rate = t.kl_per_dim.sum(1);                                // 2.1, 4.3: mean 3.2
  ObjectiveConfig c;
  c.beta = 2.0;
  EXPECT_NEAR(objective(c, t, 0).loss.item<double>(), 15.0 + 2.0 * 3.2, 1e-4);
  c.free_bits = 0.5;  // max(0.5, 0.2) + max(0.5, 3.0) = 3.5
  EXPECT_NEAR(objective(c, t, 0).loss.item<double>(), 15.0 + 2.0 * 3.5, 1e-4);
  c.free_bits = 0;
  c.kl_anneal = "linear:100";
  EXPECT_NEAR(objective(c, t, 25).loss.item<double>(), 15.0 + 0.25 * 2.0 * 3.2, 1e-4);
  EXPECT_NEAR(kl_weight(c, 1000), 1.0, 1e-12);
  c.kl_anneal = "cyclical:100";
  EXPECT_NEAR(kl_weight(c, 125), 0.5, 1e-12);
  EXPECT_NEAR(kl_weight(c, 180), 1.0, 1e-12);
  c.kl_anneal = "sigmoid:100";
  EXPECT_NEAR(kl_weight(c, 50), 0.5, 1e-12);
  c.kl_anneal = "";
  c.capacity = 10.0;
  c.capacity_steps = 100;
  c.gamma = 1000.0;  // C(50) = 5: 1000 * |3.2 - 5|
  EXPECT_NEAR(objective(c, t, 50).loss.item<double>(), 15.0 + 1000.0 * 1.8, 1e-2);
  // The reported rate is always the plain KL.
  EXPECT_NEAR(objective(c, t, 50).rate.mean().item<double>(), 3.2, 1e-5);
}

TEST(Objective, DeltaVaeKlNeverBelowDelta) {
  ModelConfig c;
  c.hidden = 16;
  c.latent_dim = 5;
  c.delta = 0.1;
  torch::manual_seed(3);
  VAE model(c);
  const auto x = torch::rand({64, 784}) * 255;
  const auto t = model->terms(x);
  EXPECT_GE(t.kl_per_dim.min().item<double>(), 0.1 - 1e-5);
  const double su = delta_vae_max_std(0.1);
  EXPECT_NEAR(0.5 * (su * su - std::log(su * su) - 1), 0.1, 1e-9);
}
