#include "coding/vae_codecs.h"

#include <ATen/Parallel.h>

#include "coding/pixel_codecs.h"
#include "data/tensor.h"
#include "model/likelihood.h"

namespace vlae {

namespace {

// Runs network passes on one thread, so results never depend on the caller's thread count.
// Touches the global setting only when it is not 1 already (the server runs at 1, many threads).
struct SingleThreaded {
  int saved = at::get_num_threads();
  SingleThreaded() {
    if (saved != 1) at::set_num_threads(1);
  }
  ~SingleThreaded() {
    if (saved != 1) at::set_num_threads(saved);
  }
};

using codec::Coded;
using codec::Lanes;
using codec::LaneSymbols;
using PixelElement = codec::PerLane<codec::PixelCodec>;  // one pixel of every lane
using LatentElement = codec::PerLane<codec::GaussianBuckets>;

// Images of a step seen as the pixel-major symbols of a pixel codec: [j][l] is pixel j of image l.
struct PixelColumns {
  const Images& x;
  struct Column {
    const Images& x;
    int64_t j;
    uint32_t operator[](int64_t l) const { return x.image(l)[j]; }
  };
  Column operator[](int64_t j) const { return {x, j}; }
};

}  // namespace

// p(z_j | z_<j) = N(mean, std^2) for each lane, from z values [lanes * K] of which dims >= j are
// ignored: the prefix fed to the prior always has zeros from j on, so encoder and decoder feed it
// the same input.
class PriorConditionals {
 public:
  explicit PriorConditionals(VAE& model) : model_(model) {}
  void at(const std::vector<float>& z, int64_t lanes, int64_t j) {
    const int64_t k = model_->config.latent_dim;
    mean.assign(lanes, 0.0);
    std.assign(lanes, 1.0);
    if (model_->prior->standard_normal()) return;
    auto prefix = torch::zeros({lanes, k}, torch::kFloat32);
    float* pp = prefix.data_ptr<float>();
    for (int64_t l = 0; l < lanes; ++l) std::copy(z.begin() + l * k, z.begin() + l * k + j, pp + l * k);
    const auto device = model_->parameters().front().device();
    const auto [m, s] = model_->prior->conditional(prefix.to(device), j);
    const auto mc = m.to(torch::kCPU).contiguous(), sc = s.to(torch::kCPU).contiguous();
    std::copy(mc.data_ptr<double>(), mc.data_ptr<double>() + lanes, mean.begin());
    std::copy(sc.data_ptr<double>(), sc.data_ptr<double>() + lanes, std.begin());
  }
  // The value the decoder sees for bucket `b` of lane l: the bucket's median under the conditional.
  float value(const codec::LatentBuckets& buckets, int64_t l, uint32_t b) const {
    return static_cast<float>(mean[l] + std[l] * static_cast<double>(buckets.centres[b]));
  }
  std::vector<double> mean, std;  // of the last `at`, per lane

 private:
  VAE& model_;
};

struct VAECodecs::State {
  VAE& model;
  BitsBackConfig cfg;
  codec::LatentBuckets buckets;
  torch::NoGradGuard no_grad;
  SingleThreaded single;
  mutable PriorConditionals cond;
  torch::Device device;
  int64_t k, d;
  State(VAE& m, const BitsBackConfig& c)
      : model(m), cfg(c), buckets(c.latent_bits), cond(m), device(m->parameters().front().device()),
        k(m->config.latent_dim), d(m->config.dims()) {}

