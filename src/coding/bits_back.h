// Bits-back coding with ANS (BB-ANS, Townsend et al. 2019) as a composition of three codecs:
//   push(m, x):  z <- posterior(x).pop(m)     take z ~ q(z|x) off the message (the bits got back)
//                likelihood(z).push(m, x)     x under p(x|z)
//                prior.push(m, z)             z under p(z)
//   pop(m):      the same three, inverted and in reverse order.
// Its net cost is E[-log p(x|z) - log p(z) + log q(z|x)], the negative ELBO. Decoding is derived
// from the parts, never written twice. The codecs are any with push/pop over a step's lanes
// (combinators.h); for a VAE they come from VAECodecs (vae_codecs.h), the only code that knows
// the model. Images are split across `lanes` independent messages, image i on lane i % lanes (or, for
// the expert's fourth rule, in runs of consecutive images: coding/lane_steps.h), and coded in steps
// of one image per lane.
//
// A lane's start. Its first image is pushed onto an empty message, so bits-back's first pop of z
// has nothing to take back: it draws latent_dim x latent_bits initial bits (448 for 32 latents at 14
// bits), which the file carries. A lane may instead start with its first image under
// p(x | z_median), z_median the prior's median latent (VAECodecs::prior_median), which both sides
// know: no z is popped or pushed, so nothing is drawn, and the image costs -log p(x | z_median)
// instead of -log p(x|z) - log p(z) with z ~ q. A VLAE's local decoder models x well without z, so
// that is far less than the initial bits; a model that needs z to draw x codes worse that way.
// The encoder codes each lane's first image both ways and keeps the smaller message (or the one
// BitsBackConfig::lane_start names); the file records each lane's start.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "coding/combinators.h"
#include "coding/rans.h"
#include "coding/vae_codecs.h"
#include "data/images.h"
#include "model/vae.h"

namespace vlae {

// BB-ANS from a prior codec, likelihood(z) -> a codec of x and posterior(x) -> a codec of z.
template <class Prior, class LikelihoodOf, class PosteriorOf>
struct BitsBack {
  Prior prior;
  LikelihoodOf likelihood;
  PosteriorOf posterior;
  BitsBackStats* stats = nullptr;  // optional: the three costs apart

  template <class X>
  double push(codec::Lanes m, const X& x) const {
    const auto z = posterior(x).pop(m);
    const double x_bits = likelihood(z.symbol).push(m, x);
    const double z_bits = prior.push(m, z.symbol);
    if (stats) {
      stats->bits_back += z.bits;
      stats->x_bits += x_bits;
      stats->z_prior_bits += z_bits;
    }
    return x_bits + z_bits - z.bits;
  }
  auto pop(codec::Lanes m) const {
    const auto z = prior.pop(m);
    auto x = likelihood(z.symbol).pop(m);
    const double bits_back = posterior(x.symbol).push(m, z.symbol);
    x.bits += z.bits - bits_back;
    return x;
  }
};

template <class Prior, class LikelihoodOf, class PosteriorOf>
BitsBack<Prior, LikelihoodOf, PosteriorOf> bits_back(Prior prior, LikelihoodOf likelihood, PosteriorOf posterior,
                                                     BitsBackStats* stats = nullptr) {
  return {std::move(prior), std::move(likelihood), std::move(posterior), stats};
}

using StepCallback = std::function<void(int64_t images_done)>;

// How a lane's first image was coded (the file stores it per lane).
enum LaneStart : uint8_t { kStartInitialBits = 0, kStartPriorMedian = 1 };

struct BitsBackLanes {
  std::vector<rans::Message> lanes;
  std::vector<uint8_t> starts;  // LaneStart per lane; empty: every lane kStartInitialBits
};

BitsBackLanes bits_back_encode(VAE& model, const Images& x, const BitsBackConfig& cfg, BitsBackStats* stats,
                               const StepCallback& on_step = {});

// Decodes `count` images of the model's size; throws rans::DecodeError on a corrupt stream.
Images bits_back_decode(VAE& model, BitsBackLanes coded, int64_t count, const BitsBackConfig& cfg,
                        const StepCallback& on_step = {});

}  // namespace vlae
