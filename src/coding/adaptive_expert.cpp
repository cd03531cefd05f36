#include "coding/adaptive_expert.h"

#include <algorithm>
#include <cmath>

#include "model/discretization.h"
#include "util/det_math.h"

namespace vlae::codec {

AdaptiveExpert::AdaptiveExpert(int64_t channels, int64_t height, int64_t width, const ExpertConstants& constants)
    : k(constants), c_(channels), h_(height), w_(width), plane_(height * width) {
  const size_t n = static_cast<size_t>(c_ * plane_);
  value_.assign(n, 0.0);
  sub_err_.assign(n * kMaxPredictors, 0.0);
  err_.assign(n, 0.0);
  saved_.assign(n, 0.0);
  saved_sum_.assign(static_cast<size_t>(c_), 0.0);
  err_sum_.assign(static_cast<size_t>(c_), 0.0);
  decayed_.assign(static_cast<size_t>(c_), 0.0);
  recent_sum_.assign(static_cast<size_t>(c_), 0.0);
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
    const double w = 1.0 / (d * d);
    num += w * sub_[i];
    den += w;
  }
  prediction_ = std::clamp(num / den, 0.0, 255.0);

  double e = recent([&](int64_t q) { return err_[static_cast<size_t>(q)]; });
  if (ch > 0) {
    const double before = err_[static_cast<size_t>(base - plane_ + pos)];
    e = first ? before : (e + k.colour_err * before) / (1 + k.colour_err);
  }
  double scale = first && ch == 0 ? k.first_scale : k.scale_a * e + k.scale_b;
  recent_ = e;
  if (k.ratio_prior > 0 && !(first && ch == 0)) {
    const size_t c = static_cast<size_t>(ch);
    const double r = (k.ratio_prior + err_sum_[c]) / (k.ratio_prior + recent_sum_[c]);
    scale *= std::sqrt(r);  // IEEE sqrt: correctly rounded everywhere
  }

  double log_odds = k.share_bias;
  if (!first) log_odds += k.share_local * recent([&](int64_t q) { return saved_[static_cast<size_t>(q)]; });
  // The colour's sub-pixels so far: one per earlier position (steps come in order).
  if (pos > 0) log_odds += k.share_image * saved_sum_[static_cast<size_t>(ch)] / static_cast<double>(pos);
  log_odds += k.share_decayed * decayed_[static_cast<size_t>(ch)];
  const double share = std::clamp(det::sigmoid(log_odds), k.min_share, k.max_share);
  return {prediction_ / kLevelsPerUnit - 1.0, det::log(scale / kLevelsPerUnit), share};
}

void AdaptiveExpert::update(int64_t step, uint8_t level_value, double network_mass, double expert_mass) {
  const int64_t pos = step / c_, ch = step % c_;
  const size_t at = static_cast<size_t>(ch * plane_ + pos);
  const double x = level_value;
  value_[at] = x;
  for (int i = 0; i < subs_; ++i) sub_err_[at * kMaxPredictors + static_cast<size_t>(i)] = std::abs(x - sub_[i]);
  err_[at] = std::abs(x - prediction_);
  if (step != 0) {  // the first sub-pixel's error measures only the blind guess
    err_sum_[static_cast<size_t>(ch)] += err_[at];
    recent_sum_[static_cast<size_t>(ch)] += recent_;
  }
  const double tiny = 1e-30;
  const double saved = (det::log(std::max(expert_mass, tiny)) - det::log(std::max(network_mass, tiny))) * M_LOG2E;
  saved_[at] = std::clamp(saved, -k.saved_clip, k.saved_clip);
  saved_sum_[static_cast<size_t>(ch)] += saved_[at];
  decayed_[static_cast<size_t>(ch)] = k.decay * decayed_[static_cast<size_t>(ch)] + saved_[at];
}

}  // namespace vlae::codec
