"""``datareduce reduce``: reduce a CSV or Parquet table and write the kept rows.

Example::

    datareduce reduce penguins.csv --target species --id rowid --method mms --keep 0.2 \\
        --output small.csv --report report.json

Several Parquet files, a folder of them, or ``--scheduler`` take the block-wise path
(:func:`datareduce.distributed.reduce_parquet`, module ``_blocks``)::

    datareduce reduce data/*.parquet --target label --id id --method mms --keep 0.01 \\
        --scheduler local --output kept.parquet
"""

from __future__ import annotations

import argparse
import re
import warnings
from pathlib import Path

from . import SEED, CLIError
from ._common import (
    add_column_options,
    add_space_option,
    add_task_options,
    at_least,
    check_method_params,
    drop_missing_target,
    finish_parser,
    make_space,
    parse_keep,
    parse_params,
    resolve_columns,
    resolve_seed,
    say,
    space_matrix,
    target_task,
    warn_id_like,
)
from ._io import (
    check_input,
    check_not_input,
    check_output_file,
    read_table,
    same_file,
    write_rows,
    write_text,
)
from ._progress import Clock, check_budget, estimate_reduction, fmt_seconds, stage
from .audit import announcer, check_page

#: a step whose estimate is above this many seconds is announced before it starts
ANNOUNCE = 5.0


def add_parser(sub):
    p = sub.add_parser(
        "reduce",
        help="reduce a CSV/Parquet table; write the kept rows with all their columns",
        description="Reduce the rows of a table. The feature columns (by default every "
                    "column but the target and the id; numeric, categorical, with missing "
                    "values) are put in the selection space for the reduction only; the "
                    "output keeps every column of the kept rows, unchanged, in the input's "
                    "format.",
    )
    p.add_argument("input", nargs="+", metavar="INPUT",
                   help="input table (.csv or .parquet); or several Parquet files, a folder "
                        "of them or a quoted glob ('data/*.parquet'), reduced block by block "
                        "with dask (see --scheduler)")
    add_column_options(p)
    add_task_options(p)
    p.add_argument("--method", default="srs", help="reduction method (see `datareduce methods`)")
    p.add_argument("--keep", required=True,
                   help="fraction in (0, 1] or number of rows to keep")
    p.add_argument("--output", "-o", required=True, help="output table (.csv or .parquet)")
    p.add_argument("--seed", type=int, action=SEED, default=None,
                   help="random seed (default 0; same as --param random_state=..., give one)")
    add_space_option(p)
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="extra method parameter, repeatable (e.g. --param output=medoids)")
    p.add_argument("--report", metavar="JSON|PAGE.html",
                   help="also write the audit of the reduction (every calibrated metric "
                        "against random subsets of the same size): a .html name writes the "
                        "page with figures, a .json name the numbers")
    p.add_argument("--max-points", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="time budget: a reduction estimated to exceed it is refused before "
                        "it starts")
    p.add_argument("--scheduler", metavar="ADDRESS|local",
                   help="reduce Parquet input block by block with dask (the dask extra): "
                        "'local' starts a cluster of worker processes on this machine for the "
                        "run, 'threads' uses dask's threads, an address such as "
                        "tcp://10.0.0.5:8786 a running cluster; the default for several "
                        "files or a folder is dask's threads")
    p.add_argument("--workers", type=int, action=at_least(1), default=None,
                   help="worker processes of --scheduler local (default: dask's choice)")
    p.add_argument("--memory-limit", default="auto",
                   help="memory limit per worker of --scheduler local (e.g. 2GiB; default "
                        "auto)")
    p.add_argument("--oversample", type=float, default=None,
                   help="block-wise only: stage-one oversampling (default 1 for srs and "
                        "random, 4 otherwise: two stages)")
    p.add_argument("--weight-column", metavar="COL",
                   help="also write each kept row's weight (the rows it stands for, the "
                        "reducer's sample_weight_, which the --report audit uses) in this new "
                        "column; `datareduce score --weight-column COL` reads it back")
    finish_parser(p, run, overwrite="replace existing --output / --report files",
                  quiet="print nothing on success")


