#!/usr/bin/env python3
"""Prints the bits-back tables of docs/RESULTS.md from the JSON reports in a directory."""
import json, os, sys

out = sys.argv[1]
load = lambda name: json.load(open(os.path.join(out, name)))

for tag, title in (("fashion", "8-bit Fashion-MNIST test set"), ("mnist", "binarized MNIST digits, test set")):
    if not os.path.exists(os.path.join(out, f"{tag}_compress.json")):
        continue
    c, d, b, e = (load(f"{tag}_{k}.json") for k in ("compress", "decompress", "baselines", "eval"))
    print(f"\n### {title}: {c['images']} images\n")
    print("| | bits/dim |\n|---|---|")
    print(f"| model −ELBO (same images) | {c['neg_elbo_bits_per_dim']:.4f} |")
    print(f"| model IWAE NLL (K={e['iwae_samples']}) | {e['iwae_nll_bits_per_dim']:.4f} |")
    print(f"| **vlae bits-back file, initial bits excluded** | **{c['bits_per_dim']:.4f}** "
          f"({c['overhead_vs_neg_elbo_percent']:+.3f}% vs −ELBO) |")
    print(f"| vlae bits-back file, with initial bits | {c['bits_per_dim_with_initial']:.4f} |")
    print(f"| naive: z under the prior + x, no bits back | {c['naive_bits_per_dim']:.4f} |")
    for name, v in sorted(b["codecs"].items(), key=lambda kv: kv[1]["bits_per_dim"]):
        print(f"| {name} | {v['bits_per_dim']:.4f} |")
    best = min(b["codecs"].items(), key=lambda kv: kv[1]["bits_per_dim"])
    print(f"\nbits back per image {c['bits_back_per_image']:.1f} bits; initial bits {c['initial_bits']}; "
          f"compress {c['compress_images_per_s']:.0f} images/s ({c['compress_seconds']:.1f} s), "
          f"decompress {d['decompress_images_per_s']:.0f} images/s ({d['decompress_seconds']:.1f} s). "
          f"Best classical: {best[0]} {best[1]['bits_per_dim']:.4f}; vlae is "
          f"{100 * (1 - c['bits_per_dim'] / best[1]['bits_per_dim']):.1f}% smaller.")

if os.path.exists(os.path.join(out, "bench_rans.json")):
    print("\n### rANS microbenchmark (one core, static 256-symbol categorical, 16-bit precision)\n")
    print("| benchmark | median M symbols/s |\n|---|---|")
    for bm in load("bench_rans.json")["benchmarks"]:
        if bm.get("aggregate_name") == "median":
            print(f"| {bm['run_name']} | {bm['items_per_second'] / 1e6:.0f} |")
