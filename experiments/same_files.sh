#!/usr/bin/env bash
# Checks that two vlae binaries write the same files and decode each other's: tiny runs of every
# model family (mlp, conv; Bernoulli, logistic, Gaussian; PixelCNN single and two-stack, VLAE with
# the AF prior, AR(1)) are trained once with OLD, each codes a few test images with OLD and NEW
# (lossless, and lossy for the MLPs), and the files and their decodings are compared; a model
# retrained by NEW from the same seed must give the same file too. Prints one line per check and
# exits 1 on any difference.
# OLD and NEW must compute with the same coding arithmetic (coding/container.h): a binary from
# before the deterministic engine (arithmetic 0) and one after (1) write different files by design.
# Usage: experiments/same_files.sh OLD_VLAE NEW_VLAE [WORKDIR]
set -uo pipefail
OLD="$1"; NEW="$2"; W="${3:-$(mktemp -d)}"
R="$W/runs"; mkdir -p "$R" "$W/old" "$W/new" "$W/dec"
common="--limit 96 --epochs 1 --batch-size 32 --latent-dim 4 --hidden 32 --threads 2 --seed 3"
pix="--pixel-channels 8 --pixel-layers 3"
spec() {
  case $1 in
    mlp) echo "--data fashion-mnist --model mlp";;
    mlpbin) echo "--data mnist --binarize dynamic --model mlp";;
    mlpgauss) echo "--data fashion-mnist --model mlp --likelihood gaussian";;
    conv) echo "--data fashion-mnist --model conv --channels 4";;
    pcnn) echo "--data mnist --binarize dynamic --model pixelcnn $pix";;
    pcnnvh) echo "--data fashion-mnist --model pixelcnn --pixel-stack vh --gated $pix";;
    vlae) echo "--data mnist --binarize dynamic --model vlae $pix --flow-hidden 16";;
    ar1) echo "--data fashion-mnist --model pixelcnn --prior ar1 --receptive-field local $pix";;
  esac
}
code() {  # BINARY OUTDIR NAME RUN
  local d="--data fashion-mnist" lim=40
  case $3 in mlpbin|pcnn|vlae) d="--data mnist";; esac
  case $3 in pcnn*|vlae|ar1) lim=6;; esac
  "$1" compress --run "$4" $d --split test --limit $lim --lanes 3 -o "$2/$3.vlae" --threads 1 >/dev/null 2>&1 || echo "FAIL compress $3"
  case $3 in mlp|mlpgauss)
    "$1" compress --run "$4" $d --split test --limit $lim --lossy -o "$2/$3.lossy.vlae" >/dev/null 2>&1 || echo "FAIL lossy $3";;
  esac
}
fail=0
for n in mlp mlpbin mlpgauss conv pcnn pcnnvh vlae ar1; do
  [ -f "$R/$n/checkpoint.pt" ] || "$OLD" train --out "$R/$n" $common $(spec $n) >/dev/null 2>&1
  code "$OLD" "$W/old" $n "$R/$n"
  code "$NEW" "$W/new" $n "$R/$n"
done
for f in "$W"/old/*.vlae; do
  n=$(basename "$f"); run="$R/${n%%.*}"
  if cmp -s "$f" "$W/new/$n"; then echo "same file      $n"; else echo "DIFFERENT file $n"; fail=1; fi
  "$OLD" decompress --run "$run" "$f" -o "$W/dec/old_$n.idx" >/dev/null 2>&1
  "$NEW" decompress --run "$run" "$f" -o "$W/dec/new_$n.idx" >/dev/null 2>&1
  if [ -s "$W/dec/old_$n.idx" ] && cmp -s "$W/dec/old_$n.idx" "$W/dec/new_$n.idx"; then echo "same decoding  $n"
  else echo "DIFFERENT decoding $n"; fail=1; fi
done
for n in vlae mlp; do
  rm -rf "$W/retrain/$n"
  "$NEW" train --out "$W/retrain/$n" $common $(spec $n) >/dev/null 2>&1
  code "$NEW" "$W/retrain" $n "$W/retrain/$n"
  if cmp -s "$W/retrain/$n.vlae" "$W/old/$n.vlae"; then echo "same file from a model NEW retrained: $n"
  else echo "DIFFERENT file from a model NEW retrained: $n"; fail=1; fi
done
exit $fail
