// LibTorch's intra-op thread count for this process.
#pragma once
#include <cstdint>
#include <functional>

namespace vlae {

void set_threads(int64_t threads);  // <= 0: the number of cores
// Distinct threads that ran the chunks of an at::parallel_for over `n` items in vlae's own code:
// 1 when vlae is compiled without OpenMP (the header template's pragma is then ignored).
int64_t parallel_for_threads(int64_t n);
// task(i) for i = 0 .. n-1 on LibTorch's threads, each thread taking the next undone i as it
// finishes one (a work queue), so that a few slow items do not idle the others as the fixed
// chunks of at::parallel_for do. Which thread runs an item must not change its result.
void parallel_queue(int64_t n, const std::function<void(int64_t)>& task);

}  // namespace vlae
