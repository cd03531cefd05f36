#!/usr/bin/env bash
# Issue 17's lossy target: Ballé et al.'s transform coders on Fashion-MNIST against AVIF and JPEG XL.
# A mean-scale hyperprior model (--model hyperprior: conv analysis/synthesis transforms, ReLU
# unless FLAGS has --gdn,
# N = --channels, M = --latent-dim latent channels at 7x7, hyper latents at 4x4) trained for squared
# error (the calibrated Gaussian decoder) over a beta sweep, each model's 2,000 first test images
# coded to a real file (the transform codec) and decoded back, beside the classical codecs' curves on
# the same images. The sweep spreads its betas over the processes torchrun starts.
# Usage: [BETAS=b1,b2,...] [FLAGS=--gdn] experiments/transform_fashion.sh [OUT] [EPOCHS] [PROCESSES] [CHANNELS]
set -euo pipefail
V="${VLAE_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/vlae}"
OUT="${1:-runs/transform-fashion}"; E="${2:-8}"; P="${3:-2}"; N="${4:-48}"
BETAS="${BETAS:-0.02,0.05,0.12,0.3}"
mkdir -p "$OUT"
ARGS=(sweep --out "$OUT" --data fashion-mnist --model hyperprior --channels "$N" --latent-dim 32
      --epochs "$E" --batch-size 32 --betas "$BETAS" --eval-limit 2000 --iwae-samples 0 ${FLAGS:-})
if [ "$P" -gt 1 ]; then
  torchrun --no_python --nproc_per_node "$P" --redirects 2 --tee 2 "$V" "${ARGS[@]}" --threads 1
else
  "$V" "${ARGS[@]}"
fi
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
r = json.load(open(out + "/results.json"))
print("Fashion-MNIST, first 2,000 test images: vlae hyperprior (real files) vs the classical codecs")
for m in r["models"]:
    print("  vlae beta %-5g %.4f bpp  %.2f dB  SSIM %.4f" % (m["beta"], m["bits_per_pixel"], m["psnr_db"], m.get("ssim", 0)))
for b in r.get("baselines", []):
    if b["codec"] in ("avif", "jpegxl") and b.get("form") == "atlas":
        print("  %-14s %.4f bpp  %.2f dB  SSIM %.4f" % (b["codec"] + "_atlas", b["bits_per_pixel"], b["psnr_db"], b.get("ssim", 0)))
PY
