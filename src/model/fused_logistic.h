// The discretized logistic's log-likelihood (nats) and its gradient in one pass over the pixels,
// for CPU float tensors: the same function as the op-by-op version in likelihood.cpp (same bins,
// same 1e-5 switch to the centre density, same log-scale floor), which autograd runs as some thirty
// elementwise kernels forward and more backward, each writing a [B, D] temporary.
#pragma once
#include <torch/types.h>

namespace vlae {

// Whether fused_logistic_log_likelihood takes these tensors (CPU, float32); others use the op-by-op form.
bool fused_logistic_applies(const torch::Tensor& params, const torch::Tensor& x);

// params [B, 2, D] (mean, raw log-scale), x [B, D] levels 0..255 → log p(x|params) per image, [B].
// Differentiable in params: the forward pass stores d log p / d params, backward scales it.
torch::Tensor fused_logistic_log_likelihood(const torch::Tensor& params, const torch::Tensor& x);

}  // namespace vlae
