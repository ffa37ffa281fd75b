"""Does a subset rank hyperparameter configurations as all rows do?

For each table of ``bench_tuning.py`` and seed: the 10 candidates' cross-validated scores on
all training rows (``RandomizedSearchCV``) and on SRS subsets at ``--keeps`` (the same
candidates, ``tune_on_subset``), then the regret of shortlist rules: the all-rows CV score
of the best configuration minus that of the rule's pick, when the shortlist is re-ranked by
its all-rows score (what ``tune_on_subset(shortlist=k)``'s held-out re-ranking estimates).

Rules: ``best@k`` (the subset's best), ``topN@k`` (its N best), ``best@k+gain`` (the
subset's best at ``k`` and the configuration that gained most from the next smaller kept
fraction to ``k``). Printed in points (x100), with the shortlist's length in brackets.

Usage::

    python benchmarks/bench_tuning_ranks.py --tables movielens Fertility Birthdays flights
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import bench_tuning as bt  # noqa: E402
import numpy as np  # noqa: E402

from datareduce.search import tune_on_subset  # noqa: E402


def scores(name, seed, keeps, max_rows, n_iter):
    from sklearn.model_selection import RandomizedSearchCV

    Xtr, _, ytr, _, _, model, dist, sc = bt.prepare(name, max_rows, seed)
    full = RandomizedSearchCV(model, dist, n_iter=n_iter, cv=3, scoring=sc,
                              random_state=seed, refit=False).fit(Xtr, ytr)
    out = {"full": full.cv_results_["mean_test_score"]}
    for k in keeps:
        sub = tune_on_subset(model, dist, Xtr, ytr, keep=k, n_iter=n_iter, cv=3, scoring=sc,
                             random_state=seed, refit="subset")
        out[k] = sub.search.cv_results_["mean_test_score"]
    return out


def top(v, n):
    return list(np.argsort(-np.asarray(v), kind="stable")[:n])


def rules(keeps):
    out = {}
    for i, k in enumerate(keeps):
        out[f"best@{k}"] = lambda s, k=k: top(s[k], 1)
        out[f"top2@{k}"] = lambda s, k=k: top(s[k], 2)
        if i:
            out[f"best@{k}+gain"] = lambda s, k=k, b=keeps[i - 1]: list(dict.fromkeys(
                top(s[k], 1) + top(np.subtract(s[k], s[b]), 1)))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tables", nargs="+", default=list(bt.TABLES))
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--seed-list", type=int, nargs="+", default=None,
                   help="these seeds instead of 0 .. --seeds - 1 (one process per seed)")
    p.add_argument("--keeps", type=float, nargs="+", default=[0.025, 0.05, 0.1])
    p.add_argument("--max-rows", type=int, default=300_000)
    p.add_argument("--n-iter", type=int, default=10)
    p.add_argument("--json", default=None, help="also write every candidate's CV scores "
                   "(all rows and each kept fraction) to this file, for other rules")
    args = p.parse_args()
    records = []
    print(f"load: {os.getloadavg()}", flush=True)
    named = rules(sorted(args.keeps))
    print("| table | seed | " + " | ".join(named) + " |")
    print("|---|---|" + "---|" * len(named), flush=True)
    for name in args.tables:
        for seed in args.seed_list or range(args.seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = scores(name, seed, sorted(args.keeps), args.max_rows, args.n_iter)
            records.append({"table": name, "seed": seed, "scores": {
                str(k): [float(x) for x in v] for k, v in s.items()}})
            if args.json:
                Path(args.json).write_text(json.dumps(records, indent=1))
            f = np.asarray(s["full"])
            cells = []
            for rule in named.values():
                short = rule(s)
                pick = max(short, key=lambda i: f[i])
                cells.append(f"{100 * (f.max() - f[pick]):.2f} ({len(short)})")
            print(f"| {name} | {seed} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
