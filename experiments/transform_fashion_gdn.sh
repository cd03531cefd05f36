#!/usr/bin/env bash
# Issue 17's lossy figures: GDN hyperprior transform coders (--gdn --mixed-quantization, N = 48,
# M = 32) on Fashion-MNIST against AVIF and JPEG XL on the first 2,000 test images, in three steps
# on one sweep directory (about 80 minutes on 2 cores, plus 20 for the classical codecs):
#   1. beta 1.0 and 1.6 from scratch, 6 epochs each (one model per process, side by side);
#   2. beta 0.5 and 0.7 warm-started from the beta = 1 model after its 6 epochs (its weights and
#      Adam state, the run's beta changed), then 6 more epochs at their own beta (12 in all);
#   3. all four evaluated and coded to real files of the test images, beside the classical codecs
#      (nothing left to train), and the figure OUT/rd.png.
# Every step resumes what is already there. Usage: experiments/transform_fashion_gdn.sh [OUT]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-runs/transform-fashion}"
export FLAGS="--gdn --mixed-quantization"
BETAS=1.0,1.6 "$HERE/transform_fashion.sh" "$OUT" 6 2 48
for b in 0.5 0.7; do
  d="$OUT/beta-$b"
  [ -f "$d/checkpoint.pt" ] && continue
  mkdir -p "$d"
  cp "$OUT/beta-1/checkpoint.pt" "$OUT/beta-1/metrics.jsonl" "$d/"
  python3 - "$OUT/beta-1/config.json" "$d/config.json" "$b" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["objective"]["beta"] = float(sys.argv[3])
c["train"]["epochs"] = 12
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
done
BETAS=0.5,0.7 "$HERE/transform_fashion.sh" "$OUT" 12 2 48
BETAS=0.5,0.7,1.0,1.6 "$HERE/transform_fashion.sh" "$OUT" 6 2 48
