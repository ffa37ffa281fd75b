"""``datareduce reduce``: reduce a CSV or Parquet table and write the kept rows.

Example::

    datareduce reduce penguins.csv --target species --id rowid --method mms --keep 0.2 \\
        --output small.csv --report report.json
"""

from __future__ import annotations

import json

from . import CLIError
from ._common import (
    add_column_options,
    check_method_params,
    feature_matrix,
    parse_keep,
    parse_params,
    resolve_columns,
    resolve_seed,
    say,
    scale,
    warn_id_like,
)
from ._io import check_input, check_output_file, read_table, write_table, write_text
from ._progress import Clock, check_budget, estimate_reduction, estimate_report, fmt_seconds, stage

#: a step whose estimate is above this many seconds is announced before it starts
ANNOUNCE = 5.0


def add_parser(sub):
    p = sub.add_parser(
        "reduce",
        help="reduce a CSV/Parquet table; write the kept rows with all their columns",
        description="Reduce the rows of a table. The feature columns (by default every "
                    "numeric column but the target and the id) are scaled for the reduction "
                    "only; the output keeps every column of the kept rows, unchanged, in the "
                    "input's format.",
    )
    p.add_argument("input", help="input table (.csv or .parquet)")
    add_column_options(p)
    p.add_argument("--method", default="srs", help="reduction method (see `datareduce methods`)")
    p.add_argument("--keep", required=True,
                   help="fraction in (0, 1] or number of rows to keep")
    p.add_argument("--output", "-o", required=True, help="output table (.csv or .parquet)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default 0; same as --param random_state=..., give one)")
    p.add_argument("--scale", default="minmax", choices=("minmax", "standard", "none"),
                   help="feature scaling used for the reduction (default minmax, as the paper)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="extra method parameter, repeatable (e.g. --param output=medoids)")
    p.add_argument("--report", metavar="JSON",
                   help="also write a representativeness report (JSON) of the reduction")
    p.add_argument("--max-points", type=int, default=None,
                   help="subsample the report's persistence diagrams above this many rows "
                        "(default 1000)")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="time budget: report parts estimated to exceed it are skipped "
                        "(with a line saying so)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace existing --output / --report files")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)


def run(args) -> int:
    from .._registry import get_reducer

    clock = Clock(check_budget(args.budget))
    # ------------------------------------------------ everything checkable before reading
    keep = parse_keep(args.keep)
    params = parse_params(args.param)
    valid = check_method_params(args.method, params)
    params = resolve_seed(args.seed, params, valid)
    if args.max_points is not None and args.max_points < 2:
        raise CLIError(f"--max-points {args.max_points}: give an integer >= 2.")
    out = check_output_file(args.output, "--output", overwrite=args.overwrite)
    report_path = None
    if args.report:
        report_path = check_output_file(args.report, "--report", overwrite=args.overwrite,
                                        kind="json")
        if report_path.resolve() == out.resolve():
            raise CLIError("--report and --output name the same file: give two names.")
    inp = check_input(args.input)
    if inp.resolve() == out.resolve():
        raise CLIError("--output is the input file: choose another --output.")

    # ------------------------------------------------------------------ data and columns
    df = read_table(inp)
    cols = resolve_columns(df, target=args.target, features=args.features,
                           exclude=args.exclude, id=args.id)
    say(args, cols.summary())
    warn_id_like(cols, df, bool(args.features))
    y = None if cols.target is None else df[cols.target].to_numpy()
    if y is not None and df[cols.target].isna().any():
        bad = int(df[cols.target].isna().sum())
        raise CLIError(f"--target {cols.target!r} is missing in {bad} row(s): drop them or "
                       "choose another target.")
    X = _features(df, cols, args.scale)
    if isinstance(keep, int) and keep > len(df):
        raise CLIError(f"--keep {keep} is larger than the data ({len(df)} rows).")

    def make(m=None):
        k = keep if m is None or isinstance(keep, float) else max(1, round(keep * m / len(df)))
        return get_reducer(args.method, keep=k, **params)

    reducer = make()
    est, _ = estimate_reduction(make, X, y, probe_limit=min(5.0, clock.left / 4))
    if est > ANNOUNCE:
        say(args, f"estimate: ~{fmt_seconds(est)} for {args.method} on {len(df)} rows")
    with stage(f"reduce ({args.method})", quiet=args.quiet):
        reducer.fit(X, y)
    if getattr(reducer, "output", None) == "centroids":
        say(args, "note: writing the real rows nearest each centroid (output=medoids "
                  "semantics); synthetic rows have no values for the other columns.")
    kept = df.iloc[reducer.sample_indices_]

    report_text = None
    if report_path is not None:
        report_text = _report(args, X, y, reducer, clock)
    write_table(kept, out)
    if report_text is not None:
        write_text(report_text, report_path)
    if not args.quiet:
        print(f"kept {len(kept)} of {len(df)} rows with {args.method} "
              f"in {reducer.fit_time_:.2f} s -> {out}"
              + (f" (report: {report_path})" if report_path else ""))
    return 0


def _features(df, cols, how):
    return scale(feature_matrix(df, cols), how)


def _report(args, X, y, reducer, clock) -> str:
    import numpy as np

    from ..metrics import epsilon_representativeness, representativeness_report

    idx = np.asarray(reducer.sample_indices_)
    if y is None:
        by_class = {None: len(idx)}
    else:
        cls, cnt = np.unique(y[idx], return_counts=True)
        by_class = dict(zip(cls.tolist(), cnt.tolist(), strict=True))
    dims = (0, 1)
    est, _ = estimate_report(X, y, by_class, dims=dims, max_points=args.max_points,
                             probe_limit=min(5.0, max(clock.left, 0) / 4))
    if not clock.fits(est):
        say(args, f"--budget {args.budget:g} s: skipping the report's persistence-diagram "
                  f"distances (estimated ~{fmt_seconds(est)}, {fmt_seconds(max(clock.left, 0))}"
                  " left); the report has epsilon only.")
        with stage("report: epsilon", quiet=args.quiet):
            res = epsilon_representativeness(X, reducer=reducer, y=y)
        return json.dumps({"epsilon": res.to_dict(),
                           "skipped": {"topology": f"estimated {est:.0f} s > budget"}},
                          indent=2)
    if est > ANNOUNCE:
        say(args, f"estimate: ~{fmt_seconds(est)} for the report's persistence diagrams "
                  "(--max-points lowers it; --budget skips it)")
    with stage("report", quiet=args.quiet):
        report = representativeness_report(X, reducer, y=y, max_points=args.max_points)
    return report.to_json()
