// The adaptive expert's tuning (experiments/expert_tune.sh): the ideal bits/dim (from the coder's
// quantized frequencies) of a data set under the expert alone, the network alone (decoder params at
// the posterior mean, teacher-forced) and their mixture, for each setting of ExpertConstants.
// Usage: expert_tune RUN|- DATA SPLIT LIMIT [SETTING ...]   (LIMIT images spread evenly over the split)
//   SETTING: "name=value,name=value" ("": defaults)
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "coding/adaptive_expert.h"
#include "coding/pixel_codecs.h"
#include "data/dataset.h"
#include "data/tensor.h"
#include "train/run.h"

using namespace vlae;

namespace {
// "name=value,name=value" over the defaults.
codec::ExpertConstants parse_setting(const std::string& setting) {
  codec::ExpertConstants k;
  const std::pair<const char*, double*> names[] = {
      {"eps", &k.eps}, {"scale_a", &k.scale_a}, {"scale_b", &k.scale_b}, {"colour_err", &k.colour_err},
      {"first_scale", &k.first_scale}, {"ratio_prior", &k.ratio_prior}, {"share_bias", &k.share_bias},
      {"share_local", &k.share_local}, {"share_image", &k.share_image}, {"share_decayed", &k.share_decayed},
      {"decay", &k.decay}, {"saved_clip", &k.saved_clip}, {"min_share", &k.min_share}, {"max_share", &k.max_share}};
  size_t at = 0;
  while (at < setting.size()) {
    size_t comma = setting.find(',', at);
    if (comma == std::string::npos) comma = setting.size();
    const std::string kv = setting.substr(at, comma - at);
    const size_t eq = kv.find('=');
    bool found = false;
    for (const auto& [name, field] : names)
      if (kv.substr(0, eq) == name) *field = std::stod(kv.substr(eq + 1)), found = true;
    if (!found) {
      std::fprintf(stderr, "expert_tune: unknown constant in '%s'\n", kv.c_str());
      std::exit(2);
    }
    at = comma + 1;
  }
  return k;
}
}  // namespace

int tune(int argc, char** argv);

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: expert_tune RUN|- DATA SPLIT LIMIT [SETTING ...]\n");
    return 2;
  }
  try {
    return tune(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expert_tune: %s\n", e.what());
    return 2;
  }
}

int tune(int argc, char** argv) {
  torch::NoGradGuard ng;
  DataSpec spec;
  spec.data = argv[2];
  spec.split = argv[3];
  // LIMIT images spread evenly over the split (a split is ordered by source photograph).
  const Images all = load_images(spec);
  const int64_t limit = std::min<int64_t>(std::max<int64_t>(std::atoll(argv[4]), 1), all.count);
  Images x = all.first(limit);
  for (int64_t i = 0; i < limit; ++i)
    std::copy(all.image(i * all.count / limit), all.image(i * all.count / limit) + all.dims(), x.image(i));
  const std::string rundir = argv[1];
  const bool net = rundir != "-";
  int64_t P = 0;
  std::vector<float> params;  // [N][D][P]
  Likelihood lik = Likelihood::Logistic;
  if (net) {
    LoadedRun run = load_run(rundir);
    lik = run.model->config.likelihood;
    for (int64_t i = 0; i < x.count; i += 64) {
      const int64_t n = std::min<int64_t>(64, x.count - i);
      auto t = to_tensor(x, i, n);
      auto q = run.model->encode(t);
      auto p = run.model->decode(q.mean, t).permute({0, 2, 1}).contiguous();  // [B, D, P]
      P = p.size(2);
      const float* d = p.data_ptr<float>();
      params.insert(params.end(), d, d + p.numel());
    }
  }
  const unsigned prec = 24;
  auto evaluate = [&](const std::string& setting) {
    const codec::ExpertConstants k = parse_setting(setting);
    double bits_mix = 0, bits_net = 0, bits_exp = 0;
    std::vector<double> pp(static_cast<size_t>(std::max<int64_t>(P, 1)));
    for (int64_t i = 0; i < x.count; ++i) {
      codec::AdaptiveExpert e(x.channels, x.height, x.width, k);
      const uint8_t* im = x.image(i);
      for (int64_t s = 0; s < x.dims(); ++s) {
        const int64_t pos = s / x.channels, ch = s % x.channels;
        const int64_t sub = ch * x.plane() + pos;
        const uint8_t v = im[sub];
        auto p = e.predict(s);
        const codec::DiscretizedLogistic d(p.mean, p.log_scale, prec);
        const double em = d.cdf(v + 1) - d.cdf(v);
        bits_exp += codec::cost_bits(d(v + 1) - d(v), prec);
        double nm = 0.5;
        if (net) {
          const float* q = params.data() + (i * x.dims() + sub) * P;
          for (int64_t k = 0; k < P; ++k) pp[k] = q[k];
          codec::PixelCodec c{lik, pp[0], P > 1 ? pp[1] : 0.0, prec, pp.data(), P};
          c.with_network([&](const auto& n) {
            nm = n.cdf(v + 1) - n.cdf(v);
            bits_net += codec::cost_bits(n(v + 1) - n(v), prec);
            return 0;
          });
          c.expert = &p;
          c.with_codec([&](const auto& m) {
            bits_mix += codec::cost_bits(m(v + 1) - m(v), prec);
            return 0;
          });
        }
        e.update(s, v, nm, em);
      }
    }
    const double dims = static_cast<double>(x.count * x.dims());
    std::printf("%-40s expert %.4f network %.4f mixed %.4f\n", setting.c_str(), bits_exp / dims, bits_net / dims,
                bits_mix / dims);
    std::fflush(stdout);
  };
  if (argc <= 5) evaluate("");
  for (int a = 5; a < argc; ++a) evaluate(argv[a]);
  return 0;
}
