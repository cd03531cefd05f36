// The collapse study: posterior collapse and its cures on one budget. A factorized-decoder VAE, a
// full-receptive-field PixelCNN VAE without and with each cure, and VLAE (local PixelCNN + AF
// prior), each trained, evaluated, coded losslessly with the real bits-back codec (and decoded
// back to check), and drawn: reconstructions, samples, and several decodings of one z per image.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiments/claims.h"
#include "train/run.h"

namespace vlae {

struct StudyOptions {
  RunConfig base;  // data, optimizer, latent size and budget shared by every model
  std::string out, device = "cpu";
  // Under a launcher (train/distributed.h), rank r trains, evaluates, codes and draws the models
  // r, r + world, ... of the list (each on one process); rank 0 gathers their rows from
  // DIR/NAME/study.json (every rank must see DIR) and writes the results. A rank waits this long.
  int64_t peer_timeout_s = 86400;
  std::string models = "factorized,pixelcnn,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,vlae";
  int64_t eval_limit = 500, iwae_samples = 100, code_limit = 100, figure_images = 8;
  double free_bits = 0.25, delta = 0.1;  // nats per dimension, for the free-bits and δ-VAE models
};

// One model of the study's registry.
struct StudyModel {
  std::string name, description, cure;
  RunConfig config;
  double floor_nats = 0;  // the rate the cure guarantees (0: none)
};

// Every model the study knows, in registry order.
std::vector<StudyModel> study_registry(const StudyOptions& o, int64_t train_images);
// The models of o.models, in its order; InputError naming --models for an unknown name.
std::vector<StudyModel> study_models(const StudyOptions& o, int64_t train_images);

struct StudyLossless {
  int64_t images = 0, bytes = 0;
  double bits_per_dim = 0;            // the file, initial bits excluded
  double neg_elbo_bits_per_dim = 0;   // the model's -ELBO on the same images
  double bits_back_per_image = 0, compress_images_per_s = 0, decompress_images_per_s = 0;
};

struct StudyRow {
  std::string name, description, cure, run, arch, receptive_field, prior, posterior;
  double rate_floor_nats = 0, rate_nats = 0, distortion_nats = 0, elbo_nats = 0, neg_elbo_bits_per_dim = 0;
  double iwae_nll_nats = 0, mutual_info_nats = 0;
  int64_t iwae_samples = 0, active_units = 0, eval_images = 0, epochs = 0;
  std::vector<double> kl_per_dim_nats;
  std::optional<StudyLossless> lossless;  // none for a posterior bits-back cannot code (IAF)
  std::string reconstructions, samples, lossy_code;  // figure paths
};

struct StudyResults {
  std::string data, binarize;
  int64_t train_images = 0, epochs = 0, eval_images = 0, lossless_images = 0, iwae_samples = 0;
  std::vector<StudyRow> models;
  std::vector<Claim> checks;
  bool complete = true;  // false on ranks other than 0 of a distributed study: nothing to report
};

nlohmann::json to_json(const StudyRow& r);
StudyRow study_row_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
nlohmann::json to_json(const StudyResults& r);
// DIR/results.json; throws InputError naming what is missing or malformed.
StudyResults load_study_results(const std::string& dir);

// Trains what is missing (a model evaluated before with the same settings is reused), evaluates,
// codes and draws every model, checks the claims, and writes results.json, .csv and .md in o.out.
StudyResults run_study(const StudyOptions& o);
std::vector<Claim> study_claims(const std::vector<StudyRow>& rows);

}  // namespace vlae
