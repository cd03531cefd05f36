#!/usr/bin/env bash
# How the adaptive expert's constants (coding/adaptive_expert.h, ExpertConstants) were chosen: the
# ideal code length (the coder's quantized frequencies) of photos32's *training* patches under the
# expert alone, the network alone and their mixture, for each setting given, every other constant at
# its default. Never the test patches. build/expert_tune is built with the tests.
# Usage: experiments/expert_tune.sh RUN|- [LIMIT] [SETTING ...]    SETTING: "name=value,name=value"
#   RUN: a colour PixelCNN run (its decoder params at the posterior mean), or - for the expert alone.
# Without settings it runs the grid RESULTS reports.
set -euo pipefail
B="$(cd "$(dirname "$0")/.." && pwd)/build/expert_tune"
RUN="$1"; N="${2:-8000}"; shift $(( $# >= 2 ? 2 : 1 ))
if [ $# -eq 0 ]; then
  set -- "" eps=0.5 eps=1 scale_a=0.5 scale_a=0.7 scale_b=0.2 scale_b=0.5 colour_err=0 colour_err=0.5 ratio_prior=0 \
    ratio_prior=50
  [ "$RUN" = - ] || set -- "" share_bias=-1 share_bias=-2 share_image=0 share_local=0.8 share_decayed=0 \
    share_decayed=0.05 share_decayed=0.2 min_share=0.004
fi
exec "$B" "$RUN" photos32 train "$N" "$@"
