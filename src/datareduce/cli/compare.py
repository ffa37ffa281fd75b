"""``datareduce compare``: the evaluation protocol on a table, written as CSV, Markdown and PNG.

Example::

    datareduce compare beans.csv --target Class --methods srs mms clc --keep 0.1 0.3 \\
        --repeats 5 --output results/

writes ``results/results.csv`` (one row per run), ``results/results.md`` (median tables:
each score, epsilon, time ratio, seconds) and ``results/scores.png``, ``time.png``,
``epsilon.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import CLIError

ESTIMATORS = ("mlp", "logistic", "knn", "forest")


def add_parser(sub):
    p = sub.add_parser(
        "compare",
        help="compare reduction methods: reduce, train, score (the paper's protocol)",
        description="Split the data repeatedly, reduce the scaled training split with each "
                    "method at each kept fraction, train the estimator on it and score it on "
                    "the test split; the full training split is the baseline.",
    )
    p.add_argument("data", help="input table (.csv or .parquet)")
    p.add_argument("--target", required=True, help="name of the class column")
    p.add_argument("--methods", nargs="+", default=["all"], metavar="METHOD",
                   help="method names (see `datareduce methods`) or 'all' (default)")
    p.add_argument("--keep", nargs="+", type=_number, default=[0.1, 0.3, 0.5], metavar="KEEP",
                   help="kept fractions in (0, 1) or row counts (default: 0.1 0.3 0.5)")
    p.add_argument("--repeats", type=int, default=5, help="number of random splits (default 5)")
    p.add_argument("--test-size", type=float, default=0.25, help="test fraction (default 0.25)")
    p.add_argument("--estimator", choices=ESTIMATORS, default="mlp",
                   help="classifier: the paper's MLP (default), logistic regression, "
                        "k-nearest neighbours or a random forest")
    p.add_argument("--scoring", nargs="+", default=["accuracy", "f1_macro"], metavar="SCORER",
                   help="scikit-learn scorer names (default: accuracy f1_macro)")
    p.add_argument("--scaler", choices=("minmax", "standard", "none"), default="minmax",
                   help="scaling fitted on the training split (default minmax)")
    p.add_argument("--topology", action="store_true",
                   help="also compute bottleneck distances of persistence diagrams")
    p.add_argument("--energy", action="store_true",
                   help="measure energy and emissions with codecarbon (the 'carbon' extra)")
    p.add_argument("--on-error", choices=("raise", "warn"), default="raise",
                   help="stop at a failing run (default) or leave it out with a warning")
    p.add_argument("--seed", type=int, default=0, help="random seed of the splits (default 0)")
    p.add_argument("--output", default="results", help="output folder (default: results/)")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    return int(value) if value >= 1 and value.is_integer() and "." not in text else value


def _estimator(name: str):
    if name == "mlp":
        from ..evaluation import paper_mlp

        return paper_mlp()
    if name == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=1000)
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier()
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100)


def run(args) -> int:
    from .. import evaluation as ev
    from ._io import read_table, split_target

    df = read_table(args.data)
    X, y = split_target(df, args.target)
    methods = "all" if args.methods == ["all"] else args.methods
    if "all" in args.methods and len(args.methods) > 1:
        raise CLIError("--methods: give 'all' alone or a list of method names.")
    try:
        results = ev.compare(
            X, y, methods=methods, keeps=args.keep, estimator=_estimator(args.estimator),
            repeats=args.repeats, test_size=args.test_size, scoring=args.scoring,
            scaler=None if args.scaler == "none" else args.scaler, topology=args.topology,
            energy=args.energy, on_error=args.on_error, random_state=args.seed,
            progress=not args.quiet)
    except ValueError as exc:
        raise CLIError(str(exc)) from exc

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False)
    md = [f"# datareduce compare: {Path(args.data).name}",
          "",
          f"Target `{args.target}`, {len(y)} rows, estimator `{args.estimator}`, "
          f"{args.repeats} repeats, test size {args.test_size}, seed {args.seed}. "
          "Medians over repeats; keep 1.0 is the full training split.", ""]
    columns = [*args.scoring, "epsilon"]
    columns += [c for c in results.columns if c.startswith("bottleneck_h")]
    columns += ["time_ratio", "total_seconds"]
    columns += [c for c in ("energy_kwh", "emissions_kg") if c in results.columns]
    for col in columns:
        md += [f"## {col}", "", ev.to_markdown(ev.medians(results, col),
                                                floatfmt=".3g" if "energy" in col
                                                or "emissions" in col else ".3f"), ""]
    (out / "results.md").write_text("\n".join(md))
    print(ev.to_markdown(ev.medians(results, args.scoring[0])))
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
            for name, draw in (("scores", lambda ax: ev.plot_scores(results, args.scoring[0], ax)),
                               ("time", lambda ax: ev.plot_time(results, ax)),
                               ("epsilon", lambda ax: ev.plot_epsilon(results, args.scoring[0],
                                                                      ax))):
                fig, ax = plt.subplots(figsize=(6, 4.2))
                draw(ax)
                fig.tight_layout()
                fig.savefig(out / f"{name}.png", dpi=110)
                plt.close(fig)
                written.append(out / f"{name}.png")
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0
