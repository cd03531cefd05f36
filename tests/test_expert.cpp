// The adaptive expert beside the network (coding/adaptive_expert.h): its predictions, the mixed
// codec, and bits-back files coded with it (colour and gray, tiled, BB-IS, lane starts).
#include <gtest/gtest.h>

#include <cmath>

#include "coding/adaptive_expert.h"
#include "coding/bits_back.h"
#include "coding/container.h"
#include "coding/lossless.h"
#include "coding/pixel_codecs.h"
#include "coding/lane_steps.h"
#include "coding/vae_codecs.h"
#include "helpers.h"
#include "model/discretization.h"
#include "model/vae.h"
#include "util/error.h"

using namespace vlae;
using codec::AdaptiveExpert;

namespace {

double level_of_mean(const codec::ExpertPrediction& p) { return (p.mean + 1.0) * kLevelsPerUnit; }
double scale_in_levels(const codec::ExpertPrediction& p) { return std::exp(p.log_scale) * kLevelsPerUnit; }

// Feeds a C x H x W image (planar) through the expert in coding order; the network's mass of each
// level is `network_mass`, the expert's its own distribution's. memory: what the expert starts from
// (updated to what it leaves).
std::vector<codec::ExpertPrediction> run_expert(const std::vector<uint8_t>& planar, int64_t c, int64_t h, int64_t w,
                                                double network_mass,
                                                codec::ExpertMixing rule = codec::ExpertMixing::Adaptive1,
                                                codec::ExpertMemory* memory = nullptr) {
  AdaptiveExpert e(c, h, w, codec::expert_constants(rule), memory);
  std::vector<codec::ExpertPrediction> out;
  for (int64_t s = 0; s < c * h * w; ++s) {
    const auto p = e.predict(s);
    out.push_back(p);
    const uint8_t v = planar[static_cast<size_t>((s % c) * h * w + s / c)];
    e.update(s, v, network_mass, codec::ExpertLogistics(p, 24).mass(v));
  }
  if (memory) *memory = e.memory();
  return out;
}

ModelConfig pixelcnn_config(int64_t channels, Likelihood likelihood) {
  ModelConfig c;
  c.arch = "pixelcnn";
  c.image_channels = channels;
  c.height = c.width = 8;
  c.pixel_stack = "vh";
  c.gated = true;
  c.latent_dim = 4;
  c.hidden = 32;
  c.pixel_channels = channels == 3 ? 12 : 8;
  c.likelihood = likelihood;
  if (likelihood == Likelihood::LogisticMixture) c.logistic_mixtures = 3;
  return c;
}

}  // namespace

// A flat image: after the first position every sub-predictor is exact, so the expert predicts the
// level itself with its narrowest scale.
TEST(AdaptiveExpert, PredictsAFlatImageSharply) {
  const std::vector<uint8_t> flat(3 * 6 * 5, 100);
  const auto p = run_expert(flat, 3, 6, 5, 1e-3);
  for (size_t s = 2 * 3 * 5; s < p.size(); ++s) {  // from the third row on (the first guess's error is gone)
    EXPECT_DOUBLE_EQ(level_of_mean(p[s]), 100.0) << s;
    EXPECT_LT(scale_in_levels(p[s]), 1.0) << s;
  }
  // The first position of the first colour knows nothing: the middle level, a wide scale.
  EXPECT_NEAR(level_of_mean(p[0]), 127.5, 1e-9);
  EXPECT_GT(scale_in_levels(p[0]), 5.0);
  // The second colour at the first position predicts the first colour's level there.
  EXPECT_DOUBLE_EQ(level_of_mean(p[1]), 100.0);
}

