// The `vlae` subcommands. Each adds itself to the CLI; its callback throws InputError for bad
// usage or input (exit 2) and returns normally on success.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "experiments/claims.h"

namespace vlae {

void add_train_command(CLI::App& app);
void add_export_command(CLI::App& app);  // in cmd_train.cpp
void add_eval_command(CLI::App& app);
void add_compress_commands(CLI::App& app);
void add_baselines_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_study_command(CLI::App& app);
void add_serve_command(CLI::App& app);

// Shared flag groups.
struct DataFlags {
  std::string data, split, binarize;
  int64_t limit = -1;
};
void add_data_flags(CLI::App& cmd, DataFlags& f, bool with_binarize = true);
void write_json_file(const std::string& path, const std::string& json);  // atomic; "" = skip
// Runs a command's body; when another process of a launcher's job dies or stops answering
// (PeerError), prints one line "vlae: error: COMMAND: ...HINT" and exits 1 at once, without joining
// the process group's threads (they may still wait on the dead peer).
// --peer-timeout SECONDS: how long a process of a launcher's job waits for the others.
void add_peer_timeout_flag(CLI::App& cmd, int64_t& seconds, const std::string& waits_for);
void run_with_peers(const std::string& command, const std::function<void()>& body, const std::string& hint = "");
// Prints "checks on the trained models:" and "  [holds] claim: detail" (or FAILS) for each.
void print_claims(const std::vector<Claim>& claims);

}  // namespace vlae
