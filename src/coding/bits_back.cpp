#include "coding/bits_back.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "coding/lane_steps.h"

namespace vlae {

namespace {

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

auto vae_bits_back(const VAECodecs& v, BitsBackStats* stats) {
  return bits_back(
      v.prior(), [&v](const Latents& z) { return v.likelihood(z); }, [&v](const Images& x) { return v.posterior(x); },
      stats);
}

// Lane l's message before its first image. Its words on demand come from a seeded stream: the
// initial bits of a lane that starts with bits-back, and the words any later pop finds missing
// (a lane whose images cost fewer bits than a pop of z takes back). An initial-bits lane also starts
// from a random state in [L, 2^63), so its first pops sample properly.
rans::Message seeded_message(uint64_t seed, int64_t l, bool random_state) {
  rans::Message m;
  auto s = std::make_shared<uint64_t>(seed * 0x100000001b3ull + static_cast<uint64_t>(l));
  const uint64_t state = (splitmix64(*s) >> 1) | rans::kLower;
  if (random_state) m.state = state;
  m.source = [s] { return static_cast<uint32_t>(splitmix64(*s)); };
  return m;
}

// The message's size in bits, fractions of the state included.
double exact_bits(const rans::Message& m) { return 32.0 * static_cast<double>(m.words.size()) + std::log2(static_cast<double>(m.state)); }

// The lanes of `starts` that start with `start`.
std::vector<int64_t> lanes_starting(const std::vector<uint8_t>& starts, uint8_t start) {
  std::vector<int64_t> out;
  for (size_t l = 0; l < starts.size(); ++l)
    if (starts[l] == start) out.push_back(static_cast<int64_t>(l));
  return out;
}

// Runs f on lanes `which` of msgs as one substack (moved out, then back); returns what f returns.
template <class F>
auto on_lanes(std::vector<rans::Message>& msgs, const std::vector<int64_t>& which, F f) {
  std::vector<rans::Message> group;
  group.reserve(which.size());
  for (int64_t l : which) group.push_back(std::move(msgs[l]));
  auto r = f(codec::Lanes{group.data(), static_cast<int64_t>(group.size())});
  for (size_t i = 0; i < which.size(); ++i) msgs[which[i]] = std::move(group[i]);
  return r;
}

// The adaptive expert's memory (coding/adaptive_expert.h) for the lanes `which`, in order.
std::vector<codec::ExpertMemory> pick_memory(const std::vector<codec::ExpertMemory>& m, const std::vector<int64_t>& which) {
  std::vector<codec::ExpertMemory> out;
  if (m.empty()) return out;
  for (int64_t l : which) out.push_back(m.at(static_cast<size_t>(l)));
  return out;
}

// For an expert that carries a memory along each lane: the memory each image of x starts from. A lane
// pops its last-pushed image first, so image (lane l, step t) starts from what images (l, T-1), ...,
// (l, t+1) left, every one known to the encoder before it codes anything. The encoder asks for them
// in push order (t = 0, 1, ...), against the memory's flow, so they come from checkpoints: one
// backward sweep keeps each lane's memory at the last step of every block of K steps, and a block's
// memories are made again from its checkpoint when the encoder reaches it. A lane keeps about 2
// sqrt(T) memories (a few KB each in colour, mostly the least-squares fit's P) instead of T, for a
// second run of the expert over each image (cheap beside the network's).
class LaneMemories {
 public:
  LaneMemories(const VAECodecs& v, const Images& x, int64_t lanes) : v_(v), x_(x), lanes_(lanes) {
    if (!v.expert_carries() || x.count == 0) return;
    const int64_t steps = (x.count + lanes - 1) / lanes;
    block_ = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(steps)))));
    checkpoint_.resize(static_cast<size_t>(lanes));
    for (int64_t l = 0; l < lanes; ++l) {
      const int64_t held = steps_of(l);
      auto& c = checkpoint_[static_cast<size_t>(l)];
      c.resize(static_cast<size_t>((held + block_ - 1) / block_));
      codec::ExpertMemory m;
      for (int64_t t = held - 1; t >= 0; --t) {
        if (t == last_of(t / block_, held)) c[static_cast<size_t>(t / block_)] = m;
        if (t > 0) m = v.remember(m, x.image(t * lanes + l));
      }
    }
  }
  bool carries() const { return !checkpoint_.empty(); }
  // The memories lanes 0..b-1 start from at step t (empty when the rule carries none); t never
  // decreases from one call to the next.
  std::vector<codec::ExpertMemory> at_step(int64_t t, int64_t b) {
    std::vector<codec::ExpertMemory> out;
    if (!carries()) return out;
    const int64_t j = t / block_;
    if (j != cached_block_) {
      cached_block_ = j;
      cache_.assign(static_cast<size_t>(lanes_), {});
      for (int64_t l = 0; l < lanes_; ++l) {
        const int64_t held = steps_of(l), first = j * block_;
        if (first >= held) continue;
        const int64_t last = last_of(j, held);
        auto& c = cache_[static_cast<size_t>(l)];
        c.resize(static_cast<size_t>(last - first + 1));
        codec::ExpertMemory m = checkpoint_[static_cast<size_t>(l)][static_cast<size_t>(j)];
        for (int64_t s = last; s > first; --s) {
          codec::ExpertMemory next = v_.remember(m, x_.image(s * lanes_ + l));
          c[static_cast<size_t>(s - first)] = std::move(m);
          m = std::move(next);
        }
        c[0] = std::move(m);
      }
    }
    for (int64_t l = 0; l < b; ++l) out.push_back(cache_[static_cast<size_t>(l)].at(static_cast<size_t>(t - j * block_)));
    return out;
  }

 private:
  int64_t steps_of(int64_t l) const { return (x_.count - l + lanes_ - 1) / lanes_; }  // images on lane l
  int64_t last_of(int64_t j, int64_t held) const { return std::min(j * block_ + block_, held) - 1; }
  const VAECodecs& v_;
  const Images& x_;
  int64_t lanes_, block_ = 1;
  std::vector<std::vector<codec::ExpertMemory>> checkpoint_;  // [lane][block]: at the block's last step
  std::vector<std::vector<codec::ExpertMemory>> cache_;       // [lane][step in the cached block]
  int64_t cached_block_ = -1;
};

