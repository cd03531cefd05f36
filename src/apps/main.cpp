// vlae: variational autoencoders as lossy compressors. Exit codes: 0 ok, 2 bad usage or input, 1 internal.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "apps/commands.h"
#include "util/allocator.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace vlae {

void add_data_flags(CLI::App& cmd, DataFlags& f, bool with_binarize) {
  cmd.add_option("--data", f.data, "fashion-mnist | mnist | an IDX file (raw or .gz) | a folder of PNGs");
  cmd.add_option("--split", f.split, "train | test");
  cmd.add_option("--limit", f.limit, "use the first N images");
  if (with_binarize) cmd.add_option("--binarize", f.binarize, "none | static | dynamic");
}

void set_threads(int64_t threads) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(threads));
}

void write_json_file(const std::string& path, const std::string& json) {
  if (!path.empty()) write_file_atomic(path, json + "\n");
}

nlohmann::json check_claim(const std::string& claim, bool holds, const std::string& detail) {
  std::printf("  [%s] %s: %s\n", holds ? "holds" : "FAILS", claim.c_str(), detail.c_str());
  return {{"claim", claim}, {"holds", holds}, {"detail", detail}};
}

}  // namespace vlae

int main(int argc, char** argv) {
  vlae::keep_freed_memory();
  CLI::App app{"vlae: variational autoencoders as lossy compressors (rate, distortion and bits-back coding in bits)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  vlae::add_train_command(app);
  vlae::add_eval_command(app);
  vlae::add_compress_commands(app);
  vlae::add_baselines_command(app);
  vlae::add_sweep_command(app);
  vlae::add_study_command(app);
  vlae::add_serve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::fprintf(stderr, "vlae: error: unknown command '%s' (see vlae --help)\n", argv[1]);
      return 2;
    }
    std::fprintf(stderr, "vlae: error: %s (see vlae --help)\n", e.what());
    return 2;
  } catch (const vlae::InputError& e) {
    std::fprintf(stderr, "vlae: error: %s\n", e.what());
    return 2;
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    std::fprintf(stderr, "vlae: internal error: %s\n", msg.substr(0, msg.find('\n')).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vlae: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
