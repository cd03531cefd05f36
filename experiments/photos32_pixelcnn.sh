#!/usr/bin/env bash
# Issue 18's lossless photos32 figure: a colour Gated PixelCNN (two stacks, the channel masks of van
# den Oord et al. 2016) trained on the 7,855 training patches, then bits-back files of all 602 test
# patches with the real codec, decoded back (the checksum in the file must hold), printed beside the
# classical codecs when OUT/baselines_lossless.json exists (experiments/photos32.sh step 1).
# LIKELIHOOD: per sub-pixel, logistic (default) or logistic-mixture (5 components, PixelCNN++).
# LINEAR=K: a KxK linear causal predictor beside the network (--pixel-linear; default none).
# --resume: rerunning with a larger EPOCHS continues the run; LR_FINAL (e.g. 1e-5) decays the
# learning rate on a cosine over all EPOCHS.
# Usage: [LIKELIHOOD=...] [LR_FINAL=...] [LINEAR=K] experiments/photos32_pixelcnn.sh [OUT] [EPOCHS] [THREADS] [RUN_NAME]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
OUT="${1:-runs/photos32}"; E="${2:-8}"; T="${3:-2}"; R="$OUT/${4:-pixelcnn}"
mkdir -p "$OUT"
"$V" train --out "$R" --data photos32 --model pixelcnn --pixel-stack vh --gated --pixel-channels 48 \
  --epochs "$E" --batch-size 32 --test-limit 200 --threads "$T" --likelihood "${LIKELIHOOD:-logistic}" \
  ${LR_FINAL:+--lr-final "$LR_FINAL"} ${LINEAR:+--pixel-linear "$LINEAR"} --resume
/usr/bin/time -f "compress: %e s" "$V" compress --run "$R" --data photos32 --split test -o "$R/test.vlae" \
  --json "$R/lossless.json" --threads "$T"
/usr/bin/time -f "decompress: %e s" "$V" decompress --run "$R" "$R/test.vlae" -o "$R/test.decoded.idx" --threads "$T"
python3 - "$OUT" "$R" <<'PY'
import json, os, sys
out, run = sys.argv[1], sys.argv[2]
r = json.load(open(run + "/lossless.json"))
print("photos32 test (%d patches), lossless bits/dim" % r["images"])
print("  %-22s %.4f (file; with the initial bits %.4f; model -ELBO %.4f)" % (
    "vlae colour PixelCNN", r["bits_per_dim"], r["bits_per_dim_with_initial"], r["neg_elbo_bits_per_dim"]))
if os.path.exists(out + "/baselines_lossless.json"):
    b = json.load(open(out + "/baselines_lossless.json"))["codecs"]
    for k in ("png", "png_atlas", "webp_lossless", "webp_lossless_atlas", "jpegxl", "jpegxl_atlas", "avif", "avif_atlas"):
        print("  %-22s %.4f" % (k, b[k]["bits_per_dim"]))
PY
