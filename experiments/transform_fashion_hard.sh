#!/usr/bin/env bash
# The hard phase of soft-then-hard training (vlae train --hard-quantization; Guo et al. 2021) on the
# shipped b0.68 and b0.66 transform coders: g_a and h_a frozen, the synthesis, h_s, the densities
# and sigma fine-tuned on the rounded latents' own rate and distortion (the noisy latents' rate that
# training saw overstates the file's by about 38% here), 6 epochs at lr 1e-4 -> 1e-5 (THREADS
# threads, default 1: about 100 s an epoch). Then each shipped model and its fine-tuned copy code the
# first 2,000 Fashion-MNIST test images plain, and the table gives each file's bits, PSNR and the
# objective it was trained for (distortion + beta * rate, nats per image, at the rounded latents).
# Last, each fine-tuned model codes them with refined latents (500 steps, best iterate; about 15
# minutes on one thread), beside the shipped model's refined file from the top-end experiment (TOP,
# experiments/transform_fashion_top.sh: 500 steps for b0.68, 1000 for b0.66), each beside AVIF's
# atlas at its rate (TOP/classical_lossy.json, interpolated between quantizers), and the lines
# between the refined points (hard b0.68 to shipped b0.66, and between the hard points) against AVIF's.
# Reuses what is there. Usage: [VLAE=path/to/vlae] [THREADS=1] experiments/transform_fashion_hard.sh [OUT] [TOP]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="${VLAE:-$ROOT/build/vlae}"
OUT="${1:-runs/transform-fashion-hard}"; TOP="${2:-runs/transform-fashion-top}"
mkdir -p "$OUT"
# shellcheck source=experiments/code_refined.sh
. "$ROOT/experiments/code_refined.sh"
[ -f "$TOP/beta-0.68/refined-500.json" ] || "$ROOT/experiments/transform_fashion_top.sh" "$TOP"
for beta in 0.68 0.66; do
  from="$ROOT/models/fashion-mnist-hyperprior-b$beta"
  "$V" train --out "$OUT/beta-$beta" --data fashion-mnist --init-from "$from" --hard-quantization --beta "$beta" \
    --batch-size 32 --epochs 6 --lr 1e-4 --lr-final 1e-5 --test-limit 2000 --threads "${THREADS:-1}" --resume \
    >> "$OUT/beta-$beta.log" 2>&1
  for run in "$from" "$OUT/beta-$beta"; do
    j="$OUT/$(basename "$run").plain.json"
    [ -f "$j" ] || "$V" compress --lossy --run "$run" --limit 2000 --threads 1 -o "$OUT/$(basename "$run").vlae" \
      --json "$j" > /dev/null
  done
  code_refined "$OUT/beta-$beta" 500
done
EXPERIMENTS="$ROOT/experiments" python3 - "$OUT" "$TOP" <<'PY'
import json, math, os, sys
out, top = sys.argv[1:]
sys.path.insert(0, os.environ["EXPERIMENTS"])
from rd_line import at, avif_atlas
avif = avif_atlas(top + "/classical_lossy.json")

refined = {}
print("Fashion-MNIST, first 2,000 test images")
for beta in ("0.68", "0.66"):
    print("beta %s, plain files" % beta)
    for name, label in (("fashion-mnist-hyperprior-b" + beta, "trained with noise (shipped)"),
                        ("beta-" + beta, "then 6 epochs of the hard phase")):
        p = json.load(open("%s/%s.plain.json" % (out, name)))
        objective = p["nll_at_code_nats"] + float(beta) * p["ideal_bits_per_image"] * math.log(2)
        print("  %-32s %.4f bpp  %.3f dB  SSIM %.4f  objective %.1f nats (model rate %.4f bpp)" % (
            label, p["bits_per_pixel"], p["psnr_db"], p["ssim"], objective, p["kl_bits_per_pixel"]))
    print("beta %s, refined latents" % beta)
    shipped = "%s/beta-%s/refined-%%d.json" % (top, beta)
    steps = 500 if os.path.exists(shipped % 500) else 1000
    for path, label in ((shipped % steps, "shipped, %d steps" % steps),
                        ("%s/beta-%s/refined-500.json" % (out, beta), "hard phase, 500 steps")):
        r = json.load(open(path))
        rate, db = r["bits_per_pixel"], r["psnr_db"]
        refined[(beta, label[:4])] = (rate, db)
        print("  %-32s %.4f bpp  %.3f dB  SSIM %.4f  objective %.1f -> %.1f nats  AVIF %.2f dB there, %+.2f" % (
            label, rate, db, r["ssim"], r["objective_before_nats"], r["objective_after_nats"], at(avif, rate),
            db - at(avif, rate)))
for name, line in (("hard b0.68 to shipped b0.66", [refined[("0.68", "hard")], refined[("0.66", "ship")]]),
                   ("hard b0.68 to hard b0.66", [refined[("0.68", "hard")], refined[("0.66", "hard")]])):
    print("the line %s against AVIF's: %s" % (name, ", ".join(
        "%.2f bpp %+.2f" % (r, at(line, r) - at(avif, r)) for r in (0.90, 0.91, 0.92, 0.93) if r <= line[1][0])))
PY
