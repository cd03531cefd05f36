// A recorded sequence of pushes: the (start, freq) intervals a codec pushed, kept so that the same
// pushes can be made later onto any message. A rANS push depends only on the message and on
// (start, freq, prec), so replay(m) leaves m exactly as pushing the symbols onto m directly would.
// BB-IS (importance_codecs.cpp) records every candidate sample's likelihood pushes to weigh the
// candidates by their cost, then replays the chosen one's instead of running its decoder again.
#pragma once
#include <cstdint>
#include <vector>

#include "coding/codecs.h"
#include "coding/rans.h"

namespace vlae::codec {

struct Tape {
  unsigned prec = 0;
  bool keep = true;                   // false: only the cost is summed, nothing kept to replay
  std::vector<uint32_t> start, freq;  // the intervals, in push order
  double bits = 0;                    // their cost, summed in push order

  double record(uint32_t s, uint32_t f) {
    if (keep) {
      start.push_back(s);
      freq.push_back(f);
    }
    const double b = cost_bits(f, prec);
    bits += b;
    return b;
  }
  // Invariant: keep (a tape that kept nothing cannot replay).
  void replay(rans::Message& m) const {
    for (size_t i = 0; i < start.size(); ++i) rans::push(m, start[i], freq[i], prec);
  }
};

}  // namespace vlae::codec
