// Parameters a compressed file carries on top of its model's: instance-adaptive coding (van
// Rozendaal et al. 2021). For each adapted tensor, named as in the model's named_parameters(), one
// integer step d_i per entry; the coding model's weight is w_i + d_i * 2^-step_log2 in float32.
// Invariant: |d_i| < 2^24 and the step is a power of two, so d_i * 2^-step_log2 is exact in float32
// and the sum is one IEEE rounding: every machine and compiler (FMA or not) gets the same weights,
// and the file stays a promise (coding/container.h stores them; train/adapt.h finds them).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vlae {

constexpr int32_t kMaxParamDeltaSteps = (1 << 24) - 1;

struct ParamDeltas {
  uint8_t step_log2 = 0;
  std::vector<std::pair<std::string, std::vector<int32_t>>> tensors;  // empty: the model as it is
  bool empty() const { return tensors.empty(); }
  int64_t entries() const {
    int64_t n = 0;
    for (const auto& t : tensors) n += static_cast<int64_t>(t.second.size());
    return n;
  }
};

}  // namespace vlae