  // Latent values dimension by dimension: at j, the conditional from z_<j, then bucket_of(j) -> the
  // lanes' buckets of dimension j, whose values fill z[l * K + j].
  template <class BucketOf>
  void scan_latents(int64_t lanes, std::vector<float>& z, BucketOf bucket_of) const {
    z.assign(static_cast<size_t>(lanes * k), 0.0f);
    for (int64_t j = 0; j < k; ++j) {
      cond.at(z, lanes, j);
      const LaneSymbols& b = bucket_of(j);
      for (int64_t l = 0; l < lanes; ++l) z[l * k + j] = cond.value(buckets, l, b[l]);
    }
  }
};

VAECodecs::VAECodecs(VAE& model, const BitsBackConfig& cfg) : s_(std::make_unique<State>(model, cfg)) {
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
}
VAECodecs::~VAECodecs() = default;

Images VAECodecs::empty_images(int64_t count) const {
  const auto& c = s_->model->config;
  Images out;
  out.count = count;
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

VAECodecs::Posterior VAECodecs::posterior(const Images& x) const {
  const auto q = s_->model->encode(to_tensor(x).to(s_->device));
  const auto mean = q.mean.to(torch::kCPU, torch::kFloat64).contiguous();
  const auto std = q.std().to(torch::kCPU, torch::kFloat64).contiguous();
  Posterior p{*this, {}, {}};
  p.mean.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
  p.std.assign(std.data_ptr<double>(), std.data_ptr<double>() + std.numel());
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
template <class State>
auto pixel_codec(const State& s, const Latents& z, int64_t lanes) {
  const auto& c = s.model->config;
  const int64_t p = likelihood_params(c.likelihood);
  const auto zt = torch::from_blob(const_cast<float*>(z.value.data()), {lanes, s.k}, torch::kFloat32).to(s.device);
  return codec::autoregressive<PixelElement>([&s, &c, zt, lanes, p](auto visit) {
    s.model->pixelcnn->autoregress(zt, [&](int64_t j, const double* pj, uint8_t* values) {
      PixelElement e;
      for (int64_t l = 0; l < lanes; ++l)
        e.codecs.push_back({c.likelihood, pj[l * p], p == 2 ? pj[l * p + 1] : 0.0, s.cfg.obs_prec});
      const auto v = visit(j, e);
      for (int64_t l = 0; l < lanes; ++l) values[l] = static_cast<uint8_t>(v[l]);
    });
  });
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
  double push(rans::Message& m, const uint8_t* image) const {
    double bits = 0;
    for (int64_t j = 0; j < d; ++j) bits += at(j).push(m, image[j]);
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
torch::Tensor factorized_params(const State& s, const Latents& z, int64_t lanes) {
  const auto zt = torch::from_blob(const_cast<float*>(z.value.data()), {lanes, s.k}, torch::kFloat32).to(s.device);
  return s.model->decoder->forward(zt).to(torch::kCPU, torch::kFloat64).contiguous();
}
template <class State>
FactorizedImage factorized_image(const State& s, const torch::Tensor& params, int64_t l) {
  const int64_t p = likelihood_params(s.model->config.likelihood);
  return {s.model->config.likelihood, params.template data_ptr<double>() + l * p * s.d, s.d, p, s.cfg.obs_prec};
}
}  // namespace

double VAECodecs::Likelihood::push(Lanes m, const Images& x) const {
  if (v.s_->model->autoregressive()) return pixel_codec(*v.s_, z, m.count).push(m, PixelColumns{x});
  // Independent lanes, each a sequence over its pixels.
  const torch::Tensor params = factorized_params(*v.s_, z, m.count);
  double bits = 0;
  for (int64_t l = 0; l < m.count; ++l) bits += factorized_image(*v.s_, params, l).push(m[l], x.image(l));
  return bits;
}

Coded<Images> VAECodecs::Likelihood::pop(Lanes m) const {
  Coded<Images> out{v.empty_images(m.count), 0.0};
  if (v.s_->model->autoregressive()) {
    const auto c = pixel_codec(*v.s_, z, m.count).pop(m);
    for (int64_t j = 0; j < v.s_->d; ++j)
      for (int64_t l = 0; l < m.count; ++l) out.symbol.image(l)[j] = static_cast<uint8_t>(c.symbol[j][l]);
    out.bits = c.bits;
    return out;
  }
  const torch::Tensor params = factorized_params(*v.s_, z, m.count);
  for (int64_t l = 0; l < m.count; ++l) out.bits += factorized_image(*v.s_, params, l).pop(m[l], out.symbol.image(l));
  return out;
}

}  // namespace vlae
