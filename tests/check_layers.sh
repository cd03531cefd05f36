#!/usr/bin/env bash
# Holds every #include "layer/..." in src/ to the layers' order (README, "Layout"): a file of layer
# L may include only L and the layers allowed for L below. Also: no CLI11 or httplib below the
# layers that own them. Prints each violation; exits 1 if there is any.
set -euo pipefail
SRC="${1:?usage: check_layers.sh SRC_DIR}"
declare -A allowed=(
  [util]="util"
  [data]="util data"
  [model]="util data model"
  [objective]="util data model objective"
  [eval]="util data model objective eval"
  [train]="util data model objective eval train"
  [engine]="util data model engine"
  [coding]="util data model eval engine coding"
  [baselines]="util data eval baselines"
  [experiments]="util data model objective eval train engine coding baselines experiments"
  [serve]="util data model objective eval train engine coding baselines experiments serve"
  [apps]="util data model objective eval train engine coding baselines experiments serve apps"
)
bad=0
checked=0
for dir in "$SRC"/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+x}" ]; then
    echo "layering: src/$layer is no known layer (add it to tests/check_layers.sh and README)"; bad=1; continue
  fi
  for f in "$dir"*.h "$dir"*.cpp; do
    [ -e "$f" ] || continue
    checked=$((checked + 1))
    while IFS= read -r inc; do
      to=${inc%%/*}
      case " ${allowed[$layer]} " in *" $to "*) ;; *) echo "layering: ${f#$SRC/} includes $inc (layer $layer may use: ${allowed[$layer]})"; bad=1;; esac
    done < <(sed -n 's/^#include "\([a-z_]*\/[^"]*\)".*/\1/p' "$f")
    case "$layer" in
      apps) ;;
      serve) if grep -q '#include <CLI/' "$f"; then echo "layering: ${f#$SRC/} includes CLI11"; bad=1; fi ;;
      *) if grep -qE '#include <(CLI/|httplib)' "$f"; then echo "layering: ${f#$SRC/} includes CLI11 or httplib"; bad=1; fi ;;
    esac
  done
done
[ "$checked" -gt 0 ] || { echo "layering: no sources under $SRC"; exit 1; }
[ "$bad" -eq 0 ] && echo "layering: $checked files follow the layers"
exit "$bad"
