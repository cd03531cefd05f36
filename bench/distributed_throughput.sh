#!/usr/bin/env bash
# Training throughput, one process with T threads against P processes with T/P threads each
# (Gloo on loopback, launched by torchrun), images/s as metrics.jsonl records them (the median of
# the epochs). Several processes run twice: gradients all-reduced while backward runs (the
# default) and after it (VLAE_GRAD_OVERLAP=0). Models: the default MLP VAE on Fashion-MNIST and the default full PixelCNN on
# binarized digits, global batch 128 either way.
# Usage: bench/distributed_throughput.sh [WORKDIR] [THREADS] [PROCESSES...]   (default: 2 and "1 2")
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
W="${1:-runs/distributed-throughput}"; T="${2:-2}"; shift 2 2>/dev/null || true
PROCS=("${@:-1}"); [ $# -gt 0 ] || PROCS=(1 2)
mkdir -p "$W"
median_ips() {
  python3 -c "
import json, statistics, sys
print('%.0f' % statistics.median(json.loads(l)['images_per_s'] for l in open(sys.argv[1])))" "$1/metrics.jsonl"
}
port=29900
run() {  # NAME PROCS FLAGS...
  local n=$1 p=$2; shift 2
  local out="$W/$n.p$p.overlap${VLAE_GRAD_OVERLAP:-1}"; rm -rf "$out"
  local threads=$((T / p)); [ $threads -ge 1 ] || threads=1
  port=$((port + 7))
  if [ "$p" -eq 1 ]; then
    "$V" train --out "$out" "$@" --threads $threads >"$out.log" 2>&1
  else
    torchrun --no_python --nproc_per_node "$p" --redirects 2 --tee 2 --master_port $port \
      "$V" train --out "$out" "$@" --threads $threads >"$out.log" 2>&1
  fi
  local how=""; [ "$p" -gt 1 ] && how=$([ "${VLAE_GRAD_OVERLAP:-1}" = 0 ] && echo "all-reduce after backward" || echo "all-reduce overlapped")
  printf "%-10s %3d processes x %d threads %10s images/s  %s\n" "$n" "$p" "$threads" "$(median_ips "$out")" "$how"
}
mlp=(--data fashion-mnist --model mlp --limit 10000 --epochs 3 --batch-size 128 --test-limit 500)
pix=(--data mnist --binarize dynamic --model pixelcnn --limit 2000 --epochs 2 --batch-size 128 --test-limit 200)
for model in mlp pix; do
  eval "flags=(\"\${$model[@]}\")"
  name=$([ $model = mlp ] && echo mlp || echo pixelcnn)
  for p in "${PROCS[@]}"; do
    run "$name" "$p" "${flags[@]}"
    [ "$p" -gt 1 ] && VLAE_GRAD_OVERLAP=0 run "$name" "$p" "${flags[@]}"
  done
done
