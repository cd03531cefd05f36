// One pixel's codec from the decoder's likelihood params for it (model/likelihood.h): a logit for
// Bernoulli pixels, mean and log-scale for the discretized logistic and Gaussian on 256 levels, or
// a logistic mixture's 3M params (contiguous, from a PixelCNN's step).
// The scalar codec is built at each push or pop from these doubles, so an encoder and a decoder
// holding the same params compute the same integer frequencies.
#pragma once
#include <cstdint>

#include "coding/codecs.h"
#include "model/config.h"

namespace vlae::codec {

struct PixelCodec {
  Likelihood likelihood;
  double p0, p1;  // logit, or (mean, log-scale)
  unsigned prec;
  const double* mixture = nullptr;  // LogisticMixture: its params
  int64_t mixture_params = 0;       // 3M

  double push(rans::Message& m, uint32_t level) const {
    if (likelihood == Likelihood::Bernoulli) return Bernoulli::from_logit(p0, prec).push(m, level);
    if (likelihood == Likelihood::Gaussian) return DiscretizedGaussian(p0, p1, prec).push(m, level);
    if (likelihood == Likelihood::LogisticMixture)
      return DiscretizedLogisticMixture(mixture, mixture_params, prec).push(m, level);
    return DiscretizedLogistic(p0, p1, prec).push(m, level);
  }
  Coded<uint32_t> pop(rans::Message& m) const {
    if (likelihood == Likelihood::Bernoulli) return Bernoulli::from_logit(p0, prec).pop(m);
    if (likelihood == Likelihood::Gaussian) return DiscretizedGaussian(p0, p1, prec).pop(m);
    if (likelihood == Likelihood::LogisticMixture) return DiscretizedLogisticMixture(mixture, mixture_params, prec).pop(m);
    return DiscretizedLogistic(p0, p1, prec).pop(m);
  }
};

}  // namespace vlae::codec
