"""Benchmark PRD (ProtoDash), NRMD and PHL against plain reimplementations of the references.

Usage::

    python benchmarks/bench_prototypes.py            # full sizes of issue 4
    python benchmarks/bench_prototypes.py --quick    # < 1 min

Prints a Markdown table: wall and CPU seconds, peak traced memory (tracemalloc, numpy
allocations included; only for the large PRD and NRMD runs, whose times then include the
tracing overhead) and whether the selections agree with the reference algorithm.

The reference implementations below are *plain reimplementations written for this
benchmark* (AIX360 does not install here, and the survey's PHL code is a loop), labelled
as such in the table:

* ``AIX360-style ProtoDash``: AIX360's ``HeuristicSetSelection`` structure -- mean inner
  products by one ``cdist`` per candidate, then for every pick a Python loop over all
  remaining candidates computing the kernel with the last prototype and the gradient, and
  a QP on the chosen set after each pick. AIX360 solves that QP with OSQP (not installed);
  here it is ``scipy.optimize.nnls`` on the Cholesky form, which is exact. AIX360 also
  forces the second remaining candidate into the running maximum (``count == 1``); the
  reimplementation takes the plain argmax so that picks can be compared.
* ``per-point KD-tree PHL``: the survey's ``getPHOutlierScores_*`` loop -- for every point,
  delete it, build a KD-tree on the rest, ball query, ``ripser`` on the neighbourhood.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.optimize import nnls  # noqa: E402
from scipy.spatial import KDTree  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402

from datareduce.reducers.nrmd import MatrixDecompositionReducer  # noqa: E402
from datareduce.reducers.phl import auto_radius, phl_outlier_scores  # noqa: E402
from datareduce.reducers.protodash import protodash  # noqa: E402


def measure(fn, *args, trace=False, **kwargs):
    if trace:
        tracemalloc.start()
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else float("nan")
    if trace:
        tracemalloc.stop()
    return out, wall, cpu, peak


# ------------------------------------------------------------ plain reference algorithms
def aix360_style_protodash(X, m, sigma):
    """Plain reimplementation of AIX360's HeuristicSetSelection loop (see module doc)."""
    n = X.shape[0]
    mean_inner = np.zeros(n)
    for i in range(n):
        dist = cdist(X, X[i:i + 1])
        mean_inner[i] = np.sum(np.exp(np.square(dist) / (-2.0 * sigma**2))) / n
    S = np.zeros(m, dtype=int)
    running = np.zeros((m, n))
    w = np.zeros(0)
    K = np.zeros((0, 0))
    for size in range(m):
        remaining = np.setdiff1d(np.arange(n), S[:size])
        best, best_grad, best_inner = None, -np.inf, None
        for i in remaining:
            if size == 0:
                grad = mean_inner[i]  # K(x, x) = 1: the increment is u^2 / 2, same argmax
                inner = None
            else:
                last = X[S[size - 1]]
                running[size - 1, i] = np.exp(np.linalg.norm(last - X[i]) ** 2 / (-2 * sigma**2))
                inner = running[:size, i]
                grad = mean_inner[i] - np.dot(w, inner)
            if grad > best_grad:
                best, best_grad, best_inner = i, grad, inner
        S[size] = best
        if size == 0:
            K = np.ones((1, 1))
            w = np.array([max(mean_inner[best], 0.0)])
            continue
        K = np.block([[K, best_inner[:, None]], [best_inner[None, :], np.ones((1, 1))]])
        if best_grad <= 0:
            w = np.append(w, 0.0)
        else:
            L = np.linalg.cholesky(K)
            w, _ = nnls(L.T, np.linalg.solve(L, mean_inner[S[:size + 1]]))
    return S, w


def per_point_phl(X, radius, dimension=1):
    """The survey's loop: delete the point, rebuild a KD-tree, ball query, ripser."""
    from ripser import ripser

    scores = np.empty(len(X))
    for i in range(len(X)):
        rest = np.delete(X, i, axis=0)
        idx = KDTree(rest).query_ball_point(X[i], r=radius)
        if len(idx) < 2:
            scores[i] = np.inf
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dgms = ripser(rest[idx], maxdim=dimension)["dgms"]
        best = 0.0
        for d in dgms:
            d = d[np.isfinite(d[:, 1])]
            if d.size:
                best = max(best, float((d[:, 1] - d[:, 0]).max()))
        scores[i] = best
    return scores


