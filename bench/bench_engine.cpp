// What determinism costs: vlae's deterministic kernels (src/engine) against LibTorch on the same
// forward passes, at the sizes coding runs them (VLAE_THREADS sets the intra-op threads):
//   Mlp*        encoder + decoder of the default MLP VAE (784-512-32, logistic) on a step of 39
//               lanes (what bits-back uses for 10,000 images)
//   PixelCNN*   the default full PixelCNN (9 layers, 32 channels) and VLAE's local one (6 layers):
//               every pixel's params of one image (teacher forcing; LibTorch: one forward pass), and
//               one image decoded pixel by pixel (engine: incremental; LibTorch: its row-cached
//               sequential pass, what coding ran before the engine)
#include <benchmark/benchmark.h>

#include <ATen/Parallel.h>
#include <cstdlib>

#include "engine/pixelcnn_engine.h"
#include "engine/vae_engine.h"
#include "model/vae.h"

using namespace vlae;

namespace {

void threads() {
  if (const char* t = std::getenv("VLAE_THREADS")) at::set_num_threads(std::atoi(t));
}

constexpr int64_t kLanes = 39;

void BM_MlpLibTorch(benchmark::State& st) {
  threads();
  torch::NoGradGuard ng;
  VAE model(ModelConfig{});
  model->eval();
  const auto x = torch::randint(0, 256, {kLanes, 784}).to(torch::kFloat32);
  for (auto _ : st) {
    const auto q = model->encode(x);
    benchmark::DoNotOptimize(model->decoder->forward(q.mean).data_ptr<float>());
  }
  st.SetItemsProcessed(st.iterations() * kLanes);
}
BENCHMARK(BM_MlpLibTorch)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_MlpEngine(benchmark::State& st) {
  threads();
  VAE model(ModelConfig{});
  model->eval();
  const engine::VAEEngine net(model);
  std::vector<uint8_t> x(kLanes * 784);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 37);
  std::vector<double> mean, std, params;
  std::vector<float> z(kLanes * 32);
  for (auto _ : st) {
    net.posterior(x.data(), kLanes, mean, std);
    for (size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>(mean[i]);
    net.decoder_params(z.data(), kLanes, params);
    benchmark::DoNotOptimize(params.data());
  }
  st.SetItemsProcessed(st.iterations() * kLanes);
}
BENCHMARK(BM_MlpEngine)->Unit(benchmark::kMicrosecond)->UseRealTime();

ModelConfig pixel_config(bool local) {
  ModelConfig c;
  c.arch = local ? "vlae" : "pixelcnn";
  c.receptive_field = local ? "local" : "full";
  c.likelihood = Likelihood::Bernoulli;
  return c;
}

void BM_PixelCNNForcedLibTorch(benchmark::State& st) {
  threads();
  torch::NoGradGuard ng;
  VAE model(pixel_config(st.range(0)));
  model->eval();
  const auto z = torch::randn({1, 32});
  const auto x = torch::randint(0, 2, {1, 784}).to(torch::kFloat32);
  for (auto _ : st) benchmark::DoNotOptimize(model->pixelcnn->forward(z, x).data_ptr<float>());
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_PixelCNNForcedLibTorch)->Arg(0)->Arg(1)->ArgName("local")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PixelCNNForcedEngine(benchmark::State& st) {
  threads();
  VAE model(pixel_config(st.range(0)));
  model->eval();
  const engine::VAEEngine net(model);
  std::vector<float> z(32, 0.5f);
  std::vector<uint8_t> x(784);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i * 7) % 3 == 0;
  std::vector<double> params(784 * 1);
  for (auto _ : st) net.pixelcnn()->teacher_forced(z.data(), x.data(), params.data());
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_PixelCNNForcedEngine)->Arg(0)->Arg(1)->ArgName("local")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PixelCNNDecodeLibTorch(benchmark::State& st) {
  threads();
  torch::NoGradGuard ng;
  VAE model(pixel_config(st.range(0)));
  model->eval();
  const auto z = torch::randn({1, 32});
  for (auto _ : st)
    model->pixelcnn->autoregress(z, [](int64_t j, const double*, uint8_t* v) { v[0] = (j * 7) % 3 == 0; });
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_PixelCNNDecodeLibTorch)->Arg(0)->Arg(1)->ArgName("local")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PixelCNNDecodeEngine(benchmark::State& st) {
  threads();
  VAE model(pixel_config(st.range(0)));
  model->eval();
  const engine::VAEEngine net(model);
  const auto& pc = *net.pixelcnn();
  std::vector<float> z(32, 0.5f);
  double p[2];
  for (auto _ : st) {
    auto im = pc.start(z.data());
    for (int64_t j = 0; j < 784; ++j) {
      pc.params_at(im, j, p);
      pc.set(im, j, (j * 7) % 3 == 0);
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_PixelCNNDecodeEngine)->Arg(0)->Arg(1)->ArgName("local")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
