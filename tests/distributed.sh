#!/usr/bin/env bash
# Data-parallel training (issue 19), with Gloo on loopback:
#   - 2 processes with global batch B train the model 1 process trains with batch B (metrics to
#     1e-5 relative after 16 steps), launched by hand (RANK, WORLD_SIZE, ...) and by torchrun, for
#     an MLP on dynamically binarized digits (per-image randomness) and a two-stack PixelCNN;
#   - a checkpoint resumes under another world size (2 -> 1 and 1 -> 2) to the same model;
#   - eval splits its images over 2 processes and rank 0 reports what 1 process finds;
#   - sweep and study spread their models over 2 processes; rank 0 gathers the rows 1 process computes;
#   - a rank killed with SIGKILL, or stopped with SIGSTOP, ends the other within its timeout with
#     one line, exit code 1 and a usable checkpoint;
#   - a malformed environment or a batch that does not split is a usage error (exit 2).
# Usage: tests/distributed.sh VLAE [WORKDIR]
set -uo pipefail
V="$1"; W="${2:-$(mktemp -d)}"
rm -rf "$W"; mkdir -p "$W"
fail=0
port=$((20000 + ($$ * 7) % 20000))
next_port() { port=$((port + 3)); }
base="--data mnist --binarize dynamic --model mlp --batch-size 32 --latent-dim 4 --hidden 32 --test-limit 64 --seed 3 --threads 1"
mlp="$base --limit 256"
pix="--data fashion-mnist --model pixelcnn --pixel-stack vh --gated --pixel-channels 4 --pixel-layers 2 --limit 64 --batch-size 16 --latent-dim 3 --hidden 16 --test-limit 16 --seed 4 --threads 1"
two() {  # OUT FLAGS...: two processes launched by hand
  local out=$1; shift; next_port
  for r in 0 1; do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$V" train --out "$out" "$@" \
      >"$out.r$r.log" 2>&1 &
  done
  wait
}
same_rows() {  # A B N WHAT KEYS...: results.json of A and B hold the same N model rows in those keys
  local a=$1 b=$2 n=$3 what=$4; shift 4
  python3 - "$a" "$b" "$n" "$what" "$@" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = sys.argv[5:]
rows = lambda r: [tuple(m[k] for k in keys) for m in r["models"]]
ok = rows(a) == rows(b) and len(rows(a)) == int(sys.argv[3])
print(("distributed: " if ok else "FAIL distributed: ") + "%s: %d rows as 1 process computes them" % (sys.argv[4], len(rows(b))))
sys.exit(0 if ok else 1)
PY
}
same() {  # A B WHAT: metrics.jsonl of A and B agree to 1e-5 relative
  python3 - "$1/metrics.jsonl" "$2/metrics.jsonl" "$3" <<'PY' || fail=1
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
ok = len(a) == len(b) and len(a) > 0
worst = 0.0
for x, y in zip(a, b):
    for part, key in (("train", "loss"), ("train", "rate_nats"), ("test", "neg_elbo_bits_per_dim"), ("test", "rate_nats")):
        u, v = x[part][key], y[part][key]
        worst = max(worst, abs(u - v) / max(abs(u), abs(v), 1e-12))
ok = ok and worst < 1e-5
print(("distributed: " if ok else "FAIL distributed: ") + sys.argv[3] + " (epochs %d, worst relative difference %.1e)" % (len(a), worst))
sys.exit(0 if ok else 1)
PY
}
for m in mlp pix; do
  flags=${!m}
  "$V" train --out "$W/$m.one" $flags --epochs 2 >"$W/$m.one.log" 2>&1 || { echo "FAIL train $m, 1 process"; fail=1; }
  two "$W/$m.two" $flags --epochs 2
  same "$W/$m.one" "$W/$m.two" "$m: 2 processes by hand train the 1-process model"
done
next_port
timeout 300 torchrun --no_python --nproc_per_node 2 --redirects 2 --tee 2 --master_port $port \
  "$V" train --out "$W/mlp.torchrun" $mlp --epochs 2 >"$W/torchrun.log" 2>&1 || { echo "FAIL torchrun: $(grep -m1 error "$W/torchrun.log")"; fail=1; }
same "$W/mlp.one" "$W/mlp.torchrun" "mlp: torchrun --nproc_per_node 2 trains the 1-process model"

# Resume under another world size.
two "$W/mlp.2to1" $mlp --epochs 1
"$V" train --out "$W/mlp.2to1" $mlp --epochs 2 --resume >"$W/2to1.log" 2>&1 || { echo "FAIL resume 2 -> 1"; fail=1; }
same "$W/mlp.one" "$W/mlp.2to1" "mlp: 1 epoch on 2 processes, resumed on 1"
"$V" train --out "$W/mlp.1to2" $mlp --epochs 1 >"$W/1to2.log" 2>&1
two "$W/mlp.1to2" $mlp --epochs 2 --resume
same "$W/mlp.one" "$W/mlp.1to2" "mlp: 1 epoch on 1 process, resumed on 2"

# eval split over 2 processes: the analytic rate and the active units as 1 process finds them,
# the Monte-Carlo terms (other draws) within 1%.
"$V" eval --run "$W/mlp.one" --limit 600 --iwae-samples 20 --json "$W/eval1.json" >/dev/null 2>&1
next_port
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 MASTER_PORT=$port "$V" eval --run "$W/mlp.one" --limit 600 --iwae-samples 20 \
    --json "$W/eval2.r$r.json" >"$W/eval2.r$r.log" 2>&1 &
