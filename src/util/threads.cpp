#include "util/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace vlae {

void set_threads(int64_t threads) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(threads));
}

}  // namespace vlae
