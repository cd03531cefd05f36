// How a lossless file lays its images on lanes: image i on lane i % lanes, coded in steps of one
// image per lane (step t holds images t*lanes ..), so each network runs once per step on a batch of
// one image per lane. Shared by bits-back (bits_back.cpp) and the lossless rec codec. A bits-back file
// whose expert carries its memory along consecutive images codes them in consecutive_image's order.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "data/images.h"

namespace vlae {

// Images coded at step t: t*lanes + lane for the lanes whose image exists.
inline int64_t lanes_at(int64_t step, int64_t lanes, int64_t count) { return std::min(lanes, count - step * lanes); }

// Lanes of consecutive images (ExpertMixing::Adaptive4): the image coded at step t on lane l, slot
// t*lanes + l, is image first(l) + t, where lane l holds count / lanes images, plus one for the first
// count % lanes lanes, and the lanes before it hold the images before first(l). It is a permutation
// of [0, count) for every lanes in [1, count], so the steps, batches and lane starts stay as above.
inline int64_t consecutive_image(int64_t slot, int64_t lanes, int64_t count) {
  const int64_t t = slot / lanes, l = slot % lanes, q = count / lanes, r = count % lanes;
  return l * q + std::min(l, r) + t;
}

// Images [from, from + n) of x (names are not carried).
inline Images slice(const Images& x, int64_t from, int64_t n) {
  Images s;
  s.channels = x.channels;
  s.height = x.height;
  s.width = x.width;
  s.binary = x.binary;
  s.count = n;
  s.pixels.assign(x.image(from), x.image(from) + n * x.dims());
  return s;
}

// Images which[0], which[1], ... of x, in that order (an image may come more than once).
inline Images pick(const Images& x, const std::vector<int64_t>& which) {
  Images out = slice(x, 0, 0);
  out.count = static_cast<int64_t>(which.size());
  for (int64_t i : which) out.pixels.insert(out.pixels.end(), x.image(i), x.image(i) + x.dims());
  return out;
}

}  // namespace vlae
