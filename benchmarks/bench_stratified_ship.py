"""Rows sent to the client by ``distributed.stratified_sample``, against the sample's size.

    python benchmarks/bench_stratified_ship.py

Tables of many small classes (1,000 equal classes; 1,000 Zipf classes) and of a few large
ones, on the synchronous scheduler. Counts the candidate rows the partitions send (what the
client holds before it chooses) and the passes; docs/distributed.md has the table.
"""

from __future__ import annotations

import time

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from datareduce.distributed import _stratified as strat

CASES = [("1,000 equal classes", 100_000, 4), ("1,000 equal classes", 100_000, 16),
         ("1,000 Zipf classes", 1_000_000, 8), ("10 equal classes", 1_000_000, 8)]


def table(kind: str, n: int, parts: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind.endswith("Zipf classes"):
        p = 1.0 / np.arange(1, 1001)
        y = rng.choice(1000, n, p=p / p.sum())
    elif kind.startswith("1,000"):
        y = rng.permutation(np.repeat(np.arange(1000), n // 1000))
    else:
        y = rng.integers(0, 10, n)
    return dd.from_pandas(pd.DataFrame({"x": rng.normal(size=n), "y": y}), npartitions=parts)


def main() -> None:
    sent = []
    scan = strat._scan

    def counting(*args, **kwargs):
        out = scan(*args, **kwargs)
        sent.append(len(out.get("rows", ())))
        return out

    strat._scan = counting
    print("| table | rows | partitions | keep | sample | rows sent | x sample | passes | s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with dask.config.set(scheduler="sync"):
        for kind, n, parts in CASES:
            for keep in (0.01, 0.1):
                ddf = table(kind, n, parts)
                sent.clear()
                start = time.perf_counter()
                got = strat.stratified_sample(ddf, "y", keep, random_state=0)
                took = time.perf_counter() - start
                print(f"| {kind} | {n:,} | {parts} | {keep} | {len(got):,} | {sum(sent):,} "
                      f"({sum(sent) / n:.1%}) | {sum(sent) / len(got):.1f} | "
                      f"{got.attrs['passes']} | {took:.2f} |", flush=True)


if __name__ == "__main__":
    main()