done
wait
python3 - "$W/eval1.json" "$W/eval2.r0.json" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ok = abs(a["rate_nats"] - b["rate_nats"]) <= 1e-6 * abs(a["rate_nats"]) and a["active_units"] == b["active_units"]
ok = ok and all(abs(a[k] - b[k]) <= 0.01 * abs(a[k]) for k in ("distortion_nats", "iwae_nll_nats"))
print(("distributed: " if ok else "FAIL distributed: ") + "eval over 2 processes: IWAE %.3f vs %.3f nats, rate %.6f vs %.6f" %
      (b["iwae_nll_nats"], a["iwae_nll_nats"], b["rate_nats"], a["rate_nats"]))
sys.exit(0 if ok else 1)
PY
[ -e "$W/eval2.r1.json" ] && { echo "FAIL distributed: rank 1 of eval wrote a JSON file"; fail=1; }

# sweep over 2 processes: each trains and codes its own βs; rank 0 gathers the same rows as 1 process.
sw="--data fashion-mnist --model mlp --latent-dim 4 --hidden 32 --limit 128 --epochs 1 --batch-size 32 --seed 2 --threads 1
    --betas 0.5,2,8 --eval-limit 40 --iwae-samples 5 --calibration 40 --avif-speed 8"
"$V" sweep --out "$W/sweep1" $sw >"$W/sweep1.log" 2>&1 || { echo "FAIL sweep, 1 process: $(tail -1 "$W/sweep1.log")"; fail=1; }
next_port
for r in 0 1; do RANK=$r WORLD_SIZE=2 MASTER_PORT=$port "$V" sweep --out "$W/sweep2" $sw >"$W/sweep2.r$r.log" 2>&1 & done
wait
same_rows "$W/sweep1/results.json" "$W/sweep2/results.json" 3 "sweep over 2 processes" beta rate_nats bits_per_pixel iwae_nll_nats psnr_db
grep -q "^results:" "$W/sweep2.r1.log" && { echo "FAIL distributed: rank 1 of sweep reported"; fail=1; }

# study over 2 processes: the same rows as 1 process.
st="--data mnist --binarize dynamic --models factorized,pixelcnn-delta,vlae --epochs 1 --limit 200 --eval-limit 20
    --code-limit 3 --iwae-samples 3 --latent-dim 4 --pixel-channels 8 --flow-hidden 16 --figure-images 4 --threads 1"
"$V" study collapse --out "$W/study1" $st >"$W/study1.log" 2>&1 || { echo "FAIL study, 1 process: $(tail -1 "$W/study1.log")"; fail=1; }
next_port
for r in 0 1; do RANK=$r WORLD_SIZE=2 MASTER_PORT=$port "$V" study collapse --out "$W/study2" $st >"$W/study2.r$r.log" 2>&1 & done
wait
same_rows "$W/study1/results.json" "$W/study2/results.json" 3 "study over 2 processes" name rate_nats distortion_nats iwae_nll_nats active_units

# Faults: the surviving rank ends within its timeout, with one line, and the checkpoint loads.
fault() {  # SIGNAL
  local sig=$1 out="$W/fault.$1"; next_port
  for r in 0 1; do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$V" train --out "$out" $base \
      --limit 2048 --epochs 1000 --peer-timeout 10 >"$out.r$r.log" 2>"$out.r$r.err" &
    eval "pid$r=$!"
  done
  for _ in $(seq 1 600); do [ -s "$out/metrics.jsonl" ] && break; sleep 0.1; done
  kill -s "$sig" "$pid1"
  local t0=$SECONDS
  wait "$pid0"; local rc=$?
  local took=$((SECONDS - t0))
  [ "$sig" = STOP ] && kill -9 "$pid1"
  wait "$pid1" 2>/dev/null
  # stderr: the progress bar, then one error line
  local errors; errors=$(grep -c "error" "$out.r0.err" || true)
  if [ $rc -ne 1 ] || [ $took -gt 25 ] || ! tail -1 "$out.r0.err" | grep -q "died or did not answer" || [ "$errors" -ne 1 ]; then
    echo "FAIL fault $sig: rank 0 exited $rc after ${took}s with: $(tail -2 "$out.r0.err")"; fail=1
  elif ! "$V" eval --run "$out" --limit 20 --iwae-samples 0 >/dev/null 2>&1; then
    echo "FAIL fault $sig: the checkpoint left behind does not load"; fail=1
  else
    echo "distributed: SIG$sig on rank 1 ends rank 0 in ${took}s with one line; the checkpoint loads"
  fi
}
fault KILL
fault STOP

# Usage errors.
out=$(RANK=5 WORLD_SIZE=2 "$V" train --out "$W/bad" $mlp --epochs 1 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | grep -c .)" -eq 1 ] || { echo "FAIL RANK=5 WORLD_SIZE=2: exit $rc: $out"; fail=1; }
next_port
out=$(RANK=0 WORLD_SIZE=3 MASTER_PORT=$port "$V" train --out "$W/bad" $mlp --epochs 1 --peer-timeout 5 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "multiple of the 3 processes" || { echo "FAIL batch 32 over 3 processes: exit $rc: $out"; fail=1; }
[ $fail -eq 0 ] && echo "distributed: all checks passed"
exit $fail
