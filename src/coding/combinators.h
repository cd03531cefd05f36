// Codec combinators (after craystack): codecs built from codecs, with the same two operations as
// the scalar codecs of codecs.h, on a batch of independent rANS messages (lanes) instead of one:
//   double   push(Lanes m, const S& s)  -> cost in bits, summed over the lanes
//   Coded<S> pop(Lanes m)               -> {s, cost in bits}
// and pop(push(m, s)) == {s, cost} with m restored. Lane l's symbols only ever touch message l, so
// lanes are independent streams; a batch of lanes lets the model evaluate one image per lane in one
// network pass. Stack discipline fixes every order below: what is pushed last is popped first.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "coding/codecs.h"
#include "coding/rans.h"

namespace vlae::codec {

// `count` lanes from `first`: the part of a message (a substack) that one coding step uses.
struct Lanes {
  rans::Message* first = nullptr;
  int64_t count = 0;
  rans::Message& operator[](int64_t l) const { return first[l]; }
  // Lanes [from, from + n) of these.
  Lanes substack(int64_t from, int64_t n) const { return {first + from, n}; }
};

// One symbol per lane. A push also takes any other type whose [l] gives lane l's symbol (a view
// into the caller's data, say), and a sequence any whose [i] gives element i's.
using LaneSymbols = std::vector<uint32_t>;

// Independent lanes: lane l codes its symbol under its own scalar codec, codecs[l], on message l.
template <class Scalar>
struct PerLane {
  std::vector<Scalar> codecs;  // one per lane
  template <class S>
  double push(Lanes m, const S& s) const {
    double bits = 0;
    for (int64_t l = 0; l < m.count; ++l) bits += codecs[l].push(m[l], s[l]);
    return bits;
  }
  Coded<LaneSymbols> pop(Lanes m) const {
    Coded<LaneSymbols> out{LaneSymbols(static_cast<size_t>(m.count)), 0.0};
    for (int64_t l = 0; l < m.count; ++l) {
      const auto c = codecs[l].pop(m[l]);
      out.symbol[l] = c.symbol;
      out.bits += c.bits;
    }
    return out;
  }
};

// The same scalar codec on every lane.
template <class Scalar>
struct Repeat {
  Scalar codec;
  template <class S>
  double push(Lanes m, const S& s) const {
    double bits = 0;
    for (int64_t l = 0; l < m.count; ++l) bits += codec.push(m[l], s[l]);
    return bits;
  }
  Coded<LaneSymbols> pop(Lanes m) const {
    Coded<LaneSymbols> out{LaneSymbols(static_cast<size_t>(m.count)), 0.0};
    for (int64_t l = 0; l < m.count; ++l) {
      const auto c = codec.pop(m[l]);
      out.symbol[l] = c.symbol;
      out.bits += c.bits;
    }
    return out;
  }
};

// Elements of a sequence, element i coded by elements[i] independently of the others. Pushes
// elements 0, 1, ..., n-1; pops them n-1, ..., 0 (the symbol comes back in element order).
template <class Element>
struct Sequence {
  std::vector<Element> elements;
  template <class Symbols>
  double push(Lanes m, const Symbols& s) const {
    double bits = 0;
    for (size_t i = 0; i < elements.size(); ++i) bits += elements[i].push(m, s[i]);
    return bits;
  }
  auto pop(Lanes m) const {
    using S = decltype(elements[0].pop(m).symbol);
    Coded<std::vector<S>> out{std::vector<S>(elements.size()), 0.0};
    for (size_t i = elements.size(); i-- > 0;) {
      auto c = elements[i].pop(m);
      out.symbol[i] = std::move(c.symbol);
      out.bits += c.bits;
    }
    return out;
  }
};

// An autoregressive codec over an order 0..n-1: element j's codec depends on elements < j. The
// model side is `scan(visit)`: it runs over j = 0..n-1, builds element j's codec (an Element, a
// codec over lanes) from what the elements before j were, calls visit(j, codec), and takes
// element j's symbol from visit's return value. pop scans once, popping as it goes, so decoding
// runs in order; push scans once with the known symbols to get every codec, then pushes
// n-1, ..., 0, so that pop finds element 0 on top. Encoder and decoder feed the model the same
// symbols, so they build the same codecs.
template <class Element, class Scan>
struct Autoregressive {
  Scan scan;  // void scan(F visit), visit: (int64_t j, const Element&) -> element j's lane symbols
  template <class Symbols>
  double push(Lanes m, const Symbols& s) const {
    std::vector<Element> codecs;
    scan([&](int64_t j, const Element& c) {
      codecs.push_back(c);
      return s[j];
    });
    double bits = 0;
    for (size_t j = codecs.size(); j-- > 0;) bits += codecs[j].push(m, s[j]);
    return bits;
  }
  Coded<std::vector<LaneSymbols>> pop(Lanes m) const {
    Coded<std::vector<LaneSymbols>> out;
    scan([&](int64_t, const Element& c) {
      auto e = c.pop(m);
      out.bits += e.bits;
      out.symbol.push_back(e.symbol);
      return out.symbol.back();
    });
    return out;
  }
};

template <class Element, class Scan>
Autoregressive<Element, Scan> autoregressive(Scan scan) {
  return {std::move(scan)};
}

}  // namespace vlae::codec
