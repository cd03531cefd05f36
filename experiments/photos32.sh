#!/usr/bin/env bash
# Issue 18's natural-image measurements on photos32 (32x32 RGB patches of skimage's photographs;
# 602 test patches from chelsea, coffee and rocket, 7,855 training patches from five others):
#   1. lossless classical codecs on the test patches (PNG, WebP lossless, JPEG XL -e 9, AVIF lossless);
#   2. the colour rate-distortion curve: a conv sweep with the Gaussian decoder (trained for MSE),
#      coded with the grid codec, against JPEG, WebP, JPEG XL and AVIF on the same patches;
#   3. lossless: a colour Gated PixelCNN (two stacks, channel masks) with bits-back, real files on
#      every test patch, decoded back (experiments/photos32_pixelcnn.sh; LIKELIHOOD passes through).
# Usage: experiments/photos32.sh [OUT] [PIXELCNN_EPOCHS] [SWEEP_EPOCHS] [THREADS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
OUT="${1:-runs/photos32}"; PE="${2:-8}"; SE="${3:-10}"; T="${4:-2}"
mkdir -p "$OUT"
[ -f "$OUT/baselines_lossless.json" ] ||
  "$V" baselines --data photos32 --split test --json "$OUT/baselines_lossless.json" --threads "$T" > "$OUT/baselines_lossless.txt"
"$V" sweep --out "$OUT/sweep" --data photos32 --model conv --likelihood gaussian --channels 64 --latent-dim 128 \
  --epochs "$SE" --batch-size 64 --betas 0.5,1,2,4 --threads "$T"
"$(dirname "$0")/photos32_pixelcnn.sh" "$OUT" "$PE" "$T"
