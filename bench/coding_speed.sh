#!/usr/bin/env bash
# Coding speed on this machine (issue 16's targets): compress and decompress images/s, as vlae
# reports them (coding only, without loading or the report's evaluation), of
#   mlp        the default MLP VAE, 10,000 Fashion-MNIST test images
#   vlae       the default --model vlae, 2,000 test images: binarized digits and Fashion-MNIST
#   pixelcnn   the default full PixelCNN, 2,000 binarized test digits
# Models are trained once into WORKDIR on a small budget (speed does not depend on training).
# VLAE_BIN=OTHER_BINARY codes with another vlae on the same models (side-by-side comparisons),
# and PIXEL_IMAGES sets the PixelCNN families' image count (an old binary codes them slowly).
# Usage: [VLAE_BIN=...] bench/coding_speed.sh [WORKDIR] [THREADS] [PIXEL_IMAGES]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
W="${1:-runs/coding-speed}"; T="${2:-2}"; PIX="${3:-2000}"
CODER="${VLAE_BIN:-$V}"
mkdir -p "$W"
train() {  # NAME FLAGS...
  local n=$1; shift
  [ -f "$W/$n/checkpoint.pt" ] || "$V" train --out "$W/$n" "$@" --threads "$T" >"$W/$n.train.log" 2>&1
}
train mlp --data fashion-mnist --model mlp --limit 10000 --epochs 2
train vlae_bin --data mnist --binarize dynamic --model vlae --limit 2000 --epochs 1
train vlae_fashion --data fashion-mnist --model vlae --limit 2000 --epochs 1
train pixelcnn_bin --data mnist --binarize dynamic --model pixelcnn --limit 2000 --epochs 1
printf "%-14s %-14s %7s %12s %12s %12s\n" model data images bits/dim "compress/s" "decompress/s"
measure() {  # NAME DATA COUNT
  local n=$1 d=$2 c=$3
  local out; out=$("$CODER" compress --run "$W/$n" --data "$d" --split test --limit "$c" -o "$W/$n.vlae" --threads "$T" 2>/dev/null)
  local bpd cs ds
  bpd=$(echo "$out" | sed -n 's/^actual (with initial bits) *\([0-9.]*\).*/\1/p')
  cs=$(echo "$out" | sed -n 's/^compress speed *\([0-9]*\).*/\1/p')
  ds=$("$CODER" decompress --run "$W/$n" "$W/$n.vlae" -o "$W/$n.idx" --threads "$T" 2>/dev/null | sed -n 's/.*(\([0-9]*\) images\/s).*/\1/p')
  printf "%-14s %-14s %7s %12s %12s %12s\n" "$n" "$d" "$c" "$bpd" "$cs" "$ds"
}
measure mlp fashion-mnist 10000
measure vlae_bin mnist "$PIX"
measure vlae_fashion fashion-mnist "$PIX"
measure pixelcnn_bin mnist "$PIX"
