"""Epsilon representativeness: datareduce vs. a direct scipy cKDTree query.

The reference implementation computes epsilon with one ``cKDTree(X_reduced).query(X, p=inf)``
per class. This script times both on uniform random data against a random 10% subset and
reports peak traced memory (numpy allocations, via tracemalloc) and whether the values agree.

    python benchmarks/bench_epsilon.py            # n = 1e4, 1e5, 1e6; d = 8, 32, 128
    python benchmarks/bench_epsilon.py --quick    # n = 1e4, 1e5; d = 8, 32

cKDTree runs are skipped where they would take far too long (set --kdtree-limit).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from datareduce.metrics import epsilon_representativeness


def timed(fn):
    tracemalloc.start()
    t = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, elapsed, peak / 2**20


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--metric", default="chebyshev", choices=("chebyshev", "euclidean"))
    p.add_argument("--kdtree-limit", type=float, default=2e6,
                   help="skip cKDTree when n * d**2 / 1e3 exceeds this (default 2e6)")
    p.add_argument("--n", type=int, nargs="+", help="row counts (overrides the default list)")
    p.add_argument("--d", type=int, nargs="+", help="feature counts (overrides the default)")
    args = p.parse_args(argv)
    ns = args.n or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    ds = args.d or ([8, 32] if args.quick else [8, 32, 128])
    pnorm = np.inf if args.metric == "chebyshev" else 2
    print(f"metric={args.metric}, reduced set = random 10% subset, uniform data, "
          "1 BLAS thread")
    print("| n | d | datareduce s | datareduce MiB | cKDTree s | cKDTree MiB | speed-up | same value |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    rng = np.random.default_rng(0)
    for n in ns:
        for d in ds:
            if n * d > 2e8:
                continue
            X = rng.random((n, d))
            Xr = X[rng.choice(n, n // 10, replace=False)]
            with threadpool_limits(1):
                ours, t_ours, m_ours = timed(
                    lambda X=X, Xr=Xr: epsilon_representativeness(X, Xr, metric=args.metric).value)
                if n * d**2 / 1e3 <= args.kdtree_limit:
                    ref, t_ref, m_ref = timed(
                        lambda X=X, Xr=Xr: cKDTree(Xr).query(X, k=1, p=pnorm)[0].max())
                    cells = (f"{t_ref:.2f} | {m_ref:.0f} | {t_ref / t_ours:.1f}x | "
                             f"{'yes' if ref == ours else f'NO ({ref} vs {ours})'}")
                else:
                    cells = "skipped | | | "
            print(f"| {n:,} | {d} | {t_ours:.2f} | {m_ours:.0f} | {cells} |", flush=True)
            del X, Xr


if __name__ == "__main__":
    main()
