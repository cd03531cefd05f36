#include "coding/bits_back.h"

#include <ATen/Parallel.h>

#include <array>

#include "coding/codecs.h"
#include "coding/gaussian.h"
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

struct Posteriors {
  std::vector<double> mean, std;  // [B * K]
};

Posteriors posteriors(VAE& model, const torch::Tensor& x) {
  const auto q = model->encode(x);
  const auto mean = q.mean.to(torch::kCPU, torch::kFloat64).contiguous();
  const auto std = q.std().to(torch::kCPU, torch::kFloat64).contiguous();
  Posteriors p;
  p.mean.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
  p.std.assign(std.data_ptr<double>(), std.data_ptr<double>() + std.numel());
  return p;
}

// Decoder parameters of a factorized decoder at z: [B, P, D] as doubles.
std::vector<double> factorized_params(VAE& model, const std::vector<float>& z, int64_t b) {
  const int64_t k = model->config.latent_dim;
  const auto device = model->parameters().front().device();
  const auto zt = torch::from_blob(const_cast<float*>(z.data()), {b, k}, torch::kFloat32).to(device);
  const auto params = model->decoder->forward(zt).to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(params.data_ptr<double>(), params.data_ptr<double>() + params.numel());
}

// One pixel's codec from its likelihood params (P = 1 logit, or P = 2 mean and log-scale).
double push_pixel(Likelihood lik, const double* p, unsigned prec, rans::Message& m, uint32_t v) {
  if (lik == Likelihood::Bernoulli) return codec::Bernoulli::from_logit(p[0], prec).push(m, v);
  if (lik == Likelihood::Gaussian) return codec::DiscretizedGaussian(p[0], p[1], prec).push(m, v);
  return codec::DiscretizedLogistic(p[0], p[1], prec).push(m, v);
}
uint32_t pop_pixel(Likelihood lik, const double* p, unsigned prec, rans::Message& m) {
  if (lik == Likelihood::Bernoulli) return codec::Bernoulli::from_logit(p[0], prec).pop(m);
  if (lik == Likelihood::Gaussian) return codec::DiscretizedGaussian(p[0], p[1], prec).pop(m);
  return codec::DiscretizedLogistic(p[0], p[1], prec).pop(m);
}

// Pixel j of image b under a factorized p(x|z) with params [B, P, D].
struct PixelCodec {
  Likelihood lik;
  const std::vector<double>& params;
  int64_t d;
  unsigned prec;
  std::array<double, 2> at(int64_t b, int64_t j) const {
    if (lik == Likelihood::Bernoulli) return {params[b * d + j], 0.0};
    return {params[(b * 2) * d + j], params[(b * 2 + 1) * d + j]};
  }
  double push(rans::Message& m, int64_t b, int64_t j, uint32_t v) const {
    return push_pixel(lik, at(b, j).data(), prec, m, v);
  }
  uint32_t pop(rans::Message& m, int64_t b, int64_t j) const { return pop_pixel(lik, at(b, j).data(), prec, m); }
};

// p(z_i | z_<i) = N(mean, std^2) for a batch, from z values [B * K] of which dims >= i are ignored.
// The prefix tensor always has zeros from i on, so encoder and decoder feed the prior the same input.
struct Conditionals {
  VAE& model;
  int64_t b, k;
  std::vector<double> mean, std;
  void at(const std::vector<float>& z, int64_t i) {
    mean.assign(b, 0.0);
    std.assign(b, 1.0);
    if (model->prior->standard_normal()) return;
    auto prefix = torch::zeros({b, k}, torch::kFloat32);
    float* pp = prefix.data_ptr<float>();
    for (int64_t l = 0; l < b; ++l) std::copy(z.begin() + l * k, z.begin() + l * k + i, pp + l * k);
    const auto device = model->parameters().front().device();
    const auto [m, s] = model->prior->conditional(prefix.to(device), i);
    const auto mc = m.to(torch::kCPU).contiguous(), sc = s.to(torch::kCPU).contiguous();
    std::copy(mc.data_ptr<double>(), mc.data_ptr<double>() + b, mean.begin());
    std::copy(sc.data_ptr<double>(), sc.data_ptr<double>() + b, std.begin());
  }
  // Posterior of dimension i over buckets of equal mass under the conditional: in units where the
  // conditional is N(0, 1) (the identity under the N(0, I) prior).
  codec::GaussianBuckets posterior(const codec::LatentBuckets& buckets, const Posteriors& q, int64_t l, int64_t i,
                                   unsigned prec) const {
    return codec::GaussianBuckets(&buckets, (q.mean[l * k + i] - mean[l]) / std[l], q.std[l * k + i] / std[l], prec);
  }
  float value(const codec::LatentBuckets& buckets, int64_t l, uint32_t bucket) const {
    return static_cast<float>(mean[l] + std[l] * static_cast<double>(buckets.centres[bucket]));
  }
};

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Images coded at step t: t*lanes + lane for the lanes whose image exists.
int64_t lanes_at(int64_t step, int64_t lanes, int64_t count) { return std::min(lanes, count - step * lanes); }

}  // namespace

