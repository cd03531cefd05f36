// Images -> float tensors on the data's own scale (0/1 or levels 0..255), [n, D].
#pragma once
#include <torch/types.h>

#include "data/images.h"

namespace vlae {

torch::Tensor to_tensor(const Images& x, int64_t from = 0, int64_t n = -1);

}  // namespace vlae
