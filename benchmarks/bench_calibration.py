"""Does the calibration earn its place? (issue 23)

On the quality suite's tables (``benchmarks/_tables.py``) and the one standard protocol
(``benchmarks/_protocol.py``: 25% test split, impute + one-hot + scale, logistic model or
ridge, macro-F1 or R²), each method keeps 10% of the training split. For each (table,
method) pair:

- each calibrated metric's percentile among stratified random subsets of the same size
  (``datareduce.metrics.calibrate`` in the audit's selection space, 20 draws);
- the downstream score of the model trained on the kept rows (with the reducer's weights)
  minus the mean score over 3 seeded SRS subsets of the same size.

The table gives, per metric, Spearman's rank correlation between the percentile and the
score difference over all pairs (a metric whose percentile predicts the score difference
well has a high positive correlation), and over pairs within each table (the mean of the
per-table correlations). The audit's headline metric should be the best one.

    python benchmarks/bench_calibration.py --quick     # the 6 quick tables, 4 methods
    python benchmarks/bench_calibration.py             # every table, 6 methods
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

METRICS = ("coverage", "coverage_q90", "epsilon", "mmd", "energy")


def run(tables, methods, keep=0.1, n_srs=3, n_draws=20, family="logistic"):
    import warnings

    from _protocol import fit_on_rows, score, split

    from datareduce import get_reducer
    from datareduce.metrics import audit_space, calibrate
    from datareduce.metrics.audit import audit_labels

    rows = []
    for table in tables:
        X, y, task = table.X, table.y, table.task
        tr, te = split(y, task, seed=0)
        Xtr, ytr = X.iloc[tr].reset_index(drop=True), y.iloc[tr].reset_index(drop=True)
        Xte, yte = X.iloc[te], y.iloc[te]
        A, _, _ = audit_space(Xtr)
        labels, _ = audit_labels(ytr.to_numpy(), len(Xtr))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = np.mean([score(fit_on_rows(family, task, Xtr, ytr, get_reducer(
                "srs", keep=keep, random_state=s).fit(Xtr, ytr).sample_indices_), Xte, yte,
                task) for s in range(n_srs)])
            for method in methods:
                t = time.perf_counter()
                try:
                    r = get_reducer(method, keep=keep, random_state=0).fit(Xtr, ytr)
                except (ValueError, TypeError) as exc:  # e.g. a method that needs classes
                    print(f"  {table.name} {method}: skipped ({str(exc)[:60]})")
                    continue
                if getattr(r, "synthetic_", None) is not None:
                    continue
                idx = r.sample_indices_
                s = score(fit_on_rows(family, task, Xtr, ytr, idx, r.sample_weight_), Xte,
                          yte, task)
                cal = calibrate(A, idx, labels, weights=r.sample_weight_, metrics=METRICS,
                                n_draws=n_draws, draws=("srs",), random_state=0)
                row = {"table": table.name, "method": method, "diff": s - base,
                       "seconds": time.perf_counter() - t}
                row.update({m: cal.metrics[m].percentile.get("srs", cal.metrics[m].percentile.get("random"))
                            for m in METRICS})
                rows.append(row)
        print(f"  {table.name}: done", flush=True)
    return pd.DataFrame(rows)


def correlations(df):
    from scipy.stats import spearmanr

    out = []
    for m in METRICS:
        overall = spearmanr(df[m], df["diff"]).statistic
        within = [spearmanr(g[m], g["diff"]).statistic for _, g in df.groupby("table")
                  if len(g) >= 3 and g[m].nunique() > 1 and g["diff"].nunique() > 1]
        out.append({"metric": m, "Spearman, all pairs": float(overall),
                    "Spearman within tables (mean)": float(np.mean(within)) if within
                    else float("nan"), "tables": len(within), "pairs": len(df)})
    return pd.DataFrame(out).sort_values("Spearman, all pairs", ascending=False)


def main(argv=None):
    from _tables import load_suite
    from bench_audit import markdown

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    methods = ("mms", "clc", "prd", "herding") if args.quick else (
        "mms", "clc", "des", "prd", "nrmd", "herding")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) at start")
    tables = load_suite(quick=args.quick, max_rows=3000)
    df = run(tables, methods)
    print("\n## Per (table, method): score difference to SRS and percentiles\n")
    print(markdown(df))
    print("\n## Rank correlation of each metric's percentile with the score difference\n")
    print(markdown(correlations(df)))
    print(f"\nload: {os.getloadavg()[0]:.2f} (1 min) at end")


if __name__ == "__main__":
    main()
