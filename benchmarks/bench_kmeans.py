"""k-means at large k: fit_kmeans engines vs scikit-learn, same data, same run.

    python benchmarks/bench_kmeans.py --quick     # 10,000 x 32, k = 1,000
    python benchmarks/bench_kmeans.py             # the issue's case: 50,000 x 32, k = 5,000
    python benchmarks/bench_kmeans.py --threads 2 # the same, every method on both cores

Data: standard normal rows (seed 0). Each method runs in its own process with
``--threads`` BLAS/OpenMP threads (default 1; ``fit_kmeans`` uses as many threads as
scikit-learn's OpenMP setting); the table gives wall and CPU seconds, the time ratio to scikit-learn's k-means++
(``KMeans(init="k-means++", n_init=1)``) and the inertia ratio to it (< 1 is better), plus
the 1-minute load average before and after, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

METHODS = ["sklearn k-means++", "sklearn random", "fit_kmeans sklearn", "fit_kmeans faiss",
           "k-means++ (1 trial) + faiss Lloyd"]


def run(method, n, d, k):
    import numpy as np

    X = np.random.default_rng(0).standard_normal((n, d))
    t, c = time.perf_counter(), time.process_time()
    if method.startswith("sklearn "):
        from sklearn.cluster import KMeans

        init = "random" if method.endswith("random") else "k-means++"
        centers = KMeans(k, init=init, n_init=1, random_state=0).fit(X).cluster_centers_
    elif method.startswith("fit_kmeans"):
        from datareduce._geometry.kmeans import fit_kmeans

        centers = fit_kmeans(X, k, random_state=0, engine=method.split()[1]).centers
    else:
        import faiss
        from sklearn.cluster import kmeans_plusplus

        mean = X.mean(axis=0)
        X32 = (X - mean).astype(np.float32)
        seeds, _ = kmeans_plusplus(X32, k, random_state=0, n_local_trials=1)
        km = faiss.Kmeans(d, k, niter=25, seed=1, max_points_per_centroid=10**9,
                          min_points_per_centroid=1)
        km.train(X32, init_centroids=np.ascontiguousarray(seeds, dtype=np.float32))
        centers = km.centroids.astype(np.float64) + mean
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    from datareduce._geometry.neighbors import nearest

    _, dist = nearest(X, np.asarray(centers, dtype=np.float64))
    return {"wall": wall, "cpu": cpu, "inertia": float((dist**2).sum())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads per method")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run(*json.loads(args.case))))
        return
    n, d, k = (10_000, 32, 1000) if args.quick else (50_000, 32, 5000)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               OPENBLAS_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    print(f"n = {n:,}, d = {d}, k = {k:,}, {args.threads} thread(s) per method; "
          f"load before: {os.getloadavg()[0]:.2f} (2 cores)")
    print("| method | wall s | CPU s | wall ratio to k-means++ | CPU ratio | "
          "inertia ratio to k-means++ |")
    print("|---|---|---|---|---|---|")
    ref = None
    for method in METHODS:
        out = subprocess.run([sys.executable, __file__, "--case", json.dumps([method, n, d, k])],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            err = (out.stderr.strip().splitlines() or ["?"])[-1][:60]
            print(f"| {method} | failed: {err} | | | | |", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ref = ref or r
        print(f"| {method} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['wall'] / ref['wall']:.2f} | "
              f"{r['cpu'] / ref['cpu']:.2f} | {r['inertia'] / ref['inertia']:.4f} |", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