def run(args) -> int:
    import numpy as np

    from .._core.output import reduced_data
    from .._core.strata import stratify_params
    from .._registry import get_reducer

    clock = Clock(check_budget(args.budget))
    # ------------------------------------------------ everything checkable before reading
    keep = parse_keep(args.keep)
    params = parse_params(args.param)
    valid = check_method_params(args.method, params)
    params = resolve_seed(args.seed, params, valid)
    if "output" in valid and "output" not in params:
        params["output"] = "medoids"  # the command writes real rows of the table
    elif params.get("output") in ("centroids", "auto") and args.space in ("minmax", "standard"):
        # CLC's centroids are computed in the columns as given (its docstring): --space was
        # dropped silently, and unscaled columns decided the clusters (the rows nearest them
        # covered wine worse than random subsets did)
        raise CLIError(f"--param output={params['output']}: {args.method}'s centroids are "
                       f"computed in the columns as given, not in --space {args.space}: pass "
                       "--space none with it (scale the columns yourself first), or leave it "
                       f"out to get medoids chosen in --space {args.space}.")
    if args.max_points is not None:
        say(args, "--max-points is ignored: the --report audit draws no persistence "
                  "diagrams (datareduce score --topology does)")
    if args.task != "auto" and args.target is None:
        raise CLIError(f"--task {args.task} needs a --target column.")
    if args.drop_missing_target and args.target is None:
        raise CLIError("--drop-missing-target needs a --target column.")
    if _blockwise(args):
        from ._blocks import run_blocks

        if args.na_values:
            raise CLIError("--na-values is for one table read in memory (a CSV or Parquet "
                           "file): leave it out for Parquet files reduced block by block.")

        return run_blocks(args, keep, params, valid)
    for option, value in (("--workers", args.workers), ("--oversample", args.oversample)):
        if value is not None:
            raise CLIError(f"{option} is for Parquet input reduced block by block: pass "
                           "--scheduler (or several files / a folder), or leave it out.")
    if args.memory_limit != "auto":
        raise CLIError("--memory-limit is for --scheduler local: leave it out.")
    args.input = args.input[0]
    out = check_output_file(args.output, "--output", overwrite=args.overwrite)
    report_path = None
    if args.report:
        if not (_is_page(args.report) or str(args.report).lower().endswith(".json")
                or Path(args.report).is_dir()):  # (a folder: check_output_file says so)
            raise CLIError(f"--report {args.report}: give a file name ending in .json (the "
                           "audit's numbers) or .html (the page with figures).")
        report_path = (check_page(args.report, args.overwrite) if _is_page(args.report) else
                       check_output_file(args.report, "--report", overwrite=args.overwrite,
                                         kind="json"))
        if same_file(report_path, out):
            raise CLIError("--report and --output name the same file: give two names.")
    inp = check_input(args.input)
    check_not_input(out, [inp], "--output")
    if report_path is not None:
        check_not_input(report_path, [inp], "--report")

    # ------------------------------------------------------------------ data and columns
    df, source = read_table(inp, source=True, na_values=args.na_values)
    cols = resolve_columns(df, target=args.target, features=args.features,
                           exclude=args.exclude, id=args.id)
    say(args, cols.summary())
    read = df
    df = drop_missing_target(args, df, cols.target)
    # the rows' positions in the table as read (they find the rows' text and stored
    # values when written, whatever the index labels)
    read_rows = (np.arange(len(read)) if df is read
                 else np.flatnonzero(read[cols.target].notna().to_numpy()))
    warn_id_like(cols, df, bool(args.features))
    if args.weight_column is not None and args.weight_column in df.columns:
        raise CLIError(f"--weight-column {args.weight_column!r} is already a column of the "
                       "input: choose another name.")
    if isinstance(keep, int) and keep > len(df):
        raise CLIError(f"--keep {keep} is larger than the data ({len(df)} rows).")
    y, task = None, "auto"
    if cols.target is not None:
        y = df[cols.target]
        task = target_task(y, args.task, method=args.method)
    F = df[cols.features]
    space = make_space(args.space, F)
    if space is None:
        space_matrix(None, F)  # missing or non-numeric values: a one-line CLI error first

    def make(m=None):
        k = keep if m is None or isinstance(keep, float) else max(1, round(keep * m / len(df)))
        reducer = get_reducer(args.method, keep=k, **params,
                              space="passthrough" if space is None else space)
        return reducer.set_params(**stratify_params(reducer, task, args.bins))

    reducer = make()
    est, _ = estimate_reduction(make, F, y, probe_limit=min(5.0, clock.left / 4), task=task)
    if not clock.fits(est):
        raise CLIError(f"--budget {args.budget:g} s: the reduction alone is estimated at "
                       f"~{fmt_seconds(est)} ({args.method} on {len(df)} rows); raise --budget, "
                       "or use a faster method or a smaller --keep.")
    if est > ANNOUNCE:
        say(args, f"estimate: ~{fmt_seconds(est)} for {args.method} on {len(df)} rows")
    with stage(f"reduce ({args.method}" + (f", estimate ~{fmt_seconds(est)})" if est else ")"),
               quiet=args.quiet):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reducer.fit(F, y, task=task)
    n_kept = len(reducer.sample_indices_)
    if task == "regression" and not reducer.get_params(deep=False).get("stratify", False):
        caught = _lost_bins_in_cli_bins(caught, y, reducer, args.bins)
    _rewarn(args, caught, task, n_kept, _n_strata(reducer, y, task, args.bins, n_kept))
    if task == "regression":
        params_now = reducer.get_params(deep=False)
        if not params_now.get("stratify", False):
            why = _why_not_stratified(args, params, params_now)
            say(args, f"target: {cols.target} is a regression target, not stratified "
                      f"({why})")
        else:
            say(args, f"target: {cols.target} is a regression target, stratified by "
                      f"{len(reducer.strata_edges_) - 1} quantile bins")
    say(args, f"space: {reducer.space_}")
    if getattr(reducer, "synthetic_", None) is not None:
        say(args, "note: writing the real rows nearest each centroid (output=medoids "
                  "semantics); synthetic rows have no values for the other columns.")
    red = reduced_data(reducer, df, real_rows=True)
    kept = red.X

    report_text = None
    if report_path is not None:
        audit = _audit(args, F, y, reducer, task)
        report_text = audit.to_html() if _is_page(report_path) else audit.to_json()
    extra = None
    if args.weight_column is not None:
        extra = {args.weight_column: red.sample_weight}
    write_rows(kept, source, out, extra, positions=read_rows[reducer.sample_indices_])
    if report_text is not None:
        write_text(report_text, report_path)
    if not args.quiet:
        print(f"kept {len(kept)} of {len(df)} rows with {args.method} "
              f"in {reducer.fit_time_:.2f} s -> {out}"
              + (f" (report: {report_path})" if report_path else ""))
    return 0


