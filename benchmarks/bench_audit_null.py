"""The audit under the null: how often random subsets get a red line, and what a damaged
subset gets (docs/design-notes.md, "Refinements of the fifth user round").

Generated Gaussian classes (4 features, class means apart by about one standard
deviation). For each number of classes, stratified random subsets (SRS, 10 %) are audited
with ``audit_subset`` (30 draws of each kind) and the table counts:

- ``weak (corrected)``: subsets whose headline metric names a weak class (the max-T rule,
  ``per_class_familywise`` below 5), against ``weak (uncorrected)``: any class's own
  percentile below 5 (the rule before);
- ``shares red``: subsets whose class shares are flagged (``class_mix`` below 5); the
  same for uniform random subsets carrying exp(1) weights unrelated to the class;
- ``damaged named``: a table where one class's kept rows are replaced by that class's
  first rows sorted on one feature: how often that class is named.

And the overlap of the audit's evaluation rows with the rows ``srs`` kept when both are
given the same seed (12,000 rows, keep 0.2; 0.2 expected).

    python benchmarks/bench_audit_null.py --quick   # 3 and 12 classes, 10 subsets each
    python benchmarks/bench_audit_null.py           # 3, 12 and 60 classes, 20 subsets
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def _table(k, rows_per_class, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=1.0, size=(k, 4))
    y = np.repeat(np.arange(k), rows_per_class)
    X = centres[y] + rng.normal(size=(y.size, 4))
    return X, y


def _audit(X, y, idx, weights=None, seed=0):
    from datareduce.metrics import audit_subset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return audit_subset(X, idx, y, metrics=("mmd",), weights=weights, random_state=seed)


def _srs(y, keep, seed):
    import datareduce

    red = datareduce.get_reducer("srs", keep=keep, random_state=seed)
    red.fit(np.zeros((y.size, 1)), y)
    return np.sort(red.sample_indices_)


def null_rates(k, n_subsets, rows_per_class=100, keep=0.1):
    weak_c = weak_u = shares = shares_w = 0
    for s in range(n_subsets):
        X, y = _table(k, rows_per_class, 1000 + s)
        a = _audit(X, y, _srs(y, keep, s), seed=s)
        head = a.calibration.headline
        weak_c += any(p < 5 for p in head.per_class_familywise.values())
        weak_u += any(p < 5 for c, p in head.per_class_percentile.items()
                      if c not in head.kept_whole)
        shares += a.class_mix["percentile"] < 5
        rng = np.random.default_rng(s)
        idx = np.sort(rng.choice(y.size, int(keep * y.size), replace=False))
        aw = _audit(X, y, idx, weights=rng.exponential(size=idx.size), seed=s)
        shares_w += aw.class_mix["percentile"] < 5
    return weak_c, weak_u, shares, shares_w


def damaged(k, n_tables, rows_per_class=100, keep=0.1):
    named = 0
    for s in range(n_tables):
        X, y = _table(k, rows_per_class, 2000 + s)
        idx = _srs(y, keep, s)
        mine = np.flatnonzero(y == 0)
        first = mine[np.argsort(X[mine, 0])][: int(np.sum(y[idx] == 0))]
        idx = np.sort(np.r_[idx[y[idx] != 0], first])
        head = _audit(X, y, idx, seed=s).calibration.headline
        named += head.per_class_familywise.get(0, 100.0) < 5
    return named


def overlap(n_seeds, n=12000, keep=0.2):
    from datareduce.metrics.calibration import calibrate

    out = []
    for s in range(n_seeds):
        X = np.random.default_rng(s).normal(size=(n, 3))
        kept = _srs(np.zeros(n, dtype=int), keep, s)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cal = calibrate(X, kept, metrics=("mmd",), n_draws=5, draws=("random",),
                            random_state=s)
        out.append(np.isin(cal.eval_indices, kept).mean())
    return float(np.mean(out))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    ks, n = ((3, 12), 10) if args.quick else ((3, 12, 60), 20)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    print(f"load {load:.1f}; subsets per row: {n}")
    print("| classes | weak (corrected) | weak (uncorrected) | shares red (SRS) | "
          "shares red (uniform, exp(1) weights) | damaged named |")
    print("|---|---|---|---|---|---|")
    for k in ks:
        wc, wu, sh, sw = null_rates(k, n)
        dmg = damaged(k, max(n // 2, 5))
        print(f"| {k} | {wc}/{n} | {wu}/{n} | {sh}/{n} | {sw}/{n} | "
              f"{dmg}/{max(n // 2, 5)} |")
    print(f"evaluation rows that srs kept (same seed, 12,000 rows, keep 0.2): "
          f"{overlap(3 if args.quick else 10):.2f} (0.20 expected)")
    print(f"time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
