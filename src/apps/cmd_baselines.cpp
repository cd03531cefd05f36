#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "util/threads.h"
#include "baselines/lossless_baselines.h"
#include "data/dataset.h"
#include "util/error.h"

namespace vlae {

namespace {
struct BaselineFlags {
  DataFlags data;
  std::string json;
  int64_t threads = 0;
};

void run_baselines(const BaselineFlags& f) {
  set_threads(f.threads);
  DataSpec spec;
  if (!f.data.data.empty()) spec.data = f.data.data;
  if (!f.data.split.empty()) spec.split = f.data.split;
  spec.limit = f.data.limit;
  spec.binarize = parse_binarize(f.data.binarize.empty() ? "none" : f.data.binarize);
  if (spec.binarize == Binarize::Dynamic) spec.binarize = Binarize::Static;  // coding always uses static
  const Images x = load_images(spec);
  const auto sizes = lossless_baselines(x, true);
  nlohmann::json codecs = nlohmann::json::object();
  std::printf("%-22s %14s %12s   (%ld %s images, %ldx%ld)\n", "codec", "bytes", "bits/dim", static_cast<long>(x.count),
              x.binary ? "binary" : "8-bit", static_cast<long>(x.width), static_cast<long>(x.height));
  for (const auto& [name, s] : sizes) {
    std::printf("%-22s %14lu %12.5f\n", name.c_str(), static_cast<unsigned long>(s.bytes), s.bits_per_dim);
    codecs[name] = {{"bytes", s.bytes}, {"bits_per_dim", s.bits_per_dim}};
  }
  nlohmann::json j = {{"data", spec.data},
                      {"split", spec.split},
                      {"binarize", to_string(spec.binarize)},
                      {"images", x.count},
                      {"dims", x.dims()},
                      {"codecs", codecs}};
  write_json_file(f.json, j.dump(2));
}
}  // namespace

void add_baselines_command(CLI::App& app) {
  auto f = std::make_shared<BaselineFlags>();
  auto* cmd = app.add_subcommand("baselines", "Classical lossless codecs (gzip, bzip2, xz, PNG, WebP) on the same images");
  add_data_flags(*cmd, f->data);
  cmd->add_option("--json", f->json, "write the table as JSON");
  cmd->add_option("--threads", f->threads, "CPU threads (default: all cores)");
  cmd->callback([f] { run_baselines(*f); });
}

}  // namespace vlae
