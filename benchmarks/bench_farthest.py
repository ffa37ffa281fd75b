"""How close exact farthest-point picks are to the memory-bandwidth floor.

    python benchmarks/bench_farthest.py [--quick]

Each exact pick must, in the worst case, read every row once, so k picks from n x d float64
rows read at most ``k * n * d * 8`` bytes; divided by the measured read bandwidth
(numpy sum over a 512 MiB array, best of 3) this is the streaming floor. The lazy blocks of
:func:`datareduce._geometry.farthest.farthest_point_order` skip blocks that cannot hold the farthest
row, so a ratio below 1 is possible. Reports the load.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def read_bandwidth(mib=512):
    a = np.ones(mib * 2**20 // 8)
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        a.sum()
        best = min(best, time.perf_counter() - t)
    return a.nbytes / best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import datareduce._geometry.farthest as F

    n, d, k = (10_000, 32, 1000) if args.quick else (50_000, 32, 5000)
    X = np.random.default_rng(0).standard_normal((n, d))
    print(f"load before: {os.getloadavg()[0]:.2f} (2 cores)")
    bw = read_bandwidth()
    t = time.perf_counter()
    F.farthest_point_order(X, k, start=0)
    sec = time.perf_counter() - t
    worst = k * n * d * 8
    print("| n | d | k | seconds | read bandwidth GB/s | worst-case bytes / bandwidth s "
          "| seconds / floor |")
    print("|---|---|---|---|---|---|---|")
    floor = worst / bw
    print(f"| {n:,} | {d} | {k:,} | {sec:.2f} | {bw / 1e9:.1f} | {floor:.2f} | "
          f"{sec / floor:.2f} |")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
