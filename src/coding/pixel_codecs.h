// One pixel's codec from the decoder's likelihood params for it (model/likelihood.h): a logit for
// Bernoulli pixels, mean and log-scale for the discretized logistic and Gaussian on 256 levels, or
// a logistic mixture's 3M params (contiguous, from a PixelCNN's step).
// The scalar codec is built at each push or pop from these doubles, so an encoder and a decoder
// holding the same params compute the same integer frequencies.
#pragma once
#include <cstdint>
#include <type_traits>

#include "coding/adaptive_expert.h"
#include "coding/codecs.h"
#include "coding/tape.h"
#include "model/config.h"

namespace vlae::codec {

// The expert's own distribution: one logistic, or two at the same mean (a narrow one and a wide
// one for the tail). With tail 0 it is the narrow logistic's CDF exactly (ExpertMixing::Adaptive1).
struct ExpertLogistics {
  DiscretizedLogistic narrow, wide;
  double tail;
  ExpertLogistics(const ExpertPrediction& p, unsigned prec)
      : narrow(p.mean, p.log_scale, prec), wide(p.mean, p.tail > 0 ? p.tail_log_scale : p.log_scale, prec), tail(p.tail) {}
  double cdf(uint32_t k) const { return tail > 0 ? (1.0 - tail) * narrow.cdf(k) + tail * wide.cdf(k) : narrow.cdf(k); }
  double mass(uint32_t level) const { return cdf(level + 1) - cdf(level); }
  uint32_t operator()(uint32_t k) const { return quantize_cdf(cdf(k), k, kLevels, narrow.prec); }  // as the coder's
};

// The network's distribution over the 256 levels mixed with the expert's ExpertLogistics (context
// mixing, coding/adaptive_expert.h): F = (1 - share) F_network + share F_expert, one quantize_cdf. Both
// CDFs are monotone in double and the weights are not negative, so F is too, and every level keeps
// a frequency of at least 1.
template <class Network>
struct WithExpert {
  Network network;
  ExpertLogistics expert;
  double share;
  unsigned prec;
  double cdf(uint32_t k) const {
    if (k == 0 || k >= kLevels) return k == 0 ? 0.0 : 1.0;
    return (1.0 - share) * network.cdf(k) + share * expert.cdf(k);
  }
  uint32_t operator()(uint32_t k) const { return quantize_cdf(cdf(k), k, kLevels, prec); }
  double push(rans::Message& m, uint32_t s) const { return push_cdf(m, *this, s, prec); }
  Coded<uint32_t> pop(rans::Message& m) const { return pop_cdf(m, *this, kLevels, prec); }
};

struct PixelCodec {
  Likelihood likelihood;
  double p0, p1;  // logit, or (mean, log-scale)
  unsigned prec;
  const double* mixture = nullptr;  // LogisticMixture: its params
  int64_t mixture_params = 0;       // 3M
  const ExpertPrediction* expert = nullptr;  // 8-bit levels: mixed with this expert's logistic

  // f(codec) with this pixel's scalar codec.
  template <class F>
  auto with_codec(F f) const {
    if (likelihood == Likelihood::Bernoulli) return f(Bernoulli::from_logit(p0, prec));
    return with_network([&](const auto& c) {
      if (!expert) return f(c);
      using C = std::decay_t<decltype(c)>;
      return f(WithExpert<C>{c, ExpertLogistics(*expert, prec), expert->share, prec});
    });
  }
  // The network's own codec for 8-bit levels (every likelihood but Bernoulli).
  template <class F>
  auto with_network(F f) const {
    if (likelihood == Likelihood::Gaussian) return f(DiscretizedGaussian(p0, p1, prec));
    if (likelihood == Likelihood::LogisticMixture) return f(DiscretizedLogisticMixture(mixture, mixture_params, prec));
    return f(DiscretizedLogistic(p0, p1, prec));
  }
  double push(rans::Message& m, uint32_t level) const {
    return with_codec([&](const auto& c) { return c.push(m, level); });
  }
  Coded<uint32_t> pop(rans::Message& m) const {
    return with_codec([&](const auto& c) { return c.pop(m); });
  }
  // The push of `level` recorded on t instead of made: the interval push_cdf pushes (every pixel codec
  // pushes through it; the golden files and BitsBackAutoregressive.LikelihoodTapesReplayThePushes
  // check it).
  double record(Tape& t, uint32_t level) const {
    return with_codec([&](const auto& c) {
      const uint32_t lo = c(level);
      return t.record(lo, c(level + 1) - lo);
    });
  }
};

}  // namespace vlae::codec
