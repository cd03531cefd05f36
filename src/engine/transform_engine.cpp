#include "engine/transform_engine.h"

#include <algorithm>
#include <cmath>

#include "engine/float_mode.h"
#include "engine/vae_engine.h"
#include "util/det_math.h"
#include "util/quantized_cdf.h"

namespace vlae::engine {

namespace {
std::vector<double> as_doubles(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// The factorized density's CDF logit at v for channel c (FactorizedDensityImpl::logits in double,
// operations in the same order: softplus(H) v + b, then u + tanh(a) tanh(u)).
struct DensityInDouble {
  std::vector<std::vector<double>> h, b, a;  // per layer: softplus(H) [C][out][in], b [C][out], tanh(a) [C][out]
  std::vector<int64_t> in, out;
  double logit(int64_t c, double v) const {
    std::vector<double> x{v};
    for (size_t k = 0; k < h.size(); ++k) {
      std::vector<double> y(static_cast<size_t>(out[k]));
      for (int64_t o = 0; o < out[k]; ++o) {
        double s = 0;
        for (int64_t i = 0; i < in[k]; ++i) s += h[k][(c * out[k] + o) * in[k] + i] * x[static_cast<size_t>(i)];
        s += b[k][c * out[k] + o];
        if (k < a.size()) s += a[k][c * out[k] + o] * det::tanh(s);
        y[static_cast<size_t>(o)] = s;
      }
      x = std::move(y);
    }
    return x[0];
  }
};
}  // namespace

TransformEngine::TransformEngine(TransformCoderImpl& model, unsigned prec)
    : m_(model.latent_channels), h_(model.latent_h), w_(model.latent_w), zc_(model.hyper_channels),
      zh_(model.hyper_h), zw_(model.hyper_w), d_(model.config.dims()) {
  torch::NoGradGuard no_grad;
  synthesis_ = Sequential(model.synthesis);
  if (model.hyper_synthesis) hyper_synthesis_ = Sequential(model.hyper_synthesis);
  DensityInDouble f;
  for (size_t k = 0; k < model.density->matrices.size(); ++k) {
    const auto& mat = model.density->matrices[k];
    std::vector<double> raw = as_doubles(mat);
    for (double& v : raw) v = det::softplus(v);
    f.h.push_back(std::move(raw));
    f.b.push_back(as_doubles(model.density->biases[k]));
    f.out.push_back(mat.size(1));
    f.in.push_back(mat.size(2));
    if (k < model.density->factors.size()) {
      std::vector<double> a = as_doubles(model.density->factors[k]);
      for (double& v : a) v = det::tanh(v);
      f.a.push_back(std::move(a));
    }
  }
  const uint32_t n = 2 * kSymbolRange + 1;
  for (int64_t c = 0; c < model.density->channels; ++c) {
    std::vector<uint32_t> cdf(n + 1);
    cdf[0] = 0;
    for (uint32_t i = 1; i < n; ++i) {
      const double v = static_cast<double>(static_cast<int32_t>(i) - kSymbolRange) - 0.5;  // lower edge of symbol i
      cdf[i] = quantize_cdf(det::sigmoid(f.logit(c, v)), i, n, prec);
    }
    cdf[n] = 1u << prec;
    // The composed map is monotone in exact arithmetic; should rounding ever break that, the max
    // below keeps every cell's frequency at least 1.
    for (uint32_t i = 1; i <= n; ++i) cdf[i] = std::max(cdf[i], cdf[i - 1] + 1);
    tables_.push_back(std::move(cdf));
  }
}

void TransformEngine::latent_gaussian(const float* z, int64_t n, std::vector<float>& mean,
                                      std::vector<double>& scale) const {
  const IeeeSubnormals ieee;
  const int64_t kz = zc_ * zh_ * zw_, ky = m_ * h_ * w_;
  Batch in = Batch::flat(n, kz);
  for (int64_t r = 0; r < n; ++r) std::copy(z + r * kz, z + (r + 1) * kz, in.row(r));
  const Batch out = hyper_synthesis_.forward(Sequential::to_map(in, zc_, zh_, zw_));
  mean.resize(static_cast<size_t>(n * ky));
  scale.resize(static_cast<size_t>(n * ky));
  const double lo = det::log(kMinLatentScale), hi = det::log(kMaxLatentScale);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < ky; ++i) {
      mean[r * ky + i] = Sequential::at(out, r, i);
      scale[r * ky + i] = det::exp(std::clamp(static_cast<double>(Sequential::at(out, r, ky + i)), lo, hi));
    }
}

void TransformEngine::reconstruct(const float* y, int64_t n, uint8_t* levels) const {
  const IeeeSubnormals ieee;
  const int64_t ky = m_ * h_ * w_;
  Batch in = Batch::flat(n, ky);
  for (int64_t r = 0; r < n; ++r) std::copy(y + r * ky, y + (r + 1) * ky, in.row(r));
  const Batch out = synthesis_.forward(Sequential::to_map(in, m_, h_, w_));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < d_; ++i) levels[r * d_ + i] = mean_level(Likelihood::Gaussian, Sequential::at(out, r, i));
}

}  // namespace vlae::engine
