#include "coding/adaptive_expert.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/discretization.h"
#include "util/det_math.h"

namespace vlae::codec {

ExpertConstants expert_constants(ExpertMixing mixing) {
  ExpertConstants k;
  // Tuned on photos32's training patches with experiments/expert_tune.sh (docs/RESULTS.md).
  if (expert_carries(mixing)) {
    k.tail = 0.03;
    k.tail_ratio = 3;
    k.scale_lr = 0.01;
    k.mean_lr = 0.003;
    k.colour_sign = 0.5;
    k.slope_lr = 0.003;
    k.carry_decay = 0.5;
  }
  if (mixing == ExpertMixing::Adaptive3 || mixing == ExpertMixing::Adaptive4) {  // 4 differs in the lanes only
    k.ls = 4;
    k.ls_lambda = 0.99;
    k.ls_delta = 100;
  }
  return k;
}

AdaptiveExpert::AdaptiveExpert(int64_t channels, int64_t height, int64_t width, const ExpertConstants& constants,
                               const ExpertMemory* memory)
    : k(constants), c_(channels), h_(height), w_(width), plane_(height * width) {
  const size_t n = static_cast<size_t>(c_ * plane_), c = static_cast<size_t>(c_);
  value_.assign(n, 0.0);
  sub_err_.assign(n * kMaxPredictors, 0.0);
  err_.assign(n, 0.0);
  serr_.assign(n, 0.0);
  saved_.assign(n, 0.0);
  saved_sum_.assign(c, 0.0);
  decayed_.assign(c, 0.0);
  err_sum_.assign(c, 0.0);
  recent_sum_.assign(c, 0.0);
  scale_adj_.assign(c * kScaleBuckets, 0.0);
  mean_adj_.assign(c * kBiasContexts, 0.0);
  slope_.assign(c, 0.0);
  ls_theta_.assign(c * kLsFeatures, 0.0);
  ls_p_.assign(c * kLsFeatures * kLsFeatures, 0.0);
  for (size_t ch = 0; ch < c; ++ch)
    for (int i = 0; i < kLsFeatures; ++i) ls_p_[(ch * kLsFeatures + i) * kLsFeatures + i] = k.ls_delta;
  if (memory && !memory->err_sum.empty()) {
    if (memory->err_sum.size() != c || memory->recent_sum.size() != c || memory->scale_adj.size() != scale_adj_.size() ||
        memory->mean_adj.size() != mean_adj_.size() || memory->slope.size() != c ||
        memory->ls_theta.size() != ls_theta_.size() || memory->ls_p.size() != ls_p_.size())
      throw std::invalid_argument("adaptive expert: a memory of another shape");
    err_sum_ = memory->err_sum;
    recent_sum_ = memory->recent_sum;
    scale_adj_ = memory->scale_adj;
    mean_adj_ = memory->mean_adj;
    slope_ = memory->slope;
    ls_theta_ = memory->ls_theta;
    ls_p_ = memory->ls_p;
  }
}

ExpertMemory AdaptiveExpert::memory() const {
  ExpertMemory m{err_sum_, recent_sum_, scale_adj_, mean_adj_, slope_, ls_theta_, ls_p_};
  for (auto& v : m.err_sum) v *= k.carry_decay;
  for (auto& v : m.recent_sum) v *= k.carry_decay;
  return m;
}

AdaptiveExpert::Neighbours AdaptiveExpert::neighbours(int64_t pos) const {
  const int64_t r = pos / w_, c = pos % w_;
  Neighbours b{-1, -1, -1, -1};
  if (c > 0) b.w = pos - 1;
  if (r > 0) {
    b.n = pos - w_;
    if (c > 0) b.nw = pos - w_ - 1;
    if (c + 1 < w_) b.ne = pos - w_ + 1;
  }
  return b;
}

double AdaptiveExpert::ls_features(int64_t pos, int64_t ch, double* f) const {
  const int64_t r = pos / w_, c = pos % w_;
  // The level at (r + dr, c + dc) in colour q, falling back to `or_else` outside the known part.
  auto at = [&](int64_t q, int64_t dr, int64_t dc, double or_else) {
    const int64_t rr = r + dr, cc = c + dc;
    if (rr < 0 || cc < 0 || cc >= w_ || (dr == 0 && dc >= 0 && q == ch)) return or_else;
    return level(q, rr * w_ + cc);
  };
  const double n0 = at(ch, -1, 0, at(ch, 0, -1, 127.5));
  const double w0 = at(ch, 0, -1, n0);
  const double nw = at(ch, -1, -1, n0), ne = at(ch, -1, 1, n0), nn = at(ch, -2, 0, n0), ww = at(ch, 0, -2, w0);
  const double nne = at(ch, -2, 1, ne);
  f[0] = n0 - w0, f[1] = nw - w0, f[2] = ne - w0, f[3] = nn - w0, f[4] = ww - w0, f[5] = nne - w0;
  f[9] = at(ch, -1, -2, nw) - w0, f[10] = at(ch, -2, -1, nn) - w0;
  if (ch > 0) {
    const double p0 = level(ch - 1, pos);
    const double pw = at(ch - 1, 0, -1, p0), pn = at(ch - 1, -1, 0, p0);
    f[6] = p0 - pw, f[7] = pn - pw, f[8] = p0 - w0, f[11] = at(ch - 1, -1, 1, pn) - pw;
  } else {
    f[6] = f[7] = f[8] = f[11] = 0;
  }
  return w0;
}

int AdaptiveExpert::sub_predictions(int64_t pos, int64_t ch, double* p) const {
  const Neighbours b = neighbours(pos);
  // Each plane's neighbour levels with JPEG XL's edge rules: W falls back to N, N to W, NW and NE
  // to N; an image's first position in the first colour predicts the middle level.
  auto taps = [&](auto value, double* t) {  // t: N, W, NW, NE
    const double fallback = b.w >= 0 ? value(b.w) : b.n >= 0 ? value(b.n) : 0.0;
    t[1] = b.w >= 0 ? value(b.w) : fallback;
    t[0] = b.n >= 0 ? value(b.n) : t[1];
    t[2] = b.nw >= 0 ? value(b.nw) : t[0];
    t[3] = b.ne >= 0 ? value(b.ne) : t[0];
  };
  auto spatial = [](const double* t, double* out) {
    out[0] = t[0];                     // N
    out[1] = t[1];                     // W
    out[2] = t[1] + t[0] - t[2];       // W + N - NW (the gradient)
    out[3] = 0.5 * (t[1] + t[3]);      // (W + NE) / 2
  };
  double t[4];
  if (b.n < 0 && b.w < 0) {  // the first position: no neighbours
    if (ch == 0) {
      p[0] = 127.5;
      return 1;
    }
    p[0] = level(ch - 1, pos);
    return 1;
  }
  taps([&](int64_t q) { return level(ch, q); }, t);
  spatial(t, p);
  p[4] = t[1] + t[3] - t[0];  // W + NE - N
  if (ch == 0) return 5;
  // The difference to the colour before, predicted spatially, plus that colour's level here.
  taps([&](int64_t q) { return level(ch, q) - level(ch - 1, q); }, t);
  spatial(t, p + 5);
  const double here = level(ch - 1, pos);
  for (int i = 5; i < 9; ++i) p[i] += here;
  return 9;
}

ExpertPrediction AdaptiveExpert::predict(int64_t step) {
  const int64_t pos = step / c_, ch = step % c_;
  subs_ = sub_predictions(pos, ch, sub_);
  const Neighbours b = neighbours(pos);
  ls_at_ = -1;
  if (k.ls > 0 && subs_ > 1) {  // the least-squares prediction (not at an image's first position)
    ls_w_ = ls_features(pos, ch, ls_f_);
    const double* th = ls_theta_.data() + ch * kLsFeatures;
    double y = 0;
    for (int i = 0; i < kLsFeatures; ++i) y += th[i] * ls_f_[i];
    ls_at_ = subs_;
    sub_[subs_++] = std::clamp(ls_w_ + y, -32.0, 287.0);
  }
  const int64_t base = ch * plane_;
  // Recent errors at the neighbours, N and W counted fully, NW and NE by half.
  auto recent = [&](auto err) {
    double sum = 0, weight = 0;
    if (b.n >= 0) sum += err(base + b.n), weight += 1;
    if (b.w >= 0) sum += err(base + b.w), weight += 1;
    if (b.nw >= 0) sum += 0.5 * err(base + b.nw), weight += 0.5;
    if (b.ne >= 0) sum += 0.5 * err(base + b.ne), weight += 0.5;
    return weight > 0 ? sum / weight : 0.0;
  };
  const bool first = b.n < 0 && b.w < 0;  // an image's first position: nothing known nearby
  double num = 0, den = 0;
  for (int i = 0; i < subs_; ++i) {
    const double e = recent([&](int64_t q) { return sub_err_[static_cast<size_t>(q * kMaxPredictors + i)]; });
    const double d = k.eps + e;
    const double w = (i == ls_at_ ? k.ls : 1.0) / (d * d);
    num += w * sub_[i];
    den += w;
  }
  prediction_ = std::clamp(num / den, 0.0, 255.0);

  double e = recent([&](int64_t q) { return err_[static_cast<size_t>(q)]; });
  if (ch > 0) {
    const double before = err_[static_cast<size_t>(base - plane_ + pos)];
    e = first ? before : (e + k.colour_err * before) / (1 + k.colour_err);
  }
  bias_at_ = -1;
  if (k.mean_lr > 0) {
    // The bias context: the recent error's bucket, where W and N lie, and (colour_sign > 0) the sign
    // of the colour before's error here; a learnt slope on that error too (0 for the first colour).
    const int bucket = e < 2 ? 0 : e < 6 ? 1 : e < 16 ? 2 : 3;
    const double wl = b.w >= 0 ? level(ch, b.w) : prediction_, nl = b.n >= 0 ? level(ch, b.n) : prediction_;
    const double prev = ch > 0 ? serr_[static_cast<size_t>(base - plane_ + pos)] : 0.0;
    const int sign = k.colour_sign > 0 ? (prev < -k.colour_sign ? 0 : prev > k.colour_sign ? 2 : 1) : 1;
    bias_at_ = ch * kBiasContexts + sign * 16 + bucket * 4 + (wl >= prediction_ ? 2 : 0) + (nl >= prediction_ ? 1 : 0);
    prev_ = prev;
    prediction_ = std::clamp(prediction_ + mean_adj_[static_cast<size_t>(bias_at_)] + slope_[ch] * prev, 0.0, 255.0);
  }
  double scale = first && ch == 0 ? k.first_scale : k.scale_a * e + k.scale_b;
  recent_ = e;
  if (k.ratio_prior > 0 && !(first && ch == 0)) {
    const size_t c = static_cast<size_t>(ch);
    const double r = (k.ratio_prior + err_sum_[c]) / (k.ratio_prior + recent_sum_[c]);
    scale *= std::sqrt(r);  // IEEE sqrt: correctly rounded everywhere
  }

  scale_at_ = -1;
  if (k.scale_lr > 0 && !(first && ch == 0)) {
    static const double edges[kScaleBuckets - 1] = {0.25, 0.75, 1.5, 2.5, 4, 6, 9, 14, 22, 35};
    int bucket = 0;
    while (bucket < kScaleBuckets - 1 && e >= edges[bucket]) ++bucket;
    scale_at_ = ch * kScaleBuckets + bucket;
    scale *= det::exp(scale_adj_[static_cast<size_t>(scale_at_)]);
  }
  scale_ = scale;

  double log_odds = k.share_bias;
  if (!first) log_odds += k.share_local * recent([&](int64_t q) { return saved_[static_cast<size_t>(q)]; });
  // The colour's sub-pixels so far: one per earlier position (steps come in order).
  if (pos > 0) log_odds += k.share_image * saved_sum_[static_cast<size_t>(ch)] / static_cast<double>(pos);
  log_odds += k.share_decayed * decayed_[static_cast<size_t>(ch)];
  const double share = std::clamp(det::sigmoid(log_odds), k.min_share, k.max_share);
  ExpertPrediction out{prediction_ / kLevelsPerUnit - 1.0, det::log(scale / kLevelsPerUnit), share};
  if (k.tail > 0) {
    out.tail = k.tail;
    out.tail_log_scale = det::log(scale * k.tail_ratio / kLevelsPerUnit);
  }
  return out;
}

void AdaptiveExpert::update(int64_t step, uint8_t level_value, double network_mass, double expert_mass) {
  const int64_t pos = step / c_, ch = step % c_;
  const size_t at = static_cast<size_t>(ch * plane_ + pos);
  const double x = level_value;
  value_[at] = x;
  for (int i = 0; i < subs_; ++i) sub_err_[at * kMaxPredictors + static_cast<size_t>(i)] = std::abs(x - sub_[i]);
  err_[at] = std::abs(x - prediction_);
  serr_[at] = x - prediction_;
  if (ls_at_ >= 0) {
    // Recursive least squares with forgetting, on y = x - W: with g = P f, theta += g (y - theta . f)
    // / (lambda + f . g), P -= g g^T / (lambda + f . g), then P /= lambda.
    const size_t n = kLsFeatures;
    double* th = ls_theta_.data() + ch * kLsFeatures;
    double* P = ls_p_.data() + static_cast<size_t>(ch) * n * n;
    double pf[kLsFeatures], den = k.ls_lambda;
    for (size_t i = 0; i < n; ++i) {
      pf[i] = 0;
      for (size_t j = 0; j < n; ++j) pf[i] += P[i * n + j] * ls_f_[j];
      den += ls_f_[i] * pf[i];
    }
    double pred = 0;
    for (size_t i = 0; i < n; ++i) pred += th[i] * ls_f_[i];
    const double err = (x - ls_w_) - pred;
    for (size_t i = 0; i < n; ++i) th[i] += pf[i] / den * err;
    double trace = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) P[i * n + j] -= pf[i] * pf[j] / den;
      trace += P[i * n + i];
    }
    // Forgetting only while P is below its start (no wind-up where the features do not move).
    if (trace < static_cast<double>(n) * k.ls_delta)
      for (size_t i = 0; i < n * n; ++i) P[i] /= k.ls_lambda;
  }
  if (step != 0) {  // the first sub-pixel's error measures only the blind guess
    err_sum_[static_cast<size_t>(ch)] += err_[at];
    recent_sum_[static_cast<size_t>(ch)] += recent_;
  }
  if (scale_at_ >= 0 || bias_at_ >= 0) {
    // d log p / d log s and d log p / d mean of the narrow logistic's mass at x (edges at 0 and 255
    // open), one clipped gradient step each, the offsets kept in bounds.
    const double inv = 1.0 / scale_;
    const double up = (x + 0.5 - prediction_) * inv, lo = (x - 0.5 - prediction_) * inv;
    const double su = x >= 255 ? 1.0 : det::sigmoid(up), sl = x <= 0 ? 0.0 : det::sigmoid(lo);
    const double du = x >= 255 ? 0.0 : su * (1 - su), dl = x <= 0 ? 0.0 : sl * (1 - sl);
    const double mass = std::max(su - sl, 1e-6);
    if (scale_at_ >= 0) {
      const double g = -((x >= 255 ? 0.0 : up * du) - (x <= 0 ? 0.0 : lo * dl)) / mass;
      double& a = scale_adj_[static_cast<size_t>(scale_at_)];
      a = std::clamp(a + k.scale_lr * std::clamp(g, -4.0, 4.0), -3.0, 3.0);
    }
    if (bias_at_ >= 0) {
      const double g = -(du - dl) * inv / mass;
      double& a = mean_adj_[static_cast<size_t>(bias_at_)];
      a = std::clamp(a + k.mean_lr * std::clamp(g, -4.0, 4.0), -8.0, 8.0);
      // The slope on the colour before's error here: d log p / d slope = g * that error.
      double& slope = slope_[static_cast<size_t>(ch)];
      if (k.slope_lr > 0) slope = std::clamp(slope + k.slope_lr * std::clamp(g, -4.0, 4.0) * std::clamp(prev_, -16.0, 16.0), -1.0, 1.0);
    }
  }
  const double tiny = 1e-30;
  const double saved = (det::log(std::max(expert_mass, tiny)) - det::log(std::max(network_mass, tiny))) * M_LOG2E;
  saved_[at] = std::clamp(saved, -k.saved_clip, k.saved_clip);
  saved_sum_[static_cast<size_t>(ch)] += saved_[at];
  decayed_[static_cast<size_t>(ch)] = k.decay * decayed_[static_cast<size_t>(ch)] + saved_[at];
}

}  // namespace vlae::codec
