#!/usr/bin/env bash
# The relative-entropy encoder's searches on 1 and 2 threads, side by side: `vlae compress --lossy
# --codec rec` (and the lossless rec codec) images/s, ROUNDS alternating rounds, medians, and a
# check that the files are the same bytes at both thread counts.
# Usage: bench/rec_threads.sh [LOSSY_RUN] [LOSSLESS_RUN] [IMAGES] [ROUNDS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
LOSSY="${1:-runs/sweep-rec/beta-1}"; LOSSLESS="${2:-models/fashion-mnist-mlp}"; N="${3:-100}"; R="${4:-3}"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
for mode in lossy lossless; do
  for r in $(seq "$R"); do
    for t in 1 2; do
      if [ "$mode" = lossy ]; then
        "$V" compress --run "$LOSSY" --limit "$N" --lossy --codec rec -o "$TMP/$mode.$t.vlae" --json "$TMP/$mode.$t.$r.json" --threads "$t" >/dev/null 2>&1
      else
        "$V" compress --run "$LOSSLESS" --limit "$N" --codec rec -o "$TMP/$mode.$t.vlae" --json "$TMP/$mode.$t.$r.json" --threads "$t" >/dev/null 2>&1
      fi
    done
  done
  cmp -s "$TMP/$mode.1.vlae" "$TMP/$mode.2.vlae" && same=yes || same=NO
  python3 - "$TMP" "$mode" "$R" "$same" <<'PY'
import json, statistics, sys
tmp, mode, rounds, same = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
med = {t: statistics.median(json.load(open(f"{tmp}/{mode}.{t}.{r}.json"))["compress_images_per_s"] for r in range(1, rounds + 1)) for t in (1, 2)}
print(f"{mode:9s} rec compress: 1 thread {med[1]:.2f} img/s, 2 threads {med[2]:.2f} img/s ({med[2] / med[1]:.2f}x); same file: {same}")
PY
done
