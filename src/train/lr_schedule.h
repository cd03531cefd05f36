// The learning rate of step t of a run: constant at --lr, or with --lr-final F a cosine decay from
// --lr at step 0 to F at the run's last step (T = epochs x steps per epoch; a resumed run with
// more epochs stretches the curve from where it is). The one definition the training loop uses.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vlae {

inline double scheduled_lr(double lr, double lr_final, int64_t step, int64_t total_steps) {
  if (lr_final < 0 || total_steps <= 1) return lr;  // constant
  const double progress = std::clamp(static_cast<double>(step) / static_cast<double>(total_steps - 1), 0.0, 1.0);
  return lr_final + (lr - lr_final) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress));
}

}  // namespace vlae
