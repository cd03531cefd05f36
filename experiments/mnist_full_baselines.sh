#!/usr/bin/env bash
# The classical codecs on LeCun's 10,000 MNIST test digits (`--data mnist-full`), the same images
# experiments/mnist_full.sh codes: at 8 bits (JPEG XL, AVIF, WebP, PNG, xz, ...) and statically
# binarized (JBIG beside them), each as one atlas and per image. Issue 17's 8-bit target is JPEG
# XL's atlas less 10%. Usage: [VLAE=path/to/vlae] experiments/mnist_full_baselines.sh [OUT] [THREADS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
OUT="${1:-runs/mnist-full-baselines}"; T="${2:-2}"
mkdir -p "$OUT"
[ -f "$OUT/digits8.json" ] || "$V" baselines --data mnist-full --split test --json "$OUT/digits8.json" --threads "$T"
[ -f "$OUT/binarized.json" ] || "$V" baselines --data mnist-full --split test --binarize static \
  --json "$OUT/binarized.json" --threads "$T"
python3 - "$OUT" <<'PY'
import json, sys
for name in ("digits8", "binarized"):
    c = json.load(open(f"{sys.argv[1]}/{name}.json"))["codecs"]
    best = sorted(c.items(), key=lambda kv: kv[1]["bits_per_dim"])
    print(name + ": " + ", ".join("%s %.4f" % (k, v["bits_per_dim"]) for k, v in best[:6]) + " bits/dim")
PY
