"""``datareduce score FULL REDUCED``: the representativeness of a reduced table.

Example::

    datareduce score beans.csv beans_small.csv --target Class --json report.json

By default REDUCED is audited as a subset of FULL (``datareduce.metrics.audit_subset``):
every calibrated metric against random subsets of the same size, printed, written as JSON
(``--json``) and as a page (``--report``). The uncalibrated report (epsilon, persistence
diagram distances) is written when asked for with ``--metric`` or ``--dims``, and for
synthetic rows (``--allow-new-rows``), which the audit cannot label.

The feature columns are chosen on FULL (``--features``, ``--exclude``, ``--id``, as in
``reduce``) and must all be in REDUCED. Features are min-max scaled with the full table's
ranges (the reference's convention) before measuring: the selection space of
``datareduce.preprocessing`` (``--space``), fitted on FULL and applied to both tables.
REDUCED must
have at most as many rows as FULL, and its rows must be rows of FULL (``--allow-new-rows``
accepts synthetic rows).
"""

from __future__ import annotations

import warnings

from .._core.strata import N_BINS
from . import CLIError
from ._common import (
    add_column_options,
    add_drop_missing_target,
    add_space_option,
    at_least,
    compact_list,
    drop_missing_target,
    finish_parser,
    make_space,
    resolve_columns,
    say,
    space_matrix,
    target_strata,
    target_task,
    unknown_column,
    warn_id_like,
)
from ._io import check_input, check_output_file, read_tables, same_file, write_text
from ._progress import Clock, check_budget, estimate_report, fmt_seconds, stage
from .audit import announcer, check_page

#: homology dimension 2 is computed on at most this many rows unless --max-points says more
H2_MAX_POINTS = 200
#: the report's diagrams are exact up to this many rows (datareduce.metrics.diagrams.
#: DEFAULT_MAX_POINTS, not imported: the parser is built without the metrics)
REPORT_MAX_POINTS = 2000


def add_parser(sub):
    p = sub.add_parser(
        "score",
        help="representativeness of a reduced table: its audit against random subsets",
        description="Compare a reduced table with the full one: by default the audit "
                    "(MMD, energy distance and coverage, each with its percentile among "
                    "random subsets of the same size); with --metric or --dims the "
                    "uncalibrated report: epsilon (per class with --target), bottleneck and "
                    "Wasserstein distances of Vietoris-Rips persistence diagrams, and the "
                    "stability check d_B <= 2 d_H.",
    )
    p.add_argument("full", help="full table (.csv or .parquet)")
    p.add_argument("reduced", help="reduced table (.csv or .parquet), same columns")
    add_column_options(p, target_help="label column (per-class epsilon and distances)")
    p.add_argument("--json", metavar="OUT", help="also write the report as JSON to OUT")
    p.add_argument("--metric", default=None,
                   choices=("chebyshev", "euclidean", "manhattan"),
                   help="write the uncalibrated report, with epsilon in this metric "
                        "(chebyshev is the reference's)")
    p.add_argument("--diagram-metric", default=None,
                   choices=("chebyshev", "euclidean", "manhattan"),
                   help="metric of the Rips filtrations and of the stability check "
                        "(default euclidean)")
    p.add_argument("--dims", type=int, nargs="+", default=None, metavar="K",
                   help="write the uncalibrated report with these homology dimensions, 0 1 "
                        f"or 2 (0 1 with --metric; 2 is costly and is computed on at most "
                        f"{H2_MAX_POINTS} rows unless --max-points says otherwise)")
    p.add_argument("--topology", action="store_true",
                   help="the audit also calibrates the bottleneck distance of persistence "
                        "diagrams (costly; --max-points landmarks, default 300)")
    p.add_argument("--max-points", type=int, action=at_least(2), default=None,
                   help="subsample diagrams above this many rows (default "
                        f"{REPORT_MAX_POINTS}; 300 landmarks for --topology)")
    add_space_option(p)
    p.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                   help="classes (per-class results) or a regression target (per quantile "
                        "bin of FULL, --bins of them); auto as in reduce")
    p.add_argument("--bins", type=int, action=at_least(1), default=N_BINS,
                   help="quantile bins of a regression target (default 10)")
    add_drop_missing_target(p)
    p.add_argument("--backend", choices=("ripser", "giotto"), default=None,
                   help="persistence backend of the uncalibrated report (default ripser)")
    p.add_argument("--allow-new-rows", action="store_true",
                   help="accept REDUCED rows that are not rows of FULL (synthetic rows)")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="uncalibrated report: the diagram distances are skipped (epsilon "
                        "only) when estimated to exceed it")
    p.add_argument("--weight-column", metavar="COL",
                   help="REDUCED's column of weights (the rows each kept row stands for, as "
                        "`datareduce reduce --weight-column` writes them): the audit weighs "
                        "the kept rows with them, as `reduce --report` does (default: "
                        "unweighted)")
    p.add_argument("--report", metavar="PAGE.html",
                   help="also write the audit page, with figures (REDUCED must be rows of "
                        "FULL)")
    finish_parser(p, run, overwrite="replace an existing --json / --report file",
                  quiet="no summary lines or progress on stderr")


