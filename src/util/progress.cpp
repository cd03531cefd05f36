#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace vlae {

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(::isatty(2)) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::update(int64_t done, const std::string& metrics) {
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * done / total_) : 0;
    if (decile == last_decile_) return;
    last_decile_ = decile;
  }
  last_draw_ = now;
  draw(done, metrics, false);
}

void Progress::finish(const std::string& metrics) { draw(total_, metrics, true); }

void Progress::draw(int64_t done, const std::string& metrics, bool final) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? done / secs : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  const int width = 24;
  const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  char buf[160];
  if (final)
    std::snprintf(buf, sizeof buf, "%ld %s in %.1fs (%.0f %s/s)", static_cast<long>(done), unit_.c_str(), secs, rate,
                  unit_.c_str());
  else
    std::snprintf(buf, sizeof buf, "%ld/%ld %.0f %s/s ETA %.0fs", static_cast<long>(done), static_cast<long>(total_),
                  rate, unit_.c_str(), eta);
  std::fprintf(stderr, "%s%s [%s] %s %s%s", tty_ ? "\r\033[K" : "", label_.c_str(), bar.c_str(), buf, metrics.c_str(),
               (final || !tty_) ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace vlae
