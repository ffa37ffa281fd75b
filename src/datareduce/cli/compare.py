"""``datareduce compare``: the evaluation protocol on a table, written as CSV, Markdown and PNG.

Example::

    datareduce compare beans.csv --target Class --methods srs mms clc --keep 0.1 0.3 \\
        --repeats 5 --output results/

writes ``results/results.csv`` (one row per run), ``results/results.md`` (median tables:
each score, each metric, time ratio, seconds) and ``results/scores.png``, ``time.png`` and
one ``METRIC.png`` per metric (``--metric``, repeatable; default ``mmd``, ``energy`` and
``coverage``, the audit's; ``--metric mmd --metric epsilon`` for the paper's L-infinity
epsilon next to MMD).

A regression target (``--task``, decided as in ``datareduce search``) trains the regressor
twin of ``--estimator`` (``datareduce.search.make_model``'s: ridge for ``logistic``), scores
``r2`` and ``mae`` by default (the Python :func:`datareduce.evaluation.compare`'s) and
stratifies the splits by ``--bins`` quantile bins.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import SEED, CLIError
from ._common import (
    add_column_options,
    add_task_options,
    at_least,
    compact_list,
    did_you_mean,
    drop_missing_target,
    finish_parser,
    group_column,
    resolve_columns,
    say,
    target_strata,
    unknown_column,
    warn_id_like,
)
from ._progress import Clock, check_budget, estimate_reduction, fmt_seconds, probe, subsample_rows

ESTIMATORS = ("mlp", "logistic", "knn", "forest")
#: the default scorers of each task (the Python compare's: ``mae`` is the mean absolute
#: error itself, lower is better)
DEFAULT_SCORING = {"classification": ("accuracy", "f1_macro"), "regression": ("r2", "mae")}
PLOTS = ("scores.png", "time.png")


def add_parser(sub):
    p = sub.add_parser(
        "compare",
        help="compare reduction methods: reduce, train, score (the paper's protocol)",
        description="Split the data repeatedly, reduce the scaled training split with each "
                    "method at each kept fraction, train the estimator on it and score it on "
                    "the test split; the full training split is the baseline.",
    )
    p.add_argument("data", help="input table (.csv or .parquet)")
    add_column_options(p, target_required=True,
                       target_help="the column the estimator predicts: classes, or a "
                                   "continuous value (see --task)")
    add_task_options(p)
    p.add_argument("--group", metavar="COL",
                   help="group id column (patient, site, ...): no group has rows in both the "
                        "training and the test split (the test split is one of "
                        "round(1 / --test-size) stratified group folds); not a feature")
    p.add_argument("--methods", nargs="+", default=["all"], metavar="METHOD",
                   help="method names (see `datareduce methods`) or 'all' (default)")
    p.add_argument("--keep", nargs="+", type=_number, default=[0.1, 0.3, 0.5], metavar="KEEP",
                   help="kept fractions in (0, 1), or row counts (not both; default: "
                        "0.1 0.3 0.5)")
    p.add_argument("--repeats", type=int, action=at_least(1), default=5,
                   help="number of random splits (default 5)")
    p.add_argument("--test-size", type=float, default=0.25,
                   help="test fraction in (0, 1) (default 0.25)")
    p.add_argument("--estimator", choices=ESTIMATORS, default="mlp",
                   help="classifier: the paper's MLP (default), logistic regression, "
                        "k-nearest neighbours or a random forest; for a regression target "
                        "the regressor of the same name: the paper's network as an "
                        "MLPRegressor, ridge regression, KNeighborsRegressor, "
                        "RandomForestRegressor")
    p.add_argument("--scoring", nargs="+", default=None, metavar="SCORER",
                   help="scikit-learn scorer names, or mae (mean absolute error, lower is "
                        "better) for regression (default: accuracy f1_macro; r2 mae for a "
                        "regression target)")
    p.add_argument("--pos-label", default=None,
                   help="the positive class for binary scorers (f1, precision, recall, "
                        "jaccard, average_precision) when the labels are not 0/1 "
                        "(classification only)")
    p.add_argument("--no-sample-weight", dest="sample_weight", action="store_false",
                   default="auto",
                   help="train unweighted (default: the package's weight policy, as in "
                        "datareduce.make_pipeline: the reducer's weights reach an estimator "
                        "that takes sample_weight, except tree models)")
    p.add_argument("--metric", dest="metrics", action="append", default=None, metavar="NAME",
                   help="representativeness metric of the kept rows, one column and plot "
                        "each; repeat for several (default: the audit's mmd, energy and "
                        "coverage; 'epsilon' is the paper's L-infinity epsilon; see "
                        "datareduce.metrics.available_metrics)")
    p.add_argument("--scaler", choices=("minmax", "standard", "none"), default="minmax",
                   help="scaling fitted on the training split (default minmax)")
    p.add_argument("--topology", action="store_true",
                   help="also compute bottleneck distances of persistence diagrams")
    p.add_argument("--energy", action="store_true",
                   help="measure energy and emissions with codecarbon (the 'carbon' extra; refused "
                        "without it)")
    p.add_argument("--on-error", choices=("raise", "warn"), default="raise",
                   help="stop at a failing run (default) or leave it out with a warning")
    p.add_argument("--seed", type=int, action=SEED, default=0, help="random seed of the splits (default 0)")
    p.add_argument("--output", default="results", help="output folder (default: results/)")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="time budget for the whole comparison: methods estimated not to fit "
                        "are skipped, each with a line saying so")
    finish_parser(p, run, overwrite="replace results already in the --output folder",
                  quiet="no progress bar, estimates or summary lines")


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    return int(value) if value >= 1 and value.is_integer() and "." not in text else value


def _estimator(name: str, task: str, X):
    """The model of ``--estimator`` for the task: the one of ``datareduce search --model``
    (:func:`datareduce.search.make_model`) without its preparation (compare encodes the
    table and scales each training split itself)."""
    from ..search import make_model

    return make_model(name, task, X)[-1]


def _check_options(args):
    """Everything that does not need the data, before reading it."""
    from .._registry import available_reducers

    keeps = list(args.keep)
    counts = [k for k in keeps if isinstance(k, int)]
    fractions = [k for k in keeps if isinstance(k, float)]
    if counts and fractions:
        raise CLIError(f"--keep {' '.join(map(str, keeps))} mixes fractions and row counts: "
                       "give only fractions in (0, 1) or only counts.")
    from .._core.validation import check_keeps

    try:
        check_keeps(keeps, name="--keep")
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    if not 0 < args.test_size < 1:
        raise CLIError(f"--test-size {args.test_size}: give a fraction in (0, 1).")
    names = available_reducers()
    if "all" in args.methods:
        if len(args.methods) > 1:
            raise CLIError("--methods: give 'all' alone or a list of method names.")
        methods = list(names)
    else:
        methods = []
        for m in args.methods:
            if m.lower() not in names:
                raise CLIError(f"--methods {m!r} is not a method{did_you_mean(m, names)}; "
                               f"available: {', '.join(names)}.")
            if m.lower() not in methods:
                methods.append(m.lower())
    from sklearn.metrics import get_scorer_names

    scorer_names = get_scorer_names()
    for s in args.scoring or ():
        if s not in scorer_names and s != "mae":
            raise CLIError(f"--scoring {s!r} is not a scikit-learn scorer"
                           f"{did_you_mean(s, [*scorer_names, 'mae'])}; e.g. accuracy, "
                           "f1_macro, balanced_accuracy (r2, mae for regression).")
    if args.scoring is not None and len(set(args.scoring)) != len(args.scoring):
        raise CLIError("--scoring repeats a scorer.")
    from ..evaluation import COMPARE_METRICS
    from ..metrics import available_metrics

    args.metrics = list(args.metrics or COMPARE_METRICS)
    known = available_metrics()
    for m in args.metrics:
        if m not in known:
            raise CLIError(f"--metric {m!r} is not a metric{did_you_mean(m, known)}; "
                           f"available: {', '.join(known)}.")
    if len(set(args.metrics)) != len(args.metrics):
        raise CLIError("--metric repeats a metric.")
    if args.energy:  # asked for: refused before the work, not a run without its columns
        try:
            import codecarbon  # noqa: F401
        except ImportError:
            raise CLIError("--energy needs codecarbon: pip install 'datareduce[carbon]', or "
                           "leave --energy out.") from None
    return methods


def _check_task(args, task, target):
    """The scorers of the task (defaults filled in), and the options a regression target
    cannot use."""
    if args.scoring is None:
        args.scoring = list(DEFAULT_SCORING[task])
    if task == "regression" and args.pos_label is not None:
        raise CLIError(f"--pos-label {args.pos_label} names a positive class and --target "
                       f"{target!r} is a regression target (no classes): leave --pos-label "
                       "out, or pass --task classification if the values are classes.")


def _check_scorers(args, task, y):
    """The library's rule (``evaluation.tasks.check_scoring_for_task``, the search's too) in
    the options' names, on the labels as recoded by ``--pos-label``: a scorer of the other
    task or of labels ``y`` does not have is refused before any training."""
    from ..evaluation.tasks import check_scoring_for_task

    try:
        for s in args.scoring:  # (names were checked with the options)
            check_scoring_for_task(s, task, y, cli=True, target_name=args.target)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def _labels(args, y):
    """The labels to use, recoded to 0/1 when a binary scorer needs a positive class."""
    import numpy as np

    # the scorers of a positive class: the library's one list (evaluation.tasks), whose labels
    # --pos-label recodes to 0/1
    from ..evaluation.tasks import BINARY_SCORERS, scorers_instead

    binary = [s for s in args.scoring if s in BINARY_SCORERS]
    classes = np.unique(y)
    if not binary:
        if args.pos_label is not None:
            raise CLIError("--pos-label is only used with a binary scorer "
                           f"({', '.join(BINARY_SCORERS)}).")
        return y
    if len(classes) != 2:
        # average_precision averages over more classes (scikit-learn's multiclass form)
        one = [s for s in binary if s != "average_precision"]
        if one:
            a, b = scorers_instead(one[0])
            raise CLIError(f"--scoring {one[0]} is for two classes and --target has "
                           f"{len(classes)}: use --scoring {a} or --scoring {b}.")
        if args.pos_label is not None:
            raise CLIError(f"--pos-label names the positive class of two classes and "
                           f"--target has {len(classes)}: leave it out.")
        return y
    if args.pos_label is None:
        numeric = classes.dtype.kind in "biuf"
        if numeric and set(classes.tolist()) in ({0, 1}, {-1, 1}):
            return y
        raise CLIError(f"--scoring {binary[0]} needs the positive class with the labels "
                       f"{compact_list(classes.tolist())}: pass --pos-label "
                       f"{classes[-1]} (or another), or use --scoring "
                       f"{scorers_instead(binary[0])[0]}.")
    as_text = [str(c) for c in classes.tolist()]
    if args.pos_label not in as_text:
        raise CLIError(f"--pos-label {args.pos_label!r} is not a label of --target "
                       f"(labels: {', '.join(as_text)}).")
    pos = classes[as_text.index(args.pos_label)]
    say(args, f"labels: {pos} -> 1 (positive), {classes[classes != pos][0]} -> 0")
    return (y == pos).astype(int)


def run(args) -> int:
    import numpy as np

    from .. import evaluation as ev
    from ._io import check_input, check_output_dir, read_table

    clock = Clock(check_budget(args.budget))
    methods = _check_options(args)
    plots = [*PLOTS, *(f"{m}.png" for m in args.metrics)]
    files = ["results.csv", "results.md"] + ([] if args.no_plots else plots)
    inp = check_input(args.data)
    out = check_output_dir(args.output, "--output", overwrite=args.overwrite, files=files,
                           inputs=[inp])
    _warn_stale_plots(out, files)

    df = read_table(inp, na_values=args.na_values)
    if args.group is not None and args.group not in df.columns:
        raise CLIError(unknown_column("--group", args.group, df.columns))
    if args.group is not None and args.group == args.target:
        raise CLIError(f"--group {args.group!r} is the --target column: name the group id "
                       "column (patient, site ...).")
    cols = resolve_columns(df, target=args.target, features=args.features,
                           exclude=args.exclude, id=args.id, group=args.group)
    say(args, cols.summary())
    warn_id_like(cols, df, bool(args.features))
    df = drop_missing_target(args, df, cols.target)
    groups = group_column(args, df)
    if groups is not None:
        groups = groups.to_numpy()
    X, data = _encoded(args, df[cols.features])
    strata, task = target_strata(df[cols.target], args.task, n_bins=args.bins)
    if task == "classification" and len(np.unique(strata)) < 2:
        # (the logistic model refused it in scikit-learn's words; the others scored 1.0 for
        # every method and wrote the results as a comparison)
        raise CLIError(f"--target {cols.target!r} has a single class ({strata[0]!r}) in its "
                       f"{len(strata)} rows: every model predicts it and every method scores "
                       "the same; choose a target with two or more classes.")
    _check_task(args, task, cols.target)
    if task == "regression":
        y = df[cols.target].to_numpy(dtype=np.float64)
        say(args, f"task: regression (splits stratified by {len(np.unique(strata))} quantile "
                  f"bins of --target {cols.target!r}; --estimator {args.estimator}: "
                  f"{type(_estimator(args.estimator, task, X)).__name__})")
        methods = _regression_methods(args, methods)
    else:
        y = strata = _labels(args, strata)
    _check_scorers(args, task, y)
    from ..evaluation.protocol import check_counts_fit, check_split_sizes

    try:  # the library's one check of the split (classes and bins), in the options' names
        check_split_sizes(strata, args.test_size,
                          n_bins=args.bins if task == "regression" else None,
                          numeric_labels=np.asarray(y).dtype.kind in "iuf", cli=True,
                          target_name=cols.target)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    n_train = len(y) - int(np.ceil(args.test_size * len(y)))
    if groups is None:  # with groups compare checks the group folds' sizes itself
        try:
            check_counts_fit(args.keep, len(y), args.test_size)
        except ValueError as exc:
            raise CLIError(_option_words(str(exc))) from None

    methods = _plan(args, X, y, methods, n_train, clock, task)
    try:
        results = ev.compare(
            data, y, methods=methods, keeps=args.keep,
            estimator=_estimator(args.estimator, task, X), task=task, n_bins=args.bins,
            repeats=args.repeats, test_size=args.test_size, scoring=args.scoring,
            scaler=None if args.scaler == "none" else args.scaler, topology=args.topology,
            metrics=args.metrics, energy=args.energy, on_error=args.on_error, random_state=args.seed,
            pass_sample_weight=args.sample_weight, groups=groups,
            progress=not args.quiet and sys.stderr.isatty())
    except ValueError as exc:
        # compare's note names the failing run (method, keep, repeat)
        notes = [n.replace("on_error='warn'", "--on-error warn")
                 for n in getattr(exc, "__notes__", ())]
        raise CLIError(" ".join([_option_words(str(exc).rstrip()), *notes])) from exc
    _write(args, out, results, inp, len(y), task)
    return 0


def _warn_stale_plots(out, files):
    """Warn when the --output folder holds plots of an earlier comparison that this run
    does not write (--no-plots, other --metric names): next to the new results.csv they
    showed other methods and keeps without a word (they are not removed)."""
    import warnings

    from ..metrics import available_metrics

    names = [*PLOTS, *(f"{m}.png" for m in available_metrics())]
    stale = [f for f in names if f not in files and (Path(out) / f).is_file()]
    if stale:
        warnings.warn(f"--output {out} holds {', '.join(stale)} of an earlier comparison, "
                      "which this run does not write (--no-plots, or other --metric names): "
                      "they do not show these results; remove them, or choose another "
                      "--output.", UserWarning, stacklevel=2)


def _option_words(text):
    """The library's refusal of a row count (``check_counts_fit``) in the options' words."""
    if text.startswith("keeps: "):
        text = "--keep " + text.removeprefix("keeps: ").replace("test_size=", "--test-size ")
        text = text.replace("test_size", "--test-size")
    return text


def _regression_methods(args, methods):
    """The methods that can run on a regression target (a line for each left out)."""
    from .._registry import reducer_class
    from ..base import reducer_tags

    kept = []
    for m in methods:
        try:
            needs = reducer_tags(reducer_class(m)).requires_classes
        except ImportError:
            needs = False  # reported by the plan (missing extra)
        if needs:
            say(args, f"skipping {m}: it needs class labels and --target is a regression "
                      "target")
        else:
            kept.append(m)
    if not kept:
        raise CLIError(f"--methods {' '.join(methods)} need class labels and --target "
                       f"{args.target!r} is a regression target: add methods without classes "
                       "(e.g. srs, mms, clc), or --task classification.")
    return kept


def _encoded(args, F):
    """The features as numbers (for the plan's probes and the estimator's choice), and what
    compare is given: the numbers for a numeric and complete table; the table itself when it
    has categorical columns or missing values, which compare encodes on each training split
    (the library's selection space without scaling: median imputation with missing
    indicators, one-hot categories) before the splits' own --scaler, so that no test row
    informs the encoding."""
    from ..preprocessing import make_selection_space, resolve_space
    from ._common import space_matrix

    if resolve_space("auto", F) is None:
        Z = space_matrix(None, F)[0]
        return Z, Z
    Z, text = space_matrix(make_selection_space(F, scale=None), F)
    say(args, f"space: {text} (imputation and categories fitted on each training split, "
              f"then --scaler {args.scaler})")
    return Z, F


def _plan(args, X, y, methods, n_train, clock, task):
    """Estimate each method's cost; under --budget, keep those that fit (in order)."""
    import numpy as np
    from sklearn.base import clone

    from .._registry import get_reducer, reducer_class
    from ..evaluation.tasks import real_rows_reducer

    runnable = []
    for m in methods:
        try:
            reducer_class(m)
        except ImportError as exc:
            say(args, f"skipping {m}: {exc}")
            continue
        runnable.append(m)
    if not runnable:
        raise CLIError("--methods: none of the methods can run here (missing extras).")
    lo, span = X.min(axis=0), np.ptp(X, axis=0)
    Xs = (X - lo) / np.where(span > 0, span, 1.0)
    sizes = (min(500, n_train // 4), min(1000, n_train // 2))
    if sizes[0] < 100:
        if clock.budget is None:
            return runnable  # a small table: every run is quick, nothing to estimate
        sizes = (max(10, n_train // 4), max(20, n_train // 2))
    est = _estimator(args.estimator, task, X)

    def fit_model(m):
        rows = subsample_rows(len(y), m)
        clone(est).fit(Xs[rows], y[rows])

    train_law, _ = probe(fit_model, sizes, exponent=(1.0, 2.0), probe_limit=5.0)

    def topo(k):
        return 0.0

    if args.topology:  # diagrams of the training split and of the kept rows (<= 500 rows)
        from ._progress import topology_law

        law, _ = topology_law(Xs, dims=(0, 1), probe_limit=5.0)

        def topo(k):
            return law(min(n_train, 500)) + law(min(k, 500))
    reps, keeps = args.repeats, args.keep
    kept = [k if isinstance(k, int) else max(1, round(k * n_train)) for k in keeps]
    # the metric columns of every run (--metric): prepared on each training split, scored
    # on each reduced set; above a few thousand rows they cost more than the runs
    metric_s = _metric_seconds(args.metrics, Xs, None if task == "regression" else y,
                               n_train, kept)
    baseline = reps * train_law(n_train)
    total = baseline
    if clock.budget is not None and not clock.fits(total):
        raise CLIError(f"--budget {args.budget:g} s: training on the full split alone is "
                       f"estimated at ~{fmt_seconds(baseline)}; raise --budget or lower "
                       "--repeats.")
    chosen = []
    for m in runnable:
        def make(k, m=m):
            red = get_reducer(m, keep=keeps[0] if isinstance(keeps[0], float)
                              else max(1, round(keeps[0] * k / n_train)))
            # a regression run asks for real rows, as compare does
            return real_rows_reducer(red) if task == "regression" else red

        one, _ = estimate_reduction(make, Xs, y, sizes=sizes, task=task,
                                    probe_limit=min(5.0, max(clock.left, 0) / 10))
        cost = reps * sum(one + train_law(k) + topo(k) + metric_s(k) for k in kept)
        if clock.budget is not None and not clock.fits(total + cost):
            say(args, f"skipping {m}: estimated ~{fmt_seconds(cost)} for {reps} repeat(s) x "
                      f"{len(keeps)} keep(s) would exceed --budget {args.budget:g} s "
                      f"(~{fmt_seconds(max(clock.left - total, 0))} left)")
            continue
        total += cost
        chosen.append(m)
        if cost > 5:
            say(args, f"estimate: {m} ~{fmt_seconds(cost)}")
    if not chosen:
        raise CLIError(f"--budget {args.budget:g} s: no method fits the budget; raise it or "
                       "lower --repeats / the number of --keep values.")
    say(args, f"estimate: ~{fmt_seconds(total)} in all ({len(chosen)} method(s), baseline "
              f"~{fmt_seconds(baseline)})")
    return chosen


def _metric_seconds(names, Xs, y, n_train, kept):
    """Seconds of the metric columns (``--metric``) of one run on the ``n_train`` training
    rows: each metric prepared on the training split (once per repeat, counted per run: an
    upper bound) and scored on the kept rows (the largest ``kept``: coverage grows with
    them), timed on two random subsets of the rows and extrapolated by a power law (the
    energy distance and coverage grow faster than the rows; MMD is exact, quadratic, up to
    4,000 rows only). Returns a function of the kept rows (one value: an estimate)."""
    import time

    import numpy as np

    from ..metrics import get_metric
    from ._progress import PowerLaw

    if n_train < 2000:
        return lambda k: 0.0  # milliseconds
    objs = [get_metric(m) for m in names]
    frac = min(1.0, max(kept) / n_train)
    sizes = ((min(n_train // 8, 15_000), min(n_train // 4, 30_000)) if n_train > 16_000
             else (n_train // 4, n_train // 2))
    points, t_start = [], time.perf_counter()
    for m in sizes:
        rows = subsample_rows(Xs.shape[0], m)
        Xm, ym = Xs[rows], None if y is None else np.asarray(y)[rows]
        sub = np.arange(max(2, int(frac * m)))
        t0 = time.perf_counter()
        for obj in objs:
            obj.prepare(Xm, ym).score(Xm[sub], None if ym is None else ym[sub], None)
        points.append((m, max(time.perf_counter() - t0, 1e-4)))
        if time.perf_counter() - t_start > 5.0:
            break
    at_n = PowerLaw(points, (1.0, 2.0))(n_train)
    return lambda k: at_n


def _differences_md(args, results, baseline="srs"):
    """The first score's paired differences to SRS (``evaluation.differences``) as a
    results.md section, and a summary line naming where a method's interval lies below
    SRS (it loses) or above; nothing without SRS among the methods."""
    import numpy as np
    import pandas as pd

    from .. import evaluation as ev

    if baseline not in set(results["method"]) or results["method"].nunique() < 3:
        return []
    score = args.scoring[0]
    d = ev.differences(results, baseline, score)
    if not len(d):
        return []

    def cell(r):
        if not np.isfinite(r.mean):
            return "-"
        band = "" if not np.isfinite(r.low) else f" [{r.low:+.3f}, {r.high:+.3f}]"
        return f"{r.mean:+.3f}{band} ({r.wins}/{r.ties}/{r.losses})"

    table = d.assign(cell=[cell(r) for r in d.itertuples()]).pivot(
        index="keep", columns="method", values="cell")
    table = table[[m for m in dict.fromkeys(d["method"])]]
    table.columns.name = None
    lower = ev.summaries.lower_is_better(results, score)
    loses = d[(d["high"] > 0) if lower else (d["high"] < 0)]
    gains = d[(d["low"] < 0) if lower else (d["low"] > 0)]
    for label, rows in (("below", loses), ("above", gains)):
        if len(rows):
            # each cell's own count of repeats (--on-error warn may have dropped runs)
            where = ", ".join(f"{r.method} at keep {r.keep:g} ({r.mean:+.3f} over "
                              f"{r.wins + r.ties + r.losses} repeats)"
                              for r in rows.itertuples())
            worse = "worse" if label == "below" else "better"
            say(args, f"{score} {worse} than {baseline} (95% interval of the paired "
                      f"differences all {worse}): {where}")
    return [f"## {score}: paired difference to {baseline}", "",
            f"Mean over repeats of {score}(method) - {score}({baseline}) on the same split, "
            "[95% Student-t interval; none when every repeat differs by the same amount, "
            "or below 2 repeats], (wins/ties/losses"
            + (", lower is better" if lower else "") + ").", "",
            ev.to_markdown(pd.DataFrame(table)), ""]


_FEWER = re.compile(r"medians of (.+?) over fewer repeats than the results hold \((.*); "
                    r"failed runs left out by on_error='warn'")


def _medians(results, columns):
    """``{column: evaluation.medians(results, column)}``, with one warning per set of cells
    whose medians are over fewer repeats, naming the columns and --on-error (the library
    warned once per column in its own words: 7 lines for one failed run)."""
    import warnings

    from .. import evaluation as ev

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = {col: ev.medians(results, col) for col in columns}
    fewer = {}  # the cells -> the columns whose medians they are
    for w in caught:
        found = _FEWER.match(str(w.message))
        if found is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        else:
            fewer.setdefault(found.group(2), []).append(found.group(1))
    for cells, cols in fewer.items():
        warnings.warn(f"medians over fewer repeats than the results hold ({cells}; in "
                      f"{', '.join(dict.fromkeys(cols))}): runs left out by --on-error warn, "
                      "or NaN values; those medians are not over the same splits as the "
                      "others'.", UserWarning, stacklevel=2)
    return tables


def _write(args, out, results, inp, n_rows, task):
    from .. import evaluation as ev
    from ._io import write_bytes_with, write_text

    counts = isinstance(args.keep[0], int)
    md = [f"# datareduce compare: {Path(inp).name}",
          "",
          f"Target `{args.target}`"
          + (" (regression)" if task == "regression" else "")
          + f", {n_rows} rows, estimator `{args.estimator}`, "
          f"{args.repeats} repeats, test size {args.test_size}, seed {args.seed}"
          + (f", groups `{args.group}` (no group on both sides of a split). " if args.group
             else ". ")
          + "Medians over repeats; keep 1.0 is the full training split"
          + (" (other keeps are row counts)." if counts else "."), ""]
    columns = [*args.scoring, *args.metrics]
    columns += [c for c in results.columns if c.startswith("bottleneck_h")]
    columns += ["time_ratio", "total_seconds"]
    columns += [c for c in ("energy_kwh", "emissions_kg") if c in results.columns]
    tables = _medians(results, columns)
    for col in columns:
        md += [f"## {col}", "", ev.to_markdown(tables[col],
                                                floatfmt=".3g" if col in (
                                                    "energy_kwh", "emissions_kg")
                                                else ".3f"), ""]
    md += _differences_md(args, results)
    out.mkdir(parents=True, exist_ok=True)
    write_bytes_with(out / "results.csv", lambda p: results.to_csv(p, index=False))
    write_text("\n".join(md), out / "results.md")
    print(ev.to_markdown(tables[args.scoring[0]]))
    written = [out / "results.csv", out / "results.md"]

    if not args.no_plots:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("datareduce compare: matplotlib is not installed; plots skipped "
                  "(pip install 'datareduce[plot]').", file=sys.stderr)
        else:
            from ..search._plot import plot_compare  # the search's fixed method colours

            score = args.scoring[0]
            draws = [("scores", {"kind": "scores"}), ("time", {"kind": "time"})]
            draws += [(m, {"kind": "metric", "metric": m}) for m in args.metrics]
            for name, kw in draws:
                fig, ax = plt.subplots(figsize=(6, 4.2))
                plot_compare(results, ax=ax, score=score, counts=counts, **kw)
                fig.tight_layout()
                write_bytes_with(out / f"{name}.png", lambda p, fig=fig: fig.savefig(p, dpi=110))
                plt.close(fig)
                written.append(out / f"{name}.png")
    say(args, "wrote " + ", ".join(str(p) for p in written))
