#!/usr/bin/env bash
# Issue 18's natural-image measurements on photos32 (32x32 RGB patches of skimage's photographs;
# 602 test patches from chelsea, coffee and rocket, training patches from five other photographs):
#   - lossless: the classical codecs (PNG, WebP lossless, JPEG XL -e 9, AVIF lossless) against
#     vlae's conv VAE coded with bits-back on every test patch;
#   - lossy: the colour rate-distortion curve of a conv sweep (Gaussian decoder, trained for MSE)
#     against JPEG, WebP, JPEG XL and AVIF on the same patches.
# Usage: experiments/photos32.sh [OUT] [EPOCHS] [THREADS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
OUT="${1:-runs/photos32}"; EPOCHS="${2:-40}"; T="${3:-2}"
mkdir -p "$OUT"
"$V" baselines --data photos32 --split test --json "$OUT/baselines_lossless.json" --threads "$T" > "$OUT/baselines_lossless.txt"
"$V" train --out "$OUT/conv" --data photos32 --model conv --channels 64 --latent-dim 128 --epochs "$EPOCHS" \
  --batch-size 64 --threads "$T" --resume
"$V" compress --run "$OUT/conv" --data photos32 --split test -o "$OUT/conv/test.vlae" --json "$OUT/conv/lossless.json" --threads "$T"
"$V" decompress --run "$OUT/conv" "$OUT/conv/test.vlae" -o "$OUT/conv/test.decoded.idx" --threads "$T"
"$V" sweep --out "$OUT/sweep" --data photos32 --model conv --likelihood gaussian --channels 64 --latent-dim 128 \
  --epochs "$EPOCHS" --batch-size 64 --betas 0.25,0.5,1,2,4 --threads "$T"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
b = json.load(open(out + "/baselines_lossless.json"))
r = json.load(open(out + "/conv/lossless.json"))
print("photos32 test, lossless bits/dim: vlae conv %.4f (-ELBO %.4f)" % (r["bits_per_dim"], r["neg_elbo_bits_per_dim"]))
for k in ("png", "png_atlas", "webp_lossless", "webp_lossless_atlas", "jpegxl", "jpegxl_atlas", "avif", "avif_atlas"):
    v = b.get("codecs", b).get(k)
    if v: print("  %-20s %.4f" % (k, v["bits_per_dim"] if isinstance(v, dict) else v))
PY
