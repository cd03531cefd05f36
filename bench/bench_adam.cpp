// One Adam step over the parameters of the MLP VAE of the throughput benchmark (784-512-32,
// discretized logistic: 1.25M parameters), torch's Adam::step against vlae's single-pass
// fused_adam_step, on the intra-op threads (default: all cores; --threads via VLAE_THREADS).
#include <benchmark/benchmark.h>

#include <ATen/Parallel.h>
#include <cstdlib>

#include "model/vae.h"
#include "train/fused_adam.h"

using namespace vlae;

namespace {

struct Setup {
  VAE model{ModelConfig{}};
  torch::optim::Adam adam{model->parameters(), torch::optim::AdamOptions(1e-3)};
  Setup() {
    if (const char* t = std::getenv("VLAE_THREADS")) at::set_num_threads(std::atoi(t));
    for (auto& p : model->parameters()) p.mutable_grad() = torch::randn_like(p) * 1e-2;
  }
  int64_t count() {
    int64_t n = 0;
    for (const auto& p : model->parameters()) n += p.numel();
    return n;
  }
};

void BM_TorchAdam(benchmark::State& st) {
  Setup s;
  for (auto _ : st) s.adam.step();
  st.SetItemsProcessed(st.iterations() * s.count());
}
BENCHMARK(BM_TorchAdam)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_FusedAdam(benchmark::State& st) {
  Setup s;
  for (auto _ : st) fused_adam_step(s.adam);
  st.SetItemsProcessed(st.iterations() * s.count());
}
BENCHMARK(BM_FusedAdam)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