// Adaptive3's least-squares predictor learns a texture none of the fixed sub-predictors fits: even
// rows flat, odd rows alternating, so that NN is exact and N, W + N - NW and the rest are not on odd
// rows. Its coefficients, carried, predict the second picture far better than Adaptive2 does.
TEST(AdaptiveExpert, LeastSquaresLearnsATexture) {
  const int64_t h = 16, w = 16;
  std::vector<uint8_t> stripes(static_cast<size_t>(h * w));
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c) stripes[static_cast<size_t>(r * w + c)] = static_cast<uint8_t>(60 + 40 * (r % 2) * (1 + c % 2));
  auto error = [&](codec::ExpertMixing rule) {
    codec::ExpertMemory m;
    run_expert(stripes, 1, h, w, 1e-3, rule, &m);
    const auto p = run_expert(stripes, 1, h, w, 1e-3, rule, &m);
    double sum = 0;
    for (int64_t r = 2; r < h; ++r)
      for (int64_t c = 2; c < w; ++c)
        sum += std::abs(level_of_mean(p[static_cast<size_t>(r * w + c)]) - stripes[static_cast<size_t>(r * w + c)]);
    return sum / static_cast<double>((h - 2) * (w - 2));
  };
  const double with_ls = error(codec::ExpertMixing::Adaptive3), without = error(codec::ExpertMixing::Adaptive2);
  EXPECT_LT(with_ls, 0.5 * without) << with_ls << " vs " << without;
}

// A plane x = 2r + 3c: the gradient W + N - NW is exact on it, the other sub-predictors are not, so
// the weights move onto it and the prediction comes within a level.
TEST(AdaptiveExpert, WeighsTheSubPredictorThatFits) {
  const int64_t h = 12, w = 12;
  std::vector<uint8_t> ramp(static_cast<size_t>(h * w));
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c) ramp[static_cast<size_t>(r * w + c)] = static_cast<uint8_t>(20 + 2 * r + 3 * c);
  const auto p = run_expert(ramp, 1, h, w, 1e-3);
  for (int64_t r = 4; r < h; ++r)
    for (int64_t c = 4; c < w; ++c)
      EXPECT_NEAR(level_of_mean(p[static_cast<size_t>(r * w + c)]), 20 + 2 * r + 3 * c, 1.0) << r << "," << c;
}

// The share follows whichever codes the image better, within its bounds.
TEST(AdaptiveExpert, ShareFollowsWhoCodesBetter) {
  const Images noise = test::pictures(1, 1, 8, 8);
  std::vector<uint8_t> rough(noise.pixels);
  for (size_t i = 0; i < rough.size(); ++i) rough[i] = static_cast<uint8_t>(rough[i] + 37 * (i * i % 7));
  const auto network_better = run_expert(rough, 1, 8, 8, 0.9);
  const auto expert_better = run_expert(rough, 1, 8, 8, 1e-6);
  EXPECT_LT(network_better.back().share, 0.05);
  EXPECT_GT(expert_better.back().share, 0.9);
  for (const auto* run : {&network_better, &expert_better})
    for (const auto& q : *run) {
      EXPECT_GT(q.share, 0.0);
      EXPECT_LT(q.share, 1.0);
    }
}

// Adaptive2's memory: a function of the levels alone (the network's masses change nothing in it),
// learnt from one image and used by the next: on a flat picture its scale narrows from image to
// image, while Adaptive1 restarts and predicts the second as it did the first.
TEST(AdaptiveExpert, MemoryCarriesAlongALane) {
  const Images x = test::pictures(1, 3, 8, 8);
  for (const auto rule : {codec::ExpertMixing::Adaptive2, codec::ExpertMixing::Adaptive3}) {
    codec::ExpertMemory a, b;
    run_expert(x.pixels, 3, 8, 8, 0.9, rule, &a);
    run_expert(x.pixels, 3, 8, 8, 1e-6, rule, &b);
    EXPECT_EQ(a.err_sum, b.err_sum);
    EXPECT_EQ(a.recent_sum, b.recent_sum);
    EXPECT_EQ(a.scale_adj, b.scale_adj);
    EXPECT_EQ(a.mean_adj, b.mean_adj);
    EXPECT_EQ(a.slope, b.slope);
    EXPECT_EQ(a.ls_theta, b.ls_theta);
    EXPECT_EQ(a.ls_p, b.ls_p);
    EXPECT_EQ(a.scale_adj.size(), 3u * AdaptiveExpert::kScaleBuckets);
  }

  const std::vector<uint8_t> flat(3 * 8 * 8, 90);
  codec::ExpertMemory m;
  const auto first = run_expert(flat, 3, 8, 8, 1e-3, codec::ExpertMixing::Adaptive2, &m);
  const auto second = run_expert(flat, 3, 8, 8, 1e-3, codec::ExpertMixing::Adaptive2, &m);
  EXPECT_LT(scale_in_levels(second.back()), 0.9 * scale_in_levels(first.back()));
  EXPECT_GT(second.back().tail, 0.0);  // Adaptive2's wide logistic for the tail
  codec::ExpertMemory none;
  const auto again = run_expert(flat, 3, 8, 8, 1e-3, codec::ExpertMixing::Adaptive1, &none);
  const auto fresh = run_expert(flat, 3, 8, 8, 1e-3, codec::ExpertMixing::Adaptive1, &none);
  EXPECT_EQ(again.back().log_scale, fresh.back().log_scale);  // nothing learnt to carry
  EXPECT_EQ(again.back().tail, 0.0);
  // A memory of another shape is refused.
  EXPECT_THROW(AdaptiveExpert(1, 8, 8, codec::expert_constants(codec::ExpertMixing::Adaptive2), &m), std::invalid_argument);
}

