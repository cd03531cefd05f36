#!/usr/bin/env bash
# Makes the golden files (tests/tools/golden_decode.cpp): tiny models of the main families and files
# coded with them, and the MANIFEST of their decoded pixels' checksums. Run it only for a new
# coding arithmetic; the files it wrote for the previous one stay decodable by the vlae of that id.
# Usage: tests/golden/make.sh VLAE GOLDEN_BUILD_PROGRAM   (from the repository root)
set -euo pipefail
V="$1"; CHECK="$2"; G=tests/golden
common="--limit 64 --epochs 1 --batch-size 32 --latent-dim 2 --hidden 8 --threads 2 --seed 7"
pix="--pixel-channels 4 --pixel-layers 2"
train() {  # NAME FLAGS...
  local n=$1; shift
  rm -rf "$G/$n"
  "$V" train --out "$G/$n" $common "$@" >/dev/null
  rm -f "$G/$n/metrics.jsonl"
}
train mlp --data fashion-mnist --model mlp
train mlpgauss_ar1 --data fashion-mnist --model mlp --likelihood gaussian --prior ar1
train conv_bin --data mnist --binarize dynamic --model conv --channels 2
train pcnn_full --data mnist --binarize dynamic --model pixelcnn --pixel-channels 4 --pixel-layers 5
train pcnnvh_gated --data fashion-mnist --model pixelcnn --pixel-stack vh --gated $pix
train vlae_af --data mnist --binarize dynamic --model vlae $pix --flow-hidden 8
train pcnnvh_rgb_linear --data photos32 --model pixelcnn --pixel-stack vh --gated --likelihood logistic-mixture \
  --logistic-mixtures 2 --pixel-linear 3 --pixel-channels 6 --pixel-layers 2
code() {  # RUN DATA LIMIT FILE FLAGS...
  local run=$1 data=$2 limit=$3 file=$4; shift 4
  "$V" compress --run "$G/$run" --data $data --split test --limit $limit --lanes 2 "$@" -o "$G/$file" >/dev/null
  echo "$run $file"
}
{
  echo "# run file fnv1a-of-decoded-pixels (tests/golden/make.sh)"
  code mlp fashion-mnist 12 mlp.vlae
  code mlp fashion-mnist 12 mlp.lossy.vlae --lossy
  code mlp fashion-mnist 12 mlp.rec.vlae --lossy --codec rec --rec-scheme plain --rec-block-nats 8
  code mlp fashion-mnist 12 mlp.lrec.vlae --codec rec --rec-scheme plain --rec-block-nats 8 --calibration 200
  code mlp fashion-mnist 12 mlp.brec.vlae --lossy --codec rec --rec-scheme binned --rec-block-nats 8 --rec-margin-nats 0
  code mlp fashion-mnist 12 mlp.blrec.vlae --codec rec --rec-scheme binned --rec-block-nats 8 --calibration 200
  code mlp fashion-mnist 12 mlp.trec.vlae --lossy --codec rec --rec-scheme tree --rec-block-nats 16
  code mlp fashion-mnist 12 mlp.tlrec.vlae --codec rec --rec-scheme tree --rec-block-nats 16 --calibration 200
  code mlpgauss_ar1 fashion-mnist 8 mlpgauss_ar1.vlae
  code conv_bin mnist 8 conv_bin.vlae
  code conv_bin mnist 8 conv_bin.lossy.vlae --lossy
  code pcnn_full mnist 2 pcnn_full.vlae
  code pcnnvh_gated fashion-mnist 2 pcnnvh_gated.vlae
  code vlae_af mnist 2 vlae_af.vlae
  code vlae_af mnist 3 vlae_af.median.vlae --lane-start prior-median
  code vlae_af mnist 3 vlae_af.iw4.vlae --importance-samples 4
  code pcnnvh_rgb_linear photos32 2 pcnnvh_rgb_linear.vlae
  code pcnnvh_rgb_linear photos32 2 pcnnvh_rgb_linear.adapt.vlae --adapt-steps 4 --adapt-batch-size 2 --adapt-lr 1e-2
  code pcnnvh_rgb_linear photos32 2 pcnnvh_rgb_linear.expert.vlae --expert adaptive1
  code pcnnvh_rgb_linear photos32 4 pcnnvh_rgb_linear.expert2.vlae --expert adaptive2
  code pcnnvh_rgb_linear photos32 4 pcnnvh_rgb_linear.expert3.vlae --expert adaptive3
  code pcnnvh_rgb_linear photos32 5 pcnnvh_rgb_linear.expert4.vlae --expert adaptive
} > "$G/MANIFEST.files"
# Record what each file decodes to now.
: > "$G/MANIFEST"
while read -r run file; do
  [ "$run" = "#" ] && { echo "$run $file" >> "$G/MANIFEST"; continue; }
  echo "$run $file 0000000000000000" >> "$G/MANIFEST"
done < "$G/MANIFEST.files"
rm "$G/MANIFEST.files"
{ "$CHECK" "$G" || true; } | sed -n 's/^golden: \([^ ]*\) decodes to \([0-9a-f]*\),.*/\1 \2/p' > "$G/checksums"
while read -r file sum; do sed -i "s#^\([^ ]*\) $file 0000000000000000#\1 $file $sum#" "$G/MANIFEST"; done < "$G/checksums"
rm "$G/checksums"
"$CHECK" "$G"
du -sh "$G"
