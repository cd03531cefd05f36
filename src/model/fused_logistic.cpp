#include "model/fused_logistic.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "model/discretization.h"

namespace vlae {

namespace {

// exp and log as straight-line float code (Cephes' single-precision polynomials, ~1 ulp), so the
// pixel loop below vectorizes: the compiler will not vectorize calls to libm's expf/logf.
#define VLAE_INLINE static inline __attribute__((always_inline))

VLAE_INLINE float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}
VLAE_INLINE float max_f(float a, float b) { return a > b ? a : b; }  // maxps; std::fmax's NaN rules block it
VLAE_INLINE float min_f(float a, float b) { return a < b ? a : b; }
VLAE_INLINE int32_t float_to_bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, 4);
  return i;
}

// e^x for any x; results below e^-87.3 are flushed to about 1e-38 rather than to 0, above e^88.3 capped.
VLAE_INLINE float exp_f(float x) {
  x = min_f(max_f(x, -87.3f), 88.3f);
  // Round to nearest by adding and removing 1.5 * 2^23 (|x log2 e| < 2^22): no libm call.
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // x - n ln2, ln2 split in two
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  return y * bits_to_float((static_cast<int32_t>(n) + 127) << 23);  // n in [-126, 127]: a normal 2^n
}

// ln x for normal positive x.
VLAE_INLINE float log_f(float x) {
  const int32_t bits = float_to_bits(x);
  float e = static_cast<float>((bits >> 23) - 126);
  float m = bits_to_float((bits & 0x007fffff) | 0x3f000000);  // x = m 2^e, m in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1.0f : e;
  m = small ? m + m - 1.0f : m - 1.0f;  // now x = (1 + m) 2^e with 1 + m in [sqrt(1/2), sqrt(2))
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z - 2.12194440e-4f * e - 0.5f * z;
  return m + y + 0.693359375f * e;
}

// ln(1 + u) for u in [0, 1], exact to float rounding also where 1 + u rounds to 1.
VLAE_INLINE float log1p_f(float u) {
  const float w = 1.0f + u;
  const float d = w - 1.0f;
  return d == 0.0f ? u : log_f(w) * (u / d);
}

// Logistic sigmoid at t and its complement from one e = e^-|t| (softplus(t) = max(t, 0) + ln(1 + e)).
struct Sig {
  float e, sig, one_minus_sig;
};
VLAE_INLINE Sig sig(float t) {
  const float e = exp_f(-std::fabs(t));
  const float inv = 1.0f / (1.0f + e);
  const bool pos = t >= 0.0f;
  return {e, pos ? inv : e * inv, pos ? e * inv : inv};
}

// One image row. Level 0's bin reaches to -inf, level 255's to +inf; a middle bin of mass
// Δ = σ(plus) - σ(minus) > 1e-5 has log Δ, a smaller one the density at its centre times 2/255.
// Every case is computed and the right one selected, so the loop has no branches; the three
// softplus cases share one log.
template <bool kGrad>
VLAE_INLINE void logistic_row(const float* __restrict mean, const float* __restrict log_scale_raw,
                              const float* __restrict level, int64_t d, float* __restrict logp,
                              float* __restrict grad_mean, float* __restrict grad_log_scale) {
  const float log_bin_width = static_cast<float>(std::log(kLevelStep));
  for (int64_t i = 0; i < d; ++i) {
    const float raw = log_scale_raw[i], k = level[i];
    const float ls = max_f(raw, static_cast<float>(kMinLogScale));
    const float inv_s = exp_f(-ls);
    const float c = k * kLevelStepF - 1.0f - mean[i];
    const float plus = inv_s * (c + kHalfBinF), minus = inv_s * (c - kHalfBinF), mid = inv_s * c;
    const Sig sp = sig(plus), sm = sig(minus), smid = sig(mid);
    // Above the mean both σ are near 1: take the difference of their complements, which keeps its
    // relative precision where σ(plus) - σ(minus) would cancel.
    const float delta = c > 0.0f ? sm.one_minus_sig - sp.one_minus_sig : sp.sig - sm.sig;
    const bool first = k < 0.5f, last = k > 254.5f, wide = delta > 1e-5f;
    // first: log σ(plus) = -softplus(-plus); last: log(1 - σ(minus)) = -softplus(minus);
    // centre: mid - ls - 2 softplus(mid) + log(2/255).
    float t = last ? minus : mid, e = last ? sm.e : smid.e;
    t = first ? -plus : t;
    e = first ? sp.e : e;
    const float softplus = max_f(t, 0.0f) + log1p_f(e);
    const float log_delta = log_f(max_f(delta, 1e-12f));
    const float log_centre = mid - ls - 2.0f * softplus + log_bin_width;
    const bool end = first | last;  // not ||: a short circuit is a branch, and a branch blocks vectorizing
    const float l_mid = wide ? log_delta : log_centre;
    logp[i] = end ? -softplus : l_mid;
    if constexpr (kGrad) {
      // d/dplus and d/dminus of the chosen case (the centre case is in terms of mid).
      const float inv_delta = 1.0f / max_f(delta, 1e-12f);
      float g_plus = first ? sp.one_minus_sig : (last ? 0.0f : sp.sig * sp.one_minus_sig * inv_delta);
      float g_minus = first ? 0.0f : (last ? -sm.sig : -sm.sig * sm.one_minus_sig * inv_delta);
      const bool centre = !(end | wide);
      const float g_mid = centre ? smid.one_minus_sig - smid.sig : 0.0f;  // 1 - 2σ(mid)
      g_plus = centre ? 0.0f : g_plus;
      g_minus = centre ? 0.0f : g_minus;
      // plus, minus, mid are inv_s (c ± h): d/dmean = -inv_s, d/dls = -(itself); the centre case
      // also has -ls directly. The floor on the log-scale passes no gradient below it.
      grad_mean[i] = -inv_s * (g_plus + g_minus + g_mid);
      const float g_ls = -(plus * g_plus + minus * g_minus + mid * g_mid) - (centre ? 1.0f : 0.0f);
      grad_log_scale[i] = raw >= static_cast<float>(kMinLogScale) ? g_ls : 0.0f;
    }
  }
}

