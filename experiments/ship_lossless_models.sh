#!/usr/bin/env bash
# Ships a lossless VLAE of experiments/lossless_vlae.sh (local Gated PixelCNN with two stacks and an
# AF prior): exports the run's weights to models/NAME and codes every test image with the shipped
# copy, decoding it back (the checksum in the file must hold).
#   fashion: runs/lossless-fashion -> models/fashion-mnist-vlae-vh (all 10,000 Fashion-MNIST test images)
#   digits8: runs/lossless-digits8-mix -> models/mnist-8bit-vlae-vh-mix (the logistic-mixture model,
#            LIKELIHOOD=logistic-mixture; all 2,000 npm test digits at 8 bits)
# Refuses to overwrite models/NAME (vlae export; remove it first to remake it).
# Usage: experiments/ship_lossless_models.sh [fashion|digits8] [RUN_DIR] [THREADS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="$ROOT/build/vlae"
which="${1:-fashion}"
case "$which" in
  fashion) data=fashion-mnist; name=fashion-mnist-vlae-vh; run=lossless-fashion ;;
  digits8) data=mnist; name=mnist-8bit-vlae-vh-mix; run=lossless-digits8-mix ;;
  *) echo "ship_lossless_models.sh: unknown set '$which' (fashion or digits8)" >&2; exit 2 ;;
esac
RUN="${2:-$ROOT/runs/$run}"; T="${3:-2}"
M="$ROOT/models/$name"
O="$ROOT/runs/$name"
"$V" export --run "$RUN" --out "$M"
/usr/bin/time -f "compress: %e s" "$V" compress --run "$M" --data "$data" --split test -o "$O.test.vlae" \
  --json "$O.compress.json" --threads "$T"
/usr/bin/time -f "decompress: %e s" "$V" decompress --run "$M" "$O.test.vlae" -o "$O.decoded.idx" \
  --json "$O.decode.json" --threads "$T"
du -sh "$M"
