// Bits-back with K coupled importance samples (BB-IS; Ruan et al. 2021, "Improving Lossless
// Compression Rates via Monte Carlo Bits-Back Coding"), as a composition of push/pop pairs.
//
// The extended latent space. Per latent dimension d, one slot s_d uniform over the posterior
// precision's 2^P slots is shared by all K samples: sample k takes the bucket of q(z_d | x, z_<d)
// whose interval holds the slot (s_d + shift(k, d)) mod 2^P, so each sample is distributed as q
// (its slot is uniform) while one pop of s serves all K. With the weights w_k = p(x, z_k) / q(z_k|x):
//   push(m, x):  s <- pop(m)                     P bits per dimension taken back
//                j <- pop(m) ~ w_j / sum w        the sample to send, bits taken back
//                push(m, o)                       o_d: s_d's place within z_j's interval (near-uniform)
//                push(m, x) under p(x | z_j);  push(m, z_j) under p(z);  push(m, j) uniform over K
//   pop(m):      the same, inverted and in reverse order: j, z_j, x, then o gives s, s gives every
//                z_k and their weights, and pushing j and s gives back what the encoder took.
// Net cost: log K - log2 p(x|z_j) - log2 p(z_j) + log2 q(z_j|x) + log2(w_j / sum w)
//         = -log2((1/K) sum_k w_k), the importance-weighted bound (IWAE) of the same K samples, up to
// the rounding of the choice's frequencies and of o's near-uniform code. The encoder's first pops
// need about P bits per latent dimension on the message (768 for 32 latents at P = 24).
// The encoder weighs the K samples by their pushes of x, recorded (coding/tape.h), and replays the
// chosen one's: each sample's decoder runs once.
#include <cmath>

#include "coding/combinators.h"
#include "coding/lane_steps.h"
#include "coding/vae_codecs.h"
#include "coding/vae_codecs_state.h"
#include "util/det_math.h"

