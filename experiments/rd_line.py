"""Shared by the transform-coder experiments' tables: AVIF's atlas curve from a `vlae baselines
--lossy` JSON, and a curve's PSNR at a rate on the straight line between its neighbouring points."""
import json


def avif_atlas(classical_json):  # [(bpp, PSNR dB)] sorted by rate
    return sorted((p["bits_per_pixel"], p["psnr_db"]) for p in json.load(open(classical_json))["points"]
                  if p["codec"] == "avif" and p["form"] == "atlas")


def at(curve, rate):  # PSNR on the straight line between a curve's two points around `rate`
    lo = max(p for p in curve if p[0] <= rate)
    hi = min(p for p in curve if p[0] >= rate)
    return lo[1] if hi == lo else lo[1] + (hi[1] - lo[1]) * (rate - lo[0]) / (hi[0] - lo[0])
