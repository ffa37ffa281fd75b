"""Each scoring method's selection modes against SRS at small kept fractions (issue 21).

For FES, NRMD, PHL, DES and MMS, the default ``selection="coverage"`` and the paper's
``selection="reference"`` are compared with stratified random sampling (SRS) on the tables of
``benchmarks/_tables.py`` under the one protocol of ``benchmarks/_protocol.py`` (impute +
one-hot + scale, then logistic regression or HistGradientBoosting; the reducer is fed the
raw table with its default ``space``; its ``sample_weight_`` reaches the model, as
``datareduce.make_pipeline`` does; 25% test split; macro-F1, or R² for a regression target).

Every (table, seed) split is reduced once per method and mode and once by SRS with the same
seed; the difference method - SRS (in points of macro-F1 / R² x 100) is paired on the split.
Printed per method, mode and keep: the median over (table, model) cells of the per-cell
median over seeds, the range of those cell medians, how many cells are more than 1 point
below SRS, and how many fits lost a class that had rows to keep.

    python benchmarks/bench_defaults.py --quick     # 6 tables, 3 seeds
    python benchmarks/bench_defaults.py             # every table, 5 seeds
    python benchmarks/bench_defaults.py --quick --methods fes --variants 'drop 0.3'
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pandas as pd  # noqa: E402

METHODS = ("fes", "nrmd", "phl", "des", "mms")
MODES = {"coverage": {"selection": "coverage"}, "reference": {"selection": "reference"}}
# candidate defaults measured with --variants (docs/quality-defaults.md)
VARIANTS = {
    "drop 0": {"drop_hardest": 0.0},
    "drop 0.3": {"drop_hardest": 0.3},
    "drop 0.5": {"drop_hardest": 0.5},
    "1 stratum": {"n_strata": 1},
    "1 stratum, drop 0.05": {"n_strata": 1, "drop_hardest": 0.05},
    "1 stratum, drop 0.3": {"n_strata": 1, "drop_hardest": 0.3},
    "stratified": {"stratify": True},
}
CLASS_ONLY = {"fes", "des"}  # refuse a continuous target by definition


def _accepts(method, params) -> bool:
    import datareduce

    return set(params) <= set(datareduce.get_reducer(method).get_params())


def _fit(method, params, X, y, keep, seed):
    import datareduce

    r = datareduce.get_reducer(method, keep=keep, random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r.fit(X, y)
    return r


def run(tables, methods, modes, keeps, seeds, models):
    from _protocol import fit_on_rows, score, split

    rows = []
    for t in tables:
        for seed in seeds:
            train, test = split(t.y, t.task, seed)
            X, y = t.X.iloc[train], t.y.iloc[train]
            Xt, yt = t.X.iloc[test], t.y.iloc[test]
            for keep in keeps:
                fits = [("srs", "-", {})]
                fits += [(m, mode, p) for m in methods for mode, p in modes.items()
                         if not (t.task == "regression" and m in CLASS_ONLY)
                         and _accepts(m, p)]
                for method, mode, params in fits:
                    start = time.perf_counter()
                    r = _fit(method, params, X, y, keep, seed)
                    took = time.perf_counter() - start
                    kept = r.sample_indices_
                    lost = (0 if t.task == "regression"
                            else int(y.nunique() - y.iloc[kept].nunique()))
                    for family in models:
                        model = fit_on_rows(family, t.task, X, y, kept, r.sample_weight_,
                                            random_state=seed)
                        rows.append(dict(table=t.name, seed=seed, keep=keep, method=method,
                                         mode=mode, model=family, lost=lost, fit_s=took,
                                         score=100 * score(model, Xt, yt, t.task)))
            print(f"  {t.name} seed {seed} done", file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def paired(df):
    """Per (method, mode, keep, table, model): median over seeds of method - SRS."""
    key = ["table", "seed", "keep", "model"]
    srs = df[df.method == "srs"].set_index(key)["score"]
    other = df[df.method != "srs"].copy()
    other["diff"] = other["score"].to_numpy() - srs.loc[
        pd.MultiIndex.from_frame(other[key])].to_numpy()
    return other


def summary(diffs):
    cells = (diffs.groupby(["method", "mode", "keep", "table", "model"])
             .agg(diff=("diff", "median"), spread=("diff", lambda d: d.max() - d.min()),
                  lost=("lost", "sum"), fit_s=("fit_s", "median")).reset_index())
    out = (cells.groupby(["method", "mode", "keep"])
           .agg(median=("diff", "median"), worst=("diff", "min"), best=("diff", "max"),
                below_1=("diff", lambda d: int((d < -1).sum())), cells=("diff", "size"),
                seed_spread=("spread", "median"), lost_fits=("lost", "sum"),
                fit_s=("fit_s", "median")).reset_index())
    out["lost_fits"] //= diffs["model"].nunique()  # one reducer fit serves every model
    return out.round(2), cells


def markdown(df) -> str:
    """A pipe table (no tabulate dependency)."""
    cols = [str(c) if not isinstance(c, tuple) else " ".join(map(str, c)) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="6 tables and 3 seeds")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--keeps", nargs="+", type=float, default=[0.05, 0.1, 0.25])
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (3 quick, 5 full)")
    p.add_argument("--tables", nargs="+", default=None, help="table names of _tables.py")
    p.add_argument("--variants", nargs="+", default=None, choices=list(VARIANTS),
                   help="also these coverage variants (where the method has the parameters)")
    p.add_argument("--models", nargs="+", default=["logistic", "hgb"])
    p.add_argument("--csv", default=None, help="write the per-fit results here")
    args = p.parse_args(argv)

    from _tables import load_suite

    tables = load_suite(quick=args.quick, names=args.tables)
    seeds = range(args.seeds or (3 if args.quick else 5))
    modes = dict(MODES)
    if args.variants:
        modes.update({f"default, {v}": VARIANTS[v] for v in args.variants})
    start = time.perf_counter()
    df = run(tables, args.methods, modes, args.keeps, seeds, args.models)
    if args.csv:
        df.to_csv(args.csv, index=False)
    table, cells = summary(paired(df))
    pd.set_option("display.width", 200)
    print(f"tables: {', '.join(t.name for t in tables)}; seeds: {len(seeds)}; models: "
          f"{', '.join(args.models)}; {time.perf_counter() - start:.0f} s; "
          f"load: {os.getloadavg()[0]:.2f}")
    print("difference to SRS in points (macro-F1 or R^2 x 100), per (table, model) cell the "
          "median over seeds")
    print(markdown(table))
    print()
    print("keep 0.1, per cell (median over seeds):")
    wide = cells[cells.keep == 0.1].pivot_table(index=["method", "mode"],
                                                columns=["table", "model"], values="diff")
    print(markdown(wide.round(1).reset_index()))


if __name__ == "__main__":
    main()
