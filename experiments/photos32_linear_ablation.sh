#!/usr/bin/env bash
# The linear predictor's effect on photos32 (RESULTS, "a linear predictor beside the network"): the
# colour Gated PixelCNN of experiments/photos32_pixelcnn.sh (two stacks, 48 channels, logistic
# mixture, batch 32) trained for EPOCHS without and with --pixel-linear 5, side by side on one
# thread each, and their test -ELBO on the first 200 test patches.
# Usage: experiments/photos32_linear_ablation.sh [OUT] [EPOCHS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
OUT="${1:-runs/photos32-linear-ablation}"; E="${2:-1}"
mkdir -p "$OUT"
for k in 0 5; do
  "$V" train --out "$OUT/linear$k" --data photos32 --model pixelcnn --pixel-stack vh --gated --pixel-channels 48 \
    --epochs "$E" --batch-size 32 --test-limit 200 --threads 1 --likelihood logistic-mixture \
    $([ "$k" -gt 0 ] && echo --pixel-linear $k) --resume > "$OUT/linear$k.log" 2>&1 &
done
wait
python3 - "$OUT" <<'PY'
import json, sys
for k in (0, 5):
    rows = [json.loads(l) for l in open("%s/linear%d/metrics.jsonl" % (sys.argv[1], k))]
    print("--pixel-linear %d: " % k + ", ".join("epoch %d test -ELBO %.4f bits/dim" % (r["epoch"], r["test"]["neg_elbo_bits_per_dim"]) for r in rows))
PY
