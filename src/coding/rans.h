// rANS with a 64-bit state and 32-bit words, stack semantics (after ryg_rans' rans64).
//
// A Message is a state x and a stack of 32-bit words. Invariants, at every operation boundary:
//   L <= x < L * 2^32, with L = 2^31  (so x fits 63 bits)
//   a symbol with frequency f and start s at precision p satisfies 1 <= f, s + f <= 2^p, p <= 31
// push(s, f, p):  if x >= f * 2^(63-p) move x's low word to the stack; x = (x / f) * 2^p + x % f + s.
// pop(s, f, p):   x = f * (x >> p) + (x mod 2^p) - s; if x < L pull one word from the stack.
// Since L is a multiple of 2^p, [L, 2^32 L) is b-unique: push and pop are exact inverses, so
// pop(push(m)) == m and push(pop(m)) == m for every valid message (one word moves per step at most).
// An empty stack on pop draws from `source` (the initial bits of bits-back coding) if one is set,
// and otherwise is a truncated or corrupt stream: DecodeError.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

namespace vlae::rans {

constexpr uint64_t kLower = 1ull << 31;  // L
constexpr unsigned kMaxPrecision = 24;   // per-distribution precision used by vlae's codecs

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Message {
  uint64_t state = kLower;
  std::vector<uint32_t> words;                 // back() is the top of the stack
  std::function<uint32_t()> source;            // supplies words when popping an empty stack
  uint64_t words_drawn = 0;                    // how many words `source` supplied

  // Size if flushed now: the stack plus the 64-bit state, in bits.
  uint64_t bits() const { return 32ull * words.size() + 64ull; }
};

inline void push(Message& m, uint32_t start, uint32_t freq, unsigned prec) {
  const uint64_t x_max = ((kLower >> prec) << 32) * freq;
  if (m.state >= x_max) {
    m.words.push_back(static_cast<uint32_t>(m.state));
    m.state >>= 32;
  }
  m.state = ((m.state / freq) << prec) + (m.state % freq) + start;
}

// The slot in [0, 2^prec) that identifies the next symbol to pop.
inline uint32_t peek(const Message& m, unsigned prec) {
  return static_cast<uint32_t>(m.state & ((1ull << prec) - 1));
}

inline void pop(Message& m, uint32_t start, uint32_t freq, unsigned prec) {
  m.state = freq * (m.state >> prec) + (m.state & ((1ull << prec) - 1)) - start;
  if (m.state < kLower) {
    uint32_t w;
    if (!m.words.empty()) {
      w = m.words.back();
      m.words.pop_back();
    } else if (m.source) {
      w = m.source();
      ++m.words_drawn;
    } else {
      throw DecodeError("stream ends early (truncated or corrupt)");
    }
    m.state = (m.state << 32) | w;
  }
}

}  // namespace vlae::rans
