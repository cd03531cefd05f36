#!/usr/bin/env bash
# Relative-entropy coding (`--codec rec`) against the model's KL and the grid codec, for each beta of
# a sweep: actual and ideal bits per image, their ratio to the KL, the target 1.1 x KL + 8 bits,
# the distortion of the sent sample against the model's E_q[-log p(x|z)], and the coding times.
# Usage: experiments/rec.sh [SWEEP_DIR] [IMAGES] [BLOCK_NATS] [SCHEME] [MARGIN_NATS]
#   SWEEP_DIR defaults to runs/sweep-rec, trained here (4 betas, MLP 784-256-32, 3 epochs) if missing.
#   BLOCK_NATS: --rec-block-nats (16). SCHEME: tree (default), binned or plain (--rec-scheme),
#   MARGIN_NATS binned's --rec-margin-nats (4). The defaults were 8 nats and binned until
#   2026-12-06 (plain before 2026-12-03); RESULTS dates each command.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/build:$PATH"
SWEEP="${1:-$ROOT/runs/sweep-rec}"
N="${2:-200}"
BLOCK="${3:-16}"
SCHEME="${4:-tree}"
MARGIN="${5:-4}"
if [ ! -f "$SWEEP/results.json" ]; then
  vlae sweep --data fashion-mnist --limit 20000 --out "$SWEEP" --betas 0.5,1,2,4 --epochs 3 --hidden 256 \
    --latent-dim 32 --eval-limit "$N" --iwae-samples 10 --calibration 2000 --avif-speed 8 >/dev/null
fi
OUT="$SWEEP/rec-$N-$BLOCK"
case "$SCHEME" in
  plain) ;;
  tree) OUT="$OUT-tree" ;;
  *) OUT="$OUT-$SCHEME-$MARGIN" ;;
esac
mkdir -p "$OUT"
for run in "$SWEEP"/beta-*; do
  b=$(basename "$run")
  [ -f "$OUT/$b.json" ] || vlae compress --run "$run" --data fashion-mnist --limit "$N" --lossy --codec rec \
    --rec-block-nats "$BLOCK" --rec-scheme "$SCHEME" --rec-margin-nats "$MARGIN" -o "$OUT/$b.vlae" --json "$OUT/$b.json" >/dev/null
  /usr/bin/time -f "%e" -o "$OUT/$b.decode_s" vlae decompress --run "$run" "$OUT/$b.vlae" -o "$OUT/$b.idx" >/dev/null
done
python3 - "$SWEEP" "$OUT" <<'PY'
import json, os, sys
sweep, out = sys.argv[1], sys.argv[2]
grid = {m["beta"]: m for m in json.load(open(os.path.join(sweep, "results.json")))["models"]}
print("| beta | KL bits/img | rec actual | rec ideal | actual/KL | 1.1 KL + 8 | blocks | log2 cand. | exact | -log p(x|z) sample / E_q (nats) | grid actual/KL | rec PSNR / grid PSNR | encode s/img | decode s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for name in sorted(os.listdir(out)):
    if not name.endswith(".json"): continue
    r = json.load(open(os.path.join(out, name)))
    beta = float(name[len("beta-"):-len(".json")])
    g = grid.get(beta, {})
    kl = r["kl_bits_per_image"]
    dec = open(os.path.join(out, name[:-5] + ".decode_s")).read().strip()
    print(f"| {beta:g} | {kl:.1f} | {r['bits_per_image']:.1f} | {r['ideal_bits_per_image']:.1f} | {r['bits_per_image']/kl:.3f} | "
          f"{1.1*kl+8:.1f} | {r['blocks']} | {r['mean_log2_candidates']:.1f} | {100*r['exact_share']:.0f}% | "
          f"{r['sample_nll_nats']:.1f} / {r['model_distortion_nats']:.1f} | {g.get('actual_over_kl', float('nan')):.3f} | "
          f"{r['psnr_db']:.2f} / {g.get('psnr_db', float('nan')):.2f} | {1/r['compress_images_per_s']:.3f} | {dec} |")
# Issue 20's target, on the images whose KL is at least 20 nats: an image's bits are its index
# codes' ideal bits plus its share of the file's rest (header, rANS flush, rounding).
print()
print("| beta | images with KL >= 20 nats | their KL bits/img | their file bits/img | 1.1 KL + 8 | file bits / KL | images within 1.1 KL + 8 |")
print("|---|---|---|---|---|---|---|")
import math
for name in sorted(os.listdir(out)):
    if not name.endswith(".json"): continue
    r = json.load(open(os.path.join(out, name)))
    if "image_ideal_bits" not in r: continue
    beta = float(name[len("beta-"):-len(".json")])
    ideal, nb = r["image_ideal_bits"], r["blocks"]
    n = len(ideal)
    kl = [sum(r["block_kl_nats"][i * nb:(i + 1) * nb]) / math.log(2) for i in range(n)]
    rest = (r["bits_per_image"] * n - sum(ideal)) / n
    pick = [i for i in range(n) if kl[i] * math.log(2) >= 20]
    if not pick: continue
    k = sum(kl[i] for i in pick) / len(pick)
    b = sum(ideal[i] + rest for i in pick) / len(pick)
    within = sum(ideal[i] + rest <= 1.1 * kl[i] + 8 for i in pick) / len(pick)
    print(f"| {beta:g} | {len(pick)} of {n} | {k:.1f} | {b:.1f} | {1.1*k+8:.1f} | {b/k:.3f} | {100*within:.0f}% |")
PY
