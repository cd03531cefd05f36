#!/usr/bin/env bash
# Issue 18's lossy colour curve with issue 17's lossy family: GDN hyperprior transform coders
# (--model hyperprior --gdn --mixed-quantization, N = 48, M = 32) on photos32's 7,855 training
# patches, one model per BETA, side by side on one thread each; then real transform-code files of
# all 602 test patches (`vlae compress --lossy`), their bits/pixel, PSNR and SSIM printed. The
# classical codecs on the same patches: experiments/photos32.sh step 1 (RESULTS, "photos32 test
# patches, lossy").
# Usage: experiments/photos32_transform.sh [OUT] [EPOCHS] [BETAS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
OUT="${1:-runs/photos32-transform}"; E="${2:-8}"; BETAS="${3:-1,2}"
mkdir -p "$OUT"
for b in ${BETAS//,/ }; do
  "$V" train --out "$OUT/beta-$b" --data photos32 --model hyperprior --gdn --mixed-quantization --channels 48 \
    --latent-dim 32 --beta "$b" --epochs "$E" --batch-size 32 --test-limit 200 --threads 1 --resume \
    > "$OUT/beta-$b.log" 2>&1 &
done
wait
for b in ${BETAS//,/ }; do
  "$V" compress --lossy --run "$OUT/beta-$b" --data photos32 --split test -o "$OUT/beta-$b/test.vlae" \
    --json "$OUT/beta-$b/lossy.json" --threads 2 > /dev/null
  "$V" decompress --run "$OUT/beta-$b" "$OUT/beta-$b/test.vlae" -o "$OUT/beta-$b/recon.idx" --threads 2 > /dev/null
  python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print('beta %s: %.4f bpp, PSNR %.2f dB, SSIM %.3f (%d test patches)' % (sys.argv[2], r['bits_per_pixel'], r['psnr_db'], r['ssim'], r['images']))" \
    "$OUT/beta-$b/lossy.json" "$b"
done
