#!/usr/bin/env bash
# Lane starts side by side (README, "Lane starts"): a model's test images coded with every lane's
# first image from initial bits, then with the default (auto: each lane the smaller of that and its
# first image under p(x | z_median)), each file decoded back (the checksum holds), same lanes.
# Usage: [VLAE=path/to/vlae] experiments/lane_starts.sh RUN DATA OUTDIR [LIMIT] [THREADS]
#   e.g. experiments/lane_starts.sh models/fashion-mnist-vlae-vh fashion-mnist runs/lane-starts/fashion
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
RUN="${1:?run}"; DATA="${2:?data}"; OUT="${3:?output folder}"; LIMIT="${4:-0}"; T="${5:-2}"
limit=(); [ "$LIMIT" -gt 0 ] && limit=(--limit "$LIMIT")  # 0: every test image
mkdir -p "$OUT"
for start in initial-bits auto; do
  if [ ! -s "$OUT/$start.json" ] || [ "$OUT/$start.json" -ot "$RUN/checkpoint.pt" ]; then
    "$V" compress --run "$RUN" --data "$DATA" --split test "${limit[@]}" --lane-start "$start" --threads "$T" \
      -o "$OUT/$start.vlae" --json "$OUT/$start.json" > "$OUT/$start.log" 2>&1
    "$V" decompress --run "$RUN" "$OUT/$start.vlae" -o "$OUT/$start.decoded.idx" --threads "$T" >> "$OUT/$start.log" 2>&1
  fi
done
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
rows = {s: json.load(open('%s/%s.json' % (out, s))) for s in ('initial-bits', 'auto')}
a, b = rows['initial-bits'], rows['auto']
print('%d images, %d lanes; -ELBO %.4f bits/dim' % (a['images'], a['lanes'], a['neg_elbo_bits_per_dim']))
for s, r in rows.items():
    print('%-13s file %.4f bits/dim (%d bytes), initial bits %d, lanes under p(x|z_median) %d'
          % (s, r['bits_per_dim_with_initial'], r['bytes'], r['initial_bits'], r.get('median_start_lanes', 0)))
print('saved %.0f bits a lane, %.4f bits/dim' % (8.0 * (a['bytes'] - b['bytes']) / a['lanes'],
      a['bits_per_dim_with_initial'] - b['bits_per_dim_with_initial']))
PY
