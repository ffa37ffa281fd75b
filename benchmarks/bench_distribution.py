"""Distribution-guided reducers (vq, flow, fes) next to random / SRS.

Downstream accuracy of a logistic regression (or 5-NN with ``--model knn``; standardised
features) trained on the reduced
training split, on a fixed stratified 75/25 split, median over seeds; plus the reduction time,
and the timing checks of issue 7 (VQ on 1,000,000 x 32, flow training on 10,000 x 8).

    python benchmarks/bench_distribution.py            # digits + 100,000-row problem
    python benchmarks/bench_distribution.py --quick    # digits, 2 seeds (< 1 min)
    python benchmarks/bench_distribution.py --timing   # the two timing checks only
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import datareduce  # noqa: E402

METHODS = ["random", "srs", "vq", "flow", "fes"]


def datasets(quick, n_generated):
    X, y = load_digits(return_X_y=True)
    yield "digits (1,797 x 64)", X, y
    if not quick:
        X, y = make_classification(n_samples=n_generated, n_features=20, n_informative=10,
                                   n_redundant=4, n_classes=4, n_clusters_per_class=2,
                                   flip_y=0.02, random_state=0)
        yield f"generated ({n_generated:,} x 20, 4 classes)", X, y


MODEL = "logreg"


def accuracy(Xtr, ytr, Xte, yte):
    if MODEL == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        clf = KNeighborsClassifier(5)
    else:
        clf = LogisticRegression(max_iter=2000)
    model = make_pipeline(StandardScaler(), clf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(Xtr, ytr)
    return float((model.predict(Xte) == yte).mean())


def run_accuracy(quick, n_seeds, keeps, n_generated, flow_params, methods=METHODS):
    rows = []
    for name, X, y in datasets(quick, n_generated):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
        full = accuracy(Xtr, ytr, Xte, yte)
        rows.append((name, "full", 1.0, full, float("nan"), float("nan")))
        for keep in keeps:
            for method in methods:
                accs, times = [], []
                for seed in range(n_seeds):
                    params = {"keep": keep, "random_state": seed}
                    if method == "flow":
                        params.update(flow_params)
                    red = datareduce.get_reducer(method, **params)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        Xr, yr = red.fit_resample(Xtr, ytr)
                    accs.append(accuracy(Xr, yr, Xte, yte))
                    times.append(red.fit_time_)
                rows.append((name, method, keep, float(np.median(accs)),
                             float(np.min(accs)), float(np.median(times))))
                print(f"  {name} {method} keep={keep}: {rows[-1][3]:.4f} "
                      f"({rows[-1][5]:.1f} s)", flush=True)
    print()
    print("| data | method | keep | accuracy (median) | accuracy (min) | reduce time s (median) |")
    print("|---|---|---|---|---|---|")
    for name, method, keep, acc, lo, t in rows:
        lo_s = "" if np.isnan(lo) else f"{lo:.4f}"
        t_s = "" if np.isnan(t) else f"{t:.2f}"
        print(f"| {name} | {method} | {keep:g} | {acc:.4f} | {lo_s} | {t_s} |")


def run_timing():
    rng = np.random.default_rng(0)
    print("| check | wall s | CPU s (this process) | detail |")
    print("|---|---|---|---|")
    X = rng.normal(size=(1_000_000, 32))
    X[:, :4] += 3.0 * rng.integers(0, 5, size=(1_000_000, 1))
    w, c = time.perf_counter(), time.process_time()
    red = datareduce.get_reducer("vq", keep=0.1, random_state=0).fit(X)
    print(f"| vq, 1,000,000 x 32, keep=0.1, defaults | {time.perf_counter() - w:.1f} | "
          f"{time.process_time() - c:.1f} | {len(red.cluster_centers_)} codes |", flush=True)
    del X
    X, y = make_classification(10_000, 8, n_informative=6, random_state=0)
    for params in ({}, {"flow": "maf"}):
        w, c = time.perf_counter(), time.process_time()
        red = datareduce.get_reducer("flow", keep=0.1, random_state=0, **params).fit(X)
        label = "flow (nsf), defaults" if not params else "flow, flow='maf'"
        print(f"| {label}, 10,000 x 8, one flow | {time.perf_counter() - w:.1f} | "
              f"{time.process_time() - c:.1f} | epochs {red.n_epochs_}, held-out log-lik "
              f"{red.validation_loglik_[0]:.3f} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="digits only, 2 seeds")
    ap.add_argument("--timing", action="store_true", help="only the timing checks")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--n-generated", type=int, default=100_000)
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated names")
    ap.add_argument("--flow-max-epochs", type=int, default=None,
                    help="override the flow's epoch budget (default: the reducer's)")
    ap.add_argument("--model", choices=("logreg", "knn"), default="logreg",
                    help="downstream classifier (standardised features)")
    args = ap.parse_args()
    global MODEL
    MODEL = args.model
    if args.timing:
        run_timing()
        return
    n_seeds = args.seeds or (2 if args.quick else 5)
    flow_params = {"n_threads": 1}
    if args.flow_max_epochs:
        flow_params["max_epochs"] = args.flow_max_epochs
    elif args.quick:
        flow_params["max_epochs"] = 10
    run_accuracy(args.quick, n_seeds, (0.1, 0.3), args.n_generated, flow_params,
                 args.methods.split(","))


if __name__ == "__main__":
    main()
