"""``datareduce reduce``: reduce a CSV or Parquet table and write the kept rows."""

from __future__ import annotations

import sys
from pathlib import Path

from . import CLIError
from ._common import numeric_features, parse_keep, parse_params, scale
from ._io import read_table, split_target, table_format, write_table


def add_parser(sub):
    p = sub.add_parser(
        "reduce",
        help="reduce a CSV/Parquet table; write the kept rows with all their columns",
        description="Reduce the rows of a table. Numeric columns other than the target are "
                    "the features (scaled for the reduction only); the output keeps every "
                    "column of the kept rows, in the input's format.",
    )
    p.add_argument("input", help="input table (.csv or .parquet)")
    p.add_argument("--target", help="label column (stratifies the reduction)")
    p.add_argument("--method", default="srs", help="reduction method (see `datareduce methods`)")
    p.add_argument("--keep", required=True,
                   help="fraction in (0, 1] or number of rows to keep")
    p.add_argument("--output", "-o", required=True, help="output table (.csv or .parquet)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--scale", default="minmax", choices=("minmax", "standard", "none"),
                   help="feature scaling used for the reduction (default minmax, as the paper)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="extra method parameter, repeatable (e.g. --param output=medoids)")
    p.add_argument("--report", metavar="JSON",
                   help="also write a representativeness report (JSON) of the reduction")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)


def run(args) -> int:
    from .._registry import get_reducer, reducer_class

    out = Path(args.output)
    table_format(out)
    if out.exists() and not args.overwrite:
        raise CLIError(f"{out} exists: pass --overwrite to replace it, or choose another --output.")
    keep = parse_keep(args.keep)
    extra_params = parse_params(args.param)
    reducer_class(args.method)  # unknown method: clear error before reading data
    df = read_table(args.input)
    features, target = split_target(df, args.target)
    features, ignored = numeric_features(features)
    if ignored and not args.quiet:
        print(f"note: non-numeric columns not used as features: {', '.join(map(str, ignored))}",
              file=sys.stderr)
    X = scale(features.to_numpy(), args.scale)
    params = {"keep": keep, **extra_params}
    reducer = get_reducer(args.method, **params)
    if "random_state" in reducer.get_params():
        reducer.set_params(random_state=args.seed)
    y = None if target is None else target.to_numpy()
    reducer.fit(X, y)
    if getattr(reducer, "output", None) == "centroids":
        print("note: writing the real rows nearest each centroid (output=medoids semantics); "
              "synthetic rows have no values for the non-feature columns.", file=sys.stderr)
    kept = df.iloc[reducer.sample_indices_]
    write_table(kept, out)
    if args.report:
        _write_report(X, y, reducer, args.report)
    if not args.quiet:
        print(f"kept {len(kept)} of {len(df)} rows with {args.method} "
              f"in {reducer.fit_time_:.2f} s -> {out}")
    return 0


def _write_report(X, y, reducer, path):
    try:
        from ..metrics import representativeness_report
    except ImportError:  # topology report not available: epsilon only
        import json

        from ..metrics import epsilon_representativeness

        res = epsilon_representativeness(X, reducer=reducer, y=y)
        Path(path).write_text(json.dumps({"epsilon": res.to_dict()}, indent=2))
        return
    report = representativeness_report(X, reducer, y=y)
    report.to_json(path)
