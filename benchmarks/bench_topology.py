"""Benchmark persistence diagrams and diagram distances; prints Markdown tables.

    python benchmarks/bench_topology.py [--quick]
    python benchmarks/bench_topology.py --only mst --no-peers --previous main \
        --cases 100000:16:uniform,100000:16:gaussian,100000:16:clusters
    .venv-giotto/bin/python benchmarks/bench_topology.py --quick --only diagrams  # giotto rows

Each case runs in a fresh subprocess so that the peak resident memory (ru_maxrss) is its
own. Data: a mixture of 10 Gaussian clusters (sd 1, centres uniform in [0, 10]^d).
Sections: (0) mst: exact H0 (Euclidean MST) of ours against the EMST libraries that install
from PyPI (hdbscan's KD-tree Boruvka with min_samples=1, mlpack's dual-tree EMST, and
fast_hdbscan's parallel Boruvka, which works in float32 and so is not exact), same data,
same run, each in its own process with a time limit, with ours on both cores and on one;
also on uniform data in [0, 1]^16, where no cluster structure helps the pruning; (1) diagrams: exact H0 via the minimum spanning tree, H0+H1 with greedy-permutation
subsampling to 1,000 points (exact H0 by MST), exact Rips H1 on all points, per backend;
(2) bottleneck / Wasserstein libraries side by side on the same pair of diagrams.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def make_data(n, d, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 10, size=(10, d))
    return centres[rng.integers(10, size=n)] + rng.normal(size=(n, d))


def run_case(spec):
    import resource

    import numpy as np

    from datareduce.metrics import persistence_diagrams

    X = make_data(spec["n"], spec["d"])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if spec["mode"] == "exact H0 (MST)":
        dg = persistence_diagrams(X, homology_dimensions=(0,), h0="mst", max_points=10**9,
                                  backend=spec["backend"])
    elif spec["mode"] == "H0+H1, subsampled":
        dg = persistence_diagrams(X, homology_dimensions=(0, 1), max_points=1000,
                                  backend=spec["backend"])
    else:  # exact H0+H1 by the backend
        dg = persistence_diagrams(X, homology_dimensions=(0, 1), max_points=10**9,
                                  backend=spec["backend"], h0="rips")
    sec = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": sec, "peak_mib": peak / 1024, "delta_mib": (peak - base) / 1024,
            "cover_radius": dg.cover_radius, "n_h1": int(len(dg.diagrams.get(1, np.empty(0))))}


def _load_previous(path):
    """The previous mst.py (``git show REF:...`` written to ``path``) as a module of the
    package, so that its relative imports resolve."""
    import importlib.util

    if "datareduce.metrics._mst_previous" in sys.modules:
        return sys.modules["datareduce.metrics._mst_previous"]
    spec = importlib.util.spec_from_file_location("datareduce.metrics._mst_previous", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _mst_lengths(method, X, previous=None):
    import numpy as np

    n_jobs = 1 if "1 thread" in method else -1
    if method.startswith("previous"):
        return _load_previous(previous).minimum_spanning_tree_lengths(X, n_jobs=n_jobs)
    if method.startswith("datareduce"):
        from datareduce.metrics import minimum_spanning_tree_lengths

        return minimum_spanning_tree_lengths(X, n_jobs=n_jobs)
    if method == "hdbscan":
        from hdbscan.hdbscan_ import _hdbscan_boruvka_kdtree

        _, mst = _hdbscan_boruvka_kdtree(X, min_samples=1, approx_min_span_tree=False,
                                         gen_min_span_tree=True, core_dist_n_jobs=1)
        return np.sort(mst[:, 2])
    if method == "mlpack":
        import mlpack

        return np.sort(mlpack.emst(input_=X)["output"][:, 2])
    if method == "fast_hdbscan":
        import fast_hdbscan.hdbscan as fh

        fh.compute_minimum_spanning_tree(X[:500].astype(np.float32), min_samples=1)  # JIT
        return np.sort(fh.compute_minimum_spanning_tree(X.astype(np.float32),
                                                        min_samples=1)[0][:, 2])
    raise ValueError(method)


def mst_data(n, d, kind):
    """uniform: [0, 1]^d; gaussian: one standard Gaussian; clusters: the 10-cluster mixture."""
    import numpy as np

    if kind == "uniform":
        return np.random.default_rng(0).uniform(size=(n, d))
    if kind == "gaussian":
        return np.random.default_rng(0).normal(size=(n, d))
    if kind == "clusters":
        return make_data(n, d)
    raise ValueError(f"unknown data kind {kind!r}; use uniform, gaussian or clusters")


def run_mst_case(spec):
    import numpy as np

    X = mst_data(spec["n"], spec["d"], spec.get("data", "clusters"))
    import datareduce.metrics  # noqa: F401  (imports are not timed)

    if spec["method"].startswith("previous"):
        _load_previous(spec["previous"])
    t, c = time.perf_counter(), time.process_time()
    lengths = _mst_lengths(spec["method"], X, spec.get("previous"))
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    np.save(spec["out"], lengths)
    return {"seconds": sec, "cpu": cpu}


def _parse_cases(text):
    cases = []
    for item in text.split(","):
        n, d, kind = item.split(":")
        cases.append((int(n), int(d), kind))
    return cases


def bench_mst(quick, timeout, cases=None, previous=None, peers=True):
    import tempfile

    import numpy as np

    sizes = cases or ([(10_000, 16, "clusters"), (100_000, 16, "clusters"),
                       (100_000, 16, "uniform")]
                      if not quick else [(10_000, 16, "clusters"), (30_000, 16, "uniform")])
    if not quick and not cases:
        sizes += [(1_000_000, 4, "clusters")]
    methods = ["datareduce", "datareduce (1 thread)"]
    with tempfile.TemporaryDirectory() as tmp:
        prev_path = None
        if previous:
            prev_path = os.path.join(tmp, "mst_previous.py")
            src = subprocess.run(["git", "show", f"{previous}:src/datareduce/metrics/mst.py"],
                                 capture_output=True, text=True, check=True,
                                 cwd=os.path.dirname(os.path.abspath(__file__))).stdout
            with open(prev_path, "w") as fh:
                fh.write(src)
            methods += [f"previous ({previous})", f"previous ({previous}, 1 thread)"]
        if peers:
            methods += ["hdbscan", "mlpack", "fast_hdbscan"]
        print(f"load before: {os.getloadavg()[0]:.2f} (1-min average, 2 cores)")
        print("| n | d | data | method | wall s | CPU s | wall ratio to datareduce | "
              "ours / previous (wall, CPU) | max rel. length diff. |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n, d, data in sizes:
            ref, ref_sec, got = None, None, {}
            for method in methods:
                out = os.path.join(tmp, f"{method}-{n}-{d}-{data}.npy")
                spec = dict(n=n, d=d, method=method, out=out, data=data, previous=prev_path)
                try:
                    res = subprocess.run([sys.executable, __file__, "--mst-case", json.dumps(spec)],
                                         capture_output=True, text=True, timeout=timeout)
                except subprocess.TimeoutExpired:
                    print(f"| {n:,} | {d} | {data} | {method} | > {timeout} (stopped) | | | | |",
                          flush=True)
                    continue
                if res.returncode:
                    err = (res.stderr.strip().splitlines() or ["?"])[-1][:60]
                    print(f"| {n:,} | {d} | {data} | {method} | failed: {err} | | | | |",
                          flush=True)
                    continue
                out_json = json.loads(res.stdout.strip().splitlines()[-1])
                sec, cpu = out_json["seconds"], out_json.get("cpu", float("nan"))
                got[method] = (sec, cpu)
                lengths = np.load(out)
                if method == "datareduce":
                    ref, ref_sec = lengths, sec
                diff = ("" if ref is None or len(ref) != len(lengths) else
                        f"{np.max(np.abs(lengths - ref) / np.maximum(ref, 1e-300)):.1e}")
                ratio = "" if ref_sec is None else f"{sec / ref_sec:.2f}"
                vs = ""
                if method.startswith("previous"):
                    ours = got.get("datareduce (1 thread)" if "1 thread" in method
                                   else "datareduce")
                    if ours:
                        vs = f"{ours[0] / sec:.2f}, {ours[1] / cpu:.2f}"
                print(f"| {n:,} | {d} | {data} | {method} | {sec:.2f} | {cpu:.2f} | {ratio} | "
                      f"{vs} | {diff} |", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


def bench_diagrams(quick, backends):
    ns = [1000, 10_000] if quick else [1000, 10_000, 100_000]
    ds = [8] if quick else [8, 16]
    specs = []
    for backend in backends:
        for d in ds:
            for n in ns:
                if backend == "ripser":
                    specs.append(dict(n=n, d=d, backend=backend, mode="exact H0 (MST)"))
                specs.append(dict(n=n, d=d, backend=backend, mode="H0+H1, subsampled"))
            for n in ([1000] if quick else [1000, 2000]):
                specs.append(dict(n=n, d=d, backend=backend, mode="exact H0+H1"))
    print("| backend | mode | n | d | seconds | peak RSS MiB (+ over data) | cover radius r | H1 pairs |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in specs:
        out = subprocess.run([sys.executable, __file__, "--case", json.dumps(spec)],
                             capture_output=True, text=True)
        if out.returncode:
            print(f"| {spec['backend']} | {spec['mode']} | {spec['n']} | {spec['d']} | failed: "
                  f"{out.stderr.strip().splitlines()[-1][:80]} | | | |")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {spec['backend']} | {spec['mode']} | {spec['n']:,} | {spec['d']} | "
              f"{r['seconds']:.2f} | {r['peak_mib']:.0f} (+{r['delta_mib']:.0f}) | "
              f"{r['cover_radius']:.3g} | {r['n_h1']} |", flush=True)


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    value = fn(*args, **kw)
    return value, time.perf_counter() - t


def bench_distances(quick):
    from datareduce.metrics import diagram_distance, persistence_diagrams

    sizes = [300, 1000] if quick else [300, 1000, 2000]
    print()
    print("| diagram pair (points each) | gudhi bottleneck s | persim bottleneck s | "
          "hera bottleneck s | W1 (ours: exact LSA / hera) s | persim W s | |d_gudhi - d_persim| |")
    print("|---|---|---|---|---|---|---|")
    for m in sizes:
        A = persistence_diagrams(make_data(m, 8, 1), homology_dimensions=(0,))[0]
        B = persistence_diagrams(make_data(m, 8, 2), homology_dimensions=(0,))[0]
        row = [f"H0 of two {m}-point clouds ({len(A)}, {len(B)})"]
        dg, sec = _timed(diagram_distance, A, B)
        row.append(sec)
        try:
            import persim

            if quick and m > 300 or m > 1000:
                raise ImportError
            dp, sec = _timed(persim.bottleneck, A, B)
            row.append(sec)
        except ImportError:
            dp = None
            row.append(None)
        import gudhi.hera

        row.append(_timed(gudhi.hera.bottleneck_distance, A, B)[1])
        row.append(_timed(diagram_distance, A, B, distance="wasserstein")[1])
        try:
            import persim

            if m > 1000:
                raise ImportError
            row.append(_timed(persim.wasserstein, A, B)[1])
        except ImportError:
            row.append(None)
        row.append(None if dp is None else abs(dg - dp))
        print("| " + " | ".join(c if isinstance(c, str) else ("skipped" if c is None else
                                                                f"{c:.3g}") for c in row) + " |",
              flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case")
    ap.add_argument("--mst-case")
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="seconds before a peer's MST run is stopped")
    ap.add_argument("--only", choices=("mst", "diagrams", "distances"))
    ap.add_argument("--cases", help="MST cases N:D:KIND[,N:D:KIND...], KIND in "
                    "uniform, gaussian, clusters (default: the standard set)")
    ap.add_argument("--previous", metavar="REF",
                    help="also run src/datareduce/metrics/mst.py of this git ref (e.g. main) "
                         "in the same run, on both cores and on one")
    ap.add_argument("--no-peers", action="store_true",
                    help="MST: skip hdbscan, mlpack and fast_hdbscan")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(json.loads(args.case))))
        return
    if args.mst_case:
        print(json.dumps(run_mst_case(json.loads(args.mst_case))))
        return
    if args.only in (None, "mst"):
        bench_mst(args.quick, args.timeout, _parse_cases(args.cases) if args.cases else None,
                  args.previous, not args.no_peers)
    backends = ["ripser"]
    try:
        import gtda  # noqa: F401

        backends.append("giotto")
    except ImportError:
        pass
    if args.only in (None, "diagrams"):
        bench_diagrams(args.quick, backends)
    if args.only in (None, "distances"):
        bench_distances(args.quick)


if __name__ == "__main__":
    main()
