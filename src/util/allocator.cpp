#include "util/allocator.h"

#include <climits>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace vlae {

void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);              // every block from the heap, none mmapped per allocation
  mallopt(M_TRIM_THRESHOLD, INT_MAX);  // and the heap's free top is kept, not given back
#endif
}

}  // namespace vlae
