"""Shared by the lossy experiments' tables: a classical codec's atlas curve from a `vlae baselines
--lossy` JSON, and a curve's value at a rate on the straight line between its neighbouring points."""
import json


def points(classical_json):  # every point of a `vlae baselines --lossy` JSON
    return json.load(open(classical_json))["points"]


def atlas(pts, codec, *keys):  # [(bpp, psnr_db, or the given keys...)] of the codec's atlas points, sorted by rate
    keys = keys or ("psnr_db",)
    return sorted((p["bits_per_pixel"],) + tuple(p[k] for k in keys) for p in pts
                  if p["codec"] == codec and p["form"] == "atlas")


def avif_atlas(classical_json):  # [(bpp, PSNR dB)] sorted by rate
    return atlas(points(classical_json), "avif")


def at(curve, rate, k=1):  # value k on the straight line between the curve's points around `rate`; nan outside it
    for p in curve:
        if p[0] == rate:
            return p[k]
    for lo, hi in zip(curve, curve[1:]):
        if lo[0] < rate < hi[0]:
            return lo[k] + (hi[k] - lo[k]) * (rate - lo[0]) / (hi[0] - lo[0])
    return float("nan")