def check_dims(dims, max_points):
    """Validated homology dimensions, and the max_points to use."""
    bad = [k for k in dims if k < 0 or k > 2]
    if bad:
        raise CLIError(f"--dims {' '.join(map(str, dims))}: homology dimensions are 0, 1 or 2 "
                       "(above 2 the Rips complex is out of reach on real data).")
    dims = tuple(sorted(set(dims)))
    if 2 in dims and max_points is None:
        max_points = H2_MAX_POINTS
        warnings.warn(f"--dims 2: homology dimension 2 grows with the 4th power of the rows; "
                      f"computing it on at most {H2_MAX_POINTS} rows (--max-points sets more).",
                      UserWarning, stacklevel=2)
    return dims, max_points


def run(args) -> int:
    import numpy as np

    from ..metrics import epsilon_representativeness, representativeness_report

    clock = Clock(check_budget(args.budget))
    legacy = args.metric is not None or args.dims is not None or args.allow_new_rows
    _say_ignored(args, legacy)
    args.metric = args.metric or "chebyshev"
    args.diagram_metric = args.diagram_metric or "euclidean"
    args.backend = args.backend or "ripser"
    dims, max_points = check_dims(args.dims or [0, 1], args.max_points)
    if args.drop_missing_target and args.target is None:
        raise CLIError("--drop-missing-target needs a --target column.")
    if args.task != "auto" and args.target is None:
        raise CLIError(f"--task {args.task} needs a --target column.")
    json_path = None
    if args.json:
        json_path = check_output_file(args.json, "--json", overwrite=args.overwrite,
                                      kind="json")
    page = check_page(args.report, args.overwrite) if args.report else None
    if args.weight_column is not None and legacy:
        raise CLIError("--weight-column is for the calibrated audit: leave out --metric, "
                       "--dims and --allow-new-rows.")
    if page is not None and args.allow_new_rows:
        raise CLIError("--report audits rows of FULL: leave out --allow-new-rows (synthetic "
                       "rows have no place among FULL's rows).")
    full_path = check_input(args.full, "FULL")
    red_path = check_input(args.reduced, "REDUCED")
    if same_file(full_path, red_path):
        raise CLIError(f"FULL and REDUCED are the same file ({full_path}): pass the full "
                       "table, then the reduced one.")

    full, red = read_tables(full_path, "FULL", red_path, "REDUCED",
                            na_values=args.na_values)
    cols = resolve_columns(full, target=args.target, features=args.features,
                           exclude=args.exclude, id=args.id)
    need = list(cols.features) + [c for c in (cols.target, cols.id) if c is not None]
    missing = [c for c in need if c not in red.columns]
    if missing:
        raise CLIError(f"REDUCED {red_path} lacks columns of FULL: {compact_list(missing)} "
                       "(did you pass the tables in the order FULL REDUCED?).")
    say(args, cols.summary())
    warn_id_like(cols, full, bool(args.features))
    if len(red) > len(full):
        raise CLIError(f"REDUCED has more rows ({len(red)}) than FULL ({len(full)}): pass the "
                       "full table first, then the reduced one.")
    space = make_space(args.space, full[cols.features])
    full = drop_missing_target(args, full, cols.target, "FULL")
    red = drop_missing_target(args, red, cols.target, "REDUCED")
    A, space_text = space_matrix(space, full[cols.features], label="FULL")
    B, _ = space_matrix(space, red[cols.features], fit_on=full[cols.features],
                        label="REDUCED")
    positions = None
    if not args.allow_new_rows:
        positions = _check_subset(full, red, cols)
    weights = None if args.weight_column is None else _weights(red, args.weight_column)
    _cap_bins(args, full, cols, len(red))
    if not legacy or page is not None:
        audit = _audit(args, full, cols, positions, weights)
        if page is not None:
            write_text(audit.to_html(), page)
            say(args, f"page written to {page}")
        if not legacy:
            print(audit)
            if json_path:
                write_text(audit.to_json(), json_path)
                say(args, f"report written to {json_path}")
            return 0
    yf = yr = None
    if cols.target is not None:
        yf, task = target_strata(full[cols.target], args.task, n_bins=args.bins)
        if task == "regression":
            import numpy as np
            import pandas as pd

            from ..base import quantile_strata

            if not pd.api.types.is_numeric_dtype(red[cols.target].dtype):
                raise CLIError(f"--target {cols.target!r} is not numeric in REDUCED.")
            _, edges = quantile_strata(full[cols.target].to_numpy(dtype=np.float64), args.bins)
            yr = np.searchsorted(edges[1:-1], red[cols.target].to_numpy(dtype=np.float64),
                                 side="right")
            say(args, f"target: {cols.target} is a regression target: per-bin results over "
                      f"{len(edges) - 1} quantile bins of FULL")
        else:
            yr = red[cols.target].to_numpy()
            if yf.dtype.kind in "OU" and yr.dtype.kind == "f":
                # classes written 1.5, 2.5 are text in FULL (target_strata): REDUCED's too,
                # or every reduced row was "a label FULL has not" (review14/a 04)
                yr = red[cols.target].astype(str).to_numpy()
            new = sorted(set(yr.tolist()) - set(yf.tolist()), key=str)
            if new:
                raise CLIError(f"REDUCED has labels that FULL has not: "
                               f"{compact_list(new, 10)}.")
    space = space_text if space is None else f"{space_text}, fitted on FULL"
    say(args, f"space: {space}")

    if yf is None:
        by_class = {None: len(B)}
    else:
        cls, cnt = np.unique(yr, return_counts=True)
        by_class = dict(zip(cls.tolist(), cnt.tolist(), strict=True))
    est, _ = estimate_report(A, yf, by_class, dims=dims, max_points=max_points,
                             probe_limit=min(5.0, max(clock.left, 0) / 4))
    if not clock.fits(est):
        say(args, f"--budget {args.budget:g} s: skipping the persistence-diagram distances "
                  f"(estimated ~{fmt_seconds(est)}); epsilon only.")
        with stage("epsilon", quiet=args.quiet):
            eps = epsilon_representativeness(A, B, yf, yr, metric=args.metric)
        print(f"epsilon ({eps.metric}, {space}): {float(eps.value):.6g}")
        if json_path:
            from ..metrics._html import strict_json

            write_text(strict_json({"epsilon": eps.to_dict(), "space": space,
                                    "skipped": {"topology": f"estimated {est:.0f} s > budget"}}),
                       json_path)
            say(args, f"report written to {json_path}")
        return 0
    if est > 5:
        say(args, f"estimate: ~{fmt_seconds(est)} for the persistence diagrams "
                  "(--max-points lowers it; --budget skips it)")
    with stage(f"score (estimate ~{fmt_seconds(est)})", quiet=args.quiet):
        report = representativeness_report(
            A, B, yf, yr, metric=args.metric, diagram_metric=args.diagram_metric,
            homology_dimensions=dims, max_points=max_points, backend=args.backend,
            task="classification")  # the labels are final: classes, or FULL's bin codes
    print(report)
    print(f"space: {space}")
    if json_path:
        import json

        from ..metrics._html import strict_json

        data = json.loads(report.to_json())
        data["space"] = space
        write_text(strict_json(data), json_path)
        say(args, f"report written to {json_path}")
    return 0


