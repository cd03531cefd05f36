#!/usr/bin/env python3
"""Issue 20's search-cost curve: candidates (plain) or regions + points (binned) searched per
block against the block's KL, from the reports `experiments/rec.sh` writes (block_kl_nats and
block_log2_candidates, one entry per coded block of every image).

Usage: experiments/rec_search_curve.py SWEEP OUT_DIR [RUN ...]
  RUN: a directory SWEEP/rec-N-BLOCK[-binned-MARGIN] holding beta-*.json (default: every one).
Writes OUT_DIR/search_curve.md (medians and 90th percentiles per 1-nat bin of block KL, all betas
pooled), OUT_DIR/search_curve_RUN.dat and, with gnuplot, OUT_DIR/search_curve.png."""
import glob, json, math, os, shutil, subprocess, sys

sweep, out = sys.argv[1], sys.argv[2]
runs = sys.argv[3:] or sorted(os.path.basename(d) for d in glob.glob(os.path.join(sweep, "rec-*")) if os.path.isdir(d))
os.makedirs(out, exist_ok=True)

def quantile(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]

table = {}
for run in runs:
    bins = {}
    for f in sorted(glob.glob(os.path.join(sweep, run, "beta-*.json"))):
        j = json.load(open(f))
        for kl, lc in zip(j["block_kl_nats"], j["block_log2_candidates"]):
            bins.setdefault(int(math.floor(kl)), []).append(lc)
    table[run] = bins
    with open(os.path.join(out, "search_curve_%s.dat" % run), "w") as d:
        d.write("# block KL bin centre (nats), blocks, median log2 work, 90th percentile\n")
        for b in sorted(bins):
            if len(bins[b]) >= 5:
                d.write("%.1f %d %.2f %.2f\n" % (b + 0.5, len(bins[b]), quantile(bins[b], 0.5), quantile(bins[b], 0.9)))

lo = min(min(b) for b in table.values() if b)
hi = max(max(b) for b in table.values() if b)
with open(os.path.join(out, "search_curve.md"), "w") as md:
    md.write("| block KL (nats) | " + " | ".join("%s: blocks, median / p90 log2 work" % r for r in runs) + " | exp(KL) in log2 |\n")
    md.write("|---|" + "---|" * len(runs) + "---|\n")
    for b in range(lo, hi + 1):
        if all(len(table[r].get(b, [])) < 5 for r in runs):
            continue
        cells = []
        for r in runs:
            v = table[r].get(b, [])
            cells.append("%d, %.1f / %.1f" % (len(v), quantile(v, 0.5), quantile(v, 0.9)) if len(v) >= 5 else "%d" % len(v))
        md.write("| %d–%d | %s | %.1f |\n" % (b, b + 1, " | ".join(cells), (b + 0.5) / math.log(2)))
print(open(os.path.join(out, "search_curve.md")).read())

if shutil.which("gnuplot"):
    plots = ", ".join("'%s' using 1:3 with linespoints title '%s'" % (os.path.join(out, "search_curve_%s.dat" % r), r)
                      for r in runs)
    script = f"""set terminal pngcairo size 800,520
set output '{os.path.join(out, "search_curve.png")}'
set xlabel 'block KL (nats)'
set ylabel 'log2 of the work searched (median over blocks)'
set key top left
set grid
plot {plots}, x/log(2) with lines dashtype 2 title 'exp(KL)'
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
