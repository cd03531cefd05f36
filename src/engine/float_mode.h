// IEEE-754 subnormals for the scope of a deterministic computation. A host program (or a library
// it loads) may set the x86 flush-to-zero / denormals-are-zero bits of its threads' MXCSR; a
// kernel that then met a subnormal would round differently from one on a thread without them.
// The engine's entry points and its worker-thread bodies hold one of these: the bits are cleared
// on entry and restored on exit, so the host's mode is left as it was. (AArch64 runs with FZ off
// unless a program sets it; vlae never does.)
#pragma once
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace vlae::engine {

class IeeeSubnormals {
 public:
#if defined(__SSE2__)
  static constexpr unsigned kFlushBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
  IeeeSubnormals() : saved_(_mm_getcsr()) {
    if (saved_ & kFlushBits) _mm_setcsr(saved_ & ~kFlushBits);
  }
  ~IeeeSubnormals() {
    if (saved_ & kFlushBits) _mm_setcsr(saved_);
  }
  IeeeSubnormals(const IeeeSubnormals&) = delete;
  IeeeSubnormals& operator=(const IeeeSubnormals&) = delete;

 private:
  unsigned saved_;
#endif
};

}  // namespace vlae::engine
