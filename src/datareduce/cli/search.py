"""``datareduce search``: the smallest training set (method and kept fraction) that keeps
the cross-validated score, on a CSV or Parquet table (:func:`datareduce.search.search_table`).

Example::

    datareduce search penguins.csv --target species --id rowid --model forest \\
        --scoring f1_macro --tolerance 0.01 --budget 3x --output search/
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager

from .._core.strata import N_BINS
from . import SEED, CLIError
from ._common import (
    add_column_options,
    add_drop_missing_target,
    at_least,
    did_you_mean,
    drop_missing_target,
    group_column,
    resolve_columns,
    say,
    target_strata,
    unknown_column,
    warn_id_like,
)
from ._io import check_input, check_output_dir, read_table, table_format

DEFAULT_KEEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
RESULT_FILES = ("results.csv", "summary.md", "choice.json")
PLOT_FILE = "curves.png"


def add_parser(sub):
    from ..search import MODELS

    p = sub.add_parser(
        "search",
        help="find the smallest kept fraction and method whose CV score stays within a "
             "tolerance of the full table's",
        description="Search a training table for its smallest representative subset, on "
                    "this table only (keep your test rows out of it): SRS climbs its "
                    "learning curve (a power law predicts where the score comes within the "
                    "tolerance of the full table's, measured below 50,000 rows, extrapolated "
                    "above) to its smallest fraction within tolerance; the other methods "
                    "race at that fraction and below and replace SRS only when their paired "
                    "lower bound against it is above zero (90% for the raced methods "
                    "together); the answer is checked over "
                    "3 draws of the subset, within a time budget. Only a fraction shown to "
                    "be within tolerance is recommended; otherwise the answer is 'no "
                    "reduction' with the budget that would answer. Prints the choice, the "
                    "check, the prediction and its uncertainty, the training-time saving and "
                    "the search's cost; --output also writes the results table, the "
                    "learning curves, the choice and the kept rows.",
    )
    p.add_argument("input", help="the training table (.csv or .parquet)")
    add_column_options(p, target_required=True,
                       target_help="the column the model predicts (required)")
    p.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                   help="what the target is: classes, a continuous value (regression: folds "
                        "and reductions stratified by quantile bins), or auto (default)")
    p.add_argument("--bins", type=int, action=at_least(1), default=N_BINS,
                   help="quantile bins of a regression target (default 10, the package's one "
                        "default)")
    add_drop_missing_target(p)
    p.add_argument("--group", metavar="COL",
                   help="group id column (patient, site, ...): rows of one group stay in one "
                        "fold (stratified group folds), so that the search does not score a "
                        "subset on rows of groups it trained on; not a feature")
    p.add_argument("--model", choices=MODELS, default="logistic",
                   help="the model trained on each candidate subset, behind the default "
                        "preparation (imputed, scaled, one-hot): logistic (ridge for "
                        "regression; default), knn, forest, hgb, mlp")
    p.add_argument("--scoring", default=None, metavar="SCORER",
                   help="a scikit-learn scorer, higher is better (default f1_macro, or r2 for "
                        "regression; mae is neg_mean_absolute_error)")
    p.add_argument("--tolerance", type=float, default=0.01,
                   help="how far below the full table's CV score a subset may score, in the "
                        "scorer's units (default 0.01: one point of macro-F1)")
    p.add_argument("--budget", default="3x", metavar="SECONDS|Nx|none",
                   help="time for the search: seconds, a multiple of one full training "
                        "such as 3x (default; at least 8 s when one training takes under a "
                        "second), or none; methods predicted "
                        "not to fit are skipped with a line saying why")
    p.add_argument("--baseline", choices=("auto", "measure", "extrapolate"), default="auto",
                   help="the full table's CV score: measured below 50,000 rows or when it "
                        "fits in half the budget (auto, default), always measured, or "
                        "extrapolated from the learning curve (large tables: no training on "
                        "all rows during the search)")
    p.add_argument("--keeps", nargs="+", default=None, metavar="F",
                   help="the grid of kept fractions in (0, 1) (default "
                        + " ".join(map(str, DEFAULT_KEEPS)) + ")")
    p.add_argument("--methods", nargs="+", default=None, metavar="NAME",
                   help="methods to search (default: every installed method; "
                        "`datareduce methods` lists them)")
    p.add_argument("--cv", type=int, action=at_least(2), default=3,
                   help="cross-validation folds (default 3)")
    p.add_argument("--seed", type=int, action=SEED, default=0, help="seed of the folds and reducers "
                                                      "(default 0)")
    p.add_argument("--output", "-o", metavar="DIR",
                   help="folder for results.csv (per method and kept fraction), summary.md, "
                        "choice.json, curves.png and the kept rows (kept.csv or "
                        "kept.parquet, as the input); refused if it already holds them, "
                        "unless --overwrite")
    p.add_argument("--no-plot", action="store_true", help="do not draw curves.png")
    p.add_argument("--overwrite", action="store_true",
                   help="replace results already in --output")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar or column summary (the result is still printed)")
    p.set_defaults(func=run)


# ------------------------------------------------------------------- option checks
def parse_budget(text):
    """'5x' -> '5x', '60' -> 60.0, 'none' -> None (the library's budget values)."""
    raw = str(text).strip().lower()
    if raw == "none":
        return None
    try:
        if raw.endswith("x"):
            value = float(raw[:-1])
            if value > 0 and value != float("inf"):
                return f"{value:g}x"
        else:
            value = float(raw)
            if value > 0 and value != float("inf"):
                return value
    except ValueError:
        pass
    raise CLIError(f"--budget {text!r}: give seconds (e.g. 60), a multiple of one full "
                   "training (e.g. 5x), or none.")


def parse_keeps(items):
    from .._core.validation import check_keeps

    if items is None:
        return DEFAULT_KEEPS
    keeps = []
    for text in items:
        try:
            value = float(text)
        except ValueError:
            raise CLIError(f"--keeps {text!r}: give fractions in (0, 1), e.g. --keeps 0.05 "
                           "0.1 0.2.") from None
        if not 0 < value < 1:
            raise CLIError(f"--keeps {text}: a kept fraction must be in (0, 1) (the full "
                           "table is the baseline).")
        keeps.append(value)
    try:
        check_keeps(keeps, name="--keeps")
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    return tuple(sorted(keeps))


def check_methods(items):
    from .._registry import available_reducers

    if items is None or [m.lower() for m in items] in (["all"], ["auto"]):
        return "auto"
    names = available_reducers()
    out = []
    for m in items:
        if m.lower() not in names:
            raise CLIError(f"--methods {m!r} is not a method{did_you_mean(m, names)}; "
                           f"available: {', '.join(names)}.")
        if m.lower() not in out:
            out.append(m.lower())
    return out


def check_scoring(scoring):
    if scoring is None or scoring == "mae":
        return scoring
    from sklearn.metrics import get_scorer_names

    names = get_scorer_names()
    if scoring not in names:
        raise CLIError(f"--scoring {scoring!r} is not a scikit-learn scorer"
                       f"{did_you_mean(scoring, [*names, 'mae'])}; e.g. f1_macro, "
                       "balanced_accuracy, r2, mae.")
    return scoring


def _check_scoring_for_task(scoring, task, y, target=None):
    """The search's own check (``check_scoring_for_task``), in the options' names."""
    from ..evaluation.tasks import check_scoring_for_task

    try:
        check_scoring_for_task(scoring, task, y, cli=True, target_name=target)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


#: the search's arguments that are options of ``datareduce search`` (``n_bins`` is ``--bins``)
_OPTIONS = {"scoring": "--scoring", "tolerance": "--tolerance", "budget": "--budget",
            "cv": "--cv", "baseline": "--baseline", "n_bins": "--bins", "model": "--model"}


def cli_words(message: str) -> str:
    """A library message in the command line's words: ``scoring='roc_auc_ovr'`` ->
    ``--scoring roc_auc_ovr``, no ``ReductionSearchCV:`` prefix, and ``max_val_rows`` (not
    an option) named as the search's sample of each validation fold."""
    import re

    message = message.removeprefix("ReductionSearchCV: ")

    def option(match):
        return f"{_OPTIONS[match[1]]} {match[3]}"

    message = re.sub(r"\b(" + "|".join(_OPTIONS) + r")=(['\"]?)([\w.]+)\2(?![\w(\[])",
                     option, message)
    message = re.sub(r"sampled to max_val_rows=(\d+) rows", r"sampled to \1 rows each",
                     message)
    return message.replace("raise max_val_rows, or leave", "leave")


@contextmanager
def _search_log_lines(args):
    """The search's log lines (a method skipped, the budget exhausted) as they happen, one
    line each on stderr as ``datareduce search: ...`` (none with --quiet)."""
    log = logging.getLogger("datareduce.search")

    class Lines(logging.Handler):
        def emit(self, record):
            text = cli_words(record.getMessage())
            say(args, f"datareduce search: {' '.join(text.split())}")

    handler = Lines(level=logging.WARNING)
    old = log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = old


def run(args) -> int:
    import numpy as np

    from ..search import search_table
    from ..search._base import FoldsTooSmall, KeepsBeyondFold

    # ------------------------------------------------ everything checkable before reading
    budget = parse_budget(args.budget)
    keeps = parse_keeps(args.keeps)
    methods = check_methods(args.methods)
    scoring = check_scoring(args.scoring)
    if not args.tolerance >= 0 or args.tolerance == float("inf"):
        raise CLIError(f"--tolerance {args.tolerance}: give a number >= 0 in the scorer's "
                       "units (0.01 = one point of macro-F1).")
    inp = check_input(args.input)
    out = None
    kept_name = f"kept.{table_format(inp)}"
    if args.output is not None:
        files = [*RESULT_FILES, kept_name] + ([] if args.no_plot else [PLOT_FILE])
        out = check_output_dir(args.output, "--output", overwrite=args.overwrite, files=files,
                               inputs=[inp])
    if not args.no_plot and out is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise CLIError("curves.png needs matplotlib: pip install 'datareduce[plot]', or "
                           "pass --no-plot.") from None

    # ------------------------------------------------------------------ data and columns
    df, source = read_table(inp, source=True, na_values=args.na_values)
    if args.group is not None and args.group not in df.columns:
        raise CLIError(unknown_column("--group", args.group, df.columns))
    if args.group is not None and args.group == args.target:
        raise CLIError(f"--group {args.group!r} is the --target column: name the group id "
                       "column (patient, site ...).")
    cols = resolve_columns(df, target=args.target, features=args.features,
                           exclude=args.exclude, id=args.id, group=args.group)
    if not args.quiet:
        say(args, cols.summary())
    read = df
    df = drop_missing_target(args, df, cols.target)
    # the rows' positions in the table as read (they find the rows' text and stored
    # values when written, whatever the index labels)
    read_rows = (np.arange(len(read)) if df is read
                 else np.flatnonzero(read[cols.target].notna().to_numpy()))
    warn_id_like(cols, df, bool(args.features))
    labels, task = target_strata(df[cols.target], args.task, n_bins=args.bins)
    y = df[cols.target]
    _check_scoring_for_task(scoring, task, y, cols.target)
    if task == "classification":
        counts = y.astype(str).value_counts()
        if counts.min() < args.cv:
            raise CLIError(f"--target {cols.target!r}: class {counts.idxmin()!r} has "
                           f"{int(counts.min())} row(s), fewer than --cv {args.cv} folds: use "
                           "fewer folds, or drop or merge that class.")
    elif len(df) < args.cv * args.bins:
        raise CLIError(f"{len(df)} rows are too few for --cv {args.cv} folds stratified by "
                       f"--bins {args.bins}: use fewer folds or bins.")
    if task == "regression" and methods != "auto":
        from .._registry import reducer_class
        from ..base import reducer_tags

        need = [m for m in methods if reducer_tags(reducer_class(m)).requires_classes]
        if len(need) == len(methods):
            raise CLIError(f"--methods {' '.join(need)} need class labels and --target "
                           f"{cols.target!r} is a regression target: add methods without "
                           "classes (e.g. srs, mms, clc), or --task classification.")
    table = df[[*cols.features, cols.target]].reset_index(drop=True)
    if task == "classification":
        table[cols.target] = labels  # numbers asked to be classes are classes (as text)
    groups = group_column(args, df)
    if groups is not None:
        if groups.nunique() < args.cv:
            raise CLIError(f"--group {args.group!r} has {groups.nunique()} group(s), fewer "
                           f"than --cv {args.cv} folds: use fewer folds.")
        groups = groups.to_numpy()

    # ---------------------------------------------------------------------------- search
    verbose = not args.quiet and sys.stderr.isatty()
    with _search_log_lines(args):
        try:
            search = search_table(table, cols.target, model=args.model, scoring=scoring,
                                  tolerance=args.tolerance, budget=budget, keeps=keeps,
                                  methods=methods, cv=args.cv, task=task, n_bins=args.bins,
                                  baseline=args.baseline, random_state=args.seed,
                                  verbose=verbose, groups=groups)
        except (KeepsBeyondFold, FoldsTooSmall) as exc:  # (before any training) in the
            # options' names
            raise CLIError(exc.words(cli=True)) from None
    # "no reduction" keeps the table as it is: every row in the input's order (the
    # reducer's rows at keep=1.0 are the same rows drawn in a random order)
    idx = (search.best_reducer_.sample_indices_ if search.within_tolerance_
           else np.arange(len(df)))
    kept = df.iloc[idx]
    text = search.summary()
    print(text)
    print(f"kept rows: {len(kept)} of {len(df)} ({search.best_method_} at keep="
          f"{search.best_keep_})" + (f" -> {out / kept_name}" if out is not None else ""))
    if out is not None:
        _write(args, out, search, kept, kept_name, text, cols, source, read_rows[idx])
    return 0


def _finite_or_none(value):
    """A float for JSON, None when missing or not finite (no NaN in choice.json)."""
    import math

    return None if value is None or not math.isfinite(value) else float(value)


def _write(args, out, search, kept, kept_name, text, cols, source, positions):
    from ..metrics._html import strict_json
    from ._io import write_bytes_with, write_rows, write_text

    choice = {
        "method": search.best_method_, "keep": search.best_keep_,
        "n_kept": int(len(kept)), "n_rows": int(search.n_samples_in_),
        "cv_score": search.best_score_, "full_cv_score": search.baseline_score_,
        "full_cv_score_kind": search.baseline_kind_,
        "within_tolerance": bool(search.within_tolerance_),
        "no_reduction_reason": search.no_reduction_reason(),
        "failed_checks": [{"method": m, "keep": k, "scores": sc.tolist()}
                          for (m, k), (sc, passed) in search.checks_.items() if not passed],
        "budget_exhausted": bool(search.budget_exhausted_),
        "budget_needed_seconds": search.budget_needed_seconds_,
        "budget_cut": search.budget_cut_,
        "check_scores": None if search.check_scores_ is None
        else search.check_scores_.tolist(),
        "all_rows_gain": list(search.all_rows_gain_),
        "check_bound": _finite_or_none(search.check_bounds_.get(
            (search.best_method_, search.best_keep_))),
        "baseline_gain": search.baseline_gain_,
        "predicted_keep": list(search.predicted_keep_),
        "scoring": search.scoring_, "tolerance": search.tolerance, "task": search.task_,
        "model": args.model, "seed": args.seed,
        "training_time_saving": search.training_time_saving_,
        "total_time_saving": search.total_time_saving_,
        "full_fit_seconds": search.full_fit_seconds_,
        "search_seconds": search.search_seconds_, "cost_ratio": search.cost_ratio_,
        "skipped": dict(search.skipped_), "raced_out": dict(search.eliminated_),
        "features": [str(c) for c in cols.features], "target": str(cols.target),
        "id": None if cols.id is None else str(cols.id),
    }
    fig = None
    if not args.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4.2))
        search.plot(ax=ax)
        # a "no reduction" reason wraps to the width (_plot._title): the figure grows by
        # the title's extra lines, so that the axes (and the legend below) keep their room
        extra = max(ax.get_title().count("\n") - 1, 0)
        if extra:
            fig.set_figheight(4.2 + 0.2 * extra)
        fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    frame = search.results_frame().drop(columns="params")  # (method and keep say it)
    write_bytes_with(out / "results.csv", lambda p: frame.to_csv(p, index=False))
    write_text(text + "\n", out / "summary.md")
    write_text(strict_json(choice, default=float) + "\n", out / "choice.json")
    write_rows(kept, source, out / kept_name, positions=positions)
    written = [*RESULT_FILES, kept_name]
    if fig is not None:
        import matplotlib.pyplot as plt

        write_bytes_with(out / PLOT_FILE, lambda p: fig.savefig(p, dpi=110))
        plt.close(fig)
        written.append(PLOT_FILE)
    say(args, f"wrote {', '.join(str(out / f) for f in written)}")
