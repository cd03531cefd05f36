#!/usr/bin/env bash
# Ships the lossless VLAE of experiments/lossless_vlae.sh (local Gated PixelCNN with two stacks and
# an AF prior, trained on all 60,000 Fashion-MNIST training images): exports the run's weights to
# models/fashion-mnist-vlae-vh and codes every test image with the shipped copy, decoding it back.
# Refuses to overwrite models/NAME (vlae export; remove it first to remake it).
# Usage: experiments/ship_lossless_models.sh [RUN_DIR] [THREADS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="$ROOT/build/vlae"
RUN="${1:-$ROOT/runs/lossless-fashion}"; T="${2:-2}"
M="$ROOT/models/fashion-mnist-vlae-vh"
"$V" export --run "$RUN" --out "$M"
"$V" compress --run "$M" --data fashion-mnist --split test -o "$ROOT/runs/fashion-mnist-vlae-vh.test.vlae" \
  --json "$ROOT/runs/fashion-mnist-vlae-vh.compress.json" --threads "$T"
"$V" decompress --run "$M" "$ROOT/runs/fashion-mnist-vlae-vh.test.vlae" -o "$ROOT/runs/fashion-mnist-vlae-vh.decoded.idx" \
  --json "$ROOT/runs/fashion-mnist-vlae-vh.decode.json" --threads "$T"
du -sh "$M"