// The mixed codec is a valid CDF (every level at least 1, the total 2^prec) and pop inverts push.
TEST(AdaptiveExpert, MixedCodecIsACodec) {
  const double mixture[9] = {0.3, -1.0, 0.2, -0.4, 0.1, 0.6, -3.0, -2.0, -4.5};
  const codec::ExpertPrediction one{0.25, -3.5, 0.4}, two{0.25, -3.5, 0.4, 0.05, -2.4};
  for (const Likelihood l : {Likelihood::Logistic, Likelihood::LogisticMixture, Likelihood::Gaussian})
  for (const auto* expert : {&one, &two}) {
    codec::PixelCodec c{l, 0.1, -2.5, 16, mixture, 9};
    c.expert = expert;
    c.with_codec([&](const auto& mixed) {
      uint32_t prev = mixed(0);
      EXPECT_EQ(prev, 0u);
      for (uint32_t k = 1; k <= 256; ++k) {
        EXPECT_GE(mixed(k), prev + 1) << k;
        prev = mixed(k);
      }
      EXPECT_EQ(prev, 1u << 16);
      return 0;
    });
    rans::Message m;
    std::vector<uint32_t> levels;
    for (uint32_t k = 0; k < 256; k += 7) levels.push_back(k);
    double pushed = 0;
    for (uint32_t k : levels) pushed += c.push(m, k);
    double popped = 0;
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
      const auto got = c.pop(m);
      EXPECT_EQ(got.symbol, *it);
      popped += got.bits;
    }
    EXPECT_DOUBLE_EQ(pushed, popped);
  }
}

