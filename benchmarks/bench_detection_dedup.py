"""Duplicate search at scale: time and memory of the near-duplicate pair search.

Two tables:

1. pair search on packed 64-bit perceptual hashes (``_near_pairs_hashes``) for n random
   hashes with planted exact copies (10 % of rows) and planted near copies (1 % of rows,
   each 1..threshold bits flipped): wall and CPU seconds, peak resident memory, pairs
   found, and recall of the planted near pairs (must be 1);
2. perceptual-hash and file-hash throughput on generated images.

Usage::

    python benchmarks/bench_detection_dedup.py --quick   # n up to 30,000
    python benchmarks/bench_detection_dedup.py           # n up to 100,000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

import numpy as np

from datareduce.detection import make_shapes_dataset
from datareduce.detection.hashing import (
    DEFAULT_THRESHOLD,
    _near_pairs_hashes,
    file_hashes,
    perceptual_hashes,
)


def planted_hashes(n, threshold, rng):
    H = rng.integers(0, 2**63, size=(n, 1), dtype=np.int64).astype(np.uint64)
    H[rng.random(n) < 0.5] |= np.uint64(1 << 63)
    n_exact = n // 10
    H[n - n_exact:] = H[:n_exact]  # exact copies of the first rows
    n_near = n // 100
    near_src = np.arange(n_exact, n_exact + n_near)
    near_dst = near_src + n_near
    for s, d in zip(near_src, near_dst, strict=True):
        bits = rng.choice(64, int(rng.integers(1, threshold + 1)), replace=False)
        mask = np.uint64(0)
        for b in bits:
            mask |= np.uint64(1) << np.uint64(b)
        H[d] = H[s] ^ mask
    return H, set(zip(near_src.tolist(), near_dst.tolist(), strict=True))


def pair_search(sizes, threshold):
    print("| n hashes | wall s | CPU s | peak RSS MB | pairs | planted near pairs found |")
    print("|---:|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for n in sizes:
        H, planted = planted_hashes(n, threshold, rng)
        t0, c0 = time.perf_counter(), time.process_time()
        i, j, _ = _near_pairs_hashes(H, threshold)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        found = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
        rec = len(planted & found) / len(planted)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {n:,} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {len(i):,} | {rec:.3f} |",
              flush=True)


def hashing(n_images):
    with tempfile.TemporaryDirectory() as tmp:
        make_shapes_dataset(tmp, n_train=n_images, n_val=2, image_size=96, image_format="jpg",
                            n_near_duplicates=0)
        paths = sorted(os.path.join(tmp, "images", "train", p)
                        for p in os.listdir(os.path.join(tmp, "images", "train")))
        print("\n| step | images | seconds | images/s |")
        print("|---|---:|---:|---:|")
        for name, f in (("perceptual hash (pHash 64 bits)", lambda: perceptual_hashes(paths)),
                        ("perceptual hash, 2 threads", lambda: perceptual_hashes(paths, n_jobs=2)),
                        ("file hash (all files)",
                         lambda: file_hashes(paths, only_size_collisions=False))):
            t0 = time.perf_counter()
            f()
            s = time.perf_counter() - t0
            print(f"| {name} | {len(paths)} | {s:.2f} | {len(paths) / s:,.0f} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    sizes = (3_000, 10_000, 30_000) if args.quick else (10_000, 30_000, 100_000)
    pair_search(sizes, DEFAULT_THRESHOLD)
    hashing(300 if args.quick else 2000)
    print(f"\nload {os.getloadavg()[0]:.1f} (1-min average at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