#: the library's advice when the kept rows are fewer than the classes (where it gives one)
_SHORT_ADVICE = re.compile(r"The (\d+) kept rows cannot hold one row of each of the (\d+) "
                           r"classes: pass keep=\d+ or more, with stratify=True\.")
#: DES's advice when its base misses classes (the base never holds more rows than are kept)
_BASE_ADVICE = re.compile(r"Pass keep=(\d+) or more: the base never holds more rows than "
                          r"are kept\.")


def _why_not_stratified(args, params, params_now) -> str:
    """Why a regression target was not stratified, in options the user gave (``--bins 1``,
    ``--param stratify=false``) or can give (``--param stratify=true``); ``params`` are the
    user's ``--param`` values, ``params_now`` the fitted reducer's parameters."""
    from ._common import method_parameters

    if "stratify" not in params_now:
        return f"{args.method} does not stratify"
    asked = params.get("stratify", method_parameters(args.method).get("stratify"))
    if args.bins == 1 and asked:
        return "--bins 1"
    if "stratify" in params:
        return f"--param stratify={str(params['stratify']).lower()}"
    more = " and --bins 2 or more" if args.bins == 1 else ""
    return (f"{args.method} does not stratify by default; --param stratify=true{more} "
            "stratifies it")


def _n_strata(reducer, y, task, n_bins, n_kept):
    """The classes of y, or the quantile bins a regression target gets when stratified as
    the advice says (``--param stratify=true`` with ``--bins``): what one row of each needs;
    None without a target. The bins are counted by the reducer's own binning
    (``_validate_y`` of an unfitted copy, stratified, keeping ``n_kept`` rows): never more
    bins than kept rows, tied bins merged, so a regression target is never short of rows."""
    if y is None:
        return None
    if task == "regression":
        from sklearn.base import clone

        from .._core.strata import stratify_params

        probe = clone(reducer)
        if "stratify" in probe.get_params(deep=False):
            probe.set_params(stratify=True)
            probe.set_params(**stratify_params(probe, task, n_bins))
        try:
            with warnings.catch_warnings():  # the fit has told its warnings already
                warnings.simplefilter("ignore")
                probe._validate_y(y, len(y), n_kept, task)
        except (TypeError, ValueError):  # numbers the reducer reads its own way
            return None
        labels = getattr(probe, "strata_labels_", None)
        return None if labels is None else len(labels)
    return int(y.nunique(dropna=True))


_LOST = re.compile(r"(\w+) kept no row of \d+ of \d+ (classes|target bins) \[[^\]]*\]")


