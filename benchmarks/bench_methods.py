"""Every registered method's fit time at 10^4, 10^5 and 10^6 rows, next to SRS.

Data: a seeded Gaussian mixture, 16 features, 10 classes (one blob per class), keep 1%.
Each (method, n) runs in its own process with a time budget; a run that exceeds it is
reported as "> budget" (the cost models in docs/benchmarks-methods.md say why). Wall and
CPU seconds of ``fit`` (CPU time is steadier on a shared machine); wall time as a ratio to
SRS measured in the same run, with the machine's load.

    python benchmarks/bench_methods.py --quick        # 10^4 and 10^5, budget 60 s
    python benchmarks/bench_methods.py                # adds 10^6, budget 300 s
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

FAST = {"flow": {}, "fes": {"epochs": 5}}
COST = {
    "random": "O(n)", "srs": "O(n)",
    "clc": "O(n k d iters)", "mms": "O(n k d)", "des": "O(n C d)",
    "prd": "O(n m^2 / B^2), B = ceil(sqrt(n m / 4e6))", "nrmd": "O(n d^2)",
    "phl": "O(n (log n + h^3)), h = neighbourhood cap", "vq": "O(s c d iters + n c d)",
    "flow": "O(C epochs fit_size) + O(n)", "fes": "O(epochs n d)",
    "herding": "O(n m d)", "kt": "O(n log^2 n) (Compress++)",
}


def _data(n, d=16, n_classes=10, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    centers = rng.normal(0, 4, (n_classes, d))
    return (centers[y] + rng.normal(size=(n, d))).astype(np.float64), y


def _run(method, n, keep, queue):
    import warnings

    import datareduce

    warnings.simplefilter("ignore")
    X, y = _data(n)
    r = datareduce.get_reducer(method, keep=keep, random_state=0, **FAST.get(method, {}))
    # warm-up on a small slice: the first call imports lazily loaded modules
    datareduce.get_reducer(method, keep=0.1, random_state=0, **FAST.get(method, {})).fit(
        X[:500], y[:500])
    start, cpu = time.perf_counter(), time.process_time()
    r.fit(X, y)
    queue.put((time.perf_counter() - start, time.process_time() - cpu))


def timed(method, n, keep, budget):
    queue = mp.Queue()
    p = mp.Process(target=_run, args=(method, n, keep, queue))
    p.start()
    p.join(budget)
    if p.is_alive():
        p.terminate()
        p.join()
        return None
    if p.exitcode == 0 and not queue.empty():
        return queue.get()
    return float("nan"), float("nan")


def main(argv=None):
    import datareduce

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--methods", nargs="*", default=None)
    ap.add_argument("--keep", type=float, default=0.01)
    ap.add_argument("--budget", type=float, default=None, help="seconds per run")
    args = ap.parse_args(argv)
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    budget = args.budget or (60.0 if args.quick else 300.0)
    methods = args.methods or datareduce.available_reducers()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores); keep {args.keep}; "
          f"budget {budget:.0f} s per run; d = 16, 10 classes")
    srs = {n: timed("srs", n, args.keep, budget) for n in sizes}
    head = ("| method | cost model | "
            + " | ".join(f"n = {n:,}: wall s (x SRS), CPU s" for n in sizes) + " |")
    print(head)
    print("|" + "---|" * (2 + len(sizes)))
    for m in methods:
        cells = []
        for n in sizes:
            t = srs[n] if m == "srs" else timed(m, n, args.keep, budget)
            if t is None:
                cells.append(f"> {budget:.0f}")
            elif t[0] != t[0]:
                cells.append("error")
            else:
                ratio = f" ({t[0] / srs[n][0]:.0f}x)" if srs[n] and srs[n][0] else ""
                cells.append(f"{t[0]:.2f}{ratio}, {t[1]:.2f}")
        print(f"| {m} | {COST.get(m, '')} | " + " | ".join(cells) + " |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