namespace vlae {

namespace {

using codec::Coded;
using codec::Lanes;
using codec::LaneSymbols;

constexpr unsigned kChoicePrec = 16;  // the chosen sample's frequencies: 2^16 over K <= 256 samples
constexpr double kLn2 = 0.6931471805599453;  // the double nearest ln 2, the same on every machine

unsigned log2_exact(uint32_t k) {
  unsigned b = 0;
  while ((1u << b) < k) ++b;
  return b;
}

// Sample k's slot shift in dimension d: ((k g_d) mod K) 2^P / K with g_d odd, so the K samples of a
// dimension sit on K slots 2^P / K apart, in an order that differs between dimensions (a rank-1
// lattice, so that the samples do not all move together along the diagonal).
uint32_t shift(uint32_t k, int64_t d, uint32_t samples, unsigned prec) {
  const uint64_t g = 2 * ((static_cast<uint64_t>(d) * 0x9E3779B1ull >> 8) % std::max<uint32_t>(1, samples / 2)) + 1;
  return static_cast<uint32_t>((static_cast<uint64_t>(k) * g % samples) << (prec - log2_exact(samples)));
}

// Chains of latents under the posterior, dimension by dimension; chain c reads image c / per's
// posterior, and pick(d, c, buckets) gives its window symbol at dimension d.
struct Chains {
  Latents z;
  std::vector<std::vector<uint32_t>> start, freq;  // [d][c]: the bucket's interval at precision P
  std::vector<double> q_bits;                      // [c]: -log2 q(z_c | x), as coded
};

template <class State, class Pick>
Chains posterior_chains(const State& s, const std::vector<double>& mean, const std::vector<double>& std, int64_t chains,
                        int64_t per, Pick pick) {
  Chains c;
  const auto k = static_cast<size_t>(s.k), n = static_cast<size_t>(chains);
  c.z.bucket.assign(k, LaneSymbols(n));
  c.start.assign(k, std::vector<uint32_t>(n));
  c.freq.assign(k, std::vector<uint32_t>(n));
  c.q_bits.assign(n, 0.0);
  s.scan_latents(chains, c.z.value, [&](int64_t j) -> const LaneSymbols& {
    for (int64_t v = 0; v < chains; ++v) {
      const int64_t l = v / per;
      const double cm = s.cond.mean[v], cs = s.cond.std[v];
      const codec::GaussianBuckets q(&s.buckets, (mean[l * s.k + j] - cm) / cs, std[l * s.k + j] / cs,
                                     s.cfg.posterior_prec);
      const uint32_t i = pick(j, v, q), lo = q(i), hi = q(i + 1);
      c.z.bucket[j][v] = q.lo + i;
      c.start[j][v] = lo;
      c.freq[j][v] = hi - lo;
      c.q_bits[v] += codec::cost_bits(hi - lo, s.cfg.posterior_prec);
    }
    return c.z.bucket[j];
  });
  return c;
}

// The K coupled samples of each image from its slots [d][lane]: chain l K + k is lane l's sample k.
template <class State>
Chains coupled_samples(const State& s, const VAECodecs::Posterior& q, const std::vector<LaneSymbols>& slots, int64_t lanes,
                       uint32_t samples) {
  const uint32_t mask = (1u << s.cfg.posterior_prec) - 1;
  return posterior_chains(s, q.mean, q.std, lanes * samples, samples, [&](int64_t d, int64_t c, const codec::GaussianBuckets& b) {
    const uint32_t slot = (slots[d][c / samples] + shift(static_cast<uint32_t>(c % samples), d, samples, s.cfg.posterior_prec)) & mask;
    return codec::symbol_at(b, b.n, slot);
  });
}

// Each chain's pushes of its image (chain c codes image c / samples) under p(x | z_c), recorded; kept
// to replay only if they fit in keep_bytes (0: costs alone).
std::vector<codec::Tape> chain_tapes(const VAECodecs& v, const Chains& c, const Images& x, uint32_t samples,
                                     int64_t keep_bytes) {
  const int64_t chains = x.count * samples;
  std::vector<int64_t> image_of(static_cast<size_t>(chains));  // chain -> its image
  for (size_t ch = 0; ch < image_of.size(); ++ch) image_of[ch] = static_cast<int64_t>(ch / samples);
  const bool keep = chains * x.dims() * 2 * static_cast<int64_t>(sizeof(uint32_t)) <= keep_bytes;
  return v.likelihood_tapes(c.z, pick(x, image_of), keep, &image_of);
}

// Which sample each lane sends: probability w_k / sum w at kChoicePrec bits, each at least 1.
codec::PerLane<codec::Categorical> choice(const Chains& c, const std::vector<codec::Tape>& x_tapes, int64_t lanes,
                                          uint32_t samples) {
  codec::PerLane<codec::Categorical> out;
  const uint32_t total = 1u << kChoicePrec;
  for (int64_t l = 0; l < lanes; ++l) {
    // log2 w_k up to the prior's cost, which equal-mass buckets make the same for every sample.
    std::vector<double> log2w(samples), w(samples);
    for (uint32_t k = 0; k < samples; ++k) log2w[k] = c.q_bits[l * samples + k] - x_tapes[l * samples + k].bits;
    double top = log2w[0], sum = 0;
    for (double a : log2w) top = std::max(top, a);
    uint32_t best = 0;
    for (uint32_t k = 0; k < samples; ++k) {
      w[k] = det::exp((log2w[k] - top) * kLn2);
      sum += w[k];
      if (w[k] > w[best]) best = k;
    }
    std::vector<uint32_t> freq(samples);
    uint32_t used = 0;
    for (uint32_t k = 0; k < samples; ++k) used += freq[k] = 1 + static_cast<uint32_t>(std::floor(w[k] / sum * (total - samples)));
    freq[best] += total - used;
    out.codecs.push_back(codec::Categorical::from_frequencies(freq, kChoicePrec));
  }
  return out;
}

codec::Sequence<codec::Repeat<codec::Uniform>> uniform_slots(unsigned prec, int64_t k) {
  return {std::vector<codec::Repeat<codec::Uniform>>(static_cast<size_t>(k), {codec::Uniform{prec}})};
}

// o_d of each lane, near-uniform over its bucket's freq[d][c] slots (c = the lane's chain).
codec::Sequence<codec::PerLane<codec::NearUniform>> offsets(const Chains& c, const std::vector<int64_t>& chain_of) {
  codec::Sequence<codec::PerLane<codec::NearUniform>> out;
  for (const auto& freq : c.freq) {
    codec::PerLane<codec::NearUniform> e;
    for (int64_t ch : chain_of) e.codecs.push_back({freq[ch]});
    out.elements.push_back(std::move(e));
  }
  return out;
}

}  // namespace

double VAECodecs::Importance::push(Lanes m, const Images& x) const {
  const auto& s = *v.s_;
  const int64_t lanes = m.count;
  const unsigned prec = s.cfg.posterior_prec;
  const uint32_t mask = (1u << prec) - 1;
  const auto q = v.posterior(x);
  const auto slots = uniform_slots(prec, s.k).pop(m);
  const Chains c = coupled_samples(s, q, slots.symbol, lanes, samples);
  const auto x_tapes = chain_tapes(v, c, x, samples, tape_bytes);
  const auto j = choice(c, x_tapes, lanes, samples).pop(m);
  // The chosen sample of each lane: its chain, latents and slot offsets within its buckets.
  std::vector<int64_t> chain_of(static_cast<size_t>(lanes));
  Latents zj;
  zj.bucket.assign(static_cast<size_t>(s.k), LaneSymbols(static_cast<size_t>(lanes)));
  std::vector<LaneSymbols> o(static_cast<size_t>(s.k), LaneSymbols(static_cast<size_t>(lanes)));
  for (int64_t l = 0; l < lanes; ++l) {
    const int64_t ch = chain_of[l] = l * samples + j.symbol[l];
    zj.value.insert(zj.value.end(), c.z.value.begin() + ch * s.k, c.z.value.begin() + (ch + 1) * s.k);
    for (int64_t d = 0; d < s.k; ++d) {
      zj.bucket[d][l] = c.z.bucket[d][ch];
      o[d][l] = ((slots.symbol[d][l] + shift(j.symbol[l], d, samples, prec)) & mask) - c.start[d][ch];
    }
  }
  const double o_bits = offsets(c, chain_of).push(m, o);
  // x under p(x | z_j): the chosen chains' recorded pushes, the same as v.likelihood(zj).push(m, x).
  double x_bits = 0;
  if (x_tapes[0].keep) {
    for (int64_t l = 0; l < lanes; ++l) {
      x_tapes[chain_of[l]].replay(m[l]);
      x_bits += x_tapes[chain_of[l]].bits;
    }
  } else {
    x_bits = v.likelihood(zj).push(m, x);
  }
  const double z_bits = v.prior().push(m, zj);
  const double j_bits = codec::Repeat<codec::Uniform>{{log2_exact(samples)}}.push(m, j.symbol);
  const double back = slots.bits + j.bits - o_bits - j_bits;
  if (stats) {
    stats->x_bits += x_bits;
    stats->z_prior_bits += z_bits;
    stats->bits_back += back;
  }
  return x_bits + z_bits - back;
}

Coded<Images> VAECodecs::Importance::pop(Lanes m) const {
  const auto& s = *v.s_;
  const int64_t lanes = m.count;
  const unsigned prec = s.cfg.posterior_prec;
  const uint32_t mask = (1u << prec) - 1;
  const auto j = codec::Repeat<codec::Uniform>{{log2_exact(samples)}}.pop(m);
  const auto zj = v.prior().pop(m);
  auto x = v.likelihood(zj.symbol).pop(m);
  const auto q = v.posterior(x.symbol);
  // z_j's buckets under the posterior give the intervals its slots fell in.
  const Chains cj = posterior_chains(s, q.mean, q.std, lanes, 1, [&](int64_t d, int64_t l, const codec::GaussianBuckets& b) {
    const uint32_t bucket = zj.symbol.bucket[d][l];
    if (bucket < b.lo || bucket >= b.lo + b.n) throw rans::DecodeError("latent outside its posterior (corrupt stream)");
    return bucket - b.lo;
  });
  std::vector<int64_t> own(static_cast<size_t>(lanes));
  for (int64_t l = 0; l < lanes; ++l) own[l] = l;
  const auto o = offsets(cj, own).pop(m);
  std::vector<LaneSymbols> slots(static_cast<size_t>(s.k), LaneSymbols(static_cast<size_t>(lanes)));
  for (int64_t d = 0; d < s.k; ++d)
    for (int64_t l = 0; l < lanes; ++l)
      slots[d][l] = (cj.start[d][l] + o.symbol[d][l] - shift(j.symbol[l], d, samples, prec)) & mask;
  const Chains c = coupled_samples(s, q, slots, lanes, samples);
  const double j_bits = choice(c, chain_tapes(v, c, x.symbol, samples, 0), lanes, samples).push(m, j.symbol);
  const double slot_bits = uniform_slots(prec, s.k).push(m, slots);
  x.bits += zj.bits + o.bits + j.bits - slot_bits - j_bits;
  return x;
}

}  // namespace vlae
