#include "coding/vae_codecs.h"

#include <ATen/Parallel.h>

#include "coding/pixel_codecs.h"
#include "coding/vae_codecs_state.h"
#include "engine/pixelcnn_engine.h"
#include "model/likelihood.h"

namespace vlae {

namespace {

using codec::Coded;
using codec::Lanes;
using codec::LaneSymbols;
using LatentElement = codec::PerLane<codec::GaussianBuckets>;

}  // namespace

VAECodecs::VAECodecs(VAE& model, const BitsBackConfig& cfg) : s_(std::make_unique<State>(model, cfg)) {
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
}
VAECodecs::~VAECodecs() = default;

Images VAECodecs::empty_images(int64_t count) const {
  const auto& c = s_->model->config;
  Images out;
  out.count = count;
  out.channels = c.image_channels;
  out.height = c.height;
  out.width = c.width;
  out.binary = c.likelihood == vlae::Likelihood::Bernoulli;
  out.pixels.resize(static_cast<size_t>(count * c.dims()));
  return out;
}

// p(z): equal-mass buckets make it uniform over buckets, whatever the conditionals. Dimensions are
// pushed K-1, ..., 0, so they pop in order 0..K-1 and each value can follow from the ones before.
namespace {
codec::Sequence<codec::Repeat<codec::Uniform>> uniform_buckets(const BitsBackConfig& cfg, int64_t k) {
  return {std::vector<codec::Repeat<codec::Uniform>>(static_cast<size_t>(k), {codec::Uniform{cfg.latent_bits}})};
}
}  // namespace

double VAECodecs::Prior::push(Lanes m, const Latents& z) const {
  return uniform_buckets(v.s_->cfg, v.s_->k).push(m, std::vector<LaneSymbols>(z.bucket.rbegin(), z.bucket.rend()));
}

Coded<Latents> VAECodecs::Prior::pop(Lanes m) const {
  auto c = uniform_buckets(v.s_->cfg, v.s_->k).pop(m);
  Coded<Latents> out{{std::vector<LaneSymbols>(c.symbol.rbegin(), c.symbol.rend()), {}}, c.bits};
  v.s_->scan_latents(m.count, out.symbol.value, [&](int64_t j) -> const LaneSymbols& { return out.symbol.bucket[j]; });
  return out;
}

Latents VAECodecs::prior_median(int64_t lanes) const {
  Latents z;
  z.bucket.assign(static_cast<size_t>(s_->k), LaneSymbols(static_cast<size_t>(lanes), 1u << (s_->cfg.latent_bits - 1)));
  s_->scan_latents(lanes, z.value, [&](int64_t j) -> const LaneSymbols& { return z.bucket[j]; });
  return z;
}

VAECodecs::Posterior VAECodecs::posterior(const Images& x) const {
  Posterior p{*this, {}, {}};
  s_->engine.posterior(x.image(0), x.count, p.mean, p.std);
  return p;
}

// q(z|x) as an autoregressive codec over the dimensions: dimension j's buckets are those of the
// prior's conditional given z_<j, and the posterior is expressed in its units (the identity under
// the N(0, I) prior).
namespace {
template <class State>
auto posterior_codec(const State& s, const std::vector<double>& mean, const std::vector<double>& std, int64_t lanes,
                     std::vector<float>& z) {
  return codec::autoregressive<LatentElement>([&s, &mean, &std, lanes, &z](auto visit) {
    LaneSymbols b;
    s.scan_latents(lanes, z, [&](int64_t j) -> const LaneSymbols& {
      LatentElement e;
      for (int64_t l = 0; l < lanes; ++l) {
        const double cm = s.cond.mean[l], cs = s.cond.std[l];
        e.codecs.emplace_back(&s.buckets, (mean[l * s.k + j] - cm) / cs, std[l * s.k + j] / cs, s.cfg.posterior_prec);
      }
      b = visit(j, e);
      return b;
    });
  });
}
}  // namespace

Coded<Latents> VAECodecs::Posterior::pop(Lanes m) const {
  Coded<Latents> out;
  auto c = posterior_codec(*v.s_, mean, std, m.count, out.symbol.value).pop(m);
  out.symbol.bucket = std::move(c.symbol);
  out.bits = c.bits;
  return out;
}

double VAECodecs::Posterior::push(Lanes m, const Latents& z) const {
  std::vector<float> values;
  return posterior_codec(*v.s_, mean, std, m.count, values).push(m, z.bucket);
}

// p(x|z): a factorized decoder's pixels are independent given z (a sequence in raster order); a
// PixelCNN's are autoregressive in raster order, the params of pixel j computed from x_<j alone.
namespace {
// Pixel j's codec from its p contiguous params (a PixelCNN step's).
codec::PixelCodec pixel_at(Likelihood likelihood, const double* params, int64_t p, unsigned prec) {
  if (likelihood == Likelihood::LogisticMixture) return {likelihood, 0.0, 0.0, prec, params, p};
  return {likelihood, params[0], p == 2 ? params[1] : 0.0, prec};
}

// A PixelCNN's pixels, autoregressive in raster order (colour: R, G, B at each position, the
// engine's steps): pushed D-1..0 from teacher-forced params
// (every pixel's params from the known image in one pass), popped 0..D-1 with each pixel's params
// computed incrementally from the pixels popped before it. The two give the same params bit for
// bit (engine/pixelcnn_engine.h), which is what makes the pop the push's inverse.
// The expert's prediction for step j of an image, before j is coded, then its update with j's
// level: the masses of the level under the network alone and under the expert alone.
template <class Codec>
void expert_update(codec::AdaptiveExpert& e, int64_t j, const codec::ExpertPrediction& p, const Codec& c, uint32_t level) {
  c.with_network([&](const auto& network) {
    e.update(j, static_cast<uint8_t>(level), network.cdf(level + 1) - network.cdf(level),
             codec::ExpertLogistics(p, c.prec).mass(level));
    return 0;
  });
}

template <class State, class Push>
std::vector<double> push_autoregressive(const State& s, const Latents& z, const Images& x, int64_t lanes, const Push& push,
                                        const std::vector<int64_t>* lane_of) {
  const auto& pc = *s.engine.pixelcnn();
  const int64_t p = pc.params_per_pixel();
  const bool mixed = s.cfg.expert != codec::ExpertMixing::None;
  const auto& mc = s.model->config;
  std::vector<double> bits(static_cast<size_t>(lanes), 0.0);
  at::parallel_for(0, lanes, 1, [&](int64_t l0, int64_t l1) {
    std::vector<double> params(static_cast<size_t>(s.d * p));
    std::vector<codec::ExpertPrediction> expert(mixed ? static_cast<size_t>(s.d) : 0);
    for (int64_t l = l0; l < l1; ++l) {
      pc.teacher_forced(z.value.data() + l * s.k, x.image(l), params.data());
      auto at = [&](int64_t j) {
        auto c = pixel_at(mc.likelihood, params.data() + j * p, p, s.cfg.obs_prec);
        if (mixed) c.expert = &expert[j];
        return c;
      };
      if (mixed) {  // the expert runs forward over the known image, then the pushes go backwards
        codec::AdaptiveExpert e = s.expert_at(lane_of ? (*lane_of)[static_cast<size_t>(l)] : l);
        for (int64_t j = 0; j < s.d; ++j) {
          expert[j] = e.predict(j);
          expert_update(e, j, expert[j], at(j), x.image(l)[pc.subpixel(j)]);
        }
      }
      for (int64_t j = s.d - 1; j >= 0; --j) bits[l] += push(l, at(j), x.image(l)[pc.subpixel(j)]);
    }
  });
  return bits;
}

template <class State>
double pop_autoregressive(const State& s, const Latents& z, Lanes m, Images& out) {
  const auto& pc = *s.engine.pixelcnn();
  const int64_t p = pc.params_per_pixel(), lanes = m.count;
  const bool mixed = s.cfg.expert != codec::ExpertMixing::None;
  const auto& mc = s.model->config;
  std::vector<double> bits(static_cast<size_t>(lanes), 0.0);
  const bool carries = mixed && codec::expert_carries(s.cfg.expert);
  s.expert_memory_after.assign(carries ? static_cast<size_t>(lanes) : 0, {});
  // Lanes are independent messages: each is decoded on its own thread.
  at::parallel_for(0, lanes, 1, [&](int64_t l0, int64_t l1) {
    std::vector<double> params(static_cast<size_t>(p));
    for (int64_t l = l0; l < l1; ++l) {
      auto im = pc.start(z.value.data() + l * s.k);
      codec::AdaptiveExpert e = mixed ? s.expert_at(l) : codec::AdaptiveExpert(1, 0, 0);
      uint8_t* image = out.image(l);
      for (int64_t j = 0; j < s.d; ++j) {
        pc.params_at(im, j, params.data());
        auto pixel = pixel_at(mc.likelihood, params.data(), p, s.cfg.obs_prec);
        codec::ExpertPrediction prediction{};
        if (mixed) {
          prediction = e.predict(j);
          pixel.expert = &prediction;
        }
        const auto c = pixel.pop(m[l]);
        if (mixed) expert_update(e, j, prediction, pixel, c.symbol);
        image[pc.subpixel(j)] = static_cast<uint8_t>(c.symbol);
        bits[l] += c.bits;
        pc.set(im, j, static_cast<uint8_t>(c.symbol));
      }
      // The memory is a function of the levels alone, so this is VAECodecs::remember of the image.
      if (carries) s.expert_memory_after[static_cast<size_t>(l)] = e.memory();
    }
  });
  double total = 0;
  for (double b : bits) total += b;
  return total;
}

// One lane's image under a factorized decoder's params [B, P, D]: its pixels are independent
// given z, a sequence on the lane's message in raster order (pushed 0..D-1, popped D-1..0). A view
// into the params, no copies; lanes are coded one after the other, each in one sweep of its params.
struct FactorizedImage {
  vlae::Likelihood likelihood;
  const double* params;  // this lane's [P, D]
  int64_t d, p;
  unsigned prec;
  codec::PixelCodec at(int64_t j) const { return {likelihood, params[j], p == 2 ? params[d + j] : 0.0, prec}; }
  // push(codec, level) for each pixel in push order; the sum of their bits.
  template <class Push>
  double push(const uint8_t* image, const Push& push) const {
    double bits = 0;
    for (int64_t j = 0; j < d; ++j) bits += push(at(j), image[j]);
    return bits;
  }
  double pop(rans::Message& m, uint8_t* image) const {
    double bits = 0;
    for (int64_t j = d - 1; j >= 0; --j) {
      const auto c = at(j).pop(m);
      image[j] = static_cast<uint8_t>(c.symbol);
      bits += c.bits;
    }
    return bits;
  }
};

// The decoder's params at z ([B, P, D], double): each lane's image codec points into them.
template <class State>
std::vector<double> factorized_params(const State& s, const Latents& z, int64_t lanes) {
  std::vector<double> params;
  s.engine.decoder_params(z.value.data(), lanes, params);
  return params;
}
template <class State>
FactorizedImage factorized_image(const State& s, const std::vector<double>& params, int64_t l) {
  const int64_t p = likelihood_params(s.model->config);
  return {s.model->config.likelihood, params.data() + l * p * s.d, s.d, p, s.cfg.obs_prec};
}
}  // namespace

namespace {
// bits(l) for every lane, the lanes split over threads.
template <class F>
std::vector<double> over_lanes(int64_t lanes, const F& bits) {
  std::vector<double> per_lane(static_cast<size_t>(lanes), 0.0);
  at::parallel_for(0, lanes, 1, [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) per_lane[l] = bits(l);
  });
  return per_lane;
}
// Summed in lane order, so the total does not depend on the thread count.
double total(const std::vector<double>& per_lane) {
  double t = 0;
  for (double b : per_lane) t += b;
  return t;
}

// Each lane's pushes of its image of x under p(x|z), in push order: push(l, codec, level) makes (or
// records) one pixel's push for lane l and returns its cost; the result is each lane's sum.
template <class State, class Push>
std::vector<double> likelihood_pushes(const State& s, const Latents& z, const Images& x, int64_t lanes, const Push& push,
                                      const std::vector<int64_t>* lane_of = nullptr) {
  if (s.model->autoregressive()) return push_autoregressive(s, z, x, lanes, push, lane_of);
  // Independent lanes, each a sequence over its pixels.
  const std::vector<double> params = factorized_params(s, z, lanes);
  return over_lanes(lanes, [&](int64_t l) {
    return factorized_image(s, params, l).push(x.image(l), [&](const codec::PixelCodec& c, uint32_t level) { return push(l, c, level); });
  });
}
}  // namespace

