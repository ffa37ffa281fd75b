"""One-pass exact stratified sampling on dask against ``dask.dataframe.sample(frac=...)``.

    python benchmarks/bench_stratified.py --quick     # 10^6 rows in 20 Parquet files
    python benchmarks/bench_stratified.py             # 10^7 rows in 200 Parquet files

Data: ``bench_distributed``'s 16 features and 10 imbalanced classes, written as Parquet files
of 50,000 rows. Both methods read the folder with ``dask.dataframe.read_parquet`` and bring
the kept rows into memory (``.compute()``), on dask's default threaded scheduler with
``--threads`` workers; keep 1%. ``dask sample`` keeps about 1% of every partition (not a
fixed number, not per class); ``stratified_sample`` keeps exactly ``round(0.01 n)`` rows,
split over the classes by largest remainder (what ``SRS`` keeps in memory). The methods
alternate over ``--repeats`` runs; medians (min-max) of wall and CPU seconds, and the ratio
of the median wall times, with the 1-minute load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
from bench_distributed import _write_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", help="an existing folder of the benchmark's Parquet files "
                    "(bench_distributed's layout); default: written to a temporary folder")
    args = ap.parse_args()
    import dask
    import dask.dataframe as dd

    from datareduce.distributed import stratified_sample

    n_files = 20 if args.quick else 200
    file_rows = 50_000
    with tempfile.TemporaryDirectory() as tmp:
        if args.data:
            tmp = args.data
            n_files = len([f for f in os.listdir(tmp) if f.endswith(".parquet")])
        else:
            for g in range(n_files):
                _write_file(os.path.join(tmp, f"part-{g:04d}.parquet"), 0, g, file_rows)
        n = n_files * file_rows
        print(f"{n:,} rows in {n_files} files; {args.threads} threads; "
              f"load before: {os.getloadavg()[0]:.2f}")
        runs = {"dask sample(frac=0.01)": [], "stratified_sample(keep=0.01)": []}
        sizes = {}
        with dask.config.set(scheduler="threads", num_workers=args.threads):
            for r in range(args.repeats):
                for name in runs:
                    ddf = dd.read_parquet(tmp)
                    t, c = time.perf_counter(), time.process_time()
                    if name.startswith("dask"):
                        out = ddf.sample(frac=0.01, random_state=r).compute()
                    else:
                        out = stratified_sample(ddf, "label", 0.01, random_state=r)
                    runs[name].append((time.perf_counter() - t, time.process_time() - c))
                    passes = sizes.get(name, (0, []))[1] + [out.attrs.get("passes", "")]
                    sizes[name] = (len(out), passes, np.bincount(out["label"], minlength=10))
        print("| method | rows kept | passes per run | wall s | CPU s | wall ratio to dask sample |")
        print("|---|---|---|---|---|---|")
        ref = statistics.median(w for w, _ in runs["dask sample(frac=0.01)"])
        for name, rs in runs.items():
            w = [a for a, _ in rs]
            c = [b for _, b in rs]
            print(f"| {name} | {sizes[name][0]:,} | {' '.join(map(str, sizes[name][1]))} | "
                  f"{statistics.median(w):.2f} ({min(w):.2f}-{max(w):.2f}) | "
                  f"{statistics.median(c):.2f} | {statistics.median(w) / ref:.2f} |")
        for name in runs:
            print(f"{name}: kept per class {sizes[name][2].tolist()}")
        print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
