// LibTorch's intra-op thread count for this process.
#pragma once
#include <cstdint>

namespace vlae {

void set_threads(int64_t threads);  // <= 0: the number of cores
// Distinct threads that ran the chunks of an at::parallel_for over `n` items in vlae's own code:
// 1 when vlae is compiled without OpenMP (the header template's pragma is then ignored).
int64_t parallel_for_threads(int64_t n);

}  // namespace vlae
