#include "experiments/spread.h"

#include "train/trainer.h"

namespace vlae {

ModelSpread::ModelSpread(int64_t peer_timeout_s, const std::string& device)
    : dist_(Distributed::from_environment(std::chrono::seconds(peer_timeout_s), parse_device(device))) {}

bool ModelSpread::gather() {
  if (!dist_) return true;
  dist_->barrier();  // every rank's rows are on disk
  return dist_->rank() == 0;
}

}  // namespace vlae
