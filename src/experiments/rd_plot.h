// The rate-distortion figure of a sweep, drawn by gnuplot (PNG and SVG) from data files it writes
// beside them: PSNR against bits per pixel for the VAE's lossy codec (actual bits and its KL rate)
// with JPEG and WebP (per-file and atlas), and the sweep's rate-distortion curve in nats.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vlae {

// results: the sweep's results.json object. Returns the PNG path; throws if gnuplot fails.
std::string plot_rate_distortion(const std::string& dir, const nlohmann::json& results);

}  // namespace vlae
