#!/usr/bin/env bash
# Compress time of two vlae binaries on the same images, runs interleaved A, B, A, B, ... so that a
# shared machine's load falls on both alike; prints each one's median seconds (model and data
# loading included), the ratio, and whether their files are byte for byte the same.
# Usage: experiments/compress_time.sh VLAE_A VLAE_B REPEATS COMPRESS_FLAGS...
#   e.g. experiments/compress_time.sh /tmp/vlae-before build/vlae 3 --run models/mnist-full-8bit-vlae-vh-mix \
#        --data mnist-full --split test --limit 128 --lanes 64 --importance-samples 4 --threads 1
set -euo pipefail
A="$1"; B="$2"; N="$3"; shift 3
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
for ((i = 0; i < N; ++i)); do
  for w in a b; do
    v="$A"; [ "$w" = b ] && v="$B"
    s=$EPOCHREALTIME
    "$v" compress "$@" -o "$T/$w.vlae" >/dev/null 2>"$T/$w.err" || { cat "$T/$w.err" >&2; exit 1; }
    awk -v s="$s" -v e="$EPOCHREALTIME" 'BEGIN {print e - s}' >>"$T/$w.s"
  done
done
med() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ma=$(med "$T/a.s"); mb=$(med "$T/b.s")
same=no; cmp -s "$T/a.vlae" "$T/b.vlae" && same=yes
awk -v a="$ma" -v b="$mb" -v n="$N" -v same="$same" \
  'BEGIN {printf "A %.2f s  B %.2f s  (median of %d)  B/A %.3f  same file: %s\n", a, b, n, b / a, same}'