std::vector<rans::Message> bits_back_encode(VAE& model, const Images& x, const BitsBackConfig& cfg,
                                            BitsBackStats* stats, const StepCallback& on_step) {
  torch::NoGradGuard no_grad;
  SingleThreaded single;
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  const codec::LatentBuckets buckets(cfg.latent_bits);
  const codec::Uniform prior{cfg.latent_bits};  // equal-mass buckets: the prior is uniform over them
  const int64_t k = model->config.latent_dim, d = x.dims();
  const int64_t lanes = std::max<int64_t>(1, std::min<int64_t>(cfg.lanes, x.count));
  const auto device = model->parameters().front().device();
  BitsBackStats st;

  std::vector<rans::Message> msgs(lanes);
  for (int64_t l = 0; l < lanes; ++l) {
    // Initial bits: a random 63-bit state in [L, 2^63) and random words on demand, so the first
    // posterior pops sample properly. They are counted and excluded from the net rate.
    auto seed = std::make_shared<uint64_t>(cfg.seed * 0x100000001b3ull + static_cast<uint64_t>(l));
    msgs[l].state = (splitmix64(*seed) >> 1) | rans::kLower;
    msgs[l].source = [seed] { return static_cast<uint32_t>(splitmix64(*seed)); };
  }
  const int64_t steps = (x.count + lanes - 1) / lanes;
  const Likelihood lik = model->config.likelihood;
  const int64_t p = likelihood_params(lik);
  std::vector<uint32_t> z(lanes * k);  // bucket indices
  std::vector<float> zv(lanes * k);    // the values the decoder sees
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t b = lanes_at(t, lanes, x.count);
    const auto xb = to_tensor(x, t * lanes, b).to(device);
    const Posteriors q = posteriors(model, xb);
    // Pop z ~ q(z|x) dimension by dimension: the buckets of dimension j depend on z_<j.
    Conditionals cond{model, b, k};
    std::fill(zv.begin(), zv.end(), 0.0f);
    for (int64_t j = 0; j < k; ++j) {
      cond.at(zv, j);
      for (int64_t l = 0; l < b; ++l) {
        double bits = 0;
        z[l * k + j] = cond.posterior(buckets, q, l, j, cfg.posterior_prec).pop(msgs[l], &bits);
        zv[l * k + j] = cond.value(buckets, l, z[l * k + j]);
        st.bits_back += bits;
      }
    }
    if (model->autoregressive()) {
      // Params of pixel j given the true x_<j, pushed last pixel first so decoding runs in raster order.
      std::vector<double> params(static_cast<size_t>(d * b * p));
      const auto zt = torch::from_blob(zv.data(), {b, k}, torch::kFloat32).to(device);
      model->pixelcnn->autoregress(zt, [&](int64_t j, const double* pj, uint8_t* values) {
        std::copy(pj, pj + b * p, params.begin() + j * b * p);
        for (int64_t l = 0; l < b; ++l) values[l] = x.image(t * lanes + l)[j];
      });
      for (int64_t l = 0; l < b; ++l) {
        const uint8_t* img = x.image(t * lanes + l);
        for (int64_t j = d - 1; j >= 0; --j)
          st.x_bits += push_pixel(lik, &params[(j * b + l) * p], cfg.obs_prec, msgs[l], img[j]);
      }
    } else {
      const auto params = factorized_params(model, std::vector<float>(zv.begin(), zv.begin() + b * k), b);
      const PixelCodec px{lik, params, d, cfg.obs_prec};
      for (int64_t l = 0; l < b; ++l) {
        const uint8_t* img = x.image(t * lanes + l);
        for (int64_t j = 0; j < d; ++j) st.x_bits += px.push(msgs[l], l, j, img[j]);
      }
    }
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = k - 1; j >= 0; --j) {
        prior.push(msgs[l], z[l * k + j]);
        st.z_prior_bits += cfg.latent_bits;
      }
    if (on_step) on_step(t * lanes + b);
  }
  for (auto& m : msgs) {
    st.initial_bits += 64 + 32 * m.words_drawn;
    m.source = nullptr;
  }
  if (stats) *stats = st;
  return msgs;
}

