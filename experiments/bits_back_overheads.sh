#!/usr/bin/env bash
# What a bits-back file pays on top of its model, side by side on one model's test images, each file
# decoded back (the checksum holds), the same lanes throughout:
#   initial-bits  every lane's first image from initial bits (latent_dim x latent_bits per lane)
#   auto          lane starts (README, "Lane starts"): each lane the smaller of that and its first
#                 image under p(x | z_median)
#   auto-iwK      the same with K coupled importance samples per image (IMPORTANCE=K; README,
#                 "Importance-weighted bits-back"): the importance-weighted bound instead of the -ELBO
# Files already made for the run's current checkpoint are reused; ONLY="auto-iw16" codes just those.
# Usage: [VLAE=path/to/vlae] [IMPORTANCE=16] experiments/bits_back_overheads.sh RUN DATA OUTDIR [LIMIT] [THREADS]
#   e.g. experiments/bits_back_overheads.sh models/fashion-mnist-vlae-vh fashion-mnist runs/overheads/fashion
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
RUN="${1:?run}"; DATA="${2:?data}"; OUT="${3:?output folder}"; LIMIT="${4:-0}"; T="${5:-2}"
limit=(); [ "$LIMIT" -gt 0 ] && limit=(--limit "$LIMIT")  # 0: every test image
variants=(initial-bits auto); [ -n "${IMPORTANCE:-}" ] && variants+=("auto-iw$IMPORTANCE")
[ -n "${ONLY:-}" ] && variants=($ONLY)  # code only these now (the table shows every variant coded)
mkdir -p "$OUT"
for variant in "${variants[@]}"; do
  [ -s "$OUT/$variant.json" ] && [ "$OUT/$variant.json" -nt "$RUN/checkpoint.pt" ] && continue
  case "$variant" in
    initial-bits) flags=(--lane-start initial-bits) ;;
    auto) flags=() ;;
    *) flags=(--importance-samples "${variant#auto-iw}") ;;
  esac
  /usr/bin/time -f "$variant: compress %e s" "$V" compress --run "$RUN" --data "$DATA" --split test "${limit[@]}" \
    "${flags[@]}" --threads "$T" -o "$OUT/$variant.vlae" --json "$OUT/$variant.json.part" > "$OUT/$variant.log" 2>&1
  /usr/bin/time -f "$variant: decompress %e s" "$V" decompress --run "$RUN" "$OUT/$variant.vlae" \
    -o "$OUT/$variant.decoded.idx" --threads "$T" >> "$OUT/$variant.log" 2>&1
  mv "$OUT/$variant.json.part" "$OUT/$variant.json"  # only a file that decoded back counts
done
python3 - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
names = [os.path.basename(f)[:-5] for f in glob.glob(out + '/*.json')]  # every variant coded so far
order = lambda v: (v != 'initial-bits', v != 'auto', int(v[7:]) if v.startswith('auto-iw') else 0)
rows = {v: json.load(open('%s/%s.json' % (out, v))) for v in sorted(names, key=order)}
first = rows['initial-bits']
print('%d images, %d lanes; the model\'s -ELBO %.4f bits/dim' % (first['images'], first['lanes'], first['neg_elbo_bits_per_dim']))
for v, r in rows.items():
    print('%-13s file %.4f bits/dim (%d bytes; %.4f without its %d initial bits), %d lanes under p(x|z_median), '
          '%.0f images/s compressing' % (v, r['bits_per_dim_with_initial'], r['bytes'], r['bits_per_dim'], r['initial_bits'],
          r.get('median_start_lanes', 0), r['compress_images_per_s']))
    if v != 'initial-bits':
        print('%13s %.0f bits a lane less than initial-bits, %.4f bits/dim' % ('', 8.0 * (first['bytes'] - r['bytes']) /
              first['lanes'], first['bits_per_dim_with_initial'] - r['bits_per_dim_with_initial']))
PY