# ---------------------------------------------------------------------------- runs
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes (< 1 min)")
    args = p.parse_args(argv)
    q = args.quick
    rng = np.random.default_rng(0)
    rows = []

    # PRD vs AIX360-style, equal picks
    n, d, m = (1000, 64, 100) if q else (3000, 64, 300)
    X = rng.normal(size=(n, d))
    sigma = float(np.sqrt(2 * d))  # ~ the median pairwise distance of this data
    (pk, w, _), tw, tc, pm = measure(protodash, X, m, bandwidth=sigma)
    (rk, rw), rwall, rcpu, rpm = measure(aix360_style_protodash, X, m, sigma)
    same = bool(np.array_equal(pk, rk)) and bool(np.allclose(w, rw, atol=1e-8))
    rows.append((f"PRD n={n} d={d} m={m}", "datareduce", tw, tc, pm, f"equal picks+weights: {same}"))
    rows.append((f"PRD n={n} d={d} m={m}", "AIX360-style plain reimpl.", rwall, rcpu, rpm,
                 f"speed-up {rwall / tw:.0f}x wall, {rcpu / tc:.0f}x CPU"))

    # PRD at scale
    n, d, m = (10_000, 64, 300) if q else (50_000, 64, 1000)
    X = rng.normal(size=(n, d))
    _, tw, tc, pm = measure(protodash, X, m, bandwidth=float(np.sqrt(2 * d)), trace=True)
    rows.append((f"PRD n={n} d={d} m={m}", "datareduce", tw, tc, pm, ""))

    # NRMD at scale, with labels (within-class x label-augmented scores)
    n, d = (200_000, 32) if q else (1_000_000, 32)
    X = rng.normal(size=(n, d)) + 1.0
    y = rng.integers(0, 5, n)
    red = MatrixDecompositionReducer(keep=0.1)
    _, tw, tc, pm = measure(red.fit, X, y, trace=True)
    rows.append((f"NRMD n={n} d={d}, 5 classes", "datareduce", tw, tc, pm, "global ranking"))

    # PHL vs per-point KD-tree rebuild
    n = 1500 if q else 5000
    X = rng.normal(size=(n, 2))
    r = auto_radius(X)
    (s, counts), tw, tc, pm = measure(phl_outlier_scores, X, r, max_neighbors=10**6)
    ref, rwall, rcpu, rpm = measure(per_point_phl, X, r)
    fin = np.isfinite(ref)
    agree = bool(np.array_equal(np.isinf(s), np.isinf(ref))
                 and np.allclose(s[fin], ref[fin], rtol=1e-6, atol=1e-7))
    rows.append((f"PHL n={n} 2-D, median {int(np.median(counts))} nbrs", "datareduce",
                 tw, tc, pm, f"equal scores: {agree}"))
    rows.append((f"PHL n={n} 2-D", "per-point KD-tree plain reimpl.", rwall, rcpu, rpm,
                 f"speed-up {rwall / tw:.0f}x wall, {rcpu / tc:.0f}x CPU"))

    # PHL at scale
    for n, d in ([(20_000, 2)] if q else [(100_000, 2), (100_000, 8)]):
        X = rng.normal(size=(n, d))
        r = auto_radius(X)
        (s, counts), tw, tc, pm = measure(phl_outlier_scores, X, r)
        rows.append((f"PHL n={n} {d}-D, median {int(np.median(counts))} nbrs", "datareduce",
                     tw, tc, pm, f"{int(np.isinf(s).sum())} super-outliers"))

    print(f"bench_prototypes {'--quick' if q else ''} | python {sys.version.split()[0]} | "
          f"load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| case | implementation | wall s | CPU s | peak MiB | note |")
    print("|---|---|---:|---:|---:|---|")
    for case, impl, wall, cpu, peak, note in rows:
        peak_s = "-" if np.isnan(peak) else f"{peak:.0f}"
        print(f"| {case} | {impl} | {wall:.2f} | {cpu:.2f} | {peak_s} | {note} |")


if __name__ == "__main__":
    main()
