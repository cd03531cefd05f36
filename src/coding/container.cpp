#include "coding/container.h"

#include <cstring>

#include "coding/adaptive_expert.h"
#include "data/images.h"
#include "util/error.h"
#include "util/hash.h"

namespace vlae {

namespace {
template <class T>
void put(std::string& s, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) s.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

// Reads the payload: bytes [pos, end), end excluding the trailing checksum.
struct Reader {
  const std::string& bytes;
  const std::string& name;
  size_t pos = 0;
  size_t end = 0;
  size_t left() const { return end - pos; }
  template <class T>
  T get(const char* what) {
    if (left() < sizeof(T)) throw InputError(name + ": truncated (ends inside the " + what + ")");
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[pos + i])) << (8 * i);
    pos += sizeof(T);
    return static_cast<T>(v);
  }
};

// The adapted parameters' steps: zigzag (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), then a Golomb-Rice
// code per tensor, the k that makes it shortest: u >> k in unary (ones, then a zero), then the k low
// bits; a quotient of kRiceEscape or more is kRiceEscape ones and u in 25 bits. With zero flags (the
// mode byte's high bit) each step is first one bit, 0 for a zero step, else 1 and the Rice code of
// u - 1: masked weights never change, and this makes each of them one bit instead of k + 1. Bits fill
// each byte from its lowest; a tensor's code ends at a byte boundary. Near the entropy of the
// two-sided geometric laws that fine-tuning's small changes follow, where one byte per step would not be.
constexpr uint32_t kRiceEscape = 24;
constexpr int kRawBits = 25;  // zigzag of |v| <= kMaxParamDeltaSteps < 2^24
constexpr uint8_t kZeroFlags = 0x80;

uint32_t zigzag(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
int32_t unzigzag(uint32_t u) { return static_cast<int32_t>(u >> 1) ^ -static_cast<int32_t>(u & 1); }

uint64_t rice_bits(const std::vector<int32_t>& steps, int k, bool zero_flags) {
  uint64_t bits = 0;
  for (int32_t v : steps) {
    if (zero_flags) {
      ++bits;
      if (v == 0) continue;
    }
    const uint32_t q = (zigzag(v) - (zero_flags ? 1 : 0)) >> k;
    bits += q >= kRiceEscape ? kRiceEscape + kRawBits : q + 1 + k;
  }
  return bits;
}

void put_rice(std::string& s, const std::vector<int32_t>& steps) {
  int k = 0;
  bool flags = false;
  for (int f = 0; f < 2; ++f)
    for (int c = 0; c <= 24; ++c)
      if (rice_bits(steps, c, f) < rice_bits(steps, k, flags)) k = c, flags = f;
  put<uint8_t>(s, static_cast<uint8_t>(k | (flags ? kZeroFlags : 0)));
  uint32_t acc = 0;
  int used = 0;
  auto bit = [&](uint32_t b) {
    acc |= b << used;
    if (++used == 8) {
      s.push_back(static_cast<char>(acc));
      acc = 0;
      used = 0;
    }
  };
  for (int32_t v : steps) {
    if (flags) {
      bit(v != 0);
      if (v == 0) continue;
    }
    const uint32_t u = zigzag(v) - (flags ? 1 : 0), q = u >> k;
    if (q >= kRiceEscape) {
      for (uint32_t i = 0; i < kRiceEscape; ++i) bit(1);
      for (int i = 0; i < kRawBits; ++i) bit((u >> i) & 1);
    } else {
      for (uint32_t i = 0; i < q; ++i) bit(1);
      bit(0);
      for (int i = 0; i < k; ++i) bit((u >> i) & 1);
    }
  }
  if (used > 0) s.push_back(static_cast<char>(acc));
}

void get_rice(Reader& r, std::vector<int32_t>& steps) {
  const uint8_t mode = r.get<uint8_t>("adapted parameters");
  const bool flags = mode & kZeroFlags;
  const int k = mode & 0x7f;
  if (k > 24) throw InputError(r.name + ": invalid adapted parameter code");
  uint32_t byte = 0;
  int left = 0;
  auto bit = [&]() -> uint32_t {
    if (left == 0) {
      byte = r.get<uint8_t>("adapted parameters");
      left = 8;
    }
    const uint32_t b = byte & 1;
    byte >>= 1;
    --left;
    return b;
  };
  for (auto& v : steps) {
    if (flags && !bit()) {
      v = 0;
      continue;
    }
    uint32_t q = 0;
    while (q < kRiceEscape && bit()) ++q;
    uint32_t u = 0;
    if (q == kRiceEscape) {
      for (int i = 0; i < kRawBits; ++i) u |= bit() << i;
    } else {
      for (int i = 0; i < k; ++i) u |= bit() << i;
      u |= q << k;
    }
    v = unzigzag(u + (flags ? 1 : 0));
    if (v > kMaxParamDeltaSteps || v < -kMaxParamDeltaSteps) throw InputError(r.name + ": invalid adapted parameter step");
  }
}

void put_param_deltas(std::string& s, const ParamDeltas& d) {
  if (d.tensors.size() > 0xffff) throw std::invalid_argument("container: too many adapted tensors");
  put<uint8_t>(s, d.step_log2);
  put<uint16_t>(s, static_cast<uint16_t>(d.tensors.size()));
  for (const auto& [key, steps] : d.tensors) {
    if (key.empty() || key.size() > 0xff) throw std::invalid_argument("container: adapted tensor name of 1..255 bytes");
    put<uint8_t>(s, static_cast<uint8_t>(key.size()));
    s += key;
    put<uint32_t>(s, static_cast<uint32_t>(steps.size()));
    put_rice(s, steps);
  }
}

ParamDeltas get_param_deltas(Reader& r) {
  ParamDeltas d;
  d.step_log2 = r.get<uint8_t>("adapted parameters");
  if (d.step_log2 < 1 || d.step_log2 > 30) throw InputError(r.name + ": invalid adapted parameter step size");
  const uint16_t n = r.get<uint16_t>("adapted parameters");
  if (n == 0) throw InputError(r.name + ": adapted parameters without a tensor");
  for (uint16_t i = 0; i < n; ++i) {
    const uint8_t len = r.get<uint8_t>("adapted parameters");
    if (len == 0 || r.left() < len) throw InputError(r.name + ": truncated or empty adapted parameter name");
    std::string key = r.bytes.substr(r.pos, len);
    r.pos += len;
    for (const auto& t : d.tensors)
      if (t.first == key) throw InputError(r.name + ": adapted parameter '" + key + "' twice");
    const uint32_t entries = r.get<uint32_t>("adapted parameters");
    // Each entry takes a bit at least (after the code's k byte): bounded by the file before allocating.
    if (entries == 0 || r.left() == 0 || entries / 8 > r.left() - 1) throw InputError(r.name + ": invalid adapted parameter count");
    std::vector<int32_t> steps(entries);
    get_rice(r, steps);
    d.tensors.emplace_back(std::move(key), std::move(steps));
  }
  return d;
}
}  // namespace

