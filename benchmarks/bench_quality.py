"""Quality of every reducer against SRS on the public table suite (issue 21).

Every registered method (``datareduce.available_reducers()``), with its default parameters
(``keep`` and ``random_state`` aside) and fed the raw table (its default ``space``), reduces
the training split of each table of ``benchmarks/_tables.py``; the protocol of
``benchmarks/_protocol.py`` (impute + one-hot + scale, then logistic regression or
HistGradientBoosting, ``Ridge`` / HGB regressor for a regression target) is trained on the
kept rows and scored on the 25% test split (macro-F1, or R²). Each reducer is fitted once per
(table, seed, keep); the models are trained on what its ``fit_resample`` returns, as
``datareduce.make_pipeline`` does, under three weight variants:

- ``fitted``: the reducer's ``sample_weight_`` reaches the model (the pipeline's default);
- ``none``: no weights;
- ``mean1``: the same weights scaled to mean 1 (their shape without their scale; only for
  methods whose weights vary, coefficient of variation > 5%).

Printed (and written with ``--out``; ``--from-csv`` re-summarises saved runs):

1. per method, keep and model, with the ``fitted`` weights: the median fraction of the
   full-data score, the paired difference to SRS (same table, seed, keep, model; points,
   median and IQR over table x seed), the win rate against SRS over tables (per-table median
   difference > 0; ties count half) with a Wilcoxon signed-rank p-value over those per-table
   medians, the number of tables more than 1 point below SRS, failures (exceptions, with the
   first message; a class-only method on a regression target counts as not applicable
   instead) and the cells that dropped a class that had rows left to keep;
2. the weight policy evidence: per method, model and keep, ``fitted`` minus ``none`` and
   ``mean1`` minus ``none`` (median, win rate, Wilcoxon p over tables);
3. per table type (numeric / mixed / imbalanced, i.e. smallest class below a fifth of the
   largest / regression), model and keep: the method
   with the best median paired difference to SRS, and the difference;
4. per table at keep 0.1: each method's median difference to SRS (where each method loses).

``worst_table`` is a method's lowest per-table median difference to SRS. The row
``srs(other seed)`` is SRS drawn with another seed (``seed + 10000``) on the same split,
compared with SRS like any method: the noise floor, i.e. the differences that chance alone
makes at this size and number of seeds (its ``worst_table`` bounds what "never more than
N points below on any table" can mean).

``--reuse-flows`` memoises the flow's log-densities within the process: the flow's training
depends only on the pool's rows, the seed (drawn before any row is chosen) and the training
parameters, so ``flow`` variants that differ only in the selection rule (``strategy``,
``n_strata``, ``outlier_fraction``) share their flows and give the numbers separate runs
give, at the cost of one flow per pool (their ``reducer_s`` is then the cost of the choice
alone).

``--heldout`` runs the 12 held-out tables of ``_tables.py`` (the confirmation run);
``--first-seed`` starts the seeds elsewhere, so that a run can be split over several calls
(append to one ``--out`` file and re-read it with ``--from-csv``).

    python benchmarks/bench_quality.py --quick                      # 6 tables, 2 seeds
    python benchmarks/bench_quality.py --out quality.csv            # 25 tables, 5 seeds
    python benchmarks/bench_quality.py --methods srs kt herding "srs:reweight=mmd" --keeps 0.1
    python benchmarks/bench_quality.py --from-csv quality.csv       # tables of a saved run
    python benchmarks/bench_quality.py --heldout --keeps 0.1 --variants fitted --out h.csv
    python benchmarks/bench_quality.py --heldout --reuse-flows --methods srs flow flow:n_strata=10
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _protocol import MODELS, make_model, score, split  # noqa: E402
from _tables import load_suite  # noqa: E402

KEEPS = (0.05, 0.1, 0.25)
VARIANTS = ("fitted", "none", "mean1")
REFERENCE = "srs"
EXTRA_METHODS = ("srs:reweight=mmd",)  # SRS with MMD-optimal weights: the weight evidence
NOISE = "srs(other seed)"  # SRS with another seed: the noise floor of the paired differences
NOISE_SEED_OFFSET = 10_000
IMBALANCED = 0.2  # imbalanced: the smallest class is below this fraction of the largest
NOT_APPLICABLE = "needs class labels"  # the error of a class-only method on a regression target
COLUMNS = ("table", "task", "seed", "n_train", "method", "keep", "model", "weights", "score",
           "n_kept", "dropped_classes", "weights_vary", "reducer_s", "fit_s", "error")


# ---- methods -------------------------------------------------------------------------------
def default_methods():
    from datareduce import available_reducers

    return [*available_reducers(), *EXTRA_METHODS, NOISE]


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"None": None, "True": True, "False": False}.get(text, text)


def make_reducer(spec: str, keep: float, seed: int):
    """``"name"`` or ``"name:param=value,param=value"`` -> a reducer with that keep and seed."""
    from datareduce import get_reducer

    if spec == NOISE:
        return get_reducer(REFERENCE, keep=keep, random_state=seed + NOISE_SEED_OFFSET)
    name, _, rest = spec.partition(":")
    params = {k: _value(v) for k, v in (p.split("=", 1) for p in rest.split(",") if p)}
    return get_reducer(name, keep=keep, random_state=seed, **params)


FLOW_TRAINING = ("flow", "transforms", "hidden_features", "max_epochs", "batch_size",
                 "fit_size", "learning_rate", "patience", "validation_fraction", "n_threads")


def reuse_flows():
    """Memoise ``NormalizingFlowReducer._log_density`` on (rows, context, seed, training
    parameters) for the rest of the process (``--reuse-flows``)."""
    import hashlib

    from datareduce.reducers import flow as flow_module

    cls = flow_module.NormalizingFlowReducer
    if getattr(cls._log_density, "_memoised", False):
        return
    original, memo = cls._log_density, {}

    def _log_density(self, X, context, seed):
        h = hashlib.sha1(np.ascontiguousarray(X).tobytes())
        h.update(str(X.shape).encode())
        if context is not None:
            h.update(np.ascontiguousarray(context).tobytes())
        key = (h.hexdigest(), seed, tuple(repr(getattr(self, p)) for p in FLOW_TRAINING))
        if key not in memo:
            memo[key] = original(self, X, context, seed)
        logp, epochs, loglik = memo[key]
        return logp.copy(), epochs, loglik

    _log_density._memoised = True
    cls._log_density = _log_density


# ---- one table and seed ------------------------------------------------------------------
def _fit_model(family, task, X_cols, Xr, yr, weights, seed):
    if task == "classification" and pd.Series(yr).nunique() < 2:
        label = pd.Series(yr).iloc[0]

        class _One:
            def predict(self, X):
                return np.full(len(X), label, dtype=object)

        return _One()
    model = make_model(family, task, X_cols, random_state=seed)
    params = {} if weights is None else {"model__sample_weight": np.asarray(weights, float)}
    return model.fit(Xr, yr, **params)


def _dropped_classes(y_train, y_kept, n_kept):
    classes = set(pd.unique(y_train))
    if n_kept < len(classes):
        return 0  # the budget cannot hold every class
    return len(classes - set(pd.unique(pd.Series(y_kept))))


def run_table_seed(table, seed, methods, keeps, families, variants, log=print):
    tr, te = split(table.y, table.task, seed)
    Xtr = table.X.iloc[tr].reset_index(drop=True)
    ytr = table.y.iloc[tr].reset_index(drop=True)
    Xte, yte = table.X.iloc[te], table.y.iloc[te]
    base = {"table": table.name, "task": table.task, "seed": seed, "n_train": len(ytr)}
    rows = []
    for fam in families:
        t0 = time.perf_counter()
        full = _fit_model(fam, table.task, Xtr, Xtr, ytr, None, seed)
        rows.append({**base, "method": "full", "keep": 1.0, "model": fam, "weights": "none",
                     "score": score(full, Xte, yte, table.task), "n_kept": len(ytr),
                     "fit_s": time.perf_counter() - t0})
    for spec in methods:
        for keep in keeps:
            row0 = {**base, "method": spec, "keep": keep}
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    red = make_reducer(spec, keep, seed)
                    Xr, yr = red.fit_resample(Xtr, ytr)
                    w = np.asarray(red.sample_weight_, dtype=float)
            except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                msg = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                log(f"  FAIL {table.name} seed={seed} {spec} keep={keep}: {msg}")
                for fam in families:
                    rows.append({**row0, "model": fam, "weights": "fitted", "score": np.nan,
                                 "error": msg, "fit_s": time.perf_counter() - t0})
                continue
            red_s = time.perf_counter() - t0
            n_kept = len(yr)
            dropped = (_dropped_classes(ytr, yr, n_kept)
                       if table.task == "classification" else 0)
            varies = w.std() > 0.05 * w.mean()
            weight_sets = {"fitted": w, "none": None, "mean1": w / w.mean()}
            for fam in families:
                for var in variants:
                    if var == "mean1" and not varies:
                        continue
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            m = _fit_model(fam, table.task, Xtr, Xr, yr, weight_sets[var], seed)
                            s = score(m, Xte, yte, table.task)
                        err = None
                    except Exception as exc:  # noqa: BLE001
                        s, err = np.nan, f"model {type(exc).__name__}: {str(exc)[:160]}"
                        log(f"  FAIL {table.name} seed={seed} {spec} keep={keep} {fam}: {err}")
                    rows.append({**row0, "model": fam, "weights": var, "score": s,
                                 "n_kept": n_kept, "dropped_classes": dropped,
                                 "weights_vary": bool(varies), "reducer_s": red_s,
                                 "error": err})
    return rows


# ---- summaries ---------------------------------------------------------------------------
def _wilcoxon(diffs):
    from scipy.stats import wilcoxon

    d = np.asarray(diffs, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 2 or np.allclose(d, 0):
        return np.nan
    return float(wilcoxon(d, zero_method="zsplit").pvalue)


def _win_rate(diffs):
    d = np.asarray(diffs, dtype=float)
    d = d[np.isfinite(d)]
    if not len(d):
        return np.nan
    return float(np.mean((d > 0) + 0.5 * (d == 0)))


def table_types(results):
    """table -> list of types: numeric or mixed, plus imbalanced / regression."""
    meta = {}
    for t in load_suite(names=sorted(results["table"].unique()), max_rows=None):
        kinds = ["mixed" if t.mixed else "numeric"]
        if t.task == "regression":
            kinds.append("regression")
        elif t.y.value_counts().min() < IMBALANCED * t.y.value_counts().max():
            kinds.append("imbalanced")
        meta[t.name] = kinds
    return meta


def paired(results, variant="fitted", reference=REFERENCE):
    """Each method's score next to the reference's (same table, seed, keep, model)."""
    key = ["table", "seed", "keep", "model"]
    runs = results[(results["method"] != "full") & (results["weights"] == variant)]
    ref = runs[runs["method"] == reference][[*key, "score"]].rename(columns={"score": "ref"})
    full = results[results["method"] == "full"][["table", "seed", "model", "score"]]
    out = runs.merge(ref, on=key, how="left").merge(
        full.rename(columns={"score": "full"}), on=["table", "seed", "model"], how="left")
    out["diff"] = 100 * (out["score"] - out["ref"])
    out["frac_full"] = out["score"] / out["full"]
    return out


def method_summary(results, variant="fitted"):
    p = paired(results, variant)
    rows = []
    for (method, keep, fam), g in p.groupby(["method", "keep", "model"], sort=False):
        per_table = g.groupby("table")["diff"].median().dropna()
        errors = g["error"].astype(object).where(g["error"].notna(), "").astype(str)
        # a method defined on classes (DES, FES) has no meaning on a regression target
        not_applicable = errors.str.contains(NOT_APPLICABLE, regex=False)
        fails = g[(errors != "") & ~not_applicable]
        rows.append({
            "method": method, "keep": keep, "model": fam,
            "frac_full": g["frac_full"].median(),
            "diff_median": g["diff"].median(),
            "diff_iqr": g["diff"].quantile(0.75) - g["diff"].quantile(0.25),
            "win_rate": _win_rate(per_table), "p_wilcoxon": _wilcoxon(per_table),
            "tables_below_1pt": int((per_table < -1).sum()), "tables": int(per_table.size),
            "worst_table": per_table.min() if per_table.size else np.nan,
            "failures": len(fails), "not_applicable": int(not_applicable.sum()),
            "reducer_s": g["reducer_s"].median(),
            "dropped_class_cells": int((g.get("dropped_classes", 0) > 0).sum()),
            "first_error": fails["error"].iloc[0] if len(fails) else "",
        })
    return pd.DataFrame(rows)


def weight_summary(results):
    key = ["table", "seed", "method", "keep", "model"]
    runs = results[results["method"] != "full"]
    none = runs[runs["weights"] == "none"][[*key, "score"]].rename(columns={"score": "none"})
    rows = []
    for var in ("fitted", "mean1"):
        v = runs[runs["weights"] == var][[*key, "score", "weights_vary"]].merge(none, on=key)
        v["diff"] = 100 * (v["score"] - v["none"])
        for (method, keep, fam), g in v.groupby(["method", "keep", "model"], sort=False):
            per_table = g.groupby("table")["diff"].median().dropna()
            rows.append({"method": method, "keep": keep, "model": fam, "variant": var,
                         "weights_vary": bool(g["weights_vary"].any()),
                         "diff_median": g["diff"].median(), "win_rate": _win_rate(per_table),
                         "p_wilcoxon": _wilcoxon(per_table),
                         "tables_below_1pt": int((per_table < -1).sum()),
                         "tables": int(per_table.size)})
    return pd.DataFrame(rows)


def type_summary(results, variant="fitted"):
    p = paired(results, variant)
    types = table_types(results)
    rows = []
    for kind in ("numeric", "mixed", "imbalanced", "regression"):
        sub = p[p["table"].map(lambda t, k=kind: k in types.get(t, ()))]
        for (keep, fam), g in sub.groupby(["keep", "model"]):
            per = g.groupby(["method", "table"])["diff"].median().groupby("method")
            med = per.median().drop([REFERENCE, NOISE], errors="ignore")
            worst = per.min().drop([REFERENCE, NOISE], errors="ignore")
            if med.empty:
                continue
            best = med.idxmax()
            rows.append({"type": kind, "keep": keep, "model": fam,
                         "tables": g["table"].nunique(), "best": best,
                         "best_diff": med[best], "best_worst_table": worst[best],
                         "second": med.drop(best).idxmax() if len(med) > 1 else "",
                         "srs_frac_full": g[g["method"] == REFERENCE]["frac_full"].median()})
    return pd.DataFrame(rows)


def per_table(results, keep=0.1, variant="fitted"):
    p = paired(results, variant)
    p = p[np.isclose(p["keep"], keep)]
    return p.pivot_table(index=["model", "table"], columns="method", values="diff",
                         aggfunc="median", sort=False)


def _md(df, floatfmt=".2f"):
    from datareduce.evaluation import to_markdown

    # object columns keep integers integers when the rows are read out
    return to_markdown(df.astype(object), floatfmt=floatfmt)


def _flat(df):
    """Tuple row and column labels as plain text, for Markdown."""
    df = df.copy()
    for axis in ("index", "columns"):
        labels = getattr(df, axis)
        if isinstance(labels, pd.MultiIndex):
            setattr(df, axis, pd.Index([" ".join(str(v) for v in t) for t in labels],
                                       name=" ".join(str(n) for n in labels.names)))
    return df


def report(results, out=print):
    ms = method_summary(results)
    for (fam, keep), g in ms.groupby(["model", "keep"], sort=False):
        out(f"\n### Every method against SRS: {fam}, keep {keep} (fitted weights reach the "
            "model)\n")
        out(_md(g.drop(columns=["model", "keep", "first_error"]).set_index("method")))
    failed = ms[ms["failures"] > 0].groupby("method").agg(
        cells=("failures", "sum"), first_error=("first_error", "first"))
    if len(failed):
        out("\nFailures (cells of table x seed x model x keep, first message):\n")
        out(_md(failed))
    ws = weight_summary(results)
    if len(ws):
        out("\n### Weights: weighted minus unweighted, median over table x seed (points)\n")
        piv = ws.pivot_table(index=["method", "variant"], columns=["model", "keep"],
                             values="diff_median", sort=False)
        out(_md(_flat(piv)))
        out("\nwin rate of the weighted variant over tables (Wilcoxon p):\n")
        ws["cell"] = [f"{w:.2f} ({p:.2g})" for w, p in
                      zip(ws["win_rate"], ws["p_wilcoxon"], strict=True)]
        out(_md(_flat(ws.pivot_table(index=["method", "variant"], columns=["model", "keep"],
                                     values="cell", aggfunc="first", sort=False))))
    ts = type_summary(results)
    if len(ts):
        out("\n### Best method per table type (median over tables of the paired difference "
            "to SRS, points)\n")
        out(_md(_flat(ts.set_index(["type", "keep", "model"]))))
    for keep in sorted(results["keep"].unique()):
        if np.isclose(keep, 0.1):
            out(f"\n### Per table, keep {keep}: median difference to SRS (points)\n")
            out(_md(_flat(per_table(results, keep)), floatfmt=".1f"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 small tables, 2 seeds")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="registry names, or name:param=value,... (default: all + "
                             "srs:reweight=mmd)")
    parser.add_argument("--keeps", nargs="+", type=float, default=None)
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (5; quick 2)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--tables", nargs="+", default=None, help="table names of the suite")
    parser.add_argument("--heldout", action="store_true",
                        help="the 12 held-out tables of _tables.py (confirmation run)")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="first seed (default 0): split a run over several calls")
    parser.add_argument("--max-rows", type=int, default=20_000,
                        help="seeded sample of at most this many rows per table")
    parser.add_argument("--reuse-flows", action="store_true",
                        help="flow variants that differ only in the selection rule share "
                             "their flows (same numbers, one training per pool)")
    parser.add_argument("--out", default=None, help="CSV of every run (appended per table)")
    parser.add_argument("--from-csv", nargs="+", default=None,
                        help="summarise saved CSVs instead of running")
    args = parser.parse_args(argv)

    if args.from_csv:
        results = pd.concat([pd.read_csv(p) for p in args.from_csv], ignore_index=True)
        # runs that share a reference (SRS, full data) repeat it: keep one of each
        results = results.drop_duplicates(
            subset=["table", "seed", "method", "keep", "model", "weights"], keep="last")
        report(results)
        return results

    from threadpoolctl import threadpool_limits

    if args.reuse_flows:
        reuse_flows()
    methods = args.methods or default_methods()
    if REFERENCE not in methods:
        methods = [REFERENCE, *methods]
    keeps = tuple(args.keeps or KEEPS)
    n_seeds = args.seeds or (2 if args.quick else 5)
    seeds = range(args.first_seed, args.first_seed + n_seeds)
    tables = load_suite(quick=args.quick, heldout=args.heldout, names=args.tables,
                        max_rows=args.max_rows)
    print(f"{len(tables)} tables, methods {methods}, keeps {keeps}, seeds {list(seeds)}, "
          f"models {args.models}, load {os.getloadavg()[0]:.1f}", flush=True)
    all_rows = []
    t_start, cpu_start = time.perf_counter(), time.process_time()
    with threadpool_limits(1):
        for table in tables:
            t0 = time.perf_counter()
            rows = []
            for seed in seeds:
                rows += run_table_seed(table, seed, methods, keeps, args.models, args.variants,
                                       log=lambda m: print(m, flush=True))
            df = pd.DataFrame(rows).reindex(columns=COLUMNS)
            all_rows.append(df)
            if args.out:
                header = not Path(args.out).exists()
                df.to_csv(args.out, mode="a", header=header, index=False)
            print(f"{table.name}: {len(table.y)} rows, {time.perf_counter() - t0:.0f} s "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
    results = pd.concat(all_rows, ignore_index=True)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s wall, "
          f"{time.process_time() - cpu_start:.0f} s CPU, load {os.getloadavg()[0]:.1f}")
    report(results)
    return results


if __name__ == "__main__":
    main()
