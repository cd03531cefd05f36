// vlae: variational autoencoders as lossy compressors. Exit codes: 0 ok, 2 bad usage or input, 1 internal.
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "apps/commands.h"
#include "util/allocator.h"
#include "util/error.h"


int main(int argc, char** argv) {
  vlae::keep_freed_memory();
  CLI::App app{"vlae: variational autoencoders as lossy compressors (rate, distortion and bits-back coding in bits)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  vlae::add_train_command(app);
  vlae::add_export_command(app);
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
