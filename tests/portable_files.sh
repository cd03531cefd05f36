#!/usr/bin/env bash
# A file is a function of the file and the model alone (issue 16): tiny models of every family
# (mlp, conv; Bernoulli, logistic, Gaussian; PixelCNN full and local, single and vh, gated; AF and
# AR(1) priors; the GDN hyperprior transform coder) are trained, each codes a few test images once (bits back, and
# for two families z by relative-entropy coding too; for the two-stack PixelCNN a file with adapted
# parameters and one with the adaptive expert too), and every file is decoded in other
# processes under each OpenBLAS core type this CPU runs, with 1 and 2 threads, and with vlae's own
# kernel on AVX2 and on the baseline instruction set (VLAE_KERNEL=baseline). Every decoding
# (lossless, and the lossy reconstructions) must be byte-identical to the first, and a lossless
# file compressed under another core type and thread count must be the same file.
# Usage: tests/portable_files.sh VLAE [WORKDIR]
set -uo pipefail
V="$1"; W="${2:-$(mktemp -d)}"
mkdir -p "$W"
common="--limit 64 --epochs 1 --batch-size 32 --latent-dim 3 --hidden 16 --threads 2 --seed 5"
pix="--pixel-channels 4 --pixel-layers 3"
spec() {
  case $1 in
    mlp) echo "--data fashion-mnist --model mlp";;
    mlpbin) echo "--data mnist --binarize dynamic --model mlp --hidden-layers 2";;
    mlpgauss) echo "--data fashion-mnist --model mlp --likelihood gaussian";;
    conv) echo "--data fashion-mnist --model conv --channels 4";;
    pcnn) echo "--data mnist --binarize dynamic --model pixelcnn $pix";;
    pcnnvh) echo "--data fashion-mnist --model pixelcnn --pixel-stack vh --gated $pix";;
    vlae) echo "--data mnist --binarize dynamic --model vlae $pix --flow-hidden 8";;
    ar1) echo "--data fashion-mnist --model pixelcnn --prior ar1 --receptive-field local $pix";;
    hyper) echo "--data fashion-mnist --model hyperprior --gdn --mixed-quantization --channels 4";;
  esac
}
data_of() { case $1 in mlpbin|pcnn|vlae) echo mnist;; *) echo fashion-mnist;; esac; }
cores="Prescott Nehalem SandyBridge Haswell Zen"
fail=0
for n in mlp mlpbin mlpgauss conv pcnn pcnnvh vlae ar1 hyper; do
  run="$W/$n"; before=$fail; fail=0
  [ -f "$run/checkpoint.pt" ] || "$V" train --out "$run" $common $(spec $n) >/dev/null 2>"$W/$n.train.err" \
    || { echo "FAIL train $n: $(tail -1 "$W/$n.train.err")"; fail=1; continue; }
  d=$(data_of $n); lim=24; case $n in pcnn*|vlae|ar1) lim=4;; esac
  # lrec: lossless with z relative-entropy coded (models with the N(0, I) prior).
  kinds="lossless"; case $n in mlp) kinds="lossless lossy rec lrec";; mlpgauss|mlpbin|conv) kinds="lossless lossy rec";;
    pcnnvh) kinds="lossless lrec adapt expert";; hyper) kinds="lossy";; esac
  for kind in $kinds; do
    flags=""; [ $kind = lossy ] && flags="--lossy"; [ $kind = rec ] && flags="--lossy --codec rec"
    [ $kind = lrec ] && flags="--codec rec --calibration 200"
    # adapt: a lossless file carrying fine-tuned weights (format version 4); its encoder trains on
    # LibTorch, so only the decoding must be the same everywhere.
    [ $kind = adapt ] && flags="--adapt-steps 3 --adapt-batch-size 2"
    # expert: the network's distributions mixed with the adaptive expert's (format version 6), its
    # memory carried along each lane (7 images on 3 lanes).
    [ $kind = expert ] && flags="--expert adaptive"
    f="$W/$n.$kind.vlae"; klim=$lim; [ $kind = expert ] && klim=7
    "$V" compress --run "$run" --data $d --split test --limit $klim --lanes 3 $flags -o "$f" --threads 2 \
      >/dev/null 2>"$W/err" || { echo "FAIL compress $n $kind: $(tail -1 "$W/err")"; fail=1; continue; }
    ref=""
    for core in $cores; do
      for t in 1 2; do
        out="$W/$n.$kind.$core.$t.idx"
        if ! OPENBLAS_CORETYPE=$core "$V" decompress --run "$run" "$f" -o "$out" --threads $t >/dev/null 2>"$W/err"; then
          echo "FAIL decode $n $kind under $core, $t threads: $(tail -1 "$W/err")"; fail=1; continue
        fi
        if [ -z "$ref" ]; then ref="$out"
        elif ! cmp -s "$ref" "$out"; then echo "FAIL $n $kind: decoding under $core, $t threads differs"; fail=1; fi
      done
    done
    out="$W/$n.$kind.baseline.idx"
    VLAE_KERNEL=baseline "$V" decompress --run "$run" "$f" -o "$out" --threads 2 >/dev/null 2>"$W/err" \
      || { echo "FAIL decode $n $kind with the baseline kernel: $(tail -1 "$W/err")"; fail=1; }
    [ -n "$ref" ] && ! cmp -s "$ref" "$out" && { echo "FAIL $n $kind: decoding with the baseline kernel differs"; fail=1; }
    [ $kind = lossless ] || [ $kind = expert ] || continue
    OPENBLAS_CORETYPE=Prescott "$V" compress --run "$run" --data $d --split test --limit $klim --lanes 3 $flags -o "$W/again.vlae" \
      --threads 1 >/dev/null 2>&1
    cmp -s "$f" "$W/again.vlae" || { echo "FAIL $n $kind: the file compressed under Prescott, 1 thread differs"; fail=1; }
  done
  [ $fail -eq 0 ] && echo "portable: $n ($kinds) decodes the same under $cores, with 1 and 2 threads, AVX2 and baseline"
  [ $before -eq 0 ] || fail=1
done
exit $fail
