// A sweep's or a study's models spread over a launcher's processes (train/distributed.h): rank r
// owns models r, r + world, ... and trains, evaluates and codes each alone; then every rank waits
// for the others, and rank 0 alone gathers the rows from the shared directory and reports.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "train/distributed.h"

namespace vlae {

class ModelSpread {
 public:
  ModelSpread(int64_t peer_timeout_s, const std::string& device);
  bool active() const { return dist_ != nullptr; }
  bool mine(size_t index) const { return !dist_ || static_cast<int>(index % dist_->world()) == dist_->rank(); }
  // After a rank's own models: waits for every rank's; true where the rows are to be gathered
  // (rank 0, or a single process).
  bool gather();

 private:
  std::unique_ptr<Distributed> dist_;
};

}  // namespace vlae
