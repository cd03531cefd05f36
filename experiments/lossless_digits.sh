#!/usr/bin/env bash
# Issue 17's binarized-digit target (at most 0.145 bits/dim; JBIG 0.2015, JPEG XL 0.2090): the full
# Gated PixelCNN with two stacks (the study's pixelcnn-vh) trained longer, then coded losslessly on
# the 2,000 statically binarized test digits with the real codec (bits-back; experiments/
# ship_lossless_digits.sh ships the run and codes it with lossless rec, the smaller file).
# The learning rate decays from 1e-3 to LR_FINAL (default 1e-5) by a cosine over all EPOCHS
# (LR_FINAL=0 keeps it constant, as the collapse study trains).
# Usage: [LR_FINAL=1e-5] experiments/lossless_digits.sh [RUN_DIR] [EPOCHS] [THREADS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
RUN="${1:-runs/lossless-digits}"; EPOCHS="${2:-30}"; T="${3:-2}"
LR=(); [ "${LR_FINAL:-1e-5}" != "0" ] && LR=(--lr-final "${LR_FINAL:-1e-5}")
"$V" train --out "$RUN" --data mnist --binarize dynamic --model pixelcnn --pixel-stack vh --gated \
  --batch-size 32 --epochs "$EPOCHS" --test-limit 500 --threads "$T" --resume "${LR[@]}"
"$V" compress --run "$RUN" --data mnist --split test -o "$RUN/test.vlae" --json "$RUN/lossless.json" --threads "$T"
"$V" decompress --run "$RUN" "$RUN/test.vlae" -o "$RUN/test.decoded.idx" --threads "$T"
python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print('lossless, %d test digits: %.4f bits/dim (target <= 0.145)' % (r['images'], r['bits_per_dim_with_initial']))" "$RUN/lossless.json"
