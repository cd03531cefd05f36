#!/usr/bin/env bash
# Ships the transform coders behind README's lossy figures: the hyperprior models (GDN, mixed
# quantization, N = 48, M = 32) of experiments/transform_fashion_gdn.sh, one per beta, exported
# weights-only to models/fashion-mnist-hyperprior-b<beta> (vlae export), each then coding the
# first 2,000 Fashion-MNIST test images to a real file and decoding it back. Trains the sweep
# first when its run folders are missing (about 100 minutes on 2 cores).
# Then the betas that experiments/transform_fashion_refine.sh trained (warm-started from those)
# for its refined-latent curve: 0.6, 0.65, 2.2 and 2.6, from REFINE (runs/transform-fashion-refine);
# and the top end's 0.66, 0.68 and 0.72, from TOP (experiments/transform_fashion_top.sh).
# Refuses to overwrite models/NAME (remove it first to remake it; a model already there is skipped).
# Usage: experiments/ship_transform_models.sh [SWEEP] [REFINE] [TOP]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE_BIN:-$ROOT/build/vlae}"
SWEEP="${1:-$ROOT/runs/transform-fashion}"
REFINE="${2:-$ROOT/runs/transform-fashion-refine}"
TOP="${3:-$ROOT/runs/transform-fashion-top}"
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
  "$V" export --run "$run" --out "$ROOT/models/$m"
  "$V" compress --lossy --run "$ROOT/models/$m" --data fashion-mnist --limit 2000 \
    -o "$ROOT/runs/$m.test.vlae" --json "$ROOT/runs/$m.compress.json"
  "$V" decompress --run "$ROOT/models/$m" "$ROOT/runs/$m.test.vlae" -o "$ROOT/runs/$m.decoded.idx"
done