std::string to_string(CodingArithmetic a) {
  switch (a) {
    case CodingArithmetic::LibTorchFloat: return "0 (LibTorch float kernels, machine-dependent)";
    case CodingArithmetic::Deterministic1: return "1 (vlae deterministic kernels v1)";
  }
  return std::to_string(static_cast<int>(a));
}

std::string checksum_failure(const std::string& name, const std::string& what) {
  return name + ": decoded " + what + " fail the checksum: the file is corrupt or was made with another model";
}

CodedFile coded_file_header(CodedKind kind, uint64_t fingerprint, const Images& x) {
  CodedFile f;
  f.kind = kind;
  f.binary = x.binary;
  f.fingerprint = fingerprint;
  f.count = static_cast<uint32_t>(x.count);
  f.channels = static_cast<uint8_t>(x.channels);
  f.height = static_cast<uint32_t>(x.height);
  f.width = static_cast<uint32_t>(x.width);
  f.names = x.names;
  return f;
}

std::string serialize(const CodedFile& f) {
  if (!f.names.empty() && f.names.size() != f.count) throw std::invalid_argument("container: one name per image");
  if (!f.adapted.empty() && f.kind != CodedKind::Lossless)
    throw std::invalid_argument("container: adapted parameters only in lossless bits-back files");
  if (!f.lane_starts.empty() && (f.kind != CodedKind::Lossless || f.lane_starts.size() != f.lanes.size()))
    throw std::invalid_argument("container: lane starts only in lossless bits-back files, one per lane");
  if (f.importance_log2 > 0 && (f.kind != CodedKind::Lossless || f.importance_log2 > 8))
    throw std::invalid_argument("container: 2 to 256 importance samples, only in lossless bits-back files");
  if (f.expert_mixing > codec::kLastExpertMixing || (f.expert_mixing != 0 && f.kind != CodedKind::Lossless))
    throw std::invalid_argument("container: expert mixing only in lossless bits-back files");
  std::string s = "VLAE";
  const uint16_t version = f.expert_mixing != 0                                ? kFormatVersionExpert
                           : !f.lane_starts.empty() || f.importance_log2 > 0 ? kFormatVersionLaneStarts
                           : !f.adapted.empty() ? kFormatVersionAdapted
                           : f.channels != 1  ? kFormatVersionChannels
                           : f.names.empty()  ? kFormatVersion
                                              : kFormatVersionNames;
  put<uint16_t>(s, version);
  put<uint8_t>(s, static_cast<uint8_t>(f.kind));
  put<uint8_t>(s, f.binary ? 1 : 0);
  put<uint64_t>(s, f.fingerprint);
  put<uint32_t>(s, f.count);
  put<uint32_t>(s, f.height);
  put<uint32_t>(s, f.width);
  put<uint8_t>(s, has_rec_layout(f.kind) ? f.rec_scheme : f.latent_bits);
  put<uint8_t>(s, f.posterior_prec);
  put<uint8_t>(s, f.obs_prec);
  put<uint8_t>(s, static_cast<uint8_t>(f.arithmetic));
  put<uint64_t>(s, f.data_checksum);
  put<uint32_t>(s, static_cast<uint32_t>(f.lanes.size()));
  for (const auto& m : f.lanes) {
    put<uint64_t>(s, m.state);
    put<uint32_t>(s, static_cast<uint32_t>(m.words.size()));
    for (uint32_t w : m.words) put<uint32_t>(s, w);
  }
  if (f.kind == CodedKind::Lossy) {
    put<uint32_t>(s, static_cast<uint32_t>(f.grid.size()));
    for (double g : f.grid) {
      uint64_t bitsof;
      std::memcpy(&bitsof, &g, 8);
      put<uint64_t>(s, bitsof);
    }
  }
  if (has_rec_layout(f.kind)) {
    put<uint64_t>(s, f.rec_seed);
    put<uint32_t>(s, static_cast<uint32_t>(f.rec_blocks.size()));
    for (uint8_t b : f.rec_blocks) put<uint8_t>(s, b);
    if (f.rec_scheme == 0) {
      put<uint32_t>(s, static_cast<uint32_t>(f.rec_lambdas.size()));
      for (double l : f.rec_lambdas) {
        uint64_t bitsof;
        std::memcpy(&bitsof, &l, 8);
        put<uint64_t>(s, bitsof);
      }
    } else {
      const size_t per = f.rec_scheme == 2 ? 3 : 2;
      if (f.rec_per_dim.size() != f.rec_blocks.size() || f.rec_shapes.size() % per != 0)
        throw std::invalid_argument("container: rec layout sizes disagree");
      put<uint32_t>(s, static_cast<uint32_t>(f.rec_shapes.size() / per));
      for (uint8_t b : f.rec_per_dim) put<uint8_t>(s, b);
      for (uint16_t v : f.rec_shapes) put<uint16_t>(s, v);
    }
  }
  if (version >= kFormatVersionChannels) put<uint8_t>(s, f.channels);
  if (version != kFormatVersion) {
    put<uint32_t>(s, static_cast<uint32_t>(f.names.size()));
    for (const auto& n : f.names) {
      if (n.size() > 0xffff) throw std::invalid_argument("container: name longer than 65535 bytes");
      put<uint16_t>(s, static_cast<uint16_t>(n.size()));
      s += n;
    }
  }
  if (version == kFormatVersionAdapted) put_param_deltas(s, f.adapted);
  if (version >= kFormatVersionLaneStarts) {
    put<uint8_t>(s, f.adapted.empty() ? 0 : 1);
    if (!f.adapted.empty()) put_param_deltas(s, f.adapted);
    put<uint8_t>(s, f.importance_log2);
    for (size_t l = 0; l < f.lanes.size(); ++l) put<uint8_t>(s, f.lane_starts.empty() ? 0 : f.lane_starts[l]);
  }
  if (version == kFormatVersionExpert) put<uint8_t>(s, f.expert_mixing);
  put<uint64_t>(s, fnv1a(s.data(), s.size()));
  return s;
}

