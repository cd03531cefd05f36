#include "coding/bits_back.h"

#include <ATen/Parallel.h>

#include "coding/codecs.h"
#include "coding/gaussian.h"
#include "data/tensor.h"

namespace vlae {

namespace {

// Runs network passes on one thread, so results never depend on the caller's thread count.
struct SingleThreaded {
  int saved = at::get_num_threads();
  SingleThreaded() { at::set_num_threads(1); }
  ~SingleThreaded() { at::set_num_threads(saved); }
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

// Decoder parameters at the bucket medians: [B, P, D] as doubles.
std::vector<double> likelihood_params(VAE& model, const codec::LatentBuckets& buckets,
                                      const std::vector<uint32_t>& z, int64_t b) {
  const int64_t k = model->config.latent_dim;
  auto zt = torch::empty({b, k}, torch::kFloat32);
  float* zp = zt.data_ptr<float>();
  for (int64_t i = 0; i < b * k; ++i) zp[i] = buckets.centres[z[i]];
  const auto device = model->parameters().front().device();
  const auto params = model->decoder->forward(zt.to(device)).to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(params.data_ptr<double>(), params.data_ptr<double>() + params.numel());
}

// Pixel j of image b under p(x|z): push or pop through the likelihood's codec.
struct PixelCodec {
  Likelihood lik;
  const std::vector<double>& params;
  int64_t d;
  unsigned prec;
  double push(rans::Message& m, int64_t b, int64_t j, uint32_t v) const {
    if (lik == Likelihood::Bernoulli) return codec::Bernoulli::from_logit(params[b * d + j], prec).push(m, v);
    return codec::DiscretizedLogistic(params[(b * 2) * d + j], params[(b * 2 + 1) * d + j], prec).push(m, v);
  }
  uint32_t pop(rans::Message& m, int64_t b, int64_t j) const {
    if (lik == Likelihood::Bernoulli) return codec::Bernoulli::from_logit(params[b * d + j], prec).pop(m);
    return codec::DiscretizedLogistic(params[(b * 2) * d + j], params[(b * 2 + 1) * d + j], prec).pop(m);
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
  model->eval();
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
  std::vector<uint32_t> z(lanes * k);
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t b = lanes_at(t, lanes, x.count);
    const auto xb = to_tensor(x, t * lanes, b).to(device);
    const Posteriors q = posteriors(model, xb);
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = 0; j < k; ++j) {
        double bits = 0;
        z[l * k + j] = codec::GaussianBuckets(&buckets, q.mean[l * k + j], q.std[l * k + j], cfg.posterior_prec).pop(
            msgs[l], &bits);
        st.bits_back += bits;
      }
    const auto params = likelihood_params(model, buckets, z, b);
    const PixelCodec px{model->config.likelihood, params, d, cfg.obs_prec};
    for (int64_t l = 0; l < b; ++l) {
      const uint8_t* img = x.image(t * lanes + l);
      for (int64_t j = 0; j < d; ++j) st.x_bits += px.push(msgs[l], l, j, img[j]);
      for (int64_t j = k - 1; j >= 0; --j) {
        prior.push(msgs[l], z[l * k + j]);
        st.z_prior_bits += cfg.latent_bits;
      }
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
  model->eval();
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
  std::vector<uint32_t> z(lanes * k);
  int64_t done = 0;
  for (int64_t t = steps - 1; t >= 0; --t) {
    const int64_t b = lanes_at(t, lanes, count);
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = 0; j < k; ++j) z[l * k + j] = prior.pop(msgs[l]);
    const auto params = likelihood_params(model, buckets, z, b);
    const PixelCodec px{mc.likelihood, params, d, cfg.obs_prec};
    for (int64_t l = 0; l < b; ++l) {
      uint8_t* img = out.image(t * lanes + l);
      for (int64_t j = d - 1; j >= 0; --j) img[j] = static_cast<uint8_t>(px.pop(msgs[l], l, j));
    }
    const auto xb = to_tensor(out, t * lanes, b).to(device);
    const Posteriors q = posteriors(model, xb);
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = k - 1; j >= 0; --j)
        codec::GaussianBuckets(&buckets, q.mean[l * k + j], q.std[l * k + j], cfg.posterior_prec).push(msgs[l],
                                                                                                      z[l * k + j]);
    done += b;
    if (on_step) on_step(done);
  }
  return out;
}

}  // namespace vlae
