#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "util/threads.h"
#include "baselines/lossless_baselines.h"
#include "baselines/avif.h"
#include "baselines/lossy_baselines.h"
#include "data/dataset.h"
#include "util/error.h"

namespace vlae {

namespace {
struct BaselineFlags {
  DataFlags data;
  std::string json;
  int64_t threads = 0;
  bool lossy = false, classic_only = false;
  int avif_speed = kAvifSpeed;
};

void run_lossy_baselines(const BaselineFlags& f, const DataSpec& spec, const Images& x) {
  LossyBaselineOptions o;
  o.strongest = !f.classic_only;
  o.avif_speed = f.avif_speed;
  const auto pts = lossy_baselines(x, true, o);
  std::printf("%-8s %-6s %8s %10s %9s %7s   (%ld images, %s)\n", "codec", "form", "setting", "bits/pixel", "PSNR dB",
              "SSIM", static_cast<long>(x.count), describe_size(x).c_str());
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : pts) {
    std::printf("%-8s %-6s %8d %10.4f %9.2f %7.4f\n", p.codec.c_str(), p.form.c_str(), p.quality, p.bits_per_pixel,
                p.psnr_db, p.ssim);
    points.push_back({{"codec", p.codec}, {"form", p.form}, {"quality", p.quality}, {"bits_per_pixel", p.bits_per_pixel},
                      {"mse", p.mse}, {"psnr_db", p.psnr_db}, {"ssim", p.ssim}});
  }
  write_json_file(f.json, nlohmann::json({{"data", spec.data}, {"split", spec.split}, {"images", x.count},
                                          {"binarize", to_string(spec.binarize)}, {"avif_speed", f.avif_speed},
                                          {"points", points}})
                              .dump(2));
}

void run_baselines(const BaselineFlags& f) {
  set_threads(f.threads);
  DataSpec spec;
  if (!f.data.data.empty()) spec.data = f.data.data;
  // A data set's test split by default; every image of a folder or file.
  spec.split = !f.data.split.empty() ? f.data.split : named_data_set(spec.data) ? "test" : "all";
  spec.limit = f.data.limit;
  spec.binarize = parse_binarize(f.data.binarize.empty() ? "none" : f.data.binarize);
  if (spec.binarize == Binarize::Dynamic) spec.binarize = Binarize::Static;  // coding always uses static
  if (f.avif_speed < 0 || f.avif_speed > 10) throw InputError("--avif-speed: expected 0 (slowest, strongest) .. 10");
  const Images x = load_images(spec);
  if (f.lossy) return run_lossy_baselines(f, spec, x);
  LosslessBaselineOptions o;
  o.strongest = !f.classic_only;
  o.avif_speed = f.avif_speed;
  const auto sizes = lossless_baselines(x, true, o);
  nlohmann::json codecs = nlohmann::json::object();
  std::printf("%-22s %14s %12s   (%ld %s images, %s)\n", "codec", "bytes", "bits/dim", static_cast<long>(x.count),
              x.binary ? "binary" : "8-bit", describe_size(x).c_str());
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
  auto* cmd = app.add_subcommand(
      "baselines", "Classical codecs on the same images: lossless (gzip, bzip2, xz, PNG, WebP, JPEG XL, AVIF, JBIG) "
                   "or, with --lossy, JPEG, WebP, JPEG XL and AVIF over their quality ladders");
  add_data_flags(*cmd, f->data);
  cmd->add_flag("--lossy", f->lossy, "lossy codecs: bits per pixel against PSNR and SSIM");
  cmd->add_flag("--classic-only", f->classic_only, "leave out JPEG XL, AVIF and JBIG (faster)");
  cmd->add_option("--avif-speed", f->avif_speed, "AVIF encoder speed: 0 (default, slowest and strongest) .. 10");
  cmd->add_option("--json", f->json, "write the table as JSON");
  cmd->add_option("--threads", f->threads, "CPU threads (default: all cores)");
  cmd->callback([f] { run_baselines(*f); });
}

}  // namespace vlae
