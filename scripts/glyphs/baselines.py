#!/usr/bin/env python3
"""Test accuracy of two pixel-space baselines on an IMDS file: 1-nearest-neighbour
(Euclidean, on raw pixels) and nearest class mean.  A CNN should beat 1-NN clearly.

Usage: python3 scripts/glyphs/baselines.py www/data/glyphs.bin.gz [--classes 0,1,...,9]
"""
import argparse
import gzip
import json
import struct

import numpy as np


def read_imds(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    hdr = json.loads(raw[12:12 + struct.unpack("<I", raw[8:12])[0]])
    size = hdr["height"] * hdr["width"] * hdr["channels"]
    splits = {}
    for n in ("train", "test"):
        m = hdr[n]
        x = np.frombuffer(raw, np.uint8, m["count"] * size, m["images_offset"]).reshape(m["count"], size)
        splits[n] = (x.astype(np.float32), np.frombuffer(raw, np.uint8, m["count"], m["labels_offset"]))
    return hdr, splits


def squared_distances(a, b):
    """|a_i - b_j|^2 for every pair, in blocks of 1000 rows to bound memory."""
    bb = (b * b).sum(1)
    return np.concatenate([(q * q).sum(1)[:, None] + bb[None, :] - 2.0 * q @ b.T
                           for q in np.array_split(a, max(1, len(a) // 1000))])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--classes", help="keep only these class indices (comma-separated)")
    args = ap.parse_args()
    hdr, s = read_imds(args.file)
    (xa, ya), (xb, yb) = s["train"], s["test"]
    keep = [int(c) for c in args.classes.split(",")] if args.classes else list(range(hdr["num_classes"]))
    ma, mb = np.isin(ya, keep), np.isin(yb, keep)
    xa, ya, xb, yb = xa[ma], ya[ma], xb[mb], yb[mb]
    nn = ya[squared_distances(xb, xa).argmin(1)]
    means = np.stack([xa[ya == c].mean(0) for c in keep])
    ncm = np.asarray(keep)[squared_distances(xb, means).argmin(1)]
    print(f"{hdr['name']}: {len(keep)} classes, {len(ya)} train / {len(yb)} test; "
          f"1-NN {(nn == yb).mean():.3f}, nearest class mean {(ncm == yb).mean():.3f}")


if __name__ == "__main__":
    main()