def _say_ignored(args, legacy) -> None:
    """A line for each given option that the chosen output does not read (they were ignored
    without a word: --diagram-metric chebyshev alone printed the audit, Euclidean nowhere)."""
    if legacy:
        if args.topology and not args.report:
            say(args, "--topology is ignored: it calibrates the audit, and --metric, --dims or "
                      "--allow-new-rows write the uncalibrated report (add --report PAGE.html "
                      "for the audit page)")
        return
    unused = [opt for opt, given in (
        ("--diagram-metric", args.diagram_metric is not None),
        ("--backend", args.backend is not None),
        ("--budget", args.budget is not None),
        ("--max-points", args.max_points is not None and not args.topology)) if given]
    if unused:
        say(args, f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} ignored: "
                  f"{'it is' if len(unused) == 1 else 'they are'} for the uncalibrated report "
                  "(add --metric or --dims)"
                  + (", or --topology for --max-points" if "--max-points" in unused else ""))


def _cap_bins(args, full, cols, n_reduced):
    """Never more quantile bins of a regression target than REDUCED has rows, as ``reduce
    --report`` bins (and the reducers: a bin with no kept row is infinitely far): ``--bins``
    was used as given, so --bins 1000 on 20 kept rows gave hundreds of infinite per-bin
    results, and --bins 1000000000 tried to allocate gigabytes for the bin edges."""
    if cols.target is None or args.bins <= max(1, n_reduced):
        return
    if target_task(full[cols.target], args.task) != "regression":
        return
    cap = max(1, n_reduced)
    say(args, f"--bins {args.bins} is more than REDUCED's {n_reduced} rows: the regression "
              f"target is binned into {cap} quantile bins (a bin without a kept row would be "
              "infinitely far)")
    args.bins = cap


