#!/usr/bin/env bash
# How the adaptive expert's constants (coding/adaptive_expert.h, ExpertConstants) were chosen: the
# ideal code length (the coder's quantized frequencies) of photos32's *training* patches under the
# expert alone, the network alone and their mixture, for each setting given, every other constant at
# its default. Never the test patches. build/expert_tune is built with the tests.
# Usage: experiments/expert_tune.sh RUN|- [LIMIT] [SETTING ...]    SETTING: "name=value,name=value"
#   over the first rule's constants, or over rule N's when it starts with rule=N (rules 2 and 3
#   carry the memory along 5 lanes; carry=1 carries it with other constants).
#   RUN: a colour PixelCNN run (its decoder params at the posterior mean), or - for the expert alone.
# Without settings it runs the grids RESULTS reports: for the expert alone, the first rule's
# neighbours, then the second rule built up step by step and its neighbours, then the third's.
set -euo pipefail
B="$(cd "$(dirname "$0")/.." && pwd)/build/expert_tune"
RUN="$1"; N="${2:-8000}"; shift $(( $# >= 2 ? 2 : 1 ))
if [ $# -eq 0 ]; then
  set -- "" eps=0.5 eps=1 scale_a=0.5 scale_a=0.7 scale_b=0.2 scale_b=0.5 colour_err=0 colour_err=0.5 ratio_prior=0 \
    ratio_prior=50
  L=carry=1,scale_lr=0.01,mean_lr=0.003
  [ "$RUN" = - ] && set -- "$@" carry=1 carry=1,scale_lr=0.01 $L $L,tail=0.03 $L,tail=0.03,colour_sign=0.5 rule=2 \
    rule=2,carry=0 rule=2,scale_lr=0.005 rule=2,scale_lr=0.02 rule=2,mean_lr=0.001 rule=2,mean_lr=0.01 rule=2,tail=0 \
    rule=2,tail=0.05 rule=2,tail=0.1 rule=2,tail_ratio=5 rule=2,colour_sign=2 rule=2,slope_lr=0.001 \
    rule=2,slope_lr=0.01 rule=2,carry_decay=0.2 rule=2,carry_decay=0.9 rule=2,eps=0.5 rule=2,scale_b=0.5 \
    rule=3 rule=3,ls=1 rule=3,ls=2 rule=3,ls=3 rule=3,ls=8 rule=3,ls_lambda=0.98 rule=3,ls_lambda=0.995 \
    rule=3,ls_lambda=0.999 rule=3,ls_delta=1 rule=3,eps=0.5 rule=3,carry=0
  [ "$RUN" = - ] || set -- "" share_bias=-1 share_bias=-2 share_image=0 share_local=0.8 share_decayed=0 \
    share_decayed=0.05 share_decayed=0.2 min_share=0.004 rule=2 rule=2,share_bias=-1 rule=2,share_bias=1 \
    rule=2,share_local=0.2 rule=2,share_local=0.8 rule=2,share_image=0.3 rule=2,share_image=1 \
    rule=2,share_decayed=0.05 rule=2,share_decayed=0.2 rule=2,min_share=0.004 rule=3 rule=3,share_bias=-1 \
    rule=3,share_bias=1 rule=3,share_decayed=0.05 rule=3,share_decayed=0.2
fi
exec "$B" "$RUN" photos32 train "$N" "$@"
