// The adaptive expert's tuning (experiments/expert_tune.sh): the ideal bits/dim (from the coder's
// quantized frequencies) of a data set under the expert alone, the network alone (decoder params at
// the posterior mean, teacher-forced) and their mixture, for each setting of ExpertConstants.
// Usage: expert_tune RUN|- DATA SPLIT LIMIT [SETTING ...]   (LIMIT images spread evenly over the split)
//   SETTING: "name=value,name=value" ("": Adaptive1's constants; "rule=N,...": rule N's)
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "coding/adaptive_expert.h"
#include "coding/lane_steps.h"
#include "coding/pixel_codecs.h"
#include "data/dataset.h"
#include "data/tensor.h"
#include "train/run.h"

using namespace vlae;

namespace {
// Settings beside the rule's constants (reset by every setting):
double carry = 0;  // 1: each image starts from the memory its lane's image before left (rules 2 to 4)
double lanes = 5;  // with carry: images visited lane by lane (l, l + lanes, ...), a fresh expert per lane
double contig = 0; // 1: lanes of consecutive images instead (coding/lane_steps.h; rule 4)
// geo_lr >= 0: also the ideal bits of a geometric mixture p ∝ p_network^a p_expert^b (normalized over
// the levels), a and b from geo_a and geo_b learnt online per image at rate geo_lr (a prototype; not a
// rule files use).
double geo_a = 0.5, geo_b = 0.7, geo_lr = -1;
// blend > 0: the expert's logistic centred instead at a blend of its prediction and the network's
// mean, weighted 1 / (blend_eps + recent error)^2 each (the network's times blend); a prototype.
double blend = 0, blend_eps = 1;
// warm > 0: every lane starts from the memory the expert leaves after `warm` of photos32's training
// patches (spread evenly, one lane) instead of an empty one; warm_p 1 resets the least-squares P in
// it, 2 its coefficients too, 3 also the mean offsets and slope (a prototype; not a rule files use).
double warm = 0, warm_p = 0;

// "name=value,name=value" over a rule's constants: Adaptive1's, or rule N's when it starts with
// rule=N (rules 2 and 3 carry the memory too).
codec::ExpertConstants parse_setting(const std::string& setting) {
  double rule = setting.rfind("rule=", 0) == 0 ? std::atof(setting.c_str() + 5) : 1;
  if (rule < 1 || rule > codec::kLastExpertMixing) {
    std::fprintf(stderr, "expert_tune: no rule %g\n", rule);
    std::exit(2);
  }
  const auto mixing = static_cast<codec::ExpertMixing>(static_cast<int>(rule));
  codec::ExpertConstants k = codec::expert_constants(mixing);
  carry = codec::expert_carries(mixing) ? 1 : 0;
  contig = codec::expert_lanes_consecutive(mixing) ? 1 : 0;
  lanes = 5;
  geo_a = 0.5, geo_b = 0.7, geo_lr = -1;
  blend = 0, blend_eps = 1;
  warm = 0, warm_p = 0;
  const std::pair<const char*, double*> names[] = {
      {"eps", &k.eps}, {"scale_a", &k.scale_a}, {"scale_b", &k.scale_b}, {"colour_err", &k.colour_err},
      {"first_scale", &k.first_scale}, {"ratio_prior", &k.ratio_prior}, {"share_bias", &k.share_bias},
      {"share_local", &k.share_local}, {"share_image", &k.share_image}, {"share_decayed", &k.share_decayed},
      {"decay", &k.decay}, {"saved_clip", &k.saved_clip}, {"min_share", &k.min_share}, {"max_share", &k.max_share},
      {"tail", &k.tail}, {"tail_ratio", &k.tail_ratio}, {"scale_lr", &k.scale_lr}, {"mean_lr", &k.mean_lr},
      {"colour_sign", &k.colour_sign}, {"slope_lr", &k.slope_lr}, {"carry_decay", &k.carry_decay},
      {"ls", &k.ls}, {"ls_lambda", &k.ls_lambda}, {"ls_delta", &k.ls_delta}, {"rule", &rule}, {"carry", &carry}, {"lanes", &lanes},
      {"geo_a", &geo_a}, {"geo_b", &geo_b}, {"geo_lr", &geo_lr}, {"blend", &blend}, {"blend_eps", &blend_eps}, {"warm", &warm}, {"warm_p", &warm_p}, {"contig", &contig}};
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
    double bits_mix = 0, bits_net = 0, bits_exp = 0, bits_geo = 0;
    std::vector<double> bits_exp_colour(static_cast<size_t>(x.channels), 0.0);  // the expert's, per colour
    std::vector<double> mass_n(256), mass_e(256), ln_n(256), ln_e(256), pg(256);
    // Each level's mass under a distribution with cdf(k), into out (the prototypes' inputs).
    auto masses = [](const auto& dist, std::vector<double>& out) {
      double lo = 0;
      for (int k = 0; k < 256; ++k) {
        const double hi = dist.cdf(k + 1);
        out[static_cast<size_t>(k)] = hi - lo;
        lo = hi;
      }
      return 0;
    };
    std::vector<double> pp(static_cast<size_t>(std::max<int64_t>(P, 1)));
    codec::ExpertMemory warm_memory;
    if (warm > 0) {
      DataSpec ws;
      ws.data = "photos32";
      ws.split = "train";
      const Images wall = load_images(ws);
      const int64_t wn = std::min<int64_t>(static_cast<int64_t>(warm), wall.count);
      codec::AdaptiveExpert w(wall.channels, wall.height, wall.width, k);
      for (int64_t j = 0; j < wn; ++j) {
        const codec::ExpertMemory m = w.memory();
        w = codec::AdaptiveExpert(wall.channels, wall.height, wall.width, k, j > 0 ? &m : nullptr);
        const uint8_t* im = wall.image(j * wall.count / wn);
        for (int64_t s = 0; s < wall.dims(); ++s) {
          const int64_t pos = s / wall.channels, ch = s % wall.channels;
          const uint8_t v = im[ch * wall.plane() + pos];
          const codec::ExpertLogistics d(w.predict(s), prec);
          w.update(s, v, 0.5, d.mass(v));
        }
      }
      warm_memory = w.memory();
      if (warm_p > 0) {  // P back to its start: the fit's coefficients kept, its confidence not
        const size_t nf = static_cast<size_t>(std::lround(std::sqrt(warm_memory.ls_p.size() / wall.channels)));
        std::fill(warm_memory.ls_p.begin(), warm_memory.ls_p.end(), 0.0);
        for (size_t q = 0; q < warm_memory.ls_p.size() / (nf * nf); ++q)
          for (size_t i = 0; i < nf; ++i) warm_memory.ls_p[(q * nf + i) * nf + i] = k.ls_delta;
      }
      if (warm_p > 1) std::fill(warm_memory.ls_theta.begin(), warm_memory.ls_theta.end(), 0.0);
      if (warm_p > 2) std::fill(warm_memory.mean_adj.begin(), warm_memory.mean_adj.end(), 0.0), std::fill(warm_memory.slope.begin(), warm_memory.slope.end(), 0.0);
    }
    codec::AdaptiveExpert e(x.channels, x.height, x.width, k, warm > 0 ? &warm_memory : nullptr);
    const int64_t L = std::max<int64_t>(1, static_cast<int64_t>(lanes));
    const int64_t per = (x.count + L - 1) / L;  // visit order: lane by lane
    for (int64_t n = 0; n < (carry > 0 ? L * per : x.count); ++n) {
      int64_t i = n;
      if (carry > 0) {
        const int64_t lane = n / per, t = n % per;
        const int64_t slot = lane + t * L;
        if (slot >= x.count) continue;
        i = contig > 0 ? consecutive_image(slot, L, x.count) : slot;
        const codec::ExpertMemory m = e.memory();
        e = codec::AdaptiveExpert(x.channels, x.height, x.width, k, t > 0 ? &m : warm > 0 ? &warm_memory : nullptr);
      } else if (n > 0) {
        e = codec::AdaptiveExpert(x.channels, x.height, x.width, k);
      }
      const uint8_t* im = x.image(i);
      double ga = geo_a, gb = geo_b;
      std::vector<double> err_e(static_cast<size_t>(x.dims()), 0.0), err_n(static_cast<size_t>(x.dims()), 0.0);
      for (int64_t s = 0; s < x.dims(); ++s) {
        const int64_t pos = s / x.channels, ch = s % x.channels;
        const int64_t sub = ch * x.plane() + pos;
        const uint8_t v = im[sub];
        auto p = e.predict(s);
        const codec::ExpertLogistics d(p, prec);
        double em = d.mass(v);
        bits_exp += codec::cost_bits(d(v + 1) - d(v), prec);
        bits_exp_colour[static_cast<size_t>(ch)] += codec::cost_bits(d(v + 1) - d(v), prec);
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
          if (geo_lr >= 0 || blend > 0) c.with_network([&](const auto& n) { return masses(n, mass_n); });
          if (geo_lr >= 0) {
            masses(d, mass_e);
            for (int k = 0; k < 256; ++k) {
              ln_n[k] = std::log(std::max(mass_n[k], 1e-12));
              ln_e[k] = std::log(std::max(mass_e[k], 1e-12));
            }
            double top = -1e300, z = 0;
            for (int k = 0; k < 256; ++k) top = std::max(top, pg[k] = ga * ln_n[k] + gb * ln_e[k]);
            for (int k = 0; k < 256; ++k) z += pg[k] = std::exp(pg[k] - top);
            double en = 0, ee = 0;
            for (int k = 0; k < 256; ++k) pg[k] /= z, en += pg[k] * ln_n[k], ee += pg[k] * ln_e[k];
            bits_geo -= std::log2(std::max(pg[v], 1e-9));
            ga += geo_lr * (ln_n[v] - en);
            gb += geo_lr * (ln_e[v] - ee);
          }
          codec::ExpertPrediction p2 = p;
          if (blend > 0) {
            double mean_n = 0;
            for (int k = 0; k < 256; ++k) mean_n += k * mass_n[k];
            const double mean_e = (p.mean + 1.0) * kLevelsPerUnit;
            const int64_t r = pos / x.width, col = pos % x.width;
            auto recent = [&](const std::vector<double>& err) {
              double sum = 0, w = 0;
              auto add = [&](int64_t rr, int64_t cc, double wt) {
                if (rr < 0 || cc < 0 || cc >= x.width) return;
                sum += wt * err[static_cast<size_t>((rr * x.width + cc) * x.channels + ch)], w += wt;
              };
              add(r - 1, col, 1), add(r, col - 1, 1), add(r - 1, col - 1, 0.5), add(r - 1, col + 1, 0.5);
              return w > 0 ? sum / w : 0.0;
            };
            const double we = 1.0 / std::pow(blend_eps + recent(err_e), 2);
            const double wn = blend / std::pow(blend_eps + recent(err_n), 2);
            p2.mean = (we * mean_e + wn * mean_n) / (we + wn) / kLevelsPerUnit - 1.0;
            err_e[static_cast<size_t>(s)] = std::abs(v - mean_e);
            err_n[static_cast<size_t>(s)] = std::abs(v - mean_n);
            em = codec::ExpertLogistics(p2, prec).mass(v);
          }
          c.expert = &p2;
          c.with_codec([&](const auto& m) {
            bits_mix += codec::cost_bits(m(v + 1) - m(v), prec);
            return 0;
          });
        }
        e.update(s, v, nm, em);
      }
    }
    const double dims = static_cast<double>(x.count * x.dims());
    std::printf("%-40s expert %.4f network %.4f mixed %.4f geo %.4f   expert per colour", setting.c_str(), bits_exp / dims,
                bits_net / dims, bits_mix / dims, bits_geo / dims);
    for (double b : bits_exp_colour) std::printf(" %.4f", b * x.channels / dims);
    std::printf("\n");
    std::fflush(stdout);
  };
  if (argc <= 5) evaluate("");
  for (int a = 5; a < argc; ++a) evaluate(argv[a]);
  return 0;
}