// Bits-back files with the expert decode exactly, under every rule: colour and gray, a logistic
// mixture and one logistic, tiled pictures, BB-IS, and both lane starts; the file says so (version 6)
// and differs from the network's alone. Three images on each of two lanes: Adaptive2's memory
// travels along each.
TEST(AdaptiveExpert, FilesDecodeExactly) {
  struct Case {
    int64_t channels;
    Likelihood likelihood;
    codec::ExpertMixing rule;
  };
  for (const Case& k : {Case{3, Likelihood::LogisticMixture, codec::ExpertMixing::Adaptive1},
                        Case{1, Likelihood::Logistic, codec::ExpertMixing::Adaptive1},
                        Case{3, Likelihood::LogisticMixture, codec::ExpertMixing::Adaptive2},
                        Case{1, Likelihood::Logistic, codec::ExpertMixing::Adaptive3},
                        Case{3, Likelihood::LogisticMixture, codec::ExpertMixing::Adaptive3},
                        Case{1, Likelihood::Logistic, codec::ExpertMixing::Adaptive4},
                        Case{3, Likelihood::LogisticMixture, codec::ExpertMixing::Adaptive4}}) {
    torch::manual_seed(8);
    VAE model(pixelcnn_config(k.channels, k.likelihood));
    const Images x = test::pictures(6, k.channels, 8, 8);
    BitsBackConfig cfg;
    cfg.lanes = 2;
    const std::string plain = compress_lossless(model, x, cfg, nullptr, false);
    cfg.expert = k.rule;
    LosslessReport rep;
    const std::string mixed = compress_lossless(model, x, cfg, &rep, false);
    EXPECT_NE(mixed, plain);
    EXPECT_EQ(parse_coded_file(mixed, "mem").expert_mixing, static_cast<uint8_t>(k.rule));
    EXPECT_EQ(static_cast<uint8_t>(mixed[4]), kFormatVersionExpert);
    EXPECT_EQ(decompress_lossless(model, mixed, "mem", false).pixels, x.pixels);
    // An untrained network on smooth pictures: the expert codes them in fewer bits.
    EXPECT_LT(rep.stats.x_bits, 0.8 * [&] {
      LosslessReport r;
      BitsBackConfig c = cfg;
      c.expert = codec::ExpertMixing::None;
      compress_lossless(model, x, c, &r, false);
      return r.stats.x_bits;
    }());

    const Images big = test::pictures(1, k.channels, 11, 19);  // tiles
    EXPECT_EQ(decompress_lossless(model, compress_lossless(model, big, cfg, nullptr, false), "mem", false).pixels,
              big.pixels);
    BitsBackConfig iw = cfg;
    iw.importance_samples = 2;
    EXPECT_EQ(decompress_lossless(model, compress_lossless(model, x, iw, nullptr, false), "mem", false).pixels, x.pixels);
    for (uint8_t start : {kStartInitialBits, kStartPriorMedian}) {
      BitsBackConfig s = cfg;
      s.lane_start = start;
      EXPECT_EQ(decompress_lossless(model, compress_lossless(model, x, s, nullptr, false), "mem", false).pixels,
                x.pixels);
    }
  }
}

// Lanes of consecutive images: each slot's image is a permutation of the images, and each lane holds a
// run of consecutive ones, the first count % lanes lanes one more than the others.
TEST(AdaptiveExpert, ConsecutiveLanesHoldRunsOfImages) {
  for (int64_t count : {1, 2, 5, 7, 12, 13}) {
    for (int64_t lanes = 1; lanes <= count; ++lanes) {
      std::vector<int> seen(static_cast<size_t>(count), 0);
      for (int64_t l = 0; l < lanes; ++l) {
        int64_t held = 0;
        for (int64_t slot = l; slot < count; slot += lanes, ++held) {
          const int64_t i = consecutive_image(slot, lanes, count);
          ASSERT_GE(i, 0);
          ASSERT_LT(i, count);
          ++seen[static_cast<size_t>(i)];
          EXPECT_EQ(i, consecutive_image(l, lanes, count) + held) << count << " images, " << lanes << " lanes";
        }
        EXPECT_EQ(held, count / lanes + (l < count % lanes ? 1 : 0));
        if (l > 0) EXPECT_EQ(consecutive_image(l, lanes, count), consecutive_image(l - 1, lanes, count) + count / lanes + (l - 1 < count % lanes ? 1 : 0));
      }
      for (int s : seen) EXPECT_EQ(s, 1);
    }
  }
}

// The fourth rule is the third with the images laid on lanes in consecutive runs: its lanes' messages
// are the third rule's for the images in that order, word for word, and its file decodes to the
// images in their own order (7 images on 3 lanes: runs of 3, 2 and 2).
TEST(AdaptiveExpert, FourthRuleIsTheThirdOnConsecutiveLanes) {
  torch::manual_seed(5);
  VAE model(pixelcnn_config(3, Likelihood::LogisticMixture));
  const Images x = test::pictures(7, 3, 8, 8);
  Images laid = x;
  for (int64_t s = 0; s < x.count; ++s) {
    const int64_t i = consecutive_image(s, 3, x.count);
    std::copy(x.image(i), x.image(i) + x.dims(), laid.image(s));
  }
  ASSERT_NE(laid.pixels, x.pixels);
  BitsBackConfig cfg;
  cfg.lanes = 3;
  cfg.expert = codec::ExpertMixing::Adaptive4;
  const BitsBackLanes fourth = bits_back_encode(model, x, cfg, nullptr);
  cfg.expert = codec::ExpertMixing::Adaptive3;
  const BitsBackLanes third = bits_back_encode(model, laid, cfg, nullptr);
  ASSERT_EQ(fourth.lanes.size(), 3u);
  EXPECT_EQ(fourth.starts, third.starts);
  for (size_t l = 0; l < 3; ++l) {
    EXPECT_EQ(fourth.lanes[l].words, third.lanes[l].words);
    EXPECT_EQ(fourth.lanes[l].state, third.lanes[l].state);
  }
  cfg.expert = codec::ExpertMixing::Adaptive4;
  EXPECT_EQ(bits_back_decode(model, fourth, x.count, cfg).pixels, x.pixels);
  cfg.expert = codec::ExpertMixing::Adaptive3;
  EXPECT_EQ(bits_back_decode(model, third, x.count, cfg).pixels, laid.pixels);
}

