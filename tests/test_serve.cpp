// The demo server's JSON API: models, reconstructions that agree with the codecs, every error case
// as a 4xx with a JSON error, and concurrent requests giving the same answers as sequential ones.
#include <gtest/gtest.h>

#include <future>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "helpers.h"
#include "serve/demo.h"
#include "serve/server.h"
#include "util/error.h"

using namespace vlae;

namespace {

// A two-model sweep on binarized-free Fashion-MNIST, built once per process.
const std::string& tiny_sweep() {
  static const std::string dir = [] {
    const std::string d = test::temp_dir("serve-sweep") + "/sweep";
    const auto r = test::run_cli("sweep --data fashion-mnist --limit 3000 --out " + d +
                                 " --betas 0.5,4 --epochs 3 --latent-dim 8 --hidden 128 --eval-limit 40 "
                                 "--iwae-samples 2 --calibration 100 --avif-speed 8");
    EXPECT_EQ(r.code, 0) << r.output;
    return d;
  }();
  return dir;
}

struct Running {
  httplib::Server srv;
  std::thread thread;
  int port = 0;
  Running(const Demo& demo, size_t max_body = 64 * 1024) {
    ServerLimits limits;
    limits.max_body_bytes = max_body;
    install_routes(srv, demo, std::string(VLAE_SOURCE_DIR) + "/web", limits);
    port = srv.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { srv.listen_after_bind(); });
    while (!srv.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Running() {
    srv.stop();
    thread.join();
  }
};

nlohmann::json post(httplib::Client& c, const std::string& body, int expect) {
  const auto res = c.Post("/api/reconstruct", body, "application/json");
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, expect) << body << " -> " << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  return nlohmann::json::parse(res->body);
}

}  // namespace

TEST(Serve, ModelsAndReconstructAgreeWithTheSweep) {
  const Demo demo = Demo::load(tiny_sweep(), "");
  ASSERT_EQ(demo.models.size(), 2u);
  Running server(demo);
  httplib::Client c("127.0.0.1", server.port);
  const auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("High fidelity"), std::string::npos);
  EXPECT_EQ(c.Get("/app.js")->status, 200);
  const auto models = nlohmann::json::parse(c.Get("/api/models")->body);
  ASSERT_EQ(models["models"].size(), 2u);
  for (const auto& m : models["models"])
    for (const char* k : {"beta", "rate_nats", "distortion_nats", "bits_per_pixel", "psnr_db"}) EXPECT_TRUE(m.contains(k)) << k;
  EXPECT_FALSE(models["baselines"].empty());

  const auto lo = post(c, R"({"model": 0, "image": 3})", 200);
  const auto hi = post(c, R"({"model": 4.0, "image": 3})", 200);  // a float is a beta
  EXPECT_EQ(post(c, R"({"beta": 4, "image": 3})", 200), hi);
  EXPECT_EQ(lo["beta"], 0.5);
  EXPECT_EQ(hi["beta"], 4.0);
  EXPECT_EQ(lo["reconstruction"].size(), 784u);
  EXPECT_EQ(lo["posterior"]["kl_nats"].size(), 8u);
  // Larger beta: a shorter code and a lower rate.
  EXPECT_LT(hi["rate_nats"].get<double>(), lo["rate_nats"].get<double>());
  EXPECT_LT(hi["lossy"]["coded_bits"].get<double>(), lo["lossy"]["coded_bits"].get<double>());
  // Bits-back: net = naive - back, within a few percent of -ELBO for this image.
  const auto& bb = lo["bits_back"];
  EXPECT_NEAR(bb["net_bits"].get<double>(), bb["naive_bits"].get<double>() - bb["bits_back"].get<double>(), 1e-6);
  EXPECT_NEAR(bb["net_bits"].get<double>(), bb["neg_elbo_bits"].get<double>(), 0.05 * bb["neg_elbo_bits"].get<double>());
  // The same request twice gives the same answer; pixels of a test image give the test image's answer.
  EXPECT_EQ(post(c, R"({"model": 0, "image": 3})", 200), lo);
  const auto by_pixels = post(c, nlohmann::json({{"model", 0}, {"pixels", lo["input"]}}).dump(), 200);
  EXPECT_EQ(by_pixels["reconstruction"], lo["reconstruction"]);
  EXPECT_EQ(by_pixels["lossy"], lo["lossy"]);
}

TEST(Serve, BadRequestsGetA4xxWithAJsonError) {
  const Demo demo = Demo::load(tiny_sweep(), "");
  Running server(demo, 16 * 1024);
  httplib::Client c("127.0.0.1", server.port);
  for (const std::string body : {"not json", "[1,2]", R"({"model": 9, "image": 0})", R"({"model": 0.7, "image": 0})",
                                 R"({"model": "x", "image": 0})", R"({"model": 0, "image": 100000})",
                                 R"({"model": 0, "image": -1})", R"({"model": 0})", R"({"model": 0, "pixels": [1, 2, 3]})",
                                 R"({"model": 0, "pixels": "abc"})", R"({"model": 0, "image": 0, "codec": "zip"})",
                                 R"({"model": 0, "image": 0, "codec": 3})", R"({"model": 0, "image": 0, "sample": "yes"})"}) {
    const auto j = post(c, body, 400);
    EXPECT_TRUE(j.contains("error")) << body;
  }
  std::vector<int> big(784, 300);
  EXPECT_TRUE(post(c, nlohmann::json({{"model", 0}, {"pixels", big}}).dump(), 400).contains("error"));
  // Oversized body: 413.
  const auto huge = c.Post("/api/reconstruct", std::string(20000, ' '), "application/json");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_TRUE(nlohmann::json::parse(huge->body).contains("error"));
  // Unknown paths and methods.
  const auto missing = c.Get("/api/nothing");
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(nlohmann::json::parse(missing->body).contains("error"));
  EXPECT_EQ(c.Get("/../CMakeLists.txt")->status, 404);
  EXPECT_EQ(c.Get("/study/x/lossy_code.png")->status, 404);
  EXPECT_GE(c.Delete("/api/models")->status, 400);
}

