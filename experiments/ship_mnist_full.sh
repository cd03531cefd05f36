#!/usr/bin/env bash
# Ships the digit models fine-tuned on LeCun's full MNIST by experiments/mnist_full.sh: exports each
# run's weights to models/NAME, then decodes the run's file of all 10,000 test digits with the
# shipped copy (the file names its model by a fingerprint of the weights, and its checksum must
# hold) and compares the pixels with the run's own decoding: the shipped model is the measured one.
#   runs/mnist-full-digits8   -> models/mnist-full-8bit-vlae-vh-mix     (8-bit, bits-back)
#   runs/mnist-full-binarized -> models/mnist-full-binarized-pixelcnn-vh (binarized, --codec rec --lanes 8)
# Refuses to overwrite models/NAME (vlae export; remove it first to remake it).
# Usage: [VLAE=path/to/vlae] experiments/ship_mnist_full.sh [THREADS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
T="${1:-2}"
for spec in "digits8 mnist-full-8bit-vlae-vh-mix" "binarized mnist-full-binarized-pixelcnn-vh"; do
  read -r which name <<<"$spec"
  RUN="$ROOT/runs/mnist-full-$which"
  M="$ROOT/models/$name"
  [ -d "$M" ] || "$V" export --run "$RUN" --out "$M"
  /usr/bin/time -f "decompress: %e s" "$V" decompress --run "$M" "$RUN/test.vlae" -o "$RUN/test.shipped.idx" \
    --threads "$T"
  cmp "$RUN/test.decoded.idx" "$RUN/test.shipped.idx"
  du -sh "$M"
done
