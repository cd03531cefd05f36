#!/usr/bin/env bash
# VLAE's CIFAR-10 variant (Chen et al. 2017, section 5.2) on photos32: a local Gated PixelCNN that
# reads only the gray level of earlier pixels, so colour must travel through z. The study draws its
# "lossy code" figure: test patches (top row) and draws of p(x|z) at their posterior mean below,
# which keep the patches' colours while the local texture varies.
# Usage: experiments/vlae_gray_context.sh [OUT] [EPOCHS] [THREADS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
OUT="${1:-runs/vlae-gray-context}"; EPOCHS="${2:-8}"; T="${3:-2}"
"$V" study collapse --data photos32 --models vlae-vh --pixel-context gray --pixel-channels 48 \
  --epochs "$EPOCHS" --batch-size 32 --out "$OUT" --threads "$T" --eval-limit 200 --iwae-samples 16 --code-limit 100
echo "figure: $OUT/vlae-vh/lossy_code.png"