CodedFile parse_coded_file(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "VLAE", 4) != 0)
    throw InputError(name + ": not a vlae compressed file (bad magic)");
  if (bytes.size() < 14) throw InputError(name + ": truncated header");
  const uint64_t stored = [&] {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(bytes[bytes.size() - 8 + i])) << (8 * i);
    return v;
  }();
  Reader r{bytes, name, 4, bytes.size() - 8};
  const uint16_t version = r.get<uint16_t>("version");
  if (version < kFormatVersion || version > kFormatVersionExpert)
    throw InputError(name + ": format version " + std::to_string(version) + " is not supported (this vlae reads " +
                     std::to_string(kFormatVersion) + " to " + std::to_string(kFormatVersionExpert) + ")");
  if (fnv1a(bytes.data(), bytes.size() - 8) != stored)
    throw InputError(name + ": checksum mismatch (file truncated or corrupted)");
  CodedFile f;
  const uint8_t kind = r.get<uint8_t>("kind");
  if (kind < 1 || kind > 5) throw InputError(name + ": unknown payload kind " + std::to_string(kind));
  f.kind = static_cast<CodedKind>(kind);
  f.binary = r.get<uint8_t>("header") != 0;
  f.fingerprint = r.get<uint64_t>("header");
  f.count = r.get<uint32_t>("header");
  f.height = r.get<uint32_t>("header");
  f.width = r.get<uint32_t>("header");
  f.latent_bits = r.get<uint8_t>("header");
  f.posterior_prec = r.get<uint8_t>("header");
  f.obs_prec = r.get<uint8_t>("header");
  const uint8_t arithmetic = r.get<uint8_t>("header");
  if (arithmetic != static_cast<uint8_t>(kCodingArithmetic))
    throw InputError(name + ": made with coding arithmetic " +
                     (arithmetic == 0 ? to_string(CodingArithmetic::LibTorchFloat) : std::to_string(arithmetic)) +
                     ", this vlae computes with " + to_string(kCodingArithmetic) + "; decode it with a vlae of that arithmetic");
  f.arithmetic = static_cast<CodingArithmetic>(arithmetic);
  f.data_checksum = r.get<uint64_t>("header");
  if (f.count == 0 || f.height == 0 || f.width == 0 || f.height > 4096 || f.width > 4096 ||
      uint64_t(f.count) * f.height * f.width > (uint64_t(1) << 30))
    throw InputError(name + ": implausible image sizes in header");
  const bool lossless = f.kind == CodedKind::Lossless;
  if ((lossless && (f.latent_bits < 1 || f.latent_bits > 20 || f.posterior_prec <= f.latent_bits ||
                    f.posterior_prec > rans::kMaxPrecision)) ||
      f.obs_prec < 9 || f.obs_prec > rans::kMaxPrecision)
    throw InputError(name + ": invalid codec precisions in header");
  const uint32_t lanes = r.get<uint32_t>("lane count");
  // Each lane takes at least 12 bytes, so the count is bounded by the file before anything is allocated.
  if (lanes == 0 || lanes > 65536 || lanes > r.left() / 12)
    throw InputError(name + ": invalid lane count " + std::to_string(lanes));
  f.lanes.resize(lanes);
  for (auto& m : f.lanes) {
    m.state = r.get<uint64_t>("lane state");
    if (m.state < rans::kLower || m.state >= (rans::kLower << 32)) throw InputError(name + ": invalid coder state");
    const uint32_t n = r.get<uint32_t>("lane length");
    if (r.left() / 4 < n) throw InputError(name + ": truncated (lane longer than the file)");
    m.words.resize(n);
    for (auto& w : m.words) w = r.get<uint32_t>("lane words");
  }
  if (f.kind == CodedKind::Lossy) {
    const uint32_t k = r.get<uint32_t>("latent grid");
    if (k == 0 || k > 4096 || r.left() / 8 < k) throw InputError(name + ": invalid latent grid");
    f.grid.resize(k);
    for (auto& g : f.grid) {
      const uint64_t bitsof = r.get<uint64_t>("latent grid");
      std::memcpy(&g, &bitsof, 8);
      if (!(g == 0.0 || (g >= 1e-5 && g <= 100.0))) throw InputError(name + ": invalid latent grid step");
    }
  }
  if (has_rec_layout(f.kind)) {
    f.rec_seed = r.get<uint64_t>("rec header");
    const uint32_t k = r.get<uint32_t>("rec header");
    if (k == 0 || k > 4096 || r.left() < k) throw InputError(name + ": invalid latent blocks");
    f.rec_blocks.resize(k);
    for (auto& b : f.rec_blocks) b = r.get<uint8_t>("rec blocks");
    f.rec_scheme = f.latent_bits;
    f.latent_bits = 0;
    if (f.rec_scheme > 2) throw InputError(name + ": unknown rec scheme " + std::to_string(f.rec_scheme));
    const uint32_t nb = r.get<uint32_t>("rec header");
    if (nb > 254 || r.left() / (f.rec_scheme == 0 ? 8 : f.rec_scheme == 1 ? 4 : 6) < nb) throw InputError(name + ": invalid block count");
    for (uint8_t b : f.rec_blocks)
      if (b >= nb && b != 255) throw InputError(name + ": a dimension's block is out of range");
    if (f.rec_scheme == 0) {
      f.rec_lambdas.resize(nb);
      for (auto& l : f.rec_lambdas) {
        const uint64_t bitsof = r.get<uint64_t>("rec lambdas");
        std::memcpy(&l, &bitsof, 8);
        if (!(l >= 1.0 && l <= 1e6)) throw InputError(name + ": invalid index-code parameter");
      }
    } else {
      // Scheme 1: bins' bits per dimension (at most 16, at most 40 per block), rank codes over
      // octaves 0 .. 22. Scheme 2: cut weights (1 .. 255 where sent), depth codes over 0 .. 62.
      const bool tree = f.rec_scheme == 2;
      f.rec_per_dim.resize(k);
      std::vector<int> per_block(nb, 0);
      std::vector<char> used(nb, 0);
      std::vector<int> dims_in(nb, 0);
      for (size_t j = 0; j < k; ++j) {
        const uint8_t b = f.rec_per_dim[j] = r.get<uint8_t>(tree ? "rec cut weights" : "rec bins");
        const bool sent = f.rec_blocks[j] != 255;
        if (tree ? (b == 0) == sent : (b > 16 || (b > 0 && !sent)))
          throw InputError(name + (tree ? ": invalid cut weight of a latent dimension" : ": invalid bins of a latent dimension"));
        if (sent) {
          per_block[f.rec_blocks[j]] += tree ? 0 : b;
          dims_in[f.rec_blocks[j]] += 1;
          used[f.rec_blocks[j]] = 1;
        }
      }
      for (uint32_t b = 0; b < nb; ++b)
        if (per_block[b] > 40 || !used[b] || (tree && dims_in[b] > 254)) throw InputError(name + ": invalid bins of a latent block");
      // Scheme 1: (mu, sigma) per block; scheme 2: (intercept, sigma, slope), intercept and slope signed.
      const size_t per = tree ? 3 : 2;
      f.rec_shapes.resize(per * nb);
      for (size_t i = 0; i < f.rec_shapes.size(); ++i) {
        const uint16_t v = f.rec_shapes[i] = r.get<uint16_t>(tree ? "rec depth codes" : "rec rank codes");
        const bool sigma = i % per == 1, bad = sigma ? (v < 64 || v > 16 * 256) : (!tree && v > 23 * 256);
        if (bad) throw InputError(name + ": invalid rank-code parameter");
      }
    }
  }
  if (version >= kFormatVersionChannels) {
    f.channels = r.get<uint8_t>("channels");
    if (f.channels != 3 && !(f.channels == 1 && version >= kFormatVersionAdapted))
      throw InputError(name + ": invalid channel count " + std::to_string(f.channels));
  }
  if (version != kFormatVersion) {
    const uint32_t n = r.get<uint32_t>("name count");
    if (n != f.count && !(n == 0 && version >= kFormatVersionChannels)) throw InputError(name + ": " + std::to_string(n) + " names for " + std::to_string(f.count) + " images");
    f.names.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const uint16_t len = r.get<uint16_t>("names");
      if (len == 0 || r.left() < len) throw InputError(name + ": truncated or empty image name");
      f.names.push_back(bytes.substr(r.pos, len));
      r.pos += len;
    }
  }
  if (version == kFormatVersionAdapted) {
    if (f.kind != CodedKind::Lossless) throw InputError(name + ": adapted parameters in a file that is not lossless bits-back");
    f.adapted = get_param_deltas(r);
  }
  if (version >= kFormatVersionLaneStarts) {
    if (f.kind != CodedKind::Lossless) throw InputError(name + ": lane starts in a file that is not lossless bits-back");
    const uint8_t has_adapted = r.get<uint8_t>("adapted parameters");
    if (has_adapted > 1) throw InputError(name + ": invalid adapted parameter flag");
    if (has_adapted) f.adapted = get_param_deltas(r);
    f.importance_log2 = r.get<uint8_t>("importance samples");
    if (f.importance_log2 > 8) throw InputError(name + ": invalid importance sample count");
    f.lane_starts.resize(f.lanes.size());
    for (auto& start : f.lane_starts) {
      start = r.get<uint8_t>("lane starts");
      if (start > 1) throw InputError(name + ": invalid lane start " + std::to_string(start));
    }
  }
  if (version == kFormatVersionExpert) {
    f.expert_mixing = r.get<uint8_t>("expert mixing");
    if (f.expert_mixing < 1 || f.expert_mixing > codec::kLastExpertMixing) throw InputError(name + ": unknown expert mixing " + std::to_string(f.expert_mixing));
  }
  if (r.left() != 0) throw InputError(name + ": trailing bytes after the payload");
  return f;
}

}  // namespace vlae