__attribute__((target_clones("avx2", "default"))) void logistic_row_value(const float* mean, const float* ls,
                                                                          const float* level, int64_t d, float* logp) {
  logistic_row<false>(mean, ls, level, d, logp, nullptr, nullptr);
}

__attribute__((target_clones("avx2", "default"))) void logistic_row_grad(const float* mean, const float* ls,
                                                                         const float* level, int64_t d, float* logp,
                                                                         float* grad_mean, float* grad_ls) {
  logistic_row<true>(mean, ls, level, d, logp, grad_mean, grad_ls);
}

// Fills out[B] and, when grad is defined, grad [B, 2, D] = d out[b] / d params[b].
void run(const torch::Tensor& params, const torch::Tensor& x, torch::Tensor& out, torch::Tensor* grad) {
  const int64_t b = params.size(0), d = params.size(2);
  const float* p = params.data_ptr<float>();
  const float* xs = x.data_ptr<float>();
  float* o = out.data_ptr<float>();
  float* g = grad ? grad->data_ptr<float>() : nullptr;
  at::parallel_for(0, b, 8, [&](int64_t begin, int64_t end) {
    std::vector<float> logp(static_cast<size_t>(d));
    for (int64_t r = begin; r < end; ++r) {
      const float* mean = p + r * 2 * d;
      if (g)
        logistic_row_grad(mean, mean + d, xs + r * d, d, logp.data(), g + r * 2 * d, g + r * 2 * d + d);
      else
        logistic_row_value(mean, mean + d, xs + r * d, d, logp.data());
      double sum = 0.0;  // 784 terms of up to ~10 nats: float would drift in the last digits
      for (float v : logp) sum += v;
      o[r] = static_cast<float>(sum);
    }
  });
}

struct FusedLogistic : torch::autograd::Function<FusedLogistic> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& params,
                               const torch::Tensor& x) {
    auto out = torch::empty({params.size(0)}, params.options());
    auto grad = torch::empty_like(params);
    run(params, x, out, &grad);
    ctx->saved_data["grad"] = grad;
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    auto grad = ctx->saved_data["grad"].toTensor();
    return {grad * grad_out[0].view({-1, 1, 1}), torch::Tensor()};  // not in place: backward may run twice
  }
};

}  // namespace

bool fused_logistic_applies(const torch::Tensor& params, const torch::Tensor& x) {
  return params.device().is_cpu() && x.device().is_cpu() && params.scalar_type() == torch::kFloat32 &&
         x.scalar_type() == torch::kFloat32 && params.dim() == 3 && params.size(1) == 2 && x.dim() == 2 &&
         x.size(0) == params.size(0) && x.size(1) == params.size(2);
}

torch::Tensor fused_logistic_log_likelihood(const torch::Tensor& params, const torch::Tensor& x) {
  const auto p = params.contiguous();
  const auto xs = x.contiguous();
  if (torch::GradMode::is_enabled() && params.requires_grad()) return FusedLogistic::apply(p, xs);
  auto out = torch::empty({p.size(0)}, p.options());
  run(p, xs, out, nullptr);
  return out;
}

}  // namespace vlae
