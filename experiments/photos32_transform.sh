#!/usr/bin/env bash
# Issue 18's lossy colour curve with issue 17's lossy family: GDN hyperprior transform coders
# (--model hyperprior --gdn --mixed-quantization, N = 48, M = 32) on photos32's 7,855 training
# patches, one model per BETA, side by side on one thread each; then real transform-code files of
# all 602 test patches (`vlae compress --lossy`), their bits/pixel, PSNR and SSIM printed beside
# AVIF's and JPEG XL's atlases of the same patches at that rate (PSNR interpolated linearly between
# their neighbouring quality settings; `vlae baselines --lossy`, run once into
# OUT/baselines_lossy.json, about 10 minutes on one thread). vlae codes each patch on its own, so the
# line also gives each classical codec's best PSNR with every patch its own file (its best quality
# setting at no more bits per pixel than vlae's; "-" where even its smallest files are larger).
# Rerunning reuses the trained models (--resume), the files made since each last trained, and the baselines.
# Usage: [VLAE=path/to/vlae] experiments/photos32_transform.sh [OUT] [EPOCHS] [BETAS]
set -euo pipefail
V="${VLAE:-$(cd "$(dirname "$0")/.." && pwd)/build/vlae}"
OUT="${1:-runs/photos32-transform}"; E="${2:-8}"; BETAS="${3:-1,2}"
mkdir -p "$OUT"
for b in ${BETAS//,/ }; do
  "$V" train --out "$OUT/beta-$b" --data photos32 --model hyperprior --gdn --mixed-quantization --channels 48 \
    --latent-dim 32 --beta "$b" --epochs "$E" --batch-size 32 --test-limit 200 --threads 1 --resume \
    > "$OUT/beta-$b.log" 2>&1 &
done
wait
for b in ${BETAS//,/ }; do
  [ "$OUT/beta-$b/recon.idx" -nt "$OUT/beta-$b/checkpoint.pt" ] && continue  # coded since it last trained
  "$V" compress --lossy --run "$OUT/beta-$b" --data photos32 --split test -o "$OUT/beta-$b/test.vlae" \
    --json "$OUT/beta-$b/lossy.json" --threads 2 > /dev/null
  "$V" decompress --run "$OUT/beta-$b" "$OUT/beta-$b/test.vlae" -o "$OUT/beta-$b/recon.idx" --threads 2 > /dev/null
done
[ -f "$OUT/baselines_lossy.json" ] ||
  "$V" baselines --data photos32 --split test --lossy --threads 1 --json "$OUT/baselines_lossy.json" > /dev/null
EXPERIMENTS="$(cd "$(dirname "$0")" && pwd)" python3 - "$OUT" ${BETAS//,/ } <<'PY'
import json, math, os, sys
sys.path.insert(0, os.environ["EXPERIMENTS"])
from rd_line import at, atlas
out, betas = sys.argv[1], sys.argv[2:]
points = json.load(open(out + "/baselines_lossy.json"))["points"]
def at_rate(codec, bpp):  # the atlas's PSNR at bpp, "-" outside its ladder
    v = at(atlas(points, codec), bpp)
    return "-" if math.isnan(v) else "%.2f" % v
def per_file(codec, bpp):  # the best PSNR of the codec's files one patch each at no more than bpp
    fits = [p["psnr_db"] for p in points if p["codec"] == codec and p["form"] != "atlas" and p["bits_per_pixel"] <= bpp]
    return "%.2f" % max(fits) if fits else "-"
for b in betas:
    r = json.load(open("%s/beta-%s/lossy.json" % (out, b)))
    print("beta %s: %.4f bpp, PSNR %.2f dB, SSIM %.3f (%d test patches); AVIF atlas there %s dB, JPEG XL atlas %s dB" % (
        b, r["bits_per_pixel"], r["psnr_db"], r["ssim"], r["images"], at_rate("avif", r["bits_per_pixel"]),
        at_rate("jpegxl", r["bits_per_pixel"])))
    print("  per file at no more bits: " + ", ".join("%s %s dB" % (name, per_file(codec, r["bits_per_pixel"])) for codec, name in
        (("avif", "AVIF"), ("jpegxl", "JPEG XL"), ("webp", "WebP"), ("jpeg", "JPEG"))))
PY
