#include "eval/evaluate.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/tensor.h"
#include "model/likelihood.h"
#include "util/progress.h"

namespace vlae {

namespace {
// IWAE: decoder images (samples x images) evaluated per chunk.
constexpr int64_t kIwaeChunkFactorized = 16384;
constexpr int64_t kIwaeChunkPixelCNNGpu = 4096;
constexpr int64_t kIwaeChunkPixelCNNCpu = 256;
}  // namespace

torch::Tensor log_mean_exp(const torch::Tensor& log_w) {
  return torch::logsumexp(log_w, 0) - std::log(static_cast<double>(log_w.size(0)));
}

int64_t active_units(const torch::Tensor& means, double threshold) {
  if (means.size(0) < 2) return 0;
  return (means.var(0, /*unbiased=*/true) > threshold).sum().item<int64_t>();
}

double mutual_information(const DiagGaussian& q) {
  const int64_t n = q.mean.size(0);
  const auto z = q.sample();  // [N, K]
  const auto log_q_own = q.log_prob(z);  // [N]
  // log q_agg(z_n) = logsumexp_m log q(z_n|x_m) - log N, in chunks of rows to bound memory.
  const int64_t chunk = std::max<int64_t>(1, (1 << 22) / std::max<int64_t>(1, n * q.mean.size(1)));
  std::vector<torch::Tensor> parts;
  const auto inv_std = torch::exp(-0.5 * q.log_var);       // [M, K]
  const auto log_norm = (-0.5 * (q.log_var + 1.8378770664093453)).sum(1);  // [M]
  for (int64_t s = 0; s < n; s += chunk) {
    const auto zc = z.slice(0, s, std::min(n, s + chunk)).unsqueeze(1);  // [c, 1, K]
    const auto d = (zc - q.mean.unsqueeze(0)) * inv_std.unsqueeze(0);   // [c, M, K]
    const auto lp = -0.5 * (d * d).sum(2) + log_norm.unsqueeze(0);      // [c, M]
    parts.push_back(torch::logsumexp(lp, 1) - std::log(static_cast<double>(n)));
  }
  const auto log_q_agg = torch::cat(parts);
  return (log_q_own - log_q_agg).mean().item<double>();
}

EvalResult evaluate(VAE& model, const Images& x, const EvalOptions& opt) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(opt.seed);
  if (model->is_training()) model->eval();  // no write when already in eval mode: models may be shared by threads
  const auto device = model->parameters().front().device();
  EvalResult r;
  r.images = x.count;
  r.dims = x.dims();
  r.iwae_samples = opt.iwae_samples;
  // MSE/PSNR of "the decoder mean" exist only for a factorized decoder; a PixelCNN's reconstruction
  // is a sequential sample.
  r.pixel_metrics = !x.binary && !model->autoregressive();
  const int64_t k = model->latent_elements();
  auto kl_sum = torch::zeros({model->rate_elements()}, torch::kFloat64);
  std::vector<torch::Tensor> means, log_vars, rates;
  double sq_err = 0, iwae_sum = 0;
  const bool split = opt.world > 1;
  // Split over ranks: each fills its batches' rows of whole-set tensors, summed over ranks at the end.
  torch::Tensor all_mean, all_log_var, all_rate;
  if (split) {
    all_mean = torch::zeros({x.count, k});
    all_log_var = torch::zeros({x.count, k});
    all_rate = torch::zeros({x.count}, torch::kFloat64);
  }
  Progress bar("eval", x.count);
  for (int64_t s = 0, batch_index = 0; s < x.count; s += opt.batch, ++batch_index) {
    const int64_t b = std::min(opt.batch, x.count - s);
    if (split) {
      if (batch_index % opt.world != opt.rank) continue;
      torch::manual_seed(opt.seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(batch_index + 1));
    }
    const auto xb = to_tensor(x, s, b).to(device);
    const auto t = model->terms(xb);
    r.distortion += t.distortion.sum().item<double>() / opt.elbo_samples;
    r.rate += t.rate.sum().item<double>() / opt.elbo_samples;
    for (int64_t e = 1; e < opt.elbo_samples; ++e) {
      const auto extra = model->terms(xb);
      r.distortion += extra.distortion.sum().item<double>() / opt.elbo_samples;
      r.rate += extra.rate.sum().item<double>() / opt.elbo_samples;
    }
    kl_sum += t.kl_per_dim.sum(0).to(torch::kCPU, torch::kFloat64);
    if (split) {
      all_rate.slice(0, s, s + b).copy_(t.rate.to(torch::kCPU, torch::kFloat64));
      all_mean.slice(0, s, s + b).copy_(t.posterior.mean.cpu());
      all_log_var.slice(0, s, s + b).copy_(t.posterior.log_var.cpu());
    } else {
      rates.push_back(t.rate.to(torch::kCPU, torch::kFloat64));
      means.push_back(t.posterior.mean.cpu());
      log_vars.push_back(t.posterior.log_var.cpu());
    }
    if (r.pixel_metrics) {
      const auto recon = likelihood_mean(model->config.likelihood, model->decode(t.posterior.mean, xb));
      sq_err += (recon - xb).pow(2).sum().item<double>();
    }
    if (opt.iwae_samples > 0) {
      // Stream the K samples in chunks so memory stays bounded; combine with log-sum-exp. A
      // PixelCNN holds several [images, channels, H, W] maps per layer, so its chunks are small;
      // the CPU chunk is the fastest per image in bench_iwae (docs/RESULTS.md, "Scoring a PixelCNN").
      const int64_t per_chunk = !model->autoregressive() ? kIwaeChunkFactorized
                                : device.is_cuda()        ? kIwaeChunkPixelCNNGpu
                                                          : kIwaeChunkPixelCNNCpu;
      const int64_t chunk = std::max<int64_t>(1, per_chunk / b);
      torch::Tensor lse;
      for (int64_t done = 0; done < opt.iwae_samples; done += chunk) {
        const int64_t c = std::min(chunk, opt.iwae_samples - done);
        const auto part = torch::logsumexp(model->log_importance_weights(xb, t.posterior, c), 0);
        lse = lse.defined() ? torch::logaddexp(lse, part) : part;
      }
      iwae_sum += -(lse - std::log(static_cast<double>(opt.iwae_samples))).sum().item<double>();
    }
    if (opt.progress) bar.update(s + b);
  }
  if (opt.progress) bar.finish();
  if (split) {
    auto sums = torch::tensor({r.distortion, r.rate, sq_err, iwae_sum}, torch::kFloat64);
    opt.allreduce_sum({sums, kl_sum, all_mean, all_log_var, all_rate});
    r.distortion = sums[0].item<double>();
    r.rate = sums[1].item<double>();
    sq_err = sums[2].item<double>();
    iwae_sum = sums[3].item<double>();
    means = {all_mean};
    log_vars = {all_log_var};
    rates = {all_rate};
  }
  const double n = static_cast<double>(x.count);
  r.distortion /= n;
  r.rate /= n;
  r.elbo = -(r.distortion + r.rate);
  r.neg_elbo_bits_per_dim = -r.elbo / (r.dims * std::log(2.0));
  r.iwae_nll = opt.iwae_samples > 0 ? iwae_sum / n : 0.0;
  kl_sum /= n;
  r.kl_per_dim.assign(kl_sum.data_ptr<double>(), kl_sum.data_ptr<double>() + kl_sum.numel());
  DiagGaussian all{torch::cat(means), torch::cat(log_vars)};
  r.active_units = active_units(all.mean);
  const int64_t m = std::min<int64_t>(opt.mi_images, x.count);
  DiagGaussian sub{all.mean.slice(0, 0, m), all.log_var.slice(0, 0, m)};
  if (m >= 2) {
    r.mutual_info = mutual_information(sub);
    r.mi_upper_bound = std::log(static_cast<double>(m));
    // Mean KL over the same images (analytic, or one-sample MC under a flow prior).
    const double mean_kl_sub = torch::cat(rates).slice(0, 0, m).mean().item<double>();
    r.marginal_kl = mean_kl_sub - r.mutual_info;
  }
  if (r.pixel_metrics) {
    r.mse = sq_err / (n * r.dims);
    r.psnr_db = 10.0 * std::log10(255.0 * 255.0 / std::max(r.mse, 1e-12));
  }
  return r;
}

nlohmann::json to_json(const EvalResult& r) {
  nlohmann::json j = {{"images", r.images},
                      {"dims", r.dims},
                      {"elbo_nats", r.elbo},
                      {"rate_nats", r.rate},
                      {"distortion_nats", r.distortion},
                      {"neg_elbo_bits_per_dim", r.neg_elbo_bits_per_dim},
                      {"rate_bits", r.rate / std::log(2.0)},
                      {"distortion_bits", r.distortion / std::log(2.0)},
                      {"kl_per_dim_nats", r.kl_per_dim},
                      {"active_units", r.active_units},
                      {"mutual_info_nats", r.mutual_info},
                      {"mutual_info_upper_bound_nats", r.mi_upper_bound},
                      {"marginal_kl_nats", r.marginal_kl}};
  if (r.iwae_samples > 0) {
    j["iwae_nll_nats"] = r.iwae_nll;
    j["iwae_nll_bits_per_dim"] = r.iwae_nll / (r.dims * std::log(2.0));
    j["iwae_samples"] = r.iwae_samples;
  }
  if (r.pixel_metrics) {
    j["mse"] = r.mse;
    j["psnr_db"] = r.psnr_db;
  }
  return j;
}

}  // namespace vlae
