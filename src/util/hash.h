// FNV-1a, 64 bits: model fingerprints and checksums of decoded data. Not cryptographic; it detects
// a wrong model or corrupted output, which is all the file format asks of it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vlae {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;

inline uint64_t fnv1a(const void* data, size_t n, uint64_t h = kFnvOffset) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace vlae