// The likelihood codec reads the memory the chain sets for each lane: an image costs other bits
// after a lane's earlier image than first on its lane (and the same again once the memory is cleared).
TEST(AdaptiveExpert, CodecUsesTheLaneMemory) {
  torch::manual_seed(3);
  VAE model(pixelcnn_config(3, Likelihood::LogisticMixture));
  BitsBackConfig cfg;
  cfg.expert = codec::ExpertMixing::Adaptive2;
  const VAECodecs v(model, cfg);
  ASSERT_TRUE(v.expert_carries());
  const Images x = test::pictures(2, 3, 8, 8);
  const Images second = slice(x, 1, 1);
  const Latents z = v.prior_median(1);
  auto bits = [&] { return v.likelihood_tapes(z, second, false)[0].bits; };
  const double alone = bits();
  v.set_expert_memory({v.remember({}, x.image(0))});
  const double after = bits();
  EXPECT_NE(after, alone);
  v.set_expert_memory({});
  EXPECT_EQ(bits(), alone);
}

// The expert needs a PixelCNN-family decoder of 8-bit levels; a file header with an unknown
// mixing is refused.
TEST(AdaptiveExpert, RefusesWhatItCannotCode) {
  ModelConfig mlp;
  mlp.arch = "mlp";
  mlp.latent_dim = 4;
  mlp.hidden = 16;
  VAE factorized(mlp);
  test::expect_input_error([&] { check_expert_fits_model(codec::ExpertMixing::Adaptive1, factorized, "compress"); },
                           "PixelCNN-family decoder of 8-bit levels");
  VAE binary(pixelcnn_config(1, Likelihood::Bernoulli));
  test::expect_input_error([&] { check_expert_fits_model(codec::ExpertMixing::Adaptive1, binary, "compress"); },
                           "binary");
  check_expert_fits_model(codec::ExpertMixing::None, binary, "compress");  // nothing asked, nothing refused

  CodedFile f = coded_file_header(CodedKind::Lossless, 1, test::pictures(1, 1, 8, 8));
  f.lanes.push_back(rans::Message{});
  f.latent_bits = 14;
  f.posterior_prec = f.obs_prec = 24;
  f.expert_mixing = 1;
  const std::string bytes = serialize(f);
  EXPECT_EQ(parse_coded_file(bytes, "mem").expert_mixing, 1);
  f.expert_mixing = codec::kLastExpertMixing + 1;
  EXPECT_THROW(serialize(f), std::invalid_argument);
}

TEST(AdaptiveExpert, CliRefusesBadFlags) {
  const std::string run = test::tiny_run(false);
  const std::string dir = test::temp_dir("expert-cli");
  test::expect_usage_error("compress --run " + run + " --limit 2 --expert adaptive -o " + dir + "/a.vlae",
                           "PixelCNN-family decoder");
  test::expect_usage_error("compress --run " + run + " --limit 2 --expert paq -o " + dir + "/a.vlae",
                           "--expert: expected none, adaptive, adaptive1, adaptive2 or adaptive3");
  test::expect_usage_error("compress --run " + run + " --limit 2 --lossy --expert adaptive -o " + dir + "/a.vlae",
                           "for lossless bits-back files");
}
