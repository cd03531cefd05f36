#include "model/made.h"

#include <torch/nn/init.h>

namespace vlae {

MaskedLinearImpl::MaskedLinearImpl(int64_t in, int64_t out, torch::Tensor m) {
  linear = register_module("linear", torch::nn::Linear(in, out));
  mask = register_buffer("mask", std::move(m));
}

torch::Tensor MaskedLinearImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(x, linear->weight * mask, linear->bias);
}

namespace {

// mask[o][i] = 1 when degree_out[o] >= degree_in[i] (hidden) or > (output, strict).
torch::Tensor degree_mask(const std::vector<int64_t>& out, const std::vector<int64_t>& in, bool strict) {
  auto m = torch::zeros({static_cast<int64_t>(out.size()), static_cast<int64_t>(in.size())});
  auto a = m.accessor<float, 2>();
  for (size_t o = 0; o < out.size(); ++o)
    for (size_t i = 0; i < in.size(); ++i) a[o][i] = (strict ? out[o] > in[i] : out[o] >= in[i]) ? 1.0f : 0.0f;
  return m;
}

}  // namespace

MADEImpl::MADEImpl(int64_t k_, int64_t hidden, int64_t groups, int64_t context, bool reverse) : k(k_) {
  std::vector<int64_t> d_in(k), d_hidden(hidden), d_out(groups * k);
  for (int64_t i = 0; i < k; ++i) d_in[i] = reverse ? k - i : i + 1;                 // 1..K
  for (int64_t j = 0; j < hidden; ++j) d_hidden[j] = j % std::max<int64_t>(1, k - 1) + 1;  // 1..K-1
  for (int64_t o = 0; o < groups * k; ++o) d_out[o] = d_in[o % k];
  in = register_module("first", MaskedLinear(k, hidden, degree_mask(d_hidden, d_in, false)));
  mid = register_module("hidden", MaskedLinear(hidden, hidden, degree_mask(d_hidden, d_hidden, false)));
  out = register_module("last", MaskedLinear(hidden, groups * k, degree_mask(d_out, d_hidden, true)));
  if (context > 0) ctx = register_module("context", torch::nn::Linear(context, hidden));
  // Zero output layer: the flow starts as the identity, so training starts from the N(0, I) prior.
  torch::NoGradGuard no_grad;
  out->linear->weight.zero_();
  out->linear->bias.zero_();
}

torch::Tensor MADEImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  auto h = in->forward(x);
  if (ctx) h = h + ctx->forward(context);
  return out->forward(torch::relu(mid->forward(torch::relu(h))));
}

}  // namespace vlae
