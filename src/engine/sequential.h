// A torch::nn::Sequential of Linear, Conv2d, ConvTranspose2d, ReLU, GDN/IGDN (model/gdn.h), Flatten
// and Unflatten, ported
// to the deterministic kernels (engine/dense.h, engine/conv.h) with its weights copied once.
#pragma once
#include <cstdint>
#include <vector>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "engine/conv.h"
#include "engine/dense.h"

namespace vlae::engine {

// n rows of one value: flat vectors in torch's order, or HWC maps (engine/conv.h).
struct Batch {
  int64_t n = 0;
  bool map = false;
  int64_t c = 0, h = 1, w = 1;  // a flat vector of length L is c = L
  int64_t stride = 0;           // floats per row: padded(c) when flat, h * w * c when a map
  std::vector<float> data;
  static Batch flat(int64_t n, int64_t length);
  float* row(int64_t r) { return data.data() + r * stride; }
  const float* row(int64_t r) const { return data.data() + r * stride; }
};

class Sequential {
 public:
  Sequential() = default;
  explicit Sequential(const torch::nn::Sequential& net);
  Batch forward(Batch x) const;
  bool starts_with_conv() const { return !ops_.empty() && ops_.front().kind == Op::Conv; }
  // Flat rows in torch's [C][H][W] order as HWC maps (what Unflatten does).
  static Batch to_map(const Batch& x, int64_t c, int64_t h, int64_t w);
  // Output r, element i in torch's order (a map's flattened [C][H][W]).
  static float at(const Batch& b, int64_t r, int64_t i);

 private:
  struct Op {
    enum Kind { Linear, Conv, ReLU, GDN, Flatten, Unflatten } kind;
    Dense dense;  // Linear; GDN: γ [C][C] and β, the norm of a position's squared channels
    bool inverse = false;  // GDN: IGDN
    Conv2d conv;
    int64_t c = 0, h = 0, w = 0;  // Unflatten
  };
  std::vector<Op> ops_;
};

// A Linear's weights as a Dense (mask: optional [out][in] 0/1 multiplied in, as MADE does).
Dense dense_of(const torch::nn::Linear& l, const torch::Tensor& mask = {});

}  // namespace vlae::engine
