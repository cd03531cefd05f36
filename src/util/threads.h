// LibTorch's intra-op thread count for this process.
#pragma once
#include <cstdint>

namespace vlae {

void set_threads(int64_t threads);  // <= 0: the number of cores

}  // namespace vlae