// The codec switch: a relative-entropy code of a sample, its bits near the KL, the same answer twice,
// and a decoder sample of the image's size.
TEST(Serve, RelativeEntropyCodeAndDecoderSample) {
  const Demo demo = Demo::load(tiny_sweep(), "");
  const Images x = demo.request_image({{"image", 3}});
  const auto grid = demo.reconstruct(demo.models.front(), x, "grid", false);
  const auto rec = demo.reconstruct(demo.models.front(), x, "rec", true);
  EXPECT_EQ(rec["codec"], "rec");
  EXPECT_EQ(grid["codec"], "grid");
  EXPECT_FALSE(grid.contains("sample"));
  ASSERT_TRUE(rec.contains("rec"));
  ASSERT_TRUE(rec.contains("sample"));
  EXPECT_EQ(rec["sample"].size(), rec["input"].size());
  EXPECT_NE(rec["reconstruction"], grid["reconstruction"]);
  EXPECT_EQ(rec, demo.reconstruct(demo.models.front(), x, "rec", true));  // deterministic
  // Relative-entropy coding costs about the KL plus a few bits per block.
  const double kl = rec["lossy"]["kl_bits"].get<double>(), bits = rec["lossy"]["coded_bits"].get<double>();
  EXPECT_LT(bits, 1.6 * kl + 8.0 * (1 + rec["rec"]["blocks"].get<double>())) << bits << " bits for KL " << kl;
  test::expect_input_error([&] { demo.reconstruct(demo.models.front(), x, "zip", false); }, "codec");
}

TEST(Serve, ConcurrentRequestsMatchSequentialOnes) {
  const Demo demo = Demo::load(tiny_sweep(), "");
  Running server(demo);
  std::vector<nlohmann::json> expected;
  {
    httplib::Client c("127.0.0.1", server.port);
    for (int i = 0; i < 8; ++i)
      expected.push_back(post(c, nlohmann::json({{"model", i % 2}, {"image", i}}).dump(), 200));
  }
  std::vector<std::future<bool>> jobs;
  for (int t = 0; t < 4; ++t)
    jobs.push_back(std::async(std::launch::async, [&, t] {
      httplib::Client c("127.0.0.1", server.port);
      bool same = true;
      for (int r = 0; r < 3; ++r)
        for (int i = 0; i < 8; ++i) {
          const int k = (i + t) % 8;
          const auto res = c.Post("/api/reconstruct", nlohmann::json({{"model", k % 2}, {"image", k}}).dump(),
                                  "application/json");
          same &= res && res->status == 200 && nlohmann::json::parse(res->body) == expected[k];
        }
      return same;
    }));
  for (auto& j : jobs) EXPECT_TRUE(j.get());
}

TEST(Serve, MissingSweepIsAnInputError) {
  test::expect_input_error([] { Demo::load(test::temp_dir("nosweep"), ""); }, "results.json");
  const auto r = test::run_cli("serve --sweep " + test::temp_dir("nosweep2"));
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST(Serve, TransformCodersAreDrawnBesideTheSweepFromRealFiles) {
  const std::string hyper = test::temp_dir("serve-hyper") + "/hyper";
  const auto t = test::run_cli("train --data fashion-mnist --limit 500 --model hyperprior --channels 8 --latent-dim 4 "
                               "--epochs 1 --batch-size 25 --test-limit 20 --out " + hyper);
  ASSERT_EQ(t.code, 0) << t.output;
  const Demo demo = Demo::load(tiny_sweep(), "", {hyper});
  ASSERT_EQ(demo.transforms.size(), 1u);
  const DemoTransform& tr = demo.transforms[0];
  EXPECT_EQ(tr.name, "hyper");
  EXPECT_EQ(tr.code.images, demo.test.count);  // the page's own test images
  EXPECT_GT(tr.code.bits, 0);
  const nlohmann::json info = demo.models_json();
  ASSERT_EQ(info["transforms"].size(), 1u);
  EXPECT_DOUBLE_EQ(info["transforms"][0]["bits_per_pixel"].get<double>(), tr.code.bits / (demo.test.count * 784.0));
  EXPECT_DOUBLE_EQ(info["transforms"][0]["psnr_db"].get<double>(), tr.code.psnr_db);
  // A VAE run, or a transform coder of other data, is refused by name.
  const std::string vae_run = tiny_sweep() + "/" + demo.models[0].run.substr(demo.models[0].run.rfind('/') + 1);
  test::expect_input_error([&] { Demo::load(tiny_sweep(), "", {vae_run}); }, "not a transform coder");
  const std::string digits = test::temp_dir("serve-hyper-mnist") + "/hyper";
  ASSERT_EQ(test::run_cli("train --data mnist --limit 200 --model hyperprior --channels 8 --latent-dim 4 --epochs 1 "
                          "--test-limit 20 --out " + digits).code, 0);
  test::expect_input_error([&] { Demo::load(tiny_sweep(), "", {digits}); }, "trained on mnist");
  EXPECT_EQ(test::run_cli("serve --sweep " + tiny_sweep() + " --transform-run " + vae_run + " --port 0").code, 2);
}
