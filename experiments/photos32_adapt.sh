#!/usr/bin/env bash
# Instance-adaptive coding on photos32 (`vlae compress --adapt-steps`; train/adapt.h): before a file
# is coded, the PixelCNN's head and linear predictor are fine-tuned on the images in it and the
# file carries the change. Two figures, both real files that are decoded back (the checksum holds):
#   1. all 602 test patches in one file, adapted and not, beside the classical codecs on the patches;
#   2. each test photograph whole (chelsea, coffee, rocket: coded as 32x32 tiles, edges included),
#      adapted and not, beside PNG, WebP, JPEG XL and AVIF on the same photograph.
# Usage: [STEP_LOG2=12] experiments/photos32_adapt.sh RUN [STEPS] [LR] [THREADS] [OUT]
#   RUN: a colour PixelCNN run, e.g. runs/photos32/pixelcnn-mix-linear5 (experiments/photos32_pixelcnn.sh)
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
RUN="$1"; S="${2:-300}"; LR="${3:-3e-4}"; T="${4:-2}"; OUT="${5:-$RUN/adapt}"
SK="${VLAE_SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}"
mkdir -p "$OUT"
A=(--adapt-steps "$S" --adapt-lr "$LR" --adapt-step-log2 "${STEP_LOG2:-12}")
code() {  # NAME DATA_FLAGS... : the plain file and the adapted one, each decoded back
  local name=$1; shift
  "$V" compress --run "$RUN" "$@" -o "$OUT/$name.vlae" --json "$OUT/$name.json" --threads "$T" >/dev/null 2>&1
  "$V" compress --run "$RUN" "$@" "${A[@]}" -o "$OUT/$name.adapt.vlae" --json "$OUT/$name.adapt.json" --threads "$T" >/dev/null 2>&1
  for f in "$name" "$name.adapt"; do
    "$V" decompress --run "$RUN" "$OUT/$f.vlae" -o "$OUT/$f.decoded" --threads "$T" >/dev/null 2>&1
    rm -rf "$OUT/$f.decoded"
  done
}
[ -f "$OUT/baselines_patches.json" ] ||
  "$V" baselines --data photos32 --split test --threads "$T" --json "$OUT/baselines_patches.json" >/dev/null 2>&1
code patches --data photos32 --split test
for p in chelsea.png coffee.png rocket.jpg; do
  n="${p%.*}"
  [ -f "$OUT/baselines_$n.json" ] ||
    "$V" baselines --data "$SK/$p" --threads "$T" --json "$OUT/baselines_$n.json" >/dev/null 2>&1
  code "$n" --data "$SK/$p"
done
python3 - "$OUT" "$S" "$LR" <<'PY'
import json, sys
out, steps, lr = sys.argv[1:]
keys = ["jpegxl", "webp_lossless", "avif", "png"]
print("bits/dim of real files (initial bits included); adapted: %s Adam steps at lr %s, the deltas in the file" % (steps, lr))
print("%-16s %10s %10s %8s %8s" % ("images", "vlae", "adapted", "weights", "adapt s") + "".join(" %14s" % k for k in keys))
total = {"plain": 0.0, "adapt": 0.0, "dims": 0.0, **{k: 0.0 for k in keys}}
for name in ["patches", "chelsea", "coffee", "rocket"]:
    m = json.load(open("%s/%s.json" % (out, name)))
    a = json.load(open("%s/%s.adapt.json" % (out, name)))
    b = json.load(open("%s/baselines_%s.json" % (out, name)))["codecs"]
    # On the patches, each codec's stronger figure: one file per patch or the atlas of them all.
    ref = {k: min(b[k]["bits_per_dim"], b.get(k + "_atlas", b[k])["bits_per_dim"]) for k in keys}
    print("%-16s %10.4f %10.4f %8d %8.0f" % (name, m["bits_per_dim_with_initial"], a["bits_per_dim_with_initial"],
          a["adapt"]["weights"], a["adapt"]["seconds"]) + "".join(" %14.4f" % ref[k] for k in keys))
    if name != "patches":
        dims = 8.0 * m["bytes"] / m["bits_per_dim_with_initial"]
        total["dims"] += dims
        total["plain"] += 8.0 * m["bytes"]
        total["adapt"] += 8.0 * a["bytes"]
        for k in keys: total[k] += ref[k] * dims
d = total["dims"]
print("%-16s %10.4f %10.4f %8s %8s" % ("3 photographs", total["plain"] / d, total["adapt"] / d, "", "") +
      "".join(" %14.4f" % (total[k] / d) for k in keys))
PY