// A lane's first image under its start: bits-back (drawing initial bits) or x under p(x | z_median).
// memory: the expert's for each lane's first image (empty: none carried).
template <class Codec>
double push_first(const VAECodecs& v, const Codec& codec, std::vector<rans::Message>& msgs,
                  const std::vector<uint8_t>& starts, const Images& first, BitsBackStats* stats,
                  const std::vector<codec::ExpertMemory>& memory) {
  double bits = 0;
  for (uint8_t start : {kStartInitialBits, kStartPriorMedian}) {
    const auto which = lanes_starting(starts, start);
    if (which.empty()) continue;
    const Images x = pick(first, which);
    if (!memory.empty()) v.set_expert_memory(pick_memory(memory, which));
    bits += on_lanes(msgs, which, [&](codec::Lanes m) {
      if (start == kStartInitialBits) return codec.push(m, x);
      const double x_bits = v.likelihood(v.prior_median(m.count)).push(m, x);
      if (stats) stats->x_bits += x_bits;
      return x_bits;
    });
  }
  return bits;
}

// Runs f on the step codec the config names: BB-ANS, or BB-IS with K coupled samples.
template <class F>
auto with_codec(const VAECodecs& v, const BitsBackConfig& cfg, BitsBackStats* stats, F f) {
  if (cfg.importance_samples > 1) return f(v.importance(cfg.importance_samples, stats));
  return f(vae_bits_back(v, stats));
}

// The images in the order a file codes them: as given, or (lanes of consecutive images) slot s holds
// image consecutive_image(s); `back` inverts it.
Images in_lane_order(const Images& x, int64_t lanes, bool consecutive, bool back = false) {
  if (!consecutive || lanes <= 1) return x;
  Images out = slice(x, 0, x.count);
  for (int64_t s = 0; s < x.count; ++s) {
    const int64_t i = consecutive_image(s, lanes, x.count), from = back ? s : i, to = back ? i : s;
    std::copy(x.image(from), x.image(from) + x.dims(), out.image(to));
  }
  return out;
}

}  // namespace

