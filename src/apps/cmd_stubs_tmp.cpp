#include "apps/commands.h"
namespace vlae {
void add_compress_commands(CLI::App&) {}
void add_baselines_command(CLI::App&) {}
}
