#include "engine/sequential.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <stdexcept>
#include <variant>

#include <torch/version.h>

#include "model/gdn.h"

namespace vlae::engine {

namespace nn = torch::nn;

namespace {
torch::Tensor cpu_float(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous(); }

// A Conv2d's or ConvTranspose2d's weights and geometry (torch's weight layouts: [out][in][kh][kw],
// transposed [in][out][kh][kw]).
Conv2d conv_of(const torch::Tensor& weight, const torch::Tensor& bias, bool transposed,
               const torch::nn::detail::ConvNdOptions<2>& o) {
  const auto w = cpu_float(weight), b = cpu_float(bias);
  Conv2d c(transposed ? w.size(0) : w.size(1), transposed ? w.size(1) : w.size(0), w.size(2), w.size(3), transposed,
           w.data_ptr<float>(), b.data_ptr<float>(), [](int, int) { return true; });
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  const auto pad = std::get<torch::ExpandingArray<2>>(o.padding());  // std::variant from LibTorch 2.1 on
#else
  const auto pad = c10::get<torch::ExpandingArray<2>>(o.padding());
#endif
  c.stride = (*o.stride())[0];
  c.pad_h = (*pad)[0];
  c.pad_w = (*pad)[1];
  c.dil_h = (*o.dilation())[0];
  c.dil_w = (*o.dilation())[1];
  return c;
}
}  // namespace

Batch Batch::flat(int64_t n, int64_t length) {
  Batch b;
  b.n = n;
  b.c = length;
  b.stride = padded(length);
  b.data.assign(static_cast<size_t>(n * b.stride), 0.0f);
  return b;
}

Dense dense_of(const nn::Linear& l, const torch::Tensor& mask) {
  auto w = cpu_float(l->weight);
  if (mask.defined()) w = (w * cpu_float(mask)).contiguous();
  const auto b = cpu_float(l->bias);
  return Dense(w.size(1), w.size(0), w.data_ptr<float>(), b.data_ptr<float>());
}

Sequential::Sequential(const nn::Sequential& net) {
  for (const auto& child : net->children()) {
    Op op{};
    if (auto l = std::dynamic_pointer_cast<nn::LinearImpl>(child)) {
      op.kind = Op::Linear;
      op.dense = dense_of(nn::Linear(l));
    } else if (auto c = std::dynamic_pointer_cast<nn::Conv2dImpl>(child)) {
      op.kind = Op::Conv;
      op.conv = conv_of(c->weight, c->bias, false, c->options);
    } else if (auto t = std::dynamic_pointer_cast<nn::ConvTranspose2dImpl>(child)) {
      op.kind = Op::Conv;
      op.conv = conv_of(t->weight, t->bias, true, t->options);
    } else if (auto g = std::dynamic_pointer_cast<GDNImpl>(child)) {
      op.kind = Op::GDN;
      op.inverse = g->inverse;
      const auto gamma = cpu_float(g->effective_gamma()), beta = cpu_float(g->effective_beta());
      op.dense = Dense(g->channels, g->channels, gamma.data_ptr<float>(), beta.data_ptr<float>());
    } else if (std::dynamic_pointer_cast<nn::ReLUImpl>(child)) {
      op.kind = Op::ReLU;
    } else if (std::dynamic_pointer_cast<nn::FlattenImpl>(child)) {
      op.kind = Op::Flatten;
    } else if (auto u = std::dynamic_pointer_cast<nn::UnflattenImpl>(child)) {
      op.kind = Op::Unflatten;
      const auto& sizes = u->options.sizes();
      op.c = sizes.at(0);
      op.h = sizes.at(1);
      op.w = sizes.at(2);
    } else {
      throw std::logic_error("engine: no deterministic kernel for layer " + child->name());
    }
    ops_.push_back(std::move(op));
  }
}

float Sequential::at(const Batch& b, int64_t r, int64_t i) {
  if (!b.map) return b.row(r)[i];
  const int64_t hw = b.h * b.w, ch = i / hw, pos = i % hw;
  return b.row(r)[pos * b.c + ch];
}

Batch Sequential::to_map(const Batch& x, int64_t c, int64_t h, int64_t w) {
  Batch y;
  y.n = x.n;
  y.map = true;
  y.c = c;
  y.h = h;
  y.w = w;
  y.stride = c * h * w;
  y.data.resize(static_cast<size_t>(y.n * y.stride));
  const int64_t hw = h * w;
  for (int64_t r = 0; r < x.n; ++r)
    for (int64_t i = 0; i < y.stride; ++i) y.row(r)[(i % hw) * c + i / hw] = x.row(r)[i];
  return y;
}

Batch Sequential::forward(Batch x) const {
  for (const Op& op : ops_) {
    switch (op.kind) {
      case Op::Linear: {
        Batch y = Batch::flat(x.n, op.dense.out);
        op.dense.forward(x.data.data(), x.stride, x.n, y.data.data(), y.stride);
        x = std::move(y);
        break;
      }
      case Op::Conv: {
        Batch y;
        y.n = x.n;
        y.map = true;
        y.c = op.conv.cout;
        y.h = op.conv.out_h(x.h);
        y.w = op.conv.out_w(x.w);
        y.stride = y.h * y.w * y.c;
        y.data.resize(static_cast<size_t>(y.n * y.stride));
        for (int64_t r = 0; r < x.n; ++r) op.conv.forward(x.row(r), x.h, x.w, y.row(r));
        x = std::move(y);
        break;
      }
      case Op::ReLU:
        for (float& v : x.data) v = v > 0.0f ? v : 0.0f;
        break;
      case Op::GDN: {
        // Per position of a map: norm = γ x² + β by the engine's inner product, then x / sqrt(norm)
        // (IGDN: x * sqrt(norm)); IEEE sqrt and division are correctly rounded everywhere.
        const int64_t c = x.c, positions = x.n * x.h * x.w;
        std::vector<float> sq(static_cast<size_t>(op.dense.stride), 0.0f), norm(static_cast<size_t>(c));
        for (int64_t p = 0; p < positions; ++p) {
          float* v = x.data.data() + p * c;  // rows are h * w * c floats, so positions are contiguous
          for (int64_t i = 0; i < c; ++i) sq[i] = v[i] * v[i];
          op.dense.forward_row(sq.data(), norm.data(), 0, c);
          for (int64_t i = 0; i < c; ++i) v[i] = op.inverse ? v[i] * std::sqrt(norm[i]) : v[i] / std::sqrt(norm[i]);
        }
        break;
      }
      case Op::Flatten: {
        Batch y = Batch::flat(x.n, x.c * x.h * x.w);
        for (int64_t r = 0; r < x.n; ++r)
          for (int64_t i = 0; i < y.c; ++i) y.row(r)[i] = at(x, r, i);
        x = std::move(y);
        break;
      }
      case Op::Unflatten: x = to_map(x, op.c, op.h, op.w); break;
    }
  }
  return x;
}

}  // namespace vlae::engine
