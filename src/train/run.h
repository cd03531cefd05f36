// A run directory: config.json (model, objective, training and data settings: all that is needed
// to rebuild the model), checkpoint.pt (weights, optimizer, epoch, step), metrics.jsonl.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include <torch/optim/adam.h>

#include "data/dataset.h"
#include "model/vae.h"
#include "objective/objective.h"

namespace vlae {

struct TrainConfig {
  DataSpec data;          // what the model trains on (split: train by default); per-epoch metrics use test
  int64_t epochs = 10;
  int64_t batch_size = 128;
  double lr = 1e-3;
  double lr_final = -1;   // >= 0: cosine decay from lr to this over the run (train/lr_schedule.h); < 0: constant
  uint64_t seed = 1;
  int64_t test_limit = -1;  // test images scored each epoch (-1: all)
  std::string init_from;    // non-empty: the run or exported model whose weights started this run
};

struct RunConfig {
  ModelConfig model;
  ObjectiveConfig objective;
  TrainConfig train;
};

void save_run_config(const std::string& dir, const RunConfig& c);
RunConfig load_run_config(const std::string& dir);  // throws InputError
nlohmann::json to_json(const RunConfig& c);            // config.json's content
RunConfig run_config_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception

std::string checkpoint_path(const std::string& dir);
bool has_checkpoint(const std::string& dir);
// Atomic: a kill at any moment leaves the previous checkpoint or the new one, never a mix.
void save_checkpoint(const std::string& dir, VAE& model, torch::optim::Adam& opt, int64_t epoch, int64_t step);
// Loads weights (and the optimizer if given); returns {epoch, step}. Throws InputError if corrupt.
// An exported checkpoint (weights only) leaves `opt` as it is when it has trained for `epochs`
// (it is finished), and is refused when it has not (it cannot go on without its optimizer state).
std::pair<int64_t, int64_t> load_checkpoint(const std::string& dir, VAE& model, torch::optim::Adam* opt,
                                            int64_t epochs = INT64_MAX);
// The same from a checkpoint's bytes (`path` names it in errors).
std::pair<int64_t, int64_t> load_checkpoint(std::istream& in, const std::string& path, VAE& model,
                                            torch::optim::Adam* opt, int64_t epochs = INT64_MAX);

// A run's model alone, for shipping: config.json, a checkpoint.pt with the weights and no
// optimizer state (about a third of the size), and metrics.jsonl. The copy is a run directory
// every --run accepts; it cannot be resumed. Throws InputError if out_dir exists and is not empty.
void export_run(const std::string& run_dir, const std::string& out_dir);

struct LoadedRun {
  RunConfig config;
  VAE model{nullptr};
  int64_t epoch = 0;
};
// Rebuilds the model from config.json and loads its weights, in eval mode on `device`.
LoadedRun load_run(const std::string& dir, const torch::Device& device = torch::kCPU);

// Default data settings for commands given --run: the training data set, statically binarized
// when the model is binary.
DataSpec run_data_spec(const RunConfig& c);

}  // namespace vlae
