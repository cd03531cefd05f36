// A progress bar on stderr: done/total, throughput, ETA and caller-supplied metrics.
// On a terminal it redraws one line (at most 10 times a second); otherwise it prints a line
// every 10% so logs stay short.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace vlae {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "img");
  void update(int64_t done, const std::string& metrics = "");
  void finish(const std::string& metrics = "");

 private:
  void draw(int64_t done, const std::string& metrics, bool final);
  std::string label_, unit_;
  int64_t total_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace vlae
