#include "util/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace vlae {

void set_threads(int64_t threads) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(threads));
}

int64_t parallel_for_threads(int64_t n) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  at::parallel_for(0, n, 1, [&](int64_t b, int64_t e) {
    // Enough work per chunk that every thread of the team gets one.
    volatile double sink = 0;
    for (int64_t i = b; i < e; ++i)
      for (int k = 0; k < 200000; ++k) sink = sink + 1.0;
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  return static_cast<int64_t>(ids.size());
}

void parallel_queue(int64_t n, const std::function<void(int64_t)>& task) {
  if (n <= 0) return;
  std::atomic<int64_t> next{0};
  const int64_t workers = std::min<int64_t>(n, at::get_num_threads());
  // One chunk per worker; each pulls items until none is left.
  at::parallel_for(0, workers, 1, [&](int64_t from, int64_t to) {
    for (int64_t w = from; w < to; ++w)
      for (int64_t i = next++; i < n; i = next++) task(i);
  });
}

}  // namespace vlae
