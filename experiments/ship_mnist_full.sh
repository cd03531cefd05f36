#!/usr/bin/env bash
# Ships the digit models fine-tuned on LeCun's full MNIST by experiments/mnist_full.sh: exports each
# run's weights to models/NAME, then decodes the run's file of all 10,000 test digits with the
# shipped copy (the file names its model by a fingerprint of the weights, and its checksum must
# hold) and compares the pixels with the run's own decoding: the shipped model is the measured one.
#   runs/mnist-full-digits8   -> models/mnist-full-8bit-vlae-vh-mix     (8-bit, bits-back)
#   runs/mnist-full-binarized -> models/mnist-full-binarized-pixelcnn-vh (binarized, --codec rec --lanes 8)
# DIGITS8_RUN and BINARIZED_RUN name other runs (a second cycle of mnist_full.sh with FROM); SETS
# ships only the sets named. Refuses to overwrite models/NAME (vlae export; remove it first to remake it).
# Usage: [VLAE=path/to/vlae] [DIGITS8_RUN=run] [BINARIZED_RUN=run] experiments/ship_mnist_full.sh [THREADS] [SETS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
T="${1:-2}"; SETS="${2:-digits8 binarized}"
for which in $SETS; do
  case "$which" in
    digits8) name=mnist-full-8bit-vlae-vh-mix; RUN="${DIGITS8_RUN:-$ROOT/runs/mnist-full-digits8}" ;;
    binarized) name=mnist-full-binarized-pixelcnn-vh; RUN="${BINARIZED_RUN:-$ROOT/runs/mnist-full-binarized}" ;;
    *) echo "ship_mnist_full.sh: unknown set '$which' (digits8 or binarized)" >&2; exit 2 ;;
  esac
  M="$ROOT/models/$name"
  [ -d "$M" ] || "$V" export --run "$RUN" --out "$M"
  /usr/bin/time -f "decompress: %e s" "$V" decompress --run "$M" "$RUN/test.vlae" -o "$RUN/test.shipped.idx" \
    --threads "$T"
  cmp "$RUN/test.decoded.idx" "$RUN/test.shipped.idx"
  du -sh "$M"
done