double VAECodecs::Likelihood::push(Lanes m, const Images& x) const {
  return total(likelihood_pushes(*v.s_, z, x, m.count,
                                 [&m](int64_t l, const codec::PixelCodec& c, uint32_t level) { return c.push(m[l], level); }));
}

std::vector<codec::Tape> VAECodecs::likelihood_tapes(const Latents& z, const Images& x, bool keep,
                                                     const std::vector<int64_t>* lane_of) const {
  std::vector<codec::Tape> tapes(static_cast<size_t>(x.count));
  for (auto& t : tapes) {
    t.prec = s_->cfg.obs_prec;
    t.keep = keep;
    if (keep) {
      t.start.reserve(static_cast<size_t>(s_->d));
      t.freq.reserve(static_cast<size_t>(s_->d));
    }
  }
  likelihood_pushes(
      *s_, z, x, x.count, [&tapes](int64_t l, const codec::PixelCodec& c, uint32_t level) { return c.record(tapes[l], level); },
      lane_of);
  return tapes;
}

bool VAECodecs::expert_carries() const { return codec::expert_carries(s_->cfg.expert); }

void VAECodecs::set_expert_memory(std::vector<codec::ExpertMemory> per_lane) const {
  s_->expert_memory = std::move(per_lane);
}

std::vector<codec::ExpertMemory> VAECodecs::take_expert_memory() const { return std::move(s_->expert_memory_after); }

codec::ExpertMemory VAECodecs::remember(const codec::ExpertMemory& before, const uint8_t* image) const {
  const auto& c = s_->model->config;
  const auto& pc = *s_->engine.pixelcnn();
  codec::AdaptiveExpert e(c.image_channels, c.height, c.width, s_->expert, &before);
  // The memory is a function of the levels alone: the masses only move the share, which restarts.
  for (int64_t j = 0; j < s_->d; ++j) {
    e.predict(j);
    e.update(j, image[pc.subpixel(j)], 0.5, 0.5);
  }
  return e.memory();
}

Coded<Images> VAECodecs::Likelihood::pop(Lanes m) const {
  Coded<Images> out{v.empty_images(m.count), 0.0};
  if (v.s_->model->autoregressive()) {
    out.bits = pop_autoregressive(*v.s_, z, m, out.symbol);
    return out;
  }
  const std::vector<double> params = factorized_params(*v.s_, z, m.count);
  out.bits += total(over_lanes(m.count, [&](int64_t l) { return factorized_image(*v.s_, params, l).pop(m[l], out.symbol.image(l)); }));
  return out;
}

}  // namespace vlae
