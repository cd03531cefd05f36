// One IWAE evaluation step of the two-stack Gated PixelCNN decoder (the study's pixelcnn-vh, MNIST
// size, Bernoulli): log importance weights for a fixed number of decoder images per call, split
// into posterior samples x test images. Measures how the decoder's per-image cost depends on the
// batch it runs on (the range argument: decoder images per call), on the intra-op threads
// (VLAE_THREADS to set). It runs under vlae's heap policy (util/allocator.h) unless
// VLAE_BENCH_MALLOC=default: run it both ways to see what that policy is worth.
#include <benchmark/benchmark.h>

#include <ATen/Parallel.h>
#include <cstdlib>
#include <string>

#include "model/vae.h"
#include "util/allocator.h"

using namespace vlae;

namespace {

void BM_IwaeDecoderBatch(benchmark::State& st) {
  if (const char* t = std::getenv("VLAE_THREADS")) at::set_num_threads(std::atoi(t));
  const char* heap = std::getenv("VLAE_BENCH_MALLOC");
  if (!heap || std::string(heap) != "default") keep_freed_memory();
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  ModelConfig c;
  c.arch = "pixelcnn";
  c.receptive_field = "full";
  c.gated = true;
  c.pixel_stack = "vh";
  c.likelihood = Likelihood::Bernoulli;
  VAE model(c);
  model->eval();
  const int64_t per_call = st.range(0), images = 8, samples = per_call / images;
  const auto x = torch::bernoulli(torch::full({images, c.dims()}, 0.15)) * 255.0;
  const auto q = model->encode(x);
  for (auto _ : st) benchmark::DoNotOptimize(model->log_importance_weights(x, q, samples));
  st.SetItemsProcessed(st.iterations() * per_call);
}
BENCHMARK(BM_IwaeDecoderBatch)->Arg(32)->Arg(64)->Arg(128)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
