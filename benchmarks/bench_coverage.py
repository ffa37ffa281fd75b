"""Benchmark the coverage reducers against their peers (MMS, CLC, DES).

Every (method, case) runs in a fresh forked process so that its peak memory is its own:
``peak MiB`` is the growth of the process's maximum resident set size over the size it had
after generating the data (this sees C++ allocations that tracemalloc would miss).

MMS: datareduce's exact farthest-point order vs gudhi's exact ``choose_n_farthest_points``
and fpsample (vanilla ``fps_sampling`` and the kd-tree "QuickFPS"); agreement = length of
the common prefix of picks / k. CLC: ``fit_kmeans`` (default and faiss engines) vs
scikit-learn KMeans (k-means++, the reference for the inertia ratio; init="random") and
MiniBatchKMeans; ``auto`` is faiss when installed and k >= 1000. DES: one fit of DistanceEntropyReducer.

Usage::

    python benchmarks/bench_coverage.py --quick      # < 1 minute on a quiet machine
    python benchmarks/bench_coverage.py              # the issue's sizes (many minutes)
    python benchmarks/bench_coverage.py --only mms   # one section
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _data(n, d, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


# ---------------------------------------------------------------------- runners
def _preimport(*names):
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _mms(method, n, d, k):
    _preimport("datareduce.reducers.maxmin", "datareduce._geometry.neighbors", "gudhi.subsampling",
               "fpsample")
    X = _data(n, d)
    base = _rss_mib()
    c = time.process_time()
    t = time.perf_counter()
    if method == "datareduce":
        from datareduce.reducers.maxmin import farthest_point_order

        picks, _ = farthest_point_order(X, k, start=0)
    elif method == "gudhi (exact)":
        import gudhi.subsampling as gs

        pts = np.asarray(gs.choose_n_farthest_points(points=X, nb_points=k, starting_point=0,
                                                     fast=False))
        # gudhi returns points: map them back to rows (exact copies)
        from datareduce._geometry.neighbors import nearest

        picks, _ = nearest(pts, X)
    elif method == "fpsample fps":
        import fpsample

        picks = fpsample.fps_sampling(X, k, start_idx=0)
    elif method == "fpsample quickfps":
        import fpsample

        picks = fpsample.bucket_fps_kdtree_sampling(X, k, start_idx=0)
    else:
        raise ValueError(method)
    elapsed = time.perf_counter() - t, time.process_time() - c
    return elapsed, _rss_mib() - base, np.asarray(picks, dtype=np.int64)


def _kmeans(method, n, d, k):
    _preimport("datareduce._geometry.kmeans", "sklearn.cluster", "faiss")
    X = _data(n, d)
    base = _rss_mib()
    c = time.process_time()
    t = time.perf_counter()
    if method == "fit_kmeans (auto)":
        from datareduce._geometry.kmeans import fit_kmeans

        inertia = fit_kmeans(X, k, random_state=0).inertia
    elif method in ("fit_kmeans (faiss)", "fit_kmeans (sklearn)"):
        from datareduce._geometry.kmeans import fit_kmeans

        engine = method.split("(")[1].rstrip(")")
        inertia = fit_kmeans(X, k, random_state=0, engine=engine).inertia
    elif method.startswith("sklearn KMeans"):
        from sklearn.cluster import KMeans

        init = "random" if "random" in method else "k-means++"
        inertia = KMeans(k, init=init, n_init=1, random_state=0).fit(X).inertia_
    elif method == "sklearn MiniBatchKMeans":
        from sklearn.cluster import MiniBatchKMeans

        inertia = MiniBatchKMeans(k, random_state=0, n_init=1,
                                  batch_size=max(1024, 3 * k)).fit(X).inertia_
    else:
        raise ValueError(method)
    elapsed = time.perf_counter() - t, time.process_time() - c
    return elapsed, _rss_mib() - base, float(inertia)


def _des(method, n, d, k):
    X = _data(n, d).astype(np.float32)
    y = np.random.default_rng(1).integers(0, 10, size=n)
    from datareduce.reducers import DistanceEntropyReducer

    base = _rss_mib()
    c = time.process_time()
    t = time.perf_counter()
    r = DistanceEntropyReducer(keep=k, random_state=0).fit(X, y)
    elapsed = time.perf_counter() - t, time.process_time() - c
    return elapsed, _rss_mib() - base, len(r.sample_indices_)


def _child(conn, fn, args):
    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            conn.send(("ok", fn(*args)))
    except Exception as exc:  # report, keep benchmarking
        conn.send(("error", repr(exc)))
    conn.close()


def run(fn, *args, timeout=3600):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, fn, args))
    p.start()
    if not parent.poll(timeout):
        p.kill()
        p.join()
        return None, f"timeout {timeout}s"
    status, out = parent.recv()
    p.join()
    return (out, None) if status == "ok" else (None, out)


# ---------------------------------------------------------------------- sections
def bench_mms(cases, gudhi_max_work):
    print("\n### MMS (farthest-point selection), start = row 0\n")
    print("| n | d | k | method | wall s | cpu s | peak MiB | same picks | datareduce faster by (cpu) |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, d, k in cases:
        ours, err = run(_mms, "datareduce", n, d, k)
        if err:
            print(f"| {n} | {d} | {k} | datareduce | error: {err} | | | |")
            continue
        (w0, t0), m0, p0 = ours
        print(f"| {n:,} | {d} | {k:,} | datareduce | {w0:.2f} | {t0:.2f} | {m0:.0f} | ref | 1 |",
              flush=True)
        for method in ("gudhi (exact)", "fpsample fps", "fpsample quickfps"):
            if method == "gudhi (exact)" and n * k > gudhi_max_work:
                print(f"| {n:,} | {d} | {k:,} | {method} | skipped (n*k > {gudhi_max_work:.0e})"
                      " | | | | |")
                continue
            if n * d > 2e7 and method.startswith("fpsample"):
                continue
            res, err = run(_mms, method, n, d, k)
            if err:
                print(f"| {n:,} | {d} | {k:,} | {method} | {err} | | | |")
                continue
            (w, t), m, p = res
            same = int(np.argmin(np.append(p == p0, False)))  # common prefix length
            print(f"| {n:,} | {d} | {k:,} | {method} | {w:.2f} | {t:.2f} | {m:.0f} "
                  f"| {same / k:.3f} | {t / t0:.1f}x |", flush=True)


def bench_clc(cases):
    print("\n### CLC (k-means at large k)\n")
    print("| n | d | k | method | wall s | cpu s | peak MiB | inertia / k-means++ | faster than "
          "k-means++ by (cpu) |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, d, k in cases:
        ref, err = run(_kmeans, "sklearn KMeans (k-means++)", n, d, k)
        if err:
            print(f"| {n} | {d} | {k} | sklearn KMeans (k-means++) | {err} | | | |")
            continue
        (w0, t0), m0, i0 = ref
        print(f"| {n:,} | {d} | {k:,} | sklearn KMeans (k-means++) | {w0:.2f} | {t0:.2f} "
              f"| {m0:.0f} | 1 | 1 |", flush=True)
        for method in ("fit_kmeans (auto)", "fit_kmeans (sklearn)", "fit_kmeans (faiss)",
                       "sklearn KMeans (random)",
                       "sklearn MiniBatchKMeans"):
            res, err = run(_kmeans, method, n, d, k)
            if err:
                print(f"| {n:,} | {d} | {k:,} | {method} | {err} | | | |")
                continue
            (w, t), m, inertia = res
            print(f"| {n:,} | {d} | {k:,} | {method} | {w:.2f} | {t:.2f} | {m:.0f} "
                  f"| {inertia / i0:.4f} | {t0 / t:.1f}x |", flush=True)


def bench_des(cases):
    print("\n### DES (float32 input, 10 classes)\n")
    print("| n | d | kept | wall s | cpu s | peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, d, k in cases:
        res, err = run(_des, "datareduce", n, d, k)
        if err:
            print(f"| {n:,} | {d} | {k:,} | {err} | |")
            continue
        (w, t), m, _ = res
        print(f"| {n:,} | {d} | {k:,} | {w:.2f} | {t:.2f} | {m:.0f} |", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (< 1 minute)")
    ap.add_argument("--only", choices=("mms", "clc", "des"), action="append")
    ap.add_argument("--gudhi-max-work", type=float, default=None,
                    help="skip gudhi when n * k exceeds this (it is quadratic-ish)")
    args = ap.parse_args(argv)
    only = set(args.only or ("mms", "clc", "des"))
    if args.quick:
        mms = [(20_000, 32, 2_000), (10_000, 64, 1_000)]
        clc = [(10_000, 16, 500)]
        des = [(200_000, 32, 2_000)]
        gmax = 1e8 if args.gudhi_max_work is None else args.gudhi_max_work
    else:
        mms = [(20_000, 32, 2_000), (100_000, 32, 10_000), (50_000, 64, 5_000),
               (1_000_000, 32, 10_000)]
        clc = [(50_000, 32, 5_000)]
        des = [(1_000_000, 32, 10_000)]
        gmax = 2e9 if args.gudhi_max_work is None else args.gudhi_max_work
    print(f"datareduce coverage benchmark ({time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, BLAS 1 thread)")
    if "mms" in only:
        bench_mms(mms, gmax)
    if "clc" in only:
        bench_clc(clc)
    if "des" in only:
        bench_des(des)


if __name__ == "__main__":
    main()