def _lost_bins_in_cli_bins(caught, y, reducer, n_bins):
    """A reducer that does not stratify judges the regression target's lost bins with its
    own default binning (10 quantile bins, at most the kept rows); the CLI's are ``--bins``
    (at most the kept rows, tied bins merged, as a stratifying reducer makes them): the
    reducer's warning is replaced by one judged with those (none when every bin has a kept
    row, or with ``--bins 1``)."""
    import numpy as np

    from .._core.strata import lost_strata_text, quantile_strata
    from ..base import STRATIFY_BIN_ADVICE, short_keep_advice

    out = [w for w in caught if not _LOST.match(str(w.message))]
    kept = reducer.sample_indices_
    if n_bins < 2:
        return out  # --bins 1: no strata asked for
    codes, edges = quantile_strata(np.asarray(y, dtype=np.float64), min(n_bins, len(kept)))
    k = int(codes.max()) + 1
    lost = np.setdiff1d(np.arange(k), codes[kept])
    if len(lost):
        advice = STRATIFY_BIN_ADVICE if len(kept) >= k else short_keep_advice(len(kept), k)
        text = (lost_strata_text(type(reducer).__name__, lost, np.arange(k), edges)
                + f" {advice}")
        out.append(warnings.WarningMessage(text, UserWarning, __file__, 0))
    return out


def _rewarn(args, caught, task, n_kept=None, n_strata=None):
    """The reducer's warnings again, in the CLI's words: the lost-classes advice names
    ``--param stratify=true`` when the ``n_kept`` rows can hold one row of each of the
    ``n_strata`` classes (a regression target's bins, as the reducer counts them, always
    fit the kept rows), else a larger ``--keep`` (the library's own short-rows advice, in
    Python words, is rewritten the same way); DES's
    base advice names ``--keep``; the numeric-classes advice ``--keep`` and ``--task regression``; and
    with ``--bins 1`` (no stratification, asked for) the lost target bins are not warned
    about."""
    from ..base import STRATIFY_ADVICE, STRATIFY_BIN_ADVICE

    advices = (STRATIFY_ADVICE, STRATIFY_BIN_ADVICE)  # the library's, for classes and bins
    for w in caught:
        text = str(w.message)
        found = _SHORT_ADVICE.search(text)
        if any(a in text for a in advices) or found:
            if task == "regression" and args.bins == 1:
                continue  # the user asked for no strata: the bins are not theirs
            if (n_kept is None or n_strata is None) and found:
                n_kept, n_strata = int(found.group(1)), int(found.group(2))
            short = n_kept is not None and n_strata is not None and n_kept < n_strata
            what = "bin" if task == "regression" else "class"
            if not short:
                cli = f"Pass --param stratify=true to keep every {what}."
            else:  # classes only: the reducer never makes more bins than kept rows
                cli = (f"The {n_kept} kept rows cannot hold one row of each of the "
                       f"{n_strata} classes: pass --keep {n_strata} or more, with "
                       "--param stratify=true.")
            if found:
                text = text[:found.start()] + cli + text[found.end():]
            for a in advices:
                text = text.replace(a, cli)
        text = _BASE_ADVICE.sub(r"Pass --keep \1 or more: the base never holds more rows "
                                r"than are kept.", text)
        if task == "regression" and getattr(args, "target", None) is not None:
            text = text.replace(" (y in [", f" ({args.target} in [", 1)  # the column's name
        text = text.replace("Increase keep", "Increase --keep").replace(
            "pass fit(X, y, task='regression')", "pass --task regression")
        warnings.warn_explicit(text, w.category, w.filename, w.lineno)


def _is_page(path) -> bool:
    return str(path).lower().endswith((".html", ".htm"))


def _audit(args, F, y, reducer, task="auto"):
    """The audit of the reduction (datareduce.metrics.audit_subset), for the page and the
    JSON report alike: every metric against random subsets of the same size, stratified as
    the reduction was (its task, and a regression target's --bins, never more than the kept
    rows, as the reducer bins it)."""
    from ..metrics import audit_subset

    space = {"none": "passthrough"}.get(args.space, args.space)
    n_bins = max(1, min(args.bins, len(reducer.sample_indices_)))
    with stage("report: audit against random subsets", quiet=args.quiet):
        audit = audit_subset(F, reducer, y, space=space, task=task, n_bins=n_bins,
                             progress=None if args.quiet else announcer(args, "the report"))
    for verdict, _ in audit.verdicts():
        say(args, f"report: {verdict}")
    say(args, "report: the kept rows weighted by the rows each stands for (score them the "
              "same way: reduce --weight-column COL, then score --weight-column COL)")
    return audit


def _blockwise(args) -> bool:
    """Several inputs, a folder, a glob, or --scheduler: the dask path."""
    from pathlib import Path

    if args.scheduler is not None or len(args.input) > 1:
        return True
    path = Path(args.input[0])
    if path.is_dir():
        return True
    return not path.exists() and any(ch in str(path) for ch in "*?[")
