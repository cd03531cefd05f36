// One Adam step over every parameter of a torch::optim::Adam, in a single pass per tensor.
// torch's Adam::step makes about eight passes over each parameter (mul_, add_, mul_, addcmul_,
// sqrt, div, add_, addcdiv_) and allocates two temporaries; this reads p, grad, m, v once and
// writes p, m, v once, vectorized and split over the intra-op threads. The state lives in the
// optimizer's own AdamParamState, so checkpoints, resume and torch's step stay interchangeable.
// Supports what vlae uses: no weight decay, no amsgrad, float32 CPU tensors; anything else falls
// back to torch's step.
#pragma once
#include <torch/optim/adam.h>

namespace vlae {

void fused_adam_step(torch::optim::Adam& adam);

// zero_grad that drops the gradients instead of zeroing them (PyTorch 2's set_to_none default):
// the next backward then writes fresh gradients instead of adding into zeroed buffers.
void release_gradients(torch::optim::Adam& adam);

}  // namespace vlae
