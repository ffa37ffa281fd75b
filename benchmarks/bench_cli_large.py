"""The command line on a large mixed-type CSV: time and peak memory of ``datareduce reduce``.

Writes a CSV of ``--rows`` rows and 20 columns (12 numeric with 1% missing values, one
integer, one boolean, four categorical of 3, 12, 60 and 2,000 categories with 1% missing,
and a 5-class label), then runs ``datareduce reduce`` on it with each method, each in its
own process, and prints a table: wall seconds of the whole command (reading, the selection
space, the reduction, writing), the reduction's own seconds, and the process's peak
resident memory (``ru_maxrss`` of the child), next to the CSV's size and the size of the
table in pandas as a yardstick.

Usage::

    python benchmarks/bench_cli_large.py --quick     # 100,000 rows
    python benchmarks/bench_cli_large.py             # 1,000,000 rows (the issue's size)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.choice(5, size=n, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    cols = {}
    for j in range(12):
        x = rng.normal(label * (j % 3), 1.0 + j / 6, size=n).round(4)
        x[rng.random(n) < 0.01] = np.nan
        cols[f"x{j}"] = x
    cols["count"] = rng.poisson(3 + label, size=n)
    cols["flag"] = rng.random(n) < 0.3
    for name, k in (("c3", 3), ("c12", 12), ("c60", 60), ("c2000", 2000)):
        values = np.array([f"{name}_{i}" for i in range(k)], dtype=object)
        c = values[(rng.zipf(1.5, size=n) + label) % k]
        c[rng.random(n) < 0.01] = None
        cols[name] = c
    cols["label"] = np.array(["a", "b", "c", "d", "e"], dtype=object)[label]
    return pd.DataFrame(cols)


def run_one(csv: Path, method: str, keep: str, out: Path):
    """``datareduce reduce`` in a fresh process: wall seconds, fit seconds, peak MiB."""
    code = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr)\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    cmd = [sys.executable, "-c", code, sys.executable, "-m", "datareduce.cli", "reduce",
           str(csv), "--target", "label", "--method", method, "--keep", keep, "--output",
           str(out), "--overwrite"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"{method} failed:\n{res.stderr}")
    fit = float(re.search(r"in ([0-9.]+) s ->", res.stdout).group(1))
    peak = int(re.search(r"PEAK (\d+)", res.stdout).group(1)) / 1024.0
    space = re.search(r"space: (.*)", res.stderr)
    return wall, fit, peak, space.group(1) if space else ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--methods", nargs="+", default=["srs", "mms", "clc"])
    ap.add_argument("--keep", default="1000", help="rows kept (default 1000)")
    args = ap.parse_args(argv)
    n = args.rows or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="dr-bench-cli-") as tmp:
        csv = Path(tmp) / "big.csv"
        t0 = time.perf_counter()
        df = make_table(n)
        df.to_csv(csv, index=False)
        in_pandas = df.memory_usage(deep=True).sum() / 2**20
        del df
        print(f"{n:,} rows x 20 columns; CSV {csv.stat().st_size / 2**20:.0f} MiB, "
              f"{in_pandas:.0f} MiB in pandas; written in {time.perf_counter() - t0:.0f} s; "
              f"keep {args.keep}; load {os.getloadavg()[0]:.1f}")
        print()
        print("| method | command s | reduction s | peak MiB |")
        print("|---|---|---|---|")
        space = ""
        for method in args.methods:
            wall, fit, peak, sp = run_one(csv, method, args.keep, Path(tmp) / "out.csv")
            space = sp or space
            print(f"| {method} | {wall:.1f} | {fit:.1f} | {peak:.0f} |", flush=True)
        print()
        print(f"space: {space}")
        print(f"peak MiB: the command's maximum resident set (ru_maxrss); load after: "
              f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
