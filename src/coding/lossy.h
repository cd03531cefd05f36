// The lossy latent codec behind `vlae compress --lossy`: only z is sent. Each latent dimension j
// is quantized on a uniform grid of step scale * sigma_j, where sigma_j is the geometric-mean
// posterior std of that dimension on calibration images; the posterior mean snaps to the nearest
// grid point, and the index is entropy-coded with rANS under the prior N(0,1) discretized on that
// grid. A dimension whose mean KL is below a threshold carries no information: it is not sent and
// decodes to the prior mean, costing nothing. The receiver decodes x-hat = decoder mean at z-hat.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "data/images.h"
#include "model/vae.h"

namespace vlae {

constexpr unsigned kLossyPrec = 24;
constexpr int kMaxSearchPasses = 8;
constexpr double kLossyRange = 8.0;  // grid covers the prior's ±8 sd; posterior means beyond are clamped

struct LatentGrid {
  std::vector<double> step;  // per dimension; 0: not sent
  double scale = 1.0;
  bool search = true;        // encoder-side search of neighbouring grid points (the decoder needs no change)
  int search_passes = 1;     // coordinate-descent passes over the dimensions (1..kMaxSearchPasses)
};

// Per-dimension posterior widths and mean KL on calibration images.
struct PosteriorWidths {
  std::vector<double> sigma, kl_nats;
};
// Throws InputError unless the model suits this codec: a factorized decoder (the reconstruction is
// the decoder mean at the sent code) and the N(0, I) prior (the grid cells' probabilities).
void check_lossy_model(const ModelConfig& c);

PosteriorWidths posterior_widths(VAE& model, const Images& calibration);
PosteriorWidths posterior_widths(const DiagGaussian& q);
// A dimension whose mean KL (nats) is below this carries no information and is not sent.
constexpr double kMinSentKlNats = 0.01;
// Grid steps stay within [kMinGridStep, kMaxGridStep] (prior standard deviations).
constexpr double kMinGridStep = 1e-5, kMaxGridStep = 100.0;
LatentGrid make_grid(const PosteriorWidths& w, double scale, double min_kl_nats = kMinSentKlNats);

struct LossyReport {
  int64_t images = 0, dims = 0, sent_dims = 0;  // dims: sub-pixels per image (C x H x W)
  int64_t pixels = 0;  // per image, H x W: bits per pixel count a colour pixel once, as codecs do
  uint64_t bytes = 0;
  double bits = 0;              // actual: 8 * bytes
  double ideal_bits = 0;        // sum of the codec's ideal costs (no header, no flush)
  double kl_bits = 0;           // the model's rate KL(q||p) on the same images, summed
  double nll_at_code_nats = 0;  // -log p(x | z-hat), summed: the distortion this code achieves
  double distortion_nats = 0;   // the model's E_q[-log p(x|z)] on the same images, summed (one sample)
  double mse = 0, psnr_db = 0, ssim = 0;  // decoder mean vs x, 0..255 scale
  double seconds = 0;
  // Transform coders' refined latents (model/refine_latents.h): the steps, the images that kept
  // refined latents, and Σ over the images of the objective L (nats) before and after.
  int64_t refine_steps = 0, refined_images = 0;
  double objective_before_nats = 0, objective_after_nats = 0;
};

// Per-image and per-pixel figures of a report (bits, KL, distortions, MSE/PSNR/SSIM, speed).
nlohmann::json to_json(const LossyReport& r);

// Ideal cost and distortion of a grid without writing a file (for choosing the grid).
LossyReport measure_grid(VAE& model, const Images& x, const LatentGrid& grid);
// The coarsest grid scale (fewest bits) from a fixed ladder whose -log p(x|z-hat) on the
// calibration images is no worse than the model's own E_q[-log p(x|z)] there, with the search the
// encoder will run (search_passes).
LatentGrid choose_grid(VAE& model, const Images& calibration, int search_passes = 1);
// Throws InputError naming --search-passes unless 1 <= n <= kMaxSearchPasses.
void check_search_passes(int n);

std::string compress_lossy(VAE& model, const Images& x, const LatentGrid& grid, LossyReport* report);
// Parses a lossy file of `kind` (grid or rec) for `model`: InputError unless the model suits the
// lossy codecs and the file is of that kind, from this model (unless !verify_fingerprint), and of
// its image and latent sizes.
struct CodedFile;
// The fidelity of reconstructions `recon` (8-bit levels) of x on 0..255 (a binary image's pixels as
// 0 and 255): sets r's mse, psnr_db and ssim (means over the images).
void score_reconstructions(const Images& x, const Images& recon, LossyReport* r);
// The receiver's reconstructions: the decoder mean at latents(from, b) ([b, K]) for images in
// batches of `batch`, as 8-bit levels (a binary model's probabilities * 255).
Images decoder_mean_images(VAE& model, int64_t count, int64_t batch,
                           const std::function<torch::Tensor(int64_t from, int64_t b)>& latents);
CodedFile open_lossy_file(VAE& model, const std::string& bytes, const std::string& name, uint8_t kind,
                          bool verify_fingerprint);
// Reconstructions (decoder mean, 8-bit levels; binary models give probabilities * 255); with
// `latents`, also the decoded grid points [count * K] of the model-sized images.
Images decompress_lossy(VAE& model, const std::string& bytes, const std::string& name,
                        bool verify_fingerprint = true, std::vector<float>* latents = nullptr);

}  // namespace vlae
