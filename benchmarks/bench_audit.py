"""Benchmarks of the audits (issue 23): speed, time estimates, planted leakage.

Three tables, printed as markdown (docs/audit.md shows them with the command and the load):

1. ``speed``: the default subset audit (``audit_subset``: 3 calibrated metrics, 30 stratified
   and 30 uniform random subsets, figures' data) of a 10,000 x 32 mixed table (24 numeric
   columns, 8 categorical, missing values), per seed; and ``to_html`` (figures drawn). The
   peer, measured in the same run: one coverage evaluation of the subset without
   calibration (prepare + score).
   Wall and CPU (process) seconds: on the shared 2-core machine the wall time grows with
   the load, the CPU time much less (one thread: OMP_NUM_THREADS=1).
2. ``estimate``: the estimate the CLI prints (the first random subset's time times the
   number of subsets left) against the measured calibration time of the remaining subsets.
3. ``leakage``: on each table of the quality suite (``benchmarks/_tables.py``), with
   duplicate feature rows removed first: a clean 70/30 split (false pairs), then the same
   split with planted leaks: exact copies of training rows, near copies (each numeric value
   plus ``N(0, (5e-4 sd)^2)``, sd the column's standard deviation) and test rows given a
   training row's group id.

    python benchmarks/bench_audit.py --quick       # 2 seeds, 3 tables
    python benchmarks/bench_audit.py               # 5 seeds, every table
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def markdown(df) -> str:
    """A DataFrame as a markdown table (numbers with 3 significant digits)."""
    def cell(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |",
             "|" + "---|" * df.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in df.itertuples(index=False)]
    return "\n".join(lines)


def mixed_table(n=10_000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"x{i}": rng.normal(size=n) * (1 + i) for i in range(24)})
    for i in range(8):
        df[f"c{i}"] = rng.choice([f"v{k}" for k in range(3 + i)], size=n)
    for col in ("x0", "x5", "c0", "c3"):
        df.loc[rng.random(n) < 0.05, col] = None
    y = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
    return df, y


def bench_speed(seeds):
    from datareduce import get_reducer
    from datareduce.metrics import audit_space, audit_subset, calibrate, get_metric

    speed, estimate = [], []
    for seed in seeds:
        df, y = mixed_table(seed=seed)
        reducer = get_reducer("mms", keep=0.1, random_state=seed).fit(df, y)
        t, c = time.perf_counter(), time.process_time()
        audit = audit_subset(df, reducer, y, random_state=seed)
        total, cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        audit.to_html()
        html, html_cpu = time.perf_counter() - t, time.process_time() - c
        t = time.perf_counter()
        A, _, _ = audit_space(df)
        idx = reducer.sample_indices_
        get_metric("coverage")(A, A[idx], y, y[idx])
        peer = time.perf_counter() - t
        speed.append({"seed": seed, "audit wall s": total, "audit CPU s": cpu,
                      "to_html wall s": html, "to_html CPU s": html_cpu, "peer wall s": peer,
                      "audit / peer": total / peer})
        # the estimate the CLI prints, against the time the announced work then takes
        seen = {}

        def progress(per, left, seen=seen):
            seen.update(estimate=per * left, left=left, t=time.perf_counter())

        calibrate(A, idx, y, weights=reducer.sample_weight_, n_draws=30, max_rows=1500,
                  random_state=seed, progress=progress)
        rest = time.perf_counter() - seen["t"]
        estimate.append({"seed": seed, "draws left": seen["left"],
                         "estimate s": seen["estimate"], "measured s": rest,
                         "measured / estimate": rest / seen["estimate"]})
    return pd.DataFrame(speed), pd.DataFrame(estimate)


def _plant(train, test, n_plant, rng):
    num = [c for c in train.columns if train[c].dtype.kind == "f"]
    src = rng.choice(len(train), 3 * n_plant, replace=False)
    exact = train.iloc[src[:n_plant]].copy()
    near = train.iloc[src[n_plant:2 * n_plant]].copy()
    if num:
        near[num] = near[num] + rng.normal(size=near[num].shape) * (
            5e-4 * train[num].std()).to_numpy()
    grouped = test.iloc[:n_plant].copy()
    grouped["_group"] = train["_group"].iloc[src[2 * n_plant:]].to_numpy()
    return pd.concat([test.iloc[n_plant:], exact, near, grouped], ignore_index=True), bool(num)


def bench_leakage(tables, n_plant=5, seed=0):
    from datareduce.metrics import audit_split

    rows = []
    for table in tables:
        X = table.X.drop_duplicates().reset_index(drop=True)
        rng = np.random.default_rng(seed)
        X["_group"] = np.arange(len(X))
        order = rng.permutation(len(X))
        cut = int(0.7 * len(X))
        train, test = X.iloc[order[:cut]], X.iloc[order[cut:]]
        clean = audit_split(train, test, group="_group", n_draws=5)
        leaky, has_num = _plant(train, test, n_plant, rng)
        n0 = len(leaky) - 3 * n_plant
        audit = audit_split(train, leaky, group="_group", n_draws=5)
        dup = audit.duplicates
        found = set(dup["test_row"])
        planted_exact = set(range(n0, n0 + n_plant))
        planted_near = set(range(n0 + n_plant, n0 + 2 * n_plant))
        planted_groups = set(leaky["_group"].iloc[n0 + 2 * n_plant:])
        rows.append({
            "table": table.name, "rows": len(X), "columns": X.shape[1] - 1,
            "clean: false pairs": len(clean.duplicates),
            "clean: false groups": len(clean.groups),
            "exact found": f"{len(planted_exact & found)}/{n_plant}",
            "near found": f"{len(planted_near & found)}/{n_plant}" if has_num else "n/a",
            "groups found": f"{len(planted_groups & set(audit.groups['group']))}/{n_plant}",
            "other pairs": len(found - planted_exact - planted_near
                               - set(range(n0 + 2 * n_plant, len(leaky)))),
            "threshold": audit.threshold,
        })
    return pd.DataFrame(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--leakage-only", action="store_true", help="only the third table")
    args = p.parse_args(argv)
    seeds = (0, 1) if args.quick else (0, 1, 2, 3, 4)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) at start")
    if not args.leakage_only:
        print_speed(seeds)
    from _tables import load_suite

    tables = load_suite(quick=args.quick)
    print("\n## Planted leakage across a 70/30 split\n")
    print(markdown(bench_leakage(tables)))
    print(f"\nload: {os.getloadavg()[0]:.2f} (1 min) at end")


def print_speed(seeds):
    speed, est = bench_speed(seeds)
    print("\n## Default subset audit, 10,000 x 32 mixed table, mms keep 10%\n")
    print(markdown(speed))
    col = speed["audit wall s"]
    print(f"\nmedian audit {col.median():.3g} s wall (min {col.min():.3g}, max {col.max():.3g})")
    print("\n## Printed estimate against measured time\n")
    print(markdown(est))


if __name__ == "__main__":
    main()
