// Heap policy for tensor-sized blocks.
#pragma once

namespace vlae {

// Keeps freed memory in the process for reuse instead of returning it to the OS (glibc only; a
// no-op elsewhere). LibTorch on the CPU frees and reallocates every activation on every step: with
// glibc's defaults, blocks above 32 MB are mmapped afresh and the top of the heap is trimmed, so
// each step pays page faults and zeroed pages (docs/RESULTS.md, "Scoring a PixelCNN", has the
// share under perf; bench_iwae measures the effect). The cost: the process keeps its peak heap until it exits.
void keep_freed_memory();

}  // namespace vlae
