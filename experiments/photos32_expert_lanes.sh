#!/usr/bin/env bash
# What the expert's lanes cost and give (README, "A classical expert beside the network"): photos32's
# 602 test patches with `--expert adaptive`, on one lane and on the automatic lanes, coded and
# decoded back one after the other on an otherwise idle machine, each run REPEAT times; prints the
# file's size and the median patches/s of each.
# Usage: experiments/photos32_expert_lanes.sh [RUN] [THREADS] [REPEAT] [OUT]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="$ROOT/build/vlae"
RUN="${1:-$ROOT/models/photos32-pixelcnn-mix-linear5}"; T="${2:-2}"; N="${3:-3}"; OUT="${4:-$ROOT/runs/photos32-expert-lanes}"
mkdir -p "$OUT"
for lanes in 1 0; do
  for i in $(seq 1 "$N"); do
    "$V" compress --run "$RUN" --data photos32 --split test --expert adaptive --lanes "$lanes" -o "$OUT/l$lanes.vlae" \
      --json "$OUT/l$lanes.c$i.json" --threads "$T" >/dev/null 2>&1
    "$V" decompress --run "$RUN" "$OUT/l$lanes.vlae" -o "$OUT/l$lanes.decoded" --json "$OUT/l$lanes.d$i.json" \
      --threads "$T" >/dev/null 2>&1
    rm -rf "$OUT/l$lanes.decoded"
  done
done
python3 - "$OUT" "$N" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
for lanes in (1, 0):
    c = [json.load(open("%s/l%d.c%d.json" % (out, lanes, i))) for i in range(1, n + 1)]
    d = [json.load(open("%s/l%d.d%d.json" % (out, lanes, i))) for i in range(1, n + 1)]
    print("%-16s lanes %d  %d bytes  %.4f bits/dim  compress %.1f patches/s  decompress %.1f patches/s (medians of %d)" % (
        "--lanes 1" if lanes == 1 else "automatic lanes", c[0]["lanes"], c[0]["bytes"], c[0]["bits_per_dim_with_initial"],
        statistics.median(x["compress_images_per_s"] for x in c), statistics.median(x["decompress_images_per_s"] for x in d), n))
PY
