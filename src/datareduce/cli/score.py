"""``datareduce score FULL REDUCED``: the representativeness report of a reduced table.

Example::

    datareduce score beans.csv beans_small.csv --target Class --json report.json

Both tables must have the same numeric feature columns. Features are min-max scaled with
the full table's ranges (the reference's convention) before measuring, unless
``--scale none``.
"""

from __future__ import annotations

import sys

from .._validation import minmax_ranges
from . import CLIError
from ._common import numeric_features
from ._io import read_table, split_target


def add_parser(sub):
    p = sub.add_parser(
        "score",
        help="representativeness of a reduced table: epsilon, persistence diagram distances",
        description="Compare a reduced table with the full one: epsilon (per class with "
                    "--target), bottleneck and Wasserstein distances of Vietoris-Rips "
                    "persistence diagrams, and the stability check d_B <= 2 d_H.",
    )
    p.add_argument("full", help="full table (.csv or .parquet)")
    p.add_argument("reduced", help="reduced table (.csv or .parquet), same columns")
    p.add_argument("--target", help="label column (per-class epsilon and distances)")
    p.add_argument("--json", metavar="OUT", help="also write the report as JSON to OUT")
    p.add_argument("--metric", default="chebyshev",
                   help="metric of epsilon (default chebyshev, as the reference)")
    p.add_argument("--diagram-metric", default="euclidean",
                   help="metric of the Rips filtrations and of the stability check "
                        "(default euclidean)")
    p.add_argument("--dims", type=int, nargs="+", default=[0, 1], metavar="K",
                   help="homology dimensions (default 0 1)")
    p.add_argument("--max-points", type=int, default=None,
                   help="subsample diagrams above this many rows (default 1000)")
    p.add_argument("--scale", choices=("minmax", "none"), default="minmax",
                   help="min-max scale both tables with the full table's ranges (default)")
    p.add_argument("--backend", choices=("ripser", "giotto"), default="ripser",
                   help="persistence backend (default ripser)")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    from ..metrics import representativeness_report

    full = read_table(args.full)
    red = read_table(args.reduced)
    Xf, yf = split_target(full, args.target)
    Xr, yr = split_target(red, args.target)
    Xf, ignored = numeric_features(Xf)
    missing = [c for c in Xf.columns if c not in Xr.columns]
    if missing:
        raise CLIError(f"{args.reduced} lacks feature columns of {args.full}: "
                       f"{', '.join(map(str, missing[:5]))}.")
    if ignored:
        print(f"note: non-numeric columns not used as features: {', '.join(map(str, ignored))}",
              file=sys.stderr)
    A = Xf.to_numpy(dtype=np.float64)
    B = Xr[list(Xf.columns)].to_numpy(dtype=np.float64)
    if args.scale == "minmax":
        lo, span = minmax_ranges(A)
        A, B = (A - lo) / span, (B - lo) / span
    report = representativeness_report(
        A, B, None if yf is None else yf.to_numpy(), None if yr is None else yr.to_numpy(),
        metric=args.metric, diagram_metric=args.diagram_metric,
        homology_dimensions=tuple(args.dims), max_points=args.max_points, backend=args.backend)
    print(report)
    if args.json:
        report.to_json(args.json)
        print(f"report written to {args.json}")
    return 0
