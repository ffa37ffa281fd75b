"""Dynamic data pruning vs. full data and static SRS: a small torch MLP.

Problems: scikit-learn's digits (1,797 images, 64 features, 10 classes) and a generated
10-class problem (``make_classification``). For each seed: a stratified 75/25 train/test
split, then training runs of the same number of epochs with

- ``full``: every row every epoch;
- ``static SRS``: one stratified random subset of ``keep * n`` rows, fixed for all epochs
  (the same sample-step budget as the fixed-size dynamic policies);
- each ``DynamicPruner`` policy at the same ``keep``.

Reported: median over seeds of test accuracy, sample-steps (rows passed forward and
backward, summed over epochs) and training wall-clock. The learning rate follows a cosine
schedule driven by training progress (epoch + fraction of the epoch), so every run anneals
fully whatever its number of steps. torch runs on one thread (the machine is shared).

Usage::

    python benchmarks/bench_dynamic.py            # both problems, 5 seeds
    python benchmarks/bench_dynamic.py --quick    # digits only, 3 seeds, fewer epochs (< 1 min)
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np


def _load(problem, seed, quick):
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if problem == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = make_classification(
            n_samples=4000 if quick else 12000, n_features=40, n_informative=20,
            n_redundant=10, n_classes=10, n_clusters_per_class=2, class_sep=1.5,
            flip_y=0.02, random_state=1234,
        )
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    sc = StandardScaler().fit(Xtr)
    return sc.transform(Xtr), ytr, sc.transform(Xte), yte


def _run(Xtr, ytr, Xte, yte, *, policy, keep, epochs, batch_size, seed, hidden, lr):
    import torch

    from datareduce.dynamic import DynamicPruner, PrunedSampler, weighted_loss

    torch.manual_seed(seed)
    n, d = Xtr.shape
    n_classes = int(ytr.max()) + 1
    X = torch.as_tensor(Xtr, dtype=torch.float32)
    y = torch.as_tensor(ytr, dtype=torch.long)
    model = torch.nn.Sequential(
        torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_classes)
    )
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none")

    pruner = sampler = None
    if policy == "static SRS":
        from sklearn.model_selection import train_test_split

        k = int(math.floor(keep * n + 0.5))
        fixed, _ = train_test_split(np.arange(n), train_size=k, stratify=ytr, random_state=seed)
        fixed = np.sort(fixed)
    elif policy != "full":
        pruner = DynamicPruner(n, keep=keep, policy=policy, n_epochs=epochs, random_state=seed)
        sampler = PrunedSampler(pruner, seed=seed)
    gen = torch.Generator().manual_seed(seed)

    sample_steps = 0
    t0 = time.perf_counter()
    for epoch in range(epochs):
        if sampler is not None:
            rows = torch.as_tensor(list(sampler))
        elif policy == "static SRS":
            rows = torch.as_tensor(fixed)[torch.randperm(len(fixed), generator=gen)]
        else:
            rows = torch.randperm(n, generator=gen)
        n_batches = -(-len(rows) // batch_size)
        for b in range(n_batches):
            progress = (epoch + (b + 1) / n_batches) / epochs
            for group in opt.param_groups:
                group["lr"] = lr * 0.5 * (1.0 + math.cos(math.pi * progress))
            idx = rows[b * batch_size : (b + 1) * batch_size]
            losses = loss_fn(model(X[idx]), y[idx])
            loss = weighted_loss(pruner, idx, losses) if pruner is not None else losses.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sample_steps += len(idx)
    wall = time.perf_counter() - t0
    with torch.no_grad():
        pred = model(torch.as_tensor(Xte, dtype=torch.float32)).argmax(1).numpy()
    return float((pred == yte).mean()), sample_steps, wall


SETTINGS = {
    # problem: epochs, batch size, hidden units, learning rate
    "digits": dict(epochs=30, batch_size=32, hidden=128, lr=2e-3),
    "generated": dict(epochs=20, batch_size=64, hidden=256, lr=2e-3),
}
POLICIES = ["uniform", "rs2", "epsilon_greedy", "ucb", "infobatch"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="digits only, 3 seeds, 12 epochs")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--problems", default=None, help="comma list: digits,generated")
    ap.add_argument("--keeps", default="0.3,0.5")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    seeds = list(range(args.seeds if args.seeds else (3 if args.quick else 5)))
    problems = (args.problems or ("digits" if args.quick else "digits,generated")).split(",")
    keeps = [float(k) for k in args.keeps.split(",")]

    for problem in problems:
        cfg = dict(SETTINGS[problem])
        if args.quick:
            cfg["epochs"] = 12
        runs = [("full", 1.0)] + [
            (pol, k) for k in keeps for pol in ["static SRS", *POLICIES]
        ]
        results = {r: [] for r in runs}
        for seed in seeds:
            data = _load(problem, seed, args.quick)
            for pol, k in runs:
                results[(pol, k)].append(_run(*data, policy=pol, keep=k, seed=seed, **cfg))
        n_train = data[0].shape[0]
        full_acc = statistics.median(a for a, _, _ in results[("full", 1.0)])
        full_steps = statistics.median(s for _, s, _ in results[("full", 1.0)])
        print(
            f"\n### {problem}: {n_train} training rows, {cfg['epochs']} epochs, batch "
            f"{cfg['batch_size']}, MLP {cfg['hidden']} hidden, median of {len(seeds)} seeds\n"
        )
        print("| method | keep | test acc. (%) | vs full (pts) | sample-steps | saved | wall (s) |")
        print("|---|---|---|---|---|---|---|")
        for pol, k in runs:
            accs = [a for a, _, _ in results[(pol, k)]]
            steps = statistics.median(s for _, s, _ in results[(pol, k)])
            wall = statistics.median(w for _, _, w in results[(pol, k)])
            acc = statistics.median(accs)
            print(
                f"| {pol} | {k:g} | {100 * acc:.2f} | {100 * (acc - full_acc):+.2f} | "
                f"{int(steps):,} | {100 * (1 - steps / full_steps):.0f}% | {wall:.2f} |"
            )


if __name__ == "__main__":
    main()
