#!/usr/bin/env bash
# Ships the transform coders behind README's lossy figures: the hyperprior models (GDN, mixed
# quantization, N = 48, M = 32) of experiments/transform_fashion_gdn.sh, one per beta, exported
# weights-only to models/fashion-mnist-hyperprior-b<beta> (vlae export), each then coding the
# first 2,000 Fashion-MNIST test images to a real file and decoding it back. Trains the sweep
# first when its run folders are missing (about 100 minutes on 2 cores).
# Then the betas that experiments/transform_fashion_refine.sh trained (warm-started from those)
# for its refined-latent curve: 0.6, 0.65, 2.2 and 2.6, from REFINE (runs/transform-fashion-refine);
# and the top end's 0.66, 0.68 and 0.72, from TOP (experiments/transform_fashion_top.sh); and b0.68
# after the hard phase, from HARD (experiments/transform_fashion_hard.sh), as -b0.68-hard.
# Refuses to overwrite models/NAME (remove it first to remake it; a model already there is skipped).
# Usage: experiments/ship_transform_models.sh [SWEEP] [REFINE] [TOP] [HARD]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE_BIN:-$ROOT/build/vlae}"
SWEEP="${1:-$ROOT/runs/transform-fashion}"
REFINE="${2:-$ROOT/runs/transform-fashion-refine}"
TOP="${3:-$ROOT/runs/transform-fashion-top}"
HARD="${4:-$ROOT/runs/transform-fashion-hard}"
ship() {  # run directory, model name: export, then code the test images with the shipped copy
  "$V" export --run "$1" --out "$ROOT/models/$2"
  "$V" compress --lossy --run "$ROOT/models/$2" --data fashion-mnist --limit 2000 \
    -o "$ROOT/runs/$2.test.vlae" --json "$ROOT/runs/$2.compress.json"
  "$V" decompress --run "$ROOT/models/$2" "$ROOT/runs/$2.test.vlae" -o "$ROOT/runs/$2.decoded.idx"
}
for run in "$SWEEP"/beta-{0.5,0.7,1,1.6} "$REFINE"/beta-{0.6,0.65,2.2,2.6} "$TOP"/beta-{0.66,0.68,0.72}; do  # beta-%g
  m="fashion-mnist-hyperprior-b${run##*/beta-}"
  [ -f "$ROOT/models/$m/config.json" ] && continue
  if [ ! -d "$run" ]; then  # train what is missing
    case "$run" in
      "$SWEEP"/*) "$ROOT/experiments/transform_fashion_gdn.sh" "$SWEEP" ;;
      "$REFINE"/*) "$ROOT/experiments/transform_fashion_refine.sh" "$REFINE" ;;
      *) "$ROOT/experiments/transform_fashion_top.sh" "$TOP" "$REFINE" ;;
    esac
  fi
  ship "$run" "$m"
done
if [ ! -f "$ROOT/models/fashion-mnist-hyperprior-b0.68-hard/config.json" ]; then
  [ -d "$HARD/beta-0.68" ] || "$ROOT/experiments/transform_fashion_hard.sh" "$HARD" "$TOP"
  ship "$HARD/beta-0.68" fashion-mnist-hyperprior-b0.68-hard
fi
