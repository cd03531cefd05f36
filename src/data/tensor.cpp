#include "data/tensor.h"

namespace vlae {

torch::Tensor to_tensor(const Images& x, int64_t from, int64_t n) {
  if (n < 0) n = x.count - from;
  auto bytes = torch::from_blob(const_cast<uint8_t*>(x.image(from)), {n, x.dims()}, torch::kUInt8);
  return bytes.to(torch::kFloat32);
}

}  // namespace vlae
