#!/usr/bin/env bash
# How much of the MNIST near-tie between VLAE and the collapsed PixelCNN is the IWAE bound's looseness.
# The IWAE bound tightens towards the true NLL as K grows, fastest for a model whose posterior is far
# from its true posterior (VLAE's ELBO gap is 2 nats, the collapsed model's 0.1). So both 20-epoch
# models of each seed (experiments/study_collapse.sh mnist-b32-e20, mnist-b32-seed2-e20 and
# mnist-b32-seed3-e20) are scored again on the same first N test digits with K = 100 and K = 1000.
# Usage: experiments/tighter_iwae.sh [N]   (default 100 digits; writes runs/tighter-iwae/nN/*.json)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup
n="${1:-100}"
out=runs/tighter-iwae/n$n
mkdir -p "$out"
# score RUN NAME: K = 100 and K = 1000 for one run, unless already written (delete $out to rescore
# retrained runs).
score() {
  local run="$1" name="$2" k
  for k in 100 1000; do
    [[ -f "$out/$name-k$k.json" ]] && continue
    vlae eval --run "$run" --limit "$n" --iwae-samples "$k" --threads 1 --json "$out/$name-k$k.json"
  done
}
# Two one-thread processes, each with one PixelCNN and one VLAE, so they finish together.
(score runs/study-mnist-b32-e20/pixelcnn-vh seed1-pixelcnn-vh
 score runs/study-mnist-b32-seed2-e20/vlae-vh-freebits seed2-vlae-vh-freebits
 score runs/study-mnist-b32-seed3-e20/pixelcnn-vh seed3-pixelcnn-vh) & first=$!
(score runs/study-mnist-b32-seed2-e20/pixelcnn-vh seed2-pixelcnn-vh
 score runs/study-mnist-b32-e20/vlae-vh-freebits seed1-vlae-vh-freebits
 score runs/study-mnist-b32-seed3-e20/vlae-vh-freebits seed3-vlae-vh-freebits) & second=$!
wait "$first"
wait "$second"
python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
seeds, models = ("seed1", "seed2", "seed3"), ("pixelcnn-vh", "vlae-vh-freebits")
r = {(s, m, k): json.load(open(f"{out}/{s}-{m}-k{k}.json")) for s in seeds for m in models for k in (100, 1000)}
print("| seed | model | IWAE NLL K=100 | IWAE NLL K=1000 | -ELBO nats |")
print("|---|---|---|---|---|")
for s in seeds:
    for m in models:
        print(f"| {s} | {m} | {r[s, m, 100]['iwae_nll_nats']:.3f} | {r[s, m, 1000]['iwae_nll_nats']:.3f} | "
              f"{-r[s, m, 100]['elbo_nats']:.3f} |")
# VLAE minus the collapsed PixelCNN on the same digits: negative means VLAE has the better bound.
for k in (100, 1000):
    d = [r[s, models[1], k]["iwae_nll_nats"] - r[s, models[0], k]["iwae_nll_nats"] for s in seeds]
    print(f"K={k}: VLAE - PixelCNN per seed " + ", ".join(f"{x:+.3f}" for x in d) +
          f" nats; mean {sum(d) / len(d):+.3f}")
EOF
