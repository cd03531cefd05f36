#!/usr/bin/env bash
# Ships the transform coders behind README's lossy figures: the hyperprior models (GDN, mixed
# quantization, N = 48, M = 32) of experiments/transform_fashion.sh, one per beta, exported
# weights-only to models/fashion-mnist-hyperprior-b<beta> (vlae export), each then coding the
# first 2,000 Fashion-MNIST test images to a real file and decoding it back. Trains the sweep
# first when SWEEP/results.json is missing (about 75 minutes on 2 cores for 7 epochs).
# Refuses to overwrite models/NAME (remove it first to remake it).
# Usage: [BETAS=0.25,0.4,0.55,0.8] experiments/ship_transform_models.sh [SWEEP] [EPOCHS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE_BIN:-$ROOT/build/vlae}"
SWEEP="${1:-$ROOT/runs/transform-gdn}"; E="${2:-7}"
export BETAS="${BETAS:-0.25,0.4,0.55,0.8}"
[ -f "$SWEEP/results.json" ] || FLAGS="--gdn --mixed-quantization" "$ROOT/experiments/transform_fashion.sh" "$SWEEP" "$E" 2 48
for b in ${BETAS//,/ }; do
  m="fashion-mnist-hyperprior-b$b"
  "$V" export --run "$SWEEP/beta-$b" --out "$ROOT/models/$m"
  "$V" compress --lossy --run "$ROOT/models/$m" --data fashion-mnist --limit 2000 \
    -o "$ROOT/runs/$m.test.vlae" --json "$ROOT/runs/$m.compress.json"
  "$V" decompress --run "$ROOT/models/$m" "$ROOT/runs/$m.test.vlae" -o "$ROOT/runs/$m.decoded.idx"
done
