// The discretized logistic log-likelihood of one training minibatch (128 Fashion-MNIST-sized
// images, [128, 2, 784] decoder outputs), forward and backward: torch's op-by-op composition under
// autograd against vlae's one-pass fused kernel, on the intra-op threads (VLAE_THREADS to set).
#include <benchmark/benchmark.h>

#include <ATen/Parallel.h>
#include <cstdlib>

#include "model/likelihood.h"

using namespace vlae;

namespace {

struct Setup {
  torch::Tensor params, x;
  Setup() {
    if (const char* t = std::getenv("VLAE_THREADS")) at::set_num_threads(std::atoi(t));
    torch::manual_seed(0);
    x = torch::randint(0, 256, {128, 784}).to(torch::kFloat32);
    // A trained decoder's outputs: means near the pixels, log-scales around -3.
    const auto mean = (x * (2.0 / 255.0) - 1.0 + 0.05 * torch::randn({128, 784})).unsqueeze(1);
    params = torch::cat({mean, torch::full({128, 1, 784}, -3.0) + 0.5 * torch::randn({128, 1, 784})}, 1);
    params.requires_grad_(true);
  }
};

template <bool kFused>
void BM_LogisticForwardBackward(benchmark::State& st) {
  Setup s;
  for (auto _ : st) {
    auto logp = kFused ? log_likelihood(Likelihood::Logistic, s.params, s.x)
                       : log_likelihood_op_by_op(Likelihood::Logistic, s.params, s.x);
    (-logp.sum()).backward();
    s.params.mutable_grad() = torch::Tensor();
  }
  st.SetItemsProcessed(st.iterations() * s.x.numel());
}
BENCHMARK_TEMPLATE(BM_LogisticForwardBackward, false)->Name("OpByOp")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_LogisticForwardBackward, true)->Name("Fused")->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