BitsBackLanes bits_back_encode(VAE& model, const Images& given, const BitsBackConfig& cfg, BitsBackStats* stats,
                               const StepCallback& on_step) {
  const VAECodecs v(model, cfg);
  BitsBackStats st;
  const int64_t lanes = std::max<int64_t>(1, std::min<int64_t>(cfg.lanes, given.count));
  const Images x = in_lane_order(given, lanes, codec::expert_lanes_consecutive(cfg.expert));
  BitsBackLanes out;
  auto& msgs = out.lanes;
  out.starts.assign(static_cast<size_t>(lanes), cfg.lane_start.value_or(kStartInitialBits));
  LaneMemories memory(v, x, lanes);
  with_codec(v, cfg, &st, [&](const auto& codec) {
    if (x.count > 0) {
      // Step 0: each lane's first image. Unless told, try both starts on every lane and keep the smaller.
      const Images first = slice(x, 0, lanes);
      const std::vector<codec::ExpertMemory> first_memory = memory.at_step(0, lanes);
      if (!cfg.lane_start) {
        std::vector<uint8_t> trial[2] = {std::vector<uint8_t>(lanes, kStartInitialBits),
                                         std::vector<uint8_t>(lanes, kStartPriorMedian)};
        std::vector<rans::Message> tried[2];
        BitsBackStats tried_stats[2];
        for (int s = 0; s < 2; ++s) {
          auto counted = codec;
          counted.stats = &tried_stats[s];
          for (int64_t l = 0; l < lanes; ++l) tried[s].push_back(seeded_message(cfg.seed, l, s == kStartInitialBits));
          push_first(v, counted, tried[s], trial[s], first, &tried_stats[s], first_memory);
        }
        for (int64_t l = 0; l < lanes; ++l)
          out.starts[l] = exact_bits(tried[kStartPriorMedian][l]) < exact_bits(tried[kStartInitialBits][l])
                              ? kStartPriorMedian
                              : kStartInitialBits;
        // When every lane keeps one start, that trial is the real push: its messages and costs are kept.
        for (int s = 0; s < 2; ++s)
          if (out.starts == trial[s]) {
            msgs = std::move(tried[s]);
            st = tried_stats[s];
          }
      }
      if (msgs.empty()) {  // lanes of both starts (or a start given): pushed again, each lane by its start
        for (int64_t l = 0; l < lanes; ++l) msgs.push_back(seeded_message(cfg.seed, l, out.starts[l] == kStartInitialBits));
        push_first(v, codec, msgs, out.starts, first, &st, first_memory);
      }
      if (on_step) on_step(lanes);
    }
    const codec::Lanes all{msgs.data(), static_cast<int64_t>(msgs.size())};
    const int64_t steps = (x.count + lanes - 1) / lanes;
    for (int64_t t = 1; t < steps; ++t) {
      const int64_t b = lanes_at(t, lanes, x.count);
      if (memory.carries()) v.set_expert_memory(memory.at_step(t, b));
      codec.push(all.substack(0, b), slice(x, t * lanes, b));
      if (on_step) on_step(t * lanes + b);
    }
    return 0;
  });
  for (size_t l = 0; l < msgs.size(); ++l) {
    auto& m = msgs[l];
    st.initial_bits += (out.starts[l] == kStartInitialBits ? 64 : 0) + 32 * m.words_drawn;
    st.median_starts += out.starts[l] == kStartPriorMedian;
    m.source = nullptr;
  }
  if (std::all_of(out.starts.begin(), out.starts.end(), [](uint8_t s) { return s == kStartInitialBits; }))
    out.starts.clear();  // as files before lane starts: every lane draws initial bits
  if (stats) *stats = st;
  return out;
}

Images bits_back_decode(VAE& model, BitsBackLanes coded, int64_t count, const BitsBackConfig& cfg,
                        const StepCallback& on_step) {
  const VAECodecs v(model, cfg);
  Images out = v.empty_images(count);
  auto& msgs = coded.lanes;
  const int64_t lanes = static_cast<int64_t>(msgs.size());
  if (coded.starts.empty()) coded.starts.assign(static_cast<size_t>(lanes), kStartInitialBits);
  if (static_cast<int64_t>(coded.starts.size()) != lanes) throw std::invalid_argument("bits_back_decode: one start per lane");
  // The expert's memory along each lane (for a rule that carries one), as the images come.
  std::vector<codec::ExpertMemory> memory(v.expert_carries() ? static_cast<size_t>(lanes) : 0);
  with_codec(v, cfg, nullptr, [&](const auto& codec) {
    const codec::Lanes all{msgs.data(), lanes};
    const int64_t steps = (count + lanes - 1) / lanes;
    int64_t done = 0;
    for (int64_t t = steps - 1; t >= 1; --t) {
      const int64_t b = lanes_at(t, lanes, count);
      if (!memory.empty()) v.set_expert_memory(std::vector<codec::ExpertMemory>(memory.begin(), memory.begin() + b));
      const Images x = codec.pop(all.substack(0, b)).symbol;
      if (!memory.empty()) {  // what each lane's image left, from the pop itself
        std::vector<codec::ExpertMemory> after = v.take_expert_memory();
        for (int64_t l = 0; l < b; ++l) memory[static_cast<size_t>(l)] = std::move(after.at(static_cast<size_t>(l)));
      }
      std::copy(x.pixels.begin(), x.pixels.end(), out.image(t * lanes));
      done += b;
      if (on_step) on_step(done);
    }
    if (count > 0) {
      // Step 0, the lanes' first images, each lane by its start (the inverse of push_first).
      for (uint8_t start : {kStartPriorMedian, kStartInitialBits}) {
        const auto which = lanes_starting(coded.starts, start);
        if (which.empty()) continue;
        if (!memory.empty()) v.set_expert_memory(pick_memory(memory, which));
        const Images x = on_lanes(msgs, which, [&](codec::Lanes m) {
          return start == kStartInitialBits ? codec.pop(m).symbol : v.likelihood(v.prior_median(m.count)).pop(m).symbol;
        });
        for (size_t i = 0; i < which.size(); ++i) std::copy(x.image(i), x.image(i) + x.dims(), out.image(which[i]));
      }
      if (on_step) on_step(count);
    }
    return 0;
  });
  return in_lane_order(out, lanes, codec::expert_lanes_consecutive(cfg.expert), /*back=*/true);
}

}  // namespace vlae
