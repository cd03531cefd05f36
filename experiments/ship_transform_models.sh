#!/usr/bin/env bash
# Ships the transform coders behind README's lossy figures: the hyperprior models (GDN, mixed
# quantization, N = 48, M = 32) of experiments/transform_fashion_gdn.sh, one per beta, exported
# weights-only to models/fashion-mnist-hyperprior-b<beta> (vlae export), each then coding the
# first 2,000 Fashion-MNIST test images to a real file and decoding it back. Trains the sweep
# first when SWEEP/results.json is missing (about 100 minutes on 2 cores).
# Refuses to overwrite models/NAME (remove it first to remake it).
# Usage: experiments/ship_transform_models.sh [SWEEP]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE_BIN:-$ROOT/build/vlae}"
SWEEP="${1:-$ROOT/runs/transform-fashion}"
[ -f "$SWEEP/results.json" ] || "$ROOT/experiments/transform_fashion_gdn.sh" "$SWEEP"
for b in 0.5 0.7 1 1.6; do  # the sweep's run folders (beta-%g)
  m="fashion-mnist-hyperprior-b$b"
  "$V" export --run "$SWEEP/beta-$b" --out "$ROOT/models/$m"
  "$V" compress --lossy --run "$ROOT/models/$m" --data fashion-mnist --limit 2000 \
    -o "$ROOT/runs/$m.test.vlae" --json "$ROOT/runs/$m.compress.json"
  "$V" decompress --run "$ROOT/models/$m" "$ROOT/runs/$m.test.vlae" -o "$ROOT/runs/$m.decoded.idx"
done
