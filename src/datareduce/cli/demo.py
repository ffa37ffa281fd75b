"""``datareduce demo``: every registered method on scikit-learn's bundled digits."""

from __future__ import annotations

import sys
import warnings

from . import SEED

#: shown first, in this order: the quality benchmark's recommendations (docs/quality.md)
RECOMMENDED = ("srs", "kt", "herding")


def add_parser(sub):
    p = sub.add_parser(
        "demo",
        help="run every method on the bundled digits data and print a comparison table",
        description="Reduce the training split of scikit-learn's digits (1,797 images, 64 "
                    "features, 10 classes) with every registered method, then train the same "
                    "classifier on each reduced set and on the full set.",
    )
    # parsed by the package's keep parser (``parse_keep``): 50 is 50 rows (type=float made
    # it 50.0, refused as a fraction "pass an int for a number of rows")
    p.add_argument("--keep", nargs="+", default=["0.1", "0.3"],
                   help="kept fractions in (0, 1) or row counts (default 0.1 0.3)")
    p.add_argument("--methods", nargs="+", default=None, help="methods (default: all)")
    p.add_argument("--seed", type=int, action=SEED, default=0)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


TEST_SIZE = 0.25  # the digits' test split


def run(args) -> int:
    """The paper's protocol (:func:`datareduce.evaluation.compare`) on digits, one split."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    from .._core.validation import check_keeps
    from .._registry import available_reducers, reducer_class
    from ..evaluation import compare
    from ..evaluation.protocol import training_rows
    from . import CLIError
    from ._common import did_you_mean, parse_keep

    keeps = [parse_keep(str(k)) for k in args.keep]
    if any(k == 1.0 and isinstance(k, float) for k in keeps):
        raise CLIError("--keep 1.0 is the full training split, which the table always shows; "
                       "give fractions in (0, 1) or row counts.")
    try:
        check_keeps(keeps, name="--keep")
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    methods = []
    # the recommended methods first (docs/quality.md: srs, then the weighted coresets)
    default = sorted(available_reducers(), key=lambda m: (m not in RECOMMENDED,
                                                          RECOMMENDED.index(m)
                                                          if m in RECOMMENDED else 0))
    for m in args.methods or default:
        if m.lower() not in available_reducers():
            raise CLIError(f"--methods {m!r} is not a method"
                           f"{did_you_mean(m, available_reducers())}; available: "
                           f"{', '.join(available_reducers())}.")
        try:
            reducer_class(m)  # refuses a method whose optional extra is missing
        except ImportError as exc:
            print(f"skipping {m}: {exc}", file=sys.stderr)
            continue
        methods.append(m.lower())
    X, y = load_digits(return_X_y=True)
    n_train = training_rows(len(y), TEST_SIZE)  # the split compare makes below
    big = [k for k in keeps if isinstance(k, int) and k > n_train]
    if big:  # (compare's refusal named its keeps= and test_size=, no option of the demo)
        raise CLIError(f"--keep {big[0]} is more than the {n_train} rows of the digits' "
                       "training split: pass at most that many, or a fraction such as 0.1.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare(X, y, methods=methods, keeps=keeps,
                      estimator=LogisticRegression(max_iter=2000), repeats=1,
                      test_size=TEST_SIZE, scaler="minmax", metric="euclidean",
                      metrics=("mmd", "epsilon"),  # its table's MMD and eps L2 columns
                      random_state=args.seed,
                      # a bar only on a terminal, as every command draws them
                      progress=not args.quiet and sys.stderr.isatty()) if methods else None
    n_train = int(res["n_train"].iloc[0]) if res is not None else 0
    print(f"digits: {n_train} training rows, {X.shape[1]} features, 10 classes; classifier "
          f"LogisticRegression on min-max scaled features, fitted with each reducer's "
          f"weights; seed {args.seed}")
    header = ("method", "keep", "rows", "reduce s", "train s", "MMD", "eps L2", "accuracy",
              "macro-F1")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] * len(header)) + "|")
    for r in (res.itertuples() if res is not None else ()):
        keep = r.keep if r.method == "full" else f"{r.keep:g}"  # 50 rows: 50, not 50.0
        print(f"| {r.method} | {keep} | {r.n_kept} | {r.reduction_seconds:.3f} | "
              f"{r.training_seconds:.3f} | {r.mmd:.4f} | {r.epsilon:.3f} | {r.accuracy:.3f} | "
              f"{r.f1_macro:.3f} |")
    print("MMD: maximum mean discrepancy between the reduced and the full training split "
          "(lower is closer; `datareduce audit`/`score` put it next to random subsets). "
          "eps L2: per-class directed Hausdorff distance (Euclidean) from the full to the "
          "reduced training split. srs, kt and herding come first: the quality benchmark's "
          "recommendations (docs/quality.md). Run `datareduce compare` for repeats, other "
          "metrics and plots.")
    return 0 if methods else 1
