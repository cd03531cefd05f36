// Training: Adam on distortion + beta * rate, a progress bar, per-epoch metrics (metrics.jsonl),
// an atomic checkpoint every epoch, and --resume. Randomness for epoch e is seeded from
// (seed, e), so a resumed run continues exactly as an uninterrupted one would.
#pragma once
#include <string>

#include "train/run.h"

namespace vlae {

struct TrainOptions {
  bool resume = false;
  bool progress = true;
  std::string device = "cpu";
  int64_t peer_timeout_s = 300;  // several processes: a collective waits this long for the others
  bool data_parallel = true;     // false: ignore a launcher's variables (a sweep spreading its models)
  // A new run starts from this run's or exported model's weights (fine-tuning, e.g. on more data),
  // with its model configuration; the optimizer, epochs and schedule start afresh. Ignored when
  // --resume finds a checkpoint in the run directory.
  std::string init_from;
  // With init_from: a transform coder widened to this many hidden channels first (model/widen.h;
  // 0: as it is).
  int64_t widen_channels = 0;
  // With init_from: a transform coder fine-tuned in the hard phase (ModelConfig::hard_quantization).
  bool hard_quantization = false;
};

// Trains `cfg` in `dir` (created if needed). Model height/width and likelihood come from the data.
// Under a launcher (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT: train/distributed.h)
// the processes train one model data-parallel; rank 0 alone writes the directory and the progress.
// Throws PeerError when another process dies or stops answering.
// Returns the number of epochs run in this call (0 when a resumed run was already complete).
int64_t train(const std::string& dir, RunConfig cfg, const TrainOptions& opt);

// cpu | cuda -> device; throws InputError if CUDA is asked for and absent.
torch::Device parse_device(const std::string& s);

}  // namespace vlae
