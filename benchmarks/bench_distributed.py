"""Distributed reduction at 10^7 rows: Parquet in, Parquet out, on a 2-process LocalCluster.

Generates ``--rows`` x 16 rows with 10 imbalanced classes (each a mixture of 3 Gaussian
blobs) chunk by chunk: the workers write one Parquet file of ``--file-rows`` rows each from
a seeded function, so the data is never materialised whole. Then, on a ``LocalCluster`` of
``--workers`` worker processes (one thread each, ``--memory-limit`` each), it reduces the
folder to ``--keep`` with ``datareduce.distributed.reduce_parquet`` for every method and
reports:

* wall time (scan / reduce / gather the kept rows), and the ratio to SRS in the same run;
* peak resident memory per worker (the workers are restarted before each method) and of
  this process;
* epsilon (exact, blocked, Euclidean, per class, on min-max scaled features) next to the
  composable-coreset bound ``r1 + r2`` (stage-one cover radius + stage-two cover radius);
* with ``n <= --in-memory-max``: the in-memory fit of the same method (one process) as the
  peer;
* how time scales with the number of blocks: the same data as a dask array generated per
  block (no files), reduced with ``reduce_blocks`` at several block counts.

    python benchmarks/bench_distributed.py --quick        # 10^6 rows
    python benchmarks/bench_distributed.py                # 10^7 rows

The kernel-thinning reducer is included when registered (``kt``), skipped with a line if not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

N_FEATURES, N_CLASSES, N_SUB = 16, 10, 3
KT_NAMES = ("kt", "kernel_thinning", "kernel-thinning", "kth")


# ------------------------------------------------------------------------------ data
def _class_model(seed):
    rng = np.random.default_rng([seed, 2**20])
    p = 0.7 ** np.arange(N_CLASSES)
    centres = rng.uniform(0, 8, size=(N_CLASSES, N_SUB, N_FEATURES))
    return p / p.sum(), centres


def generate_rows(seed, start, n, gen_rows):
    """Rows ``start .. start+n`` of the data set; ``start`` and ``n`` multiples of
    ``gen_rows``. The values depend only on the row positions (not on the chunking)."""
    p, centres = _class_model(seed)
    Xs, ys = [], []
    for g in range(start // gen_rows, (start + n) // gen_rows):
        rng = np.random.default_rng([seed, g])
        y = rng.choice(N_CLASSES, size=gen_rows, p=p)
        sub = rng.integers(N_SUB, size=gen_rows)
        X = centres[y, sub] + rng.normal(size=(gen_rows, N_FEATURES))
        Xs.append(X.astype(np.float32))  # stored as float32 in the files
        ys.append(y)
    return np.concatenate(Xs).astype(np.float64), np.concatenate(ys)


def _write_file(path, seed, g, gen_rows):
    import pandas as pd

    X, y = generate_rows(seed, g * gen_rows, gen_rows, gen_rows)
    df = pd.DataFrame(X.astype(np.float32), columns=[f"f{j:02d}" for j in range(N_FEATURES)])
    df["label"] = y.astype(np.int16)
    df["id"] = 10**12 + g * gen_rows + np.arange(gen_rows, dtype=np.int64)
    df.to_parquet(path, index=False)
    return len(df)


def write_dataset(folder: Path, rows, gen_rows, seed, client):
    """One Parquet file per ``gen_rows`` rows, written by the workers (reused if present)."""
    import dask

    manifest = folder / "manifest.json"
    spec = {"rows": rows, "gen_rows": gen_rows, "seed": seed, "features": N_FEATURES}
    if manifest.exists() and json.loads(manifest.read_text()) == spec:
        return 0.0
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    tasks = [dask.delayed(_write_file)(str(folder / f"part-{g:05d}.parquet"), seed, g, gen_rows)
             for g in range(rows // gen_rows)]
    assert sum(client.compute(tasks, sync=True)) == rows
    manifest.write_text(json.dumps(spec))
    return time.perf_counter() - t0


def generated_array(rows, block_rows, gen_rows, seed):
    """The same data as a dask array of ``rows / block_rows`` blocks, generated per block."""
    import dask
    import dask.array as da

    Xs, ys = [], []
    for start in range(0, rows, block_rows):
        d = dask.delayed(generate_rows, nout=2)(seed, start, block_rows, gen_rows)
        Xs.append(da.from_delayed(d[0], shape=(block_rows, N_FEATURES), dtype=np.float64))
        ys.append(da.from_delayed(d[1], shape=(block_rows,), dtype=np.int64))
    return da.concatenate(Xs), da.concatenate(ys)


def population_mmd2(Z, weights, seed, block=4096):
    """Squared MMD between the weighted rows ``Z`` (raw features) and the distribution that
    generated the data, in closed form: a Gaussian kernel of width ``s`` (the median
    heuristic of 1,000 generated rows) against a mixture of unit-covariance Gaussians. For a
    component ``N(mu, I)`` in ``d`` dimensions ``E k(X, z) = (s^2 / (s^2 + 1))^(d/2)
    exp(-||z - mu||^2 / (2 (s^2 + 1)))`` and ``E k(X, X') = (s^2 / (s^2 + 2))^(d/2)
    exp(-||mu - mu'||^2 / (2 (s^2 + 2)))``. No estimate of the data's term, so the values of
    different reductions compare exactly (the stored float32 rounding aside)."""
    from datareduce._weights import gaussian_block, median_bandwidth

    p, centres = _class_model(seed)
    mu = centres.reshape(-1, N_FEATURES)
    pw = np.repeat(p / N_SUB, N_SUB)
    s = median_bandwidth(generate_rows(seed, 0, 50_000, 50_000)[0][:1000])
    s2, d = s * s, N_FEATURES
    d_mm = ((mu[:, None] - mu[None]) ** 2).sum(-1)
    pp = pw @ ((s2 / (s2 + 2)) ** (d / 2) * np.exp(-d_mm / (2 * (s2 + 2)))) @ pw
    w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    d_zm = ((Z[:, None, :] - mu[None]) ** 2).sum(-1)
    pz = ((s2 / (s2 + 1)) ** (d / 2) * np.exp(-d_zm / (2 * (s2 + 1)))) @ pw
    zz = 0.0
    for a in range(0, len(Z), block):
        zz += w[a:a + block] @ gaussian_block(Z[a:a + block], Z, 1.0 / (2 * s2)) @ w
    return float(pp - 2 * w @ pz + zz)


# ------------------------------------------------------------------------- measuring
def _mib(b):
    return b / 2**20


def _load():
    return f"{os.getloadavg()[0]:.1f}"


def _warm_up():
    import dask.dataframe  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import datareduce.distributed  # noqa: F401
    import datareduce.reducers.maxmin  # noqa: F401
    import datareduce.reducers.vq  # noqa: F401
    return True


def restart(client):
    """Fresh worker processes (their peak memory starts again), with the imports done."""
    client.restart(timeout=900)  # slow under load: the new workers import everything
    client.run(_warm_up)


def _self_peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _spec(spec):
    """``"mms"``, ``"mms:uniform"`` or ``"mms:uniform:2"``: a method, its first stage and its
    oversampling (default ``--oversample``)."""
    method, _, rest = spec.partition(":")
    first, _, oversample = rest.partition(":")
    return method, first or "auto", float(oversample) if oversample else None


def run_method(client, folder, spec, args):
    from datareduce.distributed import reduce_parquet, worker_peak_memory

    method, first_stage, oversample = _spec(spec)
    restart(client)
    load0 = _load()
    oversample = 1 if method == "srs" else (oversample or args.oversample)
    c0 = _cpu(client)
    res = reduce_parquet(folder, method, args.keep, target="label", id_column="id",
                         scheduler=client, oversample=oversample, random_state=0,
                         radius_metric=None if args.no_radius else "euclidean",
                         first_stage=first_stage, stage_two_rows=args.stage_two_rows or None)
    cpu = _cpu(client) - c0
    peak = max(worker_peak_memory(client).values())
    row = {"method": spec, "first_stage": res.blocks.info["first_stage"],
           "stage_two_rows": args.stage_two_rows,
           "oversample": oversample, "kept": len(res.kept), "cpu_workers": cpu,
           "blocks": int(res.blocks.info["n_blocks"]), "load_start": load0,
           **{f"t_{k}": v for k, v in res.timings.items()}, "worker_peak_mib": _mib(peak),
           "r1": res.blocks.stage_one_radius, "r2": res.blocks.stage_two_radius,
           "bound": res.blocks.radius_bound, "load_end": _load()}
    row["t_total"] = sum(res.timings.values())
    if not args.no_mmd:
        Z = res.kept[[f"f{j:02d}" for j in range(N_FEATURES)]].to_numpy(dtype=np.float64)
        row["mmd2"] = population_mmd2(Z, np.ones(len(Z)), args.seed)
        row["mmd2_weighted"] = population_mmd2(Z, res.sample_weight, args.seed)
    return row, res


def _worker_cpu():
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _cpu(client):
    """CPU seconds of the workers and of this process so far."""
    return sum(client.run(_worker_cpu).values()) + time.process_time()


def run_epsilon(client, folder, row, res):
    """Exact blocked epsilon of a reduction (Euclidean, per class, min-max scaled)."""
    from datareduce.distributed import epsilon_blocks, read_parquet_blocks

    restart(client)
    t0 = time.perf_counter()
    data = read_parquet_blocks(folder, target="label", id_column="id")
    eps = epsilon_blocks(data.X, data.scale(res.kept), data.y, res.kept["label"].to_numpy(),
                         metric="euclidean")
    row["epsilon"], row["t_epsilon"], row["load_epsilon"] = (
        eps.value, time.perf_counter() - t0, _load())


def in_memory_peer(folder, method, args):
    import pandas as pd

    from datareduce import get_reducer
    from datareduce._core.validation import minmax_ranges
    from datareduce.metrics import epsilon_representativeness

    df = pd.concat([pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))])
    X = df[[f"f{j:02d}" for j in range(N_FEATURES)]].to_numpy(dtype=np.float64)
    lo, span = minmax_ranges(X)
    X = (X - lo) / span
    y = df["label"].to_numpy()
    t0 = time.perf_counter()
    r = get_reducer(method, keep=args.keep, random_state=0).fit(X, y)
    t = time.perf_counter() - t0
    eps = epsilon_representativeness(X, X[r.sample_indices_], y, y[r.sample_indices_],
                                     metric="euclidean").value
    return {"method": method, "t_fit": t, "epsilon": eps}


def block_scaling(client, args, methods):
    from datareduce import get_reducer
    from datareduce.distributed import reduce_blocks

    rows = []
    n_files = args.rows // args.file_rows
    client.run(_warm_up)
    for method in methods:
        for factor in args.scaling:
            if factor < 1 or n_files % factor:
                continue
            n_blocks = n_files // factor
            block_rows = args.rows // n_blocks
            X, y = generated_array(args.rows, block_rows, args.file_rows, args.seed)
            oversample = 1 if method == "srs" else args.oversample
            t0 = time.perf_counter()
            res = reduce_blocks(X, y, reducer=get_reducer(method, keep=args.keep),
                                oversample=oversample, random_state=0,
                                radius_metric="euclidean")
            t = time.perf_counter() - t0
            rows.append({"method": method, "blocks": n_blocks, "rows_per_block": block_rows,
                         "t": t, "r1": res.stage_one_radius, "r2": res.stage_two_radius,
                         "load": _load()})
            _show(rows[-1], "scaling: ")
    return rows


# ------------------------------------------------------------------------------ main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10^6 rows (default 10^7)")
    ap.add_argument("--rows", type=int, help="rows (overrides --quick)")
    ap.add_argument("--file-rows", type=int, default=50_000, help="rows per Parquet file")
    ap.add_argument("--keep", type=float, default=0.01)
    ap.add_argument("--oversample", type=float, default=4.0,
                    help="stage-one oversampling of the two-stage methods")
    ap.add_argument("--methods", default="srs,mms,vq,kt",
                    help="comma separated; 'mms:uniform' gives a method's first stage "
                    "(auto, same or uniform; default auto), 'mms:uniform:2' also its "
                    "oversampling")
    ap.add_argument("--no-radius", action="store_true",
                    help="do not measure the cover radii r1 and r2 (they cost a nearest-"
                    "neighbour pass of every block)")
    ap.add_argument("--stage-two-rows", type=int, default=10_000,
                    help="rows of a class's union per stage-two task (0: one task per class)")
    ap.add_argument("--no-mmd", action="store_true",
                    help="do not compute MMD^2 to the generating distribution")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GiB", help="per worker")
    ap.add_argument("--data", default=None, help="folder for the generated Parquet files")
    ap.add_argument("--keep-data", action="store_true", help="do not delete the files after")
    ap.add_argument("--scaling", default="4,2,1",
                    help="block-count scaling: files per block (comma separated); '' skips")
    ap.add_argument("--scaling-methods", default="srs,mms")
    ap.add_argument("--in-memory-max", type=int, default=1_000_000,
                    help="also fit in memory (the peer) up to this many rows")
    ap.add_argument("--no-epsilon", action="store_true")
    ap.add_argument("--only-scaling", action="store_true",
                    help="only the block-count scaling (no files, no epsilon)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the results to this JSON file (after each step)")
    ap.add_argument("--report", metavar="JSON", help="print the tables of a (partial) JSON file")
    args = ap.parse_args(argv)
    if args.report:
        report(json.loads(Path(args.report).read_text()))
        return 0
    args.rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    if args.rows % args.file_rows:
        ap.error("--rows must be a multiple of --file-rows")
    args.scaling = [int(s) for s in args.scaling.split(",") if s.strip()]
    if args.only_scaling:
        args.no_epsilon, args.in_memory_max = True, 0

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from distributed import Client, LocalCluster

    from datareduce import available_reducers
    from datareduce._registry import reducer_class

    methods = []
    for m in args.methods.split(","):
        if _spec(m)[0] == "kt":
            found = [k for k in KT_NAMES if k in available_reducers()]
            if not found:
                print("kernel thinning: not registered in this version, skipped")
                continue
            m = found[0] + m[2:]
            try:
                reducer_class(_spec(m)[0])
            except ImportError as exc:
                print(f"kernel thinning: {exc}; skipped")
                continue
        methods.append(m)

    folder = Path(args.data or f"/tmp/datareduce-bench-{args.rows}")
    print(f"# {args.rows:,} x {N_FEATURES} rows, {N_CLASSES} classes, files of "
          f"{args.file_rows:,} rows, keep {args.keep}, {args.workers} workers x 1 thread, "
          f"memory limit {args.memory_limit}; load {_load()}, {os.cpu_count()} cores",
          flush=True)
    results = {"args": vars(args), "methods": [], "in_memory": [], "scaling": []}

    def save():
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit=args.memory_limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        if not args.only_scaling:
            t_write = write_dataset(folder, args.rows, args.file_rows, args.seed, client)
            size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
            print(f"data: {folder} ({_mib(size):.0f} MiB on disk, written in {t_write:.1f} s;"
                  " 0 = reused)", flush=True)
        kept = {}
        for m in [] if args.only_scaling else methods:
            row, kept[m] = run_method(client, folder, m, args)
            results["methods"].append(row)
            _show(row)
            save()
        if args.scaling:
            scaling_methods = [m for m in args.scaling_methods.split(",") if m in methods]
            results["scaling"] = block_scaling(client, args, scaling_methods)
            save()
        if args.rows <= args.in_memory_max:
            for m in dict.fromkeys(_spec(m)[0] for m in methods):
                results["in_memory"].append(in_memory_peer(folder, m, args))
                _show(results["in_memory"][-1], "in memory: ")
                save()
        if not args.no_epsilon:
            for row in results["methods"]:
                run_epsilon(client, folder, row, kept[row["method"]])
                _show(row)
                save()
    if not args.keep_data and args.data is None:
        shutil.rmtree(folder, ignore_errors=True)
    results["client_peak_mib"] = _mib(_self_peak())
    save()
    report(results)


def _show(row, prefix=""):
    print("  " + prefix + json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                                      for k, v in row.items()}), flush=True)


def report(results):
    srs = next((r for r in results["methods"] if r["method"] == "srs"), None)
    mem = {r["method"]: r for r in results["in_memory"]}
    nan = float("nan")
    print("\n| method | first stage | blocks | stages | wall s (scan + reduce + gather) "
          "| x SRS (mean of its runs) | CPU s (workers + client) | x SRS | peak MiB / worker | epsilon "
          "| r1 + r2 (bound) | MMD^2 x SRS (unweighted; weighted) | epsilon in memory "
          "| in-memory fit s | load |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")
    # SRS runs first and may run again last (--methods srs,...,srs): the ratios are to the
    # mean of its runs (the first pays the warm-up)
    srs_runs = [r for r in results["methods"] if r["method"] == "srs"]
    ref_t = np.mean([r["t_total"] for r in srs_runs]) if srs_runs else nan
    ref_cpu = np.mean([r.get("cpu_workers", nan) for r in srs_runs]) if srs_runs else nan
    for r in results["methods"]:
        ratio = r["t_total"] / ref_t
        cpu = r.get("cpu_workers", nan)
        cpu_ratio = cpu / ref_cpu
        m = mem.get(r["method"].partition(":")[0])
        bound = ("" if r.get("r1") is None
                 else f"{r['r1']:.3f} + {r['r2']:.3f} = {r['bound']:.3f}")
        mmd = ""
        if "mmd2" in r and srs and "mmd2" in srs:
            mmd = (f"{r['mmd2'] / srs['mmd2']:.2f}; "
                   f"{r['mmd2_weighted'] / srs['mmd2_weighted']:.2f}")
        stages = "1" if r["oversample"] == 1 else f"2 (x{r['oversample']:g})"
        print(f"| {r['method'].partition(':')[0]} | {r.get('first_stage', 'same')} "
              f"| {r['blocks']} | {stages} "
              f"| {r['t_total']:.1f} ({r['t_scan']:.1f} + {r['t_reduce']:.1f} + "
              f"{r['t_gather']:.1f}) | {ratio:.2f} | {cpu:.1f} | {cpu_ratio:.2f} "
              f"| {r['worker_peak_mib']:.0f} | {r.get('epsilon', nan):.3f} | {bound} | {mmd} "
              f"| {m['epsilon'] if m else nan:.3f} | {m['t_fit'] if m else nan:.1f} "
              f"| {r['load_start']} - {r['load_end']} |")
    if srs and "mmd2" in srs:
        print(f"\nSRS: MMD^2 {srs['mmd2']:.3g} (unweighted), {srs['mmd2_weighted']:.3g} "
              "(weighted), to the generating distribution (closed form)")
    if any("t_epsilon" in r for r in results["methods"]):
        print("\nexact blocked epsilon took " + ", ".join(
            f"{r['method']} {r['t_epsilon']:.0f} s (load {r['load_epsilon']})"
            for r in results["methods"] if "t_epsilon" in r))
    if results["scaling"]:
        print("\n(raw features, no files: the data generated per block)")
        print("\n| method | blocks | rows / block | reduce s | r1 | r2 | load |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for r in results["scaling"]:
            print(f"| {r['method']} | {r['blocks']} | {r['rows_per_block']:,} | {r['t']:.1f} "
                  f"| {r['r1']:.3f} | {r['r2']:.3f} | {r['load']} |")
    if "client_peak_mib" in results:
        print(f"\nthis process (client, in-memory peers included): peak "
              f"{results['client_peak_mib']:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
