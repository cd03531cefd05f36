#!/usr/bin/env bash
# Issue 20's stretch: lossless files with z sent by relative-entropy coding (`compress --codec rec`)
# beside bits back (BB-ANS, the default) on the same shipped models and images: the first N test
# images for N = 1, 10, 100, 1000. Both files are real and decoded back; bits/dim count every byte
# (BB-ANS's initial bits included: a file must carry them).
# Usage: experiments/lossless_rec.sh [OUT_DIR] [THREADS] [SCHEME]   (SCHEME: --rec-scheme, tree, binned or plain)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
V="$ROOT/build/vlae"
OUT="${1:-$ROOT/runs/lossless-rec}"; T="${2:-1}"; S="${3:-tree}"
mkdir -p "$OUT"
for m in fashion-mnist-mlp mnist-binarized-mlp; do
  for n in 1 10 100 1000; do
    for codec in bits-back rec; do
      f="$OUT/$m.$n.$codec"
      [ -f "$f.json" ] || "$V" compress --run "$ROOT/models/$m" --limit "$n" --codec "$codec" -o "$f.vlae" --json "$f.json" \
        --rec-scheme "$S" --threads "$T" >/dev/null 2>&1
      "$V" decompress --run "$ROOT/models/$m" "$f.vlae" -o "$f.idx" --json "$f.decode.json" --threads "$T" >/dev/null 2>&1
    done
    cmp -s "$OUT/$m.$n.bits-back.idx" "$OUT/$m.$n.rec.idx" || { echo "$m $n: the two files decode differently" >&2; exit 1; }
  done
done
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
print("| model | images | BB-ANS bits/dim (file) | rec bits/dim (file) | rec − BB-ANS | −ELBO | rec: index bits/img / KL bits/img | exact blocks | compress img/s BB-ANS / rec |")
print("|---|---|---|---|---|---|---|---|---|")
for m in ["fashion-mnist-mlp", "mnist-binarized-mlp"]:
    for n in [1, 10, 100, 1000]:
        b = json.load(open(f"{out}/{m}.{n}.bits-back.json"))
        r = json.load(open(f"{out}/{m}.{n}.rec.json"))
        print(f"| {m} | {n} | {b['bits_per_dim_with_initial']:.4f} | {r['bits_per_dim']:.4f} | "
              f"{r['bits_per_dim'] - b['bits_per_dim_with_initial']:+.4f} | {r['neg_elbo_bits_per_dim']:.4f} | "
              f"{r['index_bits_per_image']:.1f} / {r['kl_bits_per_image']:.1f} | {100 * r['exact_share']:.0f}% | "
              f"{b['compress_images_per_s']:.0f} / {r['compress_images_per_s']:.1f} |")
PY
