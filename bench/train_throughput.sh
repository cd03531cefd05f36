#!/usr/bin/env bash
# Training throughput, vlae (LibTorch) vs the same model and loop in PyTorch for Python, measured
# side by side: ROUNDS alternating rounds of one epoch over Fashion-MNIST's 60,000 training images,
# same threads and batch. Prints the medians, their ratio and peak RSS as JSON.
# Usage: bench/train_throughput.sh [mlp|conv] [ROUNDS] [THREADS] [LIMIT]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODEL="${1:-mlp}" ROUNDS="${2:-3}" THREADS="${3:-$(nproc)}" LIMIT="${4:-60000}"
VLAE="${VLAE_BIN:-$ROOT/build/vlae}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cpp=() py=() cpp_rss=() py_rss=()
for r in $(seq "$ROUNDS"); do
  /usr/bin/time -f "%M" -o "$TMP/rss" "$VLAE" train --data fashion-mnist --limit "$LIMIT" --model "$MODEL" --epochs 1 \
    --batch-size 128 --threads "$THREADS" --test-limit 100 --out "$TMP/run$r" >/dev/null 2>&1
  cpp+=("$(tail -1 "$TMP/run$r/metrics.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')")
  cpp_rss+=("$(cat "$TMP/rss")")
  /usr/bin/time -f "%M" -o "$TMP/rss" /usr/bin/python3 "$ROOT/bench/train_pytorch.py" --model "$MODEL" \
    --threads "$THREADS" --limit "$LIMIT" > "$TMP/py.json"
  py+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["images_per_s"])' "$TMP/py.json")")
  py_rss+=("$(cat "$TMP/rss")")
  echo "round $r: vlae ${cpp[-1]} img/s, pytorch ${py[-1]} img/s" >&2
done
python3 - "$MODEL" "$THREADS" "${cpp[*]}" "${py[*]}" "${cpp_rss[*]}" "${py_rss[*]}" <<'PY'
import json, statistics, sys
model, threads, cpp, py, cr, pr = sys.argv[1:]
cpp, py = [float(v) for v in cpp.split()], [float(v) for v in py.split()]
cr, pr = [int(v) / 1024 for v in cr.split()], [int(v) / 1024 for v in pr.split()]
ratios = [c / p for c, p in zip(cpp, py)]
print(json.dumps({"model": model, "threads": int(threads), "batch_size": 128,
                  "vlae_images_per_s_median": statistics.median(cpp), "pytorch_images_per_s_median": statistics.median(py),
                  "ratio_median": statistics.median(ratios), "ratios": ratios,
                  "vlae_peak_rss_mib": max(cr), "pytorch_peak_rss_mib": max(pr)}, indent=1))
PY