def _check_subset(full, red, cols):
    """REDUCED's rows as positions in FULL, matched on the features, the target and the id.

    Rows of FULL with equal features but different labels are different rows: a REDUCED
    row takes a FULL row with its own label (one whose label no such row has is an error),
    and the k-th copy of a row in REDUCED takes the k-th copy in FULL."""
    import numpy as np
    import pandas as pd

    from ..metrics.leakage import _float32_columns, _row_hashes

    features = list(cols.features) + ([cols.id] if cols.id is not None else [])
    labels = [cols.target] if cols.target is not None else []
    # the split audit's rule for "the same row" (float32 columns at float32's precision:
    # reduce writes FULL.parquet's float32 values to a CSV in their shortest form)
    single = _float32_columns(full, red, features + labels)

    def rows(df, key):
        return _row_hashes(df[key], single)

    hf, hr = rows(full, features + labels), rows(red, features + labels)
    outside = ~np.isin(hr, hf)
    if outside.any():
        first = [int(i) for i in outside.nonzero()[0][:5]]
        rows_text = ", ".join(str(i + 1) for i in first)
        if labels:
            relabelled = outside & np.isin(rows(red, features), rows(full, features))
            if np.array_equal(relabelled, outside):
                raise CLIError(f"{int(relabelled.sum())} row(s) of REDUCED are rows of FULL "
                               f"with another --target {cols.target!r} (e.g. data rows "
                               f"{rows_text}): REDUCED's labels must be FULL's.")
        raise CLIError(f"{int(outside.sum())} row(s) of REDUCED are not rows of FULL (e.g. "
                       f"data rows {rows_text}): check the order FULL "
                       "REDUCED, or pass --allow-new-rows for synthetic rows.")
    # the k-th copy of a row in REDUCED is the k-th copy in FULL (the last one if REDUCED
    # repeats a row more often than FULL has it)
    order = np.argsort(hf, kind="stable")
    sorted_h = hf[order]
    start = np.searchsorted(sorted_h, hr, side="left")
    count = np.searchsorted(sorted_h, hr, side="right") - start
    copy = pd.Series(hr).groupby(hr).cumcount().to_numpy()
    return order[start + np.minimum(copy, count - 1)].astype(np.intp)


def _weights(red, col):
    """REDUCED's weight column: finite numbers >= 0, refused by name otherwise."""
    import numpy as np
    import pandas as pd

    if col not in red.columns:
        raise CLIError(unknown_column("--weight-column", col, red.columns, "REDUCED"))
    w = pd.to_numeric(red[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5])
        raise CLIError(f"--weight-column {col!r}: {int(bad.sum())} value(s) are not numbers "
                       f">= 0 (e.g. data rows {rows}).")
    if len(w) and not w.sum() > 0:
        raise CLIError(f"--weight-column {col!r}: every weight is 0, so no kept row counts: "
                       "pass the rows each kept row stands for (as `reduce --weight-column` "
                       "writes them), or leave the option out for unweighted rows.")
    return w


def _audit(args, full, cols, positions, weights=None):
    """REDUCED as a subset of FULL, against random subsets (datareduce.metrics.audit_subset)."""
    from ..metrics import audit_subset

    space = {"none": "passthrough"}.get(args.space, args.space)
    y, task = None, "auto"
    if cols.target is not None:
        y = full[cols.target].to_numpy()
        # --task and --bins as the uncalibrated report and `reduce` take them (one-line
        # errors, the whole-numbers line), so the draws are stratified the same way
        task = target_task(full[cols.target], args.task)
    kw = {"topology": args.topology, "task": task, "n_bins": args.bins}
    if args.topology and args.max_points is not None:
        kw["max_points"] = args.max_points
    with stage("audit against random subsets", quiet=args.quiet):
        audit = audit_subset(full[cols.features], positions, y, space=space, **kw,
                             weights=weights,
                             progress=None if args.quiet else announcer(args, "the audit"))
    for verdict, _ in audit.verdicts():
        say(args, f"report: {verdict}")
    say(args, f"report: the kept rows weighted by {args.weight_column!r}" if weights is not None
        else "report: the kept rows unweighted (--weight-column COL reads weights)")
    return audit
