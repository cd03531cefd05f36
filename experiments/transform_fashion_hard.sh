#!/usr/bin/env bash
# The hard phase of soft-then-hard training (vlae train --hard-quantization; Guo et al. 2021) on the
# shipped b0.68 transform coder: g_a and h_a frozen, the synthesis, h_s, the densities and sigma
# fine-tuned on the rounded latents' own rate and distortion (the noisy latents' rate that training
# saw overstates the file's by about 38% here), 6 epochs at lr 1e-4 -> 1e-5, one thread (about 100 s
# an epoch). Then both models code the first 2,000 Fashion-MNIST test images (plain, no
# refinement) and the table gives each file's bits, PSNR and the objective it was trained for
# (distortion + beta * rate, nats per image, at the rounded latents). Last, the fine-tuned model
# codes them with refined latents (500 steps, best iterate; about 15 minutes), beside the shipped
# model's refined file from the top-end experiment (TOP, experiments/transform_fashion_top.sh).
# Reuses what is there. Usage: [VLAE=path/to/vlae] experiments/transform_fashion_hard.sh [OUT] [TOP]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
OUT="${1:-runs/transform-fashion-hard}"; TOP="${2:-runs/transform-fashion-top}"
FROM="$ROOT/models/fashion-mnist-hyperprior-b0.68"
mkdir -p "$OUT"
"$V" train --out "$OUT/beta-0.68" --data fashion-mnist --init-from "$FROM" --hard-quantization --beta 0.68 \
  --batch-size 32 --epochs 6 --lr 1e-4 --lr-final 1e-5 --test-limit 2000 --threads 1 --resume >> "$OUT/beta-0.68.log" 2>&1
for run in "$FROM" "$OUT/beta-0.68"; do
  j="$OUT/$(basename "$run").plain.json"
  [ -f "$j" ] || "$V" compress --lossy --run "$run" --limit 2000 --threads 1 -o "$OUT/$(basename "$run").vlae" \
    --json "$j" > /dev/null
done
# shellcheck source=experiments/code_refined.sh
. "$ROOT/experiments/code_refined.sh"
code_refined "$OUT/beta-0.68" 500
[ -f "$TOP/beta-0.68/refined-500.json" ] || "$ROOT/experiments/transform_fashion_top.sh" "$TOP"
python3 - "$OUT" "$(basename "$FROM")" "$TOP" <<'PY'
import json, math, sys
out, shipped, top = sys.argv[1:]
print("Fashion-MNIST, first 2,000 test images, plain files (beta 0.68)")
for name, label in ((shipped, "trained with noise (shipped)"), ("beta-0.68", "then 6 epochs of the hard phase")):
    p = json.load(open("%s/%s.plain.json" % (out, name)))
    objective = p["nll_at_code_nats"] + 0.68 * p["ideal_bits_per_image"] * math.log(2)
    print("  %-32s %.4f bpp  %.3f dB  SSIM %.4f  objective %.1f nats (model rate %.4f bpp)" % (
        label, p["bits_per_pixel"], p["psnr_db"], p["ssim"], objective, p["kl_bits_per_pixel"]))
print("the same images with refined latents (500 steps)")
for path, label in ((top + "/beta-0.68/refined-500.json", "trained with noise (shipped)"),
                    (out + "/beta-0.68/refined-500.json", "then 6 epochs of the hard phase")):
    r = json.load(open(path))
    print("  %-32s %.4f bpp  %.3f dB  SSIM %.4f  objective %.1f -> %.1f nats" % (
        label, r["bits_per_pixel"], r["psnr_db"], r["ssim"], r["objective_before_nats"], r["objective_after_nats"]))
PY
