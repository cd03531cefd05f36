#!/usr/bin/env bash
# Makes the shipped models in models/ (run directories every --run accepts, weights only): the MLP
# VAEs of experiments/bits_back.sh, trained by the same lines, then exported (vlae export). About
# 2 minutes on 2 cores. Refuses to overwrite models/NAME (remove it first to remake it).
# Usage: experiments/ship_models.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="$ROOT/build/vlae"
"$V" train --data fashion-mnist --out "$ROOT/runs/fashion-mlp" --epochs 10 --resume
"$V" train --data mnist --binarize dynamic --out "$ROOT/runs/mnist-bin-mlp" --epochs 60 --resume
"$V" export --run "$ROOT/runs/fashion-mlp" --out "$ROOT/models/fashion-mnist-mlp"
"$V" export --run "$ROOT/runs/mnist-bin-mlp" --out "$ROOT/models/mnist-binarized-mlp"
for m in fashion-mnist-mlp mnist-binarized-mlp; do
  "$V" compress --run "$ROOT/models/$m" -o "$ROOT/runs/$m.test.vlae" --json "$ROOT/runs/$m.compress.json"
done
