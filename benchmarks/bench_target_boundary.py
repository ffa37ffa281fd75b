"""The target rule's near-boundary warning (review6/r3 04): how often it stays silent on a
whole-number target whose 3-fold training splits are decided otherwise than the whole
table, and how often it warns on one whose splits never flip. Compares the earlier rule
(the split's expected counts) with today's (``_split_flips``: the share of splits, from the
spread of their counts, that flip, warned at ``FLIP_SHARE``) and two other thresholds, on
generated near-boundary targets (Zipf-like counts with rare tails, equal classes, count-like
values), each checked on 60 real KFold training splits.

    python benchmarks/bench_target_boundary.py          # 3,000 targets (about 2 minutes)
    python benchmarks/bench_target_boundary.py --quick  # 300 targets
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.model_selection import KFold

from datareduce._core import strata as S

SPLIT = 2 / 3


def old_split(counts, decided):
    c = counts.astype(np.float64)
    gone = (1 - SPLIT) ** c
    return S.classes_by_counts(float(np.sum(1 - gone)), SPLIT * c.sum(),
                               float(np.sum(c * SPLIT * (1 - SPLIT) ** (c - 1)))) != decided


def case(rng):
    """Targets near the rule's boundary for a 3-fold training split (most random targets
    are far from it and can neither flip nor warn)."""
    kind = rng.integers(4)
    if kind == 0:   # the reviewer's shape: common classes plus values seen once or twice,
        k = int(rng.integers(10, 60))  # about 50 distinct values in a training split
        common = rng.integers(15, 60, size=k)
        rare = np.full(int(rng.integers(max(0, 45 - k), 90 - k)), int(rng.integers(1, 3)))
        counts = np.r_[common, rare]
    elif kind == 1:  # Zipf-like counts with a long tail
        k = int(rng.integers(40, 160))
        a = rng.uniform(0.5, 2.0)
        counts = np.maximum(1, np.rint(rng.integers(50, 1500) / np.arange(1, k + 1) ** a))
        counts = counts.astype(int)
    elif kind == 2:  # equal-size classes around either clause (v values of r rows)
        counts = np.full(int(rng.integers(40, 200)), int(rng.integers(5, 40)))
    else:           # count-like values near the second clause (about 16-24 rows per value)
        v = int(rng.integers(60, 400))
        counts = np.maximum(1, rng.poisson(rng.uniform(14, 30), size=v))
        counts[: int(rng.integers(0, max(2, v // 10)))] = 1
    return counts[counts > 0]


def real_flips(counts, decided, seeds=20):
    codes = np.repeat(np.arange(len(counts)), counts)
    flips, total = 0, 0
    for seed in range(seeds):
        for train, _ in KFold(3, shuffle=True, random_state=seed).split(codes):
            ct = np.bincount(codes[train], minlength=len(counts))
            d, s = int((ct > 0).sum()), int((ct == 1).sum())
            flips += S.classes_by_counts(d, len(train), s) != decided
            total += 1
    return flips, total



def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="300 targets instead of 3,000")
    p.add_argument("--cases", type=int, default=None, help="number of generated targets")
    args = p.parse_args(argv)
    n_cases = args.cases or (300 if args.quick else 3000)
    rng = np.random.default_rng(2024)
    rows = []
    t_new = 0.0
    for _ in range(n_cases):
        counts = case(rng)
        decided = S.classes_by_counts(len(counts), counts.sum(), int((counts == 1).sum()))
        larger = S.classes_by_counts(len(counts), counts.sum() / SPLIT, 0) != decided
        t = time.perf_counter()
        share = S._split_flips(counts, decided)
        t_new += time.perf_counter() - t
        f, tot = real_flips(counts, decided)
        rows.append((old_split(counts, decided), larger, share, f, tot))
    old = np.array([r[0] for r in rows])
    larger = np.array([r[1] for r in rows])
    share = np.array([r[2] for r in rows])
    f = np.array([r[3] for r in rows])
    tot = rows[0][4]
    print(f"{n_cases} cases, {tot} real 3-fold training splits each (KFold, 20 seeds); "
          f"_split_flips {1e6 * t_new / n_cases:.0f} us per target")
    print(f"cases with any real flip: {(f > 0).sum()}, with >= 5% flips: {(f >= 0.05 * tot).sum()}, "
          f"with none: {(f == 0).sum()} (of which not warned for 1.5 x the rows: "
          f"{np.sum((f == 0) & ~larger)})")
    for name, warn in [("old (expected counts)", old | larger)] + [
            (f"new, share >= {t:.0%}", (share >= t) | larger) for t in (0.01, 0.02, 0.05)]:
        print(f"{name:24s} warned {warn.sum():4d} | silent with any flip {np.sum(~warn & (f > 0)):3d}"
              f" (>= 5% flips: {np.sum(~warn & (f >= 0.05 * tot)):3d}, max flips "
              f"{f[~warn].max() if (~warn).any() else 0}/{tot}) | warned, no flip in {tot}: "
              f"{np.sum(warn & (f == 0) & ~larger):3d}")


if __name__ == "__main__":
    main()
