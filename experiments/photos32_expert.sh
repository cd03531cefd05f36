#!/usr/bin/env bash
# The adaptive expert beside the colour PixelCNN (`vlae compress --expert adaptive`;
# coding/adaptive_expert.h) on photos32's test photographs. Real files, each decoded back (the
# checksum in the file must hold), initial bits included:
#   1. all 602 test patches in one file;
#   2. each test photograph whole (chelsea, coffee, rocket: 32x32 tiles, edges included);
# each with the network alone, with the first expert rule (adaptive1: restarted with every image),
# the second (adaptive2: learns along each lane), the third (adaptive3: and a least-squares
# predictor), the fourth (adaptive: lanes of consecutive images), and (ADAPT steps > 0) with the
# first and the model adapted to the file
# (--adapt-steps; docs/RESULTS.md's figure), beside PNG, WebP, AVIF and JPEG XL on the same images
# (each codec's better of one file per image and the atlas); and the patches with the expert on one
# lane (--lanes 1; one lane lays the images out the same under rules 3 and 4).
# Usage: [ADAPT=0] experiments/photos32_expert.sh [RUN] [THREADS] [OUT]
#   RUN: a colour PixelCNN run; by default the shipped models/photos32-pixelcnn-mix-linear5 (a copy of
#   runs/photos32/pixelcnn-mix-linear5, experiments/photos32_pixelcnn.sh: the same files). OUT: by
#   default runs/photos32-expert.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
V="$ROOT/build/vlae"
RUN="${1:-$ROOT/models/photos32-pixelcnn-mix-linear5}"; T="${2:-2}"
OUT="${3:-$ROOT/runs/photos32-expert}"; ADAPT="${ADAPT:-0}"
SK="${VLAE_SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}"
mkdir -p "$OUT"
code() {  # NAME DATA_FLAGS...
  local name=$1; shift
  local variants=(plain expert1 expert2 expert3 expert)
  [ "$ADAPT" -gt 0 ] && variants+=(expert1-adapt)
  [ "$name" = patches ] && variants+=(expert-lanes1)  # the memory along one lane: the smallest file
  for v in "${variants[@]}"; do
    local flags=()
    case $v in
      expert1) flags=(--expert adaptive1) ;;
      expert2) flags=(--expert adaptive2) ;;
      expert3) flags=(--expert adaptive3) ;;
      expert) flags=(--expert adaptive) ;;
      expert1-adapt) flags=(--expert adaptive1 --adapt-steps "$ADAPT") ;;
      expert-lanes1) flags=(--expert adaptive --lanes 1) ;;
    esac
    [ -f "$OUT/$name.$v.json" ] && continue
    "$V" compress --run "$RUN" "$@" "${flags[@]}" -o "$OUT/$name.$v.vlae" --json "$OUT/$name.$v.tmp" --threads "$T" >/dev/null 2>&1
    "$V" decompress --run "$RUN" "$OUT/$name.$v.vlae" -o "$OUT/$name.$v.decoded" --json "$OUT/$name.$v.decode.json" \
      --threads "$T" >/dev/null 2>&1
    rm -rf "$OUT/$name.$v.decoded"
    mv "$OUT/$name.$v.tmp" "$OUT/$name.$v.json"
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
python3 - "$OUT" "$ADAPT" <<'PY'
import json, os, sys
out, adapt = sys.argv[1], int(sys.argv[2])
variants = ["plain", "expert1", "expert2", "expert3", "expert"] + (["expert1-adapt"] if adapt > 0 else [])
keys = ["jpegxl", "webp_lossless", "avif", "png"]
def bits(name, v):  # total bits of a real file, and its sub-pixels
    j = json.load(open("%s/%s.%s.json" % (out, name, v)))
    return 8.0 * j["bytes"], 8.0 * j["bytes"] / j["bits_per_dim_with_initial"]
def ref(name, k):  # a codec's bits/dim: the better of one file per image and the atlas
    b = json.load(open("%s/baselines_%s.json" % (out, name)))["codecs"]
    return min(b[k]["bits_per_dim"], b.get(k + "_atlas", b[k])["bits_per_dim"])
print("bits/dim of real files, initial bits included (decoded back exactly)")
print("%-22s" % "images" + "".join(" %12s" % v for v in variants) + "".join(" %14s" % k for k in keys))
vals = []
for v in variants:
    b, d = bits("patches", v)
    vals.append(b / d)
print("%-22s" % "all 602 test patches" + "".join(" %12.4f" % x for x in vals) + "".join(" %14.4f" % ref("patches", k) for k in keys))
tot = {v: [0.0, 0.0] for v in variants}
tref = {k: 0.0 for k in keys}
for n in ["chelsea", "coffee", "rocket"]:
    vals = []
    for v in variants:
        b, d = bits(n, v)
        tot[v][0] += b
        tot[v][1] += d
        vals.append(b / d)
    for k in keys: tref[k] += ref(n, k) * d
    print("%-22s" % (n + " whole") + "".join(" %12.4f" % x for x in vals) + "".join(" %14.4f" % ref(n, k) for k in keys))
d = tot["plain"][1]
print("%-22s" % "3 photographs whole" + "".join(" %12.4f" % (tot[v][0] / tot[v][1]) for v in variants) +
      "".join(" %14.4f" % (tref[k] / d) for k in keys))
b, d = bits("patches", "expert-lanes1")
print("%-22s %.4f (--expert adaptive --lanes 1: one lane, one decoding thread)" % ("all 602 test patches", b / d))
for v in variants + ["expert-lanes1"]:
    j = json.load(open("%s/patches.%s.json" % (out, v)))
    dj = json.load(open("%s/patches.%s.decode.json" % (out, v)))
    print("%-14s compress %.1f patches/s, decompress %.1f patches/s" % (v, j["compress_images_per_s"],
          dj["decompress_images_per_s"]))
PY
