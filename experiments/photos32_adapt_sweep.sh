#!/usr/bin/env bash
# The settings of instance-adaptive coding (`vlae compress --adapt-steps`), side by side on one
# photograph's test patches: rocket's 260 (the last of photos32's 602 test patches, the photograph
# the model codes worst). Makes a folder of them by decoding a plain file of the test split, then
# codes it plainly and with each setting: learning rate, which parameters, quantization step.
# Usage: experiments/photos32_adapt_sweep.sh RUN [THREADS] [OUT]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
RUN="$1"; T="${2:-2}"; OUT="${3:-$RUN/adapt-sweep}"
mkdir -p "$OUT"
if [ ! -d "$OUT/rocket" ]; then
  "$V" compress --run "$RUN" --data photos32 --split test -o "$OUT/all.vlae" --threads "$T" >/dev/null 2>&1
  "$V" decompress --run "$RUN" "$OUT/all.vlae" -o "$OUT/all" --threads "$T" >/dev/null 2>&1
  mkdir -p "$OUT/rocket"
  for i in $(seq 342 601); do cp "$OUT/all/$(printf %05d.png "$i")" "$OUT/rocket/"; done
  rm -rf "$OUT/all" "$OUT/all.vlae"
fi
printf "%-58s %10s %10s %8s\n" "rocket's 260 test patches" "file b/dim" "-ELBO" "adapt s"
code() {  # TAG FLAGS...
  local tag=$1; shift
  "$V" compress --run "$RUN" --data "$OUT/rocket" --split all -o "$OUT/$tag.vlae" --json "$OUT/$tag.json" \
    --threads "$T" "$@" >/dev/null 2>&1
  python3 - "$OUT/$tag.json" "${*:-plain}" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print("%-58s %10.4f %10.4f %8s" % (sys.argv[2], j["bits_per_dim_with_initial"], j["neg_elbo_bits_per_dim"],
      "%.0f" % j["adapt"]["seconds"] if "adapt" in j else "-"))
PY
}
code plain
code lr3e-4 --adapt-steps 300 --adapt-lr 3e-4
code lr1e-3 --adapt-steps 300 --adapt-lr 1e-3
code linear --adapt-steps 300 --adapt-lr 3e-4 --adapt-params pixelcnn.linear.
for q in 8 16; do code "q$q" --adapt-steps 300 --adapt-lr 3e-4 --adapt-step-log2 "$q"; done
