#!/usr/bin/env bash
# photos32's lossless figures per test photograph: the test split is chelsea's 126 patches, then
# coffee's 216, then rocket's 260 (data/photos32.cpp). Codes the first 126, 342 and 602 patches with
# RUN's model (real files, initial bits included) and with the classical codecs, and gives each
# photograph's bits/dim as the difference of those totals (atlases: approximately, since an atlas of
# more patches is one file).
# Usage: experiments/photos32_per_photo.sh RUN [THREADS]
set -euo pipefail
V="$(cd "$(dirname "$0")/.." && pwd)/build/vlae"
RUN="$1"; T="${2:-2}"; TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
for n in 126 342 602; do
  "$V" compress --run "$RUN" --data photos32 --split test --limit $n -o "$TMP/m$n.vlae" --json "$TMP/m$n.json" \
    --threads "$T" >/dev/null 2>&1
  "$V" baselines --data photos32 --split test --limit $n --threads "$T" --json "$TMP/b$n.json" >/dev/null 2>&1
done
python3 - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
cut = [(0, 126, "chelsea"), (126, 342, "coffee"), (342, 602, "rocket")]
def total(kind, n, key=None):
    j = json.load(open("%s/%s%d.json" % (t, kind, n)))
    bpd = j["bits_per_dim_with_initial"] if key is None else j["codecs"][key]["bits_per_dim"]
    return bpd * n
keys = ["jpegxl_atlas", "jpegxl", "webp_lossless_atlas", "png_atlas"]
print("%-8s %8s %8s" % ("photo", "patches", "vlae") + "".join(" %20s" % k for k in keys))
for a, b, name in cut:
    row = [(total("m", b) - (total("m", a) if a else 0)) / (b - a)]
    row += [(total("b", b, k) - (total("b", a, k) if a else 0)) / (b - a) for k in keys]
    print("%-8s %8d" % (name, b - a) + "".join(" %8.4f" % v if i == 0 else " %20.4f" % v for i, v in enumerate(row)))
PY