Images bits_back_decode(VAE& model, std::vector<rans::Message> msgs, int64_t count, const BitsBackConfig& cfg,
                        const StepCallback& on_step) {
  torch::NoGradGuard no_grad;
  SingleThreaded single;
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  const codec::LatentBuckets buckets(cfg.latent_bits);
  const codec::Uniform prior{cfg.latent_bits};
  const auto& mc = model->config;
  const int64_t k = mc.latent_dim, d = mc.dims();
  const int64_t lanes = static_cast<int64_t>(msgs.size());
  const auto device = model->parameters().front().device();
  Images out;
  out.count = count;
  out.height = mc.height;
  out.width = mc.width;
  out.binary = mc.likelihood == Likelihood::Bernoulli;
  out.pixels.resize(static_cast<size_t>(count * d));
  const int64_t steps = (count + lanes - 1) / lanes;
  const int64_t p = likelihood_params(mc.likelihood);
  std::vector<uint32_t> z(lanes * k);
  std::vector<float> zv(lanes * k);
  int64_t done = 0;
  for (int64_t t = steps - 1; t >= 0; --t) {
    const int64_t b = lanes_at(t, lanes, count);
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = 0; j < k; ++j) z[l * k + j] = prior.pop(msgs[l]);
    Conditionals cond{model, b, k};
    std::fill(zv.begin(), zv.end(), 0.0f);
    for (int64_t j = 0; j < k; ++j) {
      cond.at(zv, j);
      for (int64_t l = 0; l < b; ++l) zv[l * k + j] = cond.value(buckets, l, z[l * k + j]);
    }
    if (model->autoregressive()) {
      const auto zt = torch::from_blob(zv.data(), {b, k}, torch::kFloat32).to(device);
      model->pixelcnn->autoregress(zt, [&](int64_t j, const double* pj, uint8_t* values) {
        for (int64_t l = 0; l < b; ++l) {
          values[l] = static_cast<uint8_t>(pop_pixel(mc.likelihood, pj + l * p, cfg.obs_prec, msgs[l]));
          out.image(t * lanes + l)[j] = values[l];
        }
      });
    } else {
      const auto params = factorized_params(model, std::vector<float>(zv.begin(), zv.begin() + b * k), b);
      const PixelCodec px{mc.likelihood, params, d, cfg.obs_prec};
      for (int64_t l = 0; l < b; ++l) {
        uint8_t* img = out.image(t * lanes + l);
        for (int64_t j = d - 1; j >= 0; --j) img[j] = static_cast<uint8_t>(px.pop(msgs[l], l, j));
      }
    }
    const auto xb = to_tensor(out, t * lanes, b).to(device);
    const Posteriors q = posteriors(model, xb);
    // Push z back under q(z|x), last dimension first; dimension j's buckets from z_<j only.
    for (int64_t j = k - 1; j >= 0; --j) {
      cond.at(zv, j);
      for (int64_t l = 0; l < b; ++l) cond.posterior(buckets, q, l, j, cfg.posterior_prec).push(msgs[l], z[l * k + j]);
    }
    done += b;
    if (on_step) on_step(done);
  }
  return out;
}

}  // namespace vlae
