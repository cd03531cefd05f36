// Latency of the demo's slider moves: POST /api/reconstruct against a running server (in-process,
// real HTTP on 127.0.0.1), one request per slider position and test image, alone and with N
// background clients hammering the API at the same time. Prints median and p95 in ms as JSON.
// Usage: bench_serve SWEEP_DIR [REQUESTS=200] [BACKGROUND_CLIENTS=4]
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "serve/demo.h"
#include "serve/server.h"

using namespace vlae;

namespace {

struct Stats {
  double median = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * (ms.size() - 1) + 0.5))]; };
  return {at(0.5), at(0.95), ms.back()};
}

std::vector<double> slider_moves(int port, int n, size_t models, int64_t images) {
  httplib::Client c("127.0.0.1", port);
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const nlohmann::json body = {{"model", i % models}, {"image", (i / models) % images}};
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = c.Post("/api/reconstruct", body.dump(), "application/json");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!res || res->status != 200) {
      std::fprintf(stderr, "bench_serve: request failed\n");
      std::exit(1);
    }
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_serve SWEEP_DIR [REQUESTS] [BACKGROUND_CLIENTS]\n");
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 200, clients = argc > 3 ? std::atoi(argv[3]) : 4;
  at::set_num_threads(1);  // as `vlae serve` runs
  const Demo demo = Demo::load(argv[1], "");
  httplib::Server srv;
  install_routes(srv, demo, std::string(VLAE_SOURCE_DIR) + "/web", ServerLimits{});
  const int port = srv.bind_to_any_port("127.0.0.1");
  std::thread server([&] { srv.listen_after_bind(); });
  while (!srv.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  slider_moves(port, 10, demo.models.size(), demo.test.count);  // warm-up
  const Stats alone = stats(slider_moves(port, n, demo.models.size(), demo.test.count));
  std::atomic<bool> stop{false};
  std::atomic<long> background{0};
  std::vector<std::thread> load;
  for (int t = 0; t < clients; ++t)
    load.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", port);
      for (int i = t; !stop; ++i) {
        const nlohmann::json body = {{"model", i % demo.models.size()}, {"image", i % demo.test.count}};
        if (c.Post("/api/reconstruct", body.dump(), "application/json")) ++background;
      }
    });
  const auto t0 = std::chrono::steady_clock::now();
  const Stats loaded = stats(slider_moves(port, n, demo.models.size(), demo.test.count));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  for (auto& t : load) t.join();
  srv.stop();
  server.join();
  const nlohmann::json out = {
      {"requests", n},
      {"models", demo.models.size()},
      {"alone_ms", {{"median", alone.median}, {"p95", alone.p95}, {"max", alone.max}}},
      {"background_clients", clients},
      {"loaded_ms", {{"median", loaded.median}, {"p95", loaded.p95}, {"max", loaded.max}}},
      {"background_requests_per_s", background / secs},
      {"hardware_threads", std::thread::hardware_concurrency()}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
