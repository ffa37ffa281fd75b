"""PHL scoring at 10^4 and 10^5 rows x 16 features: this version against the previous one.

    python benchmarks/bench_phl.py --quick    # one class of 10,000 rows
    python benchmarks/bench_phl.py            # also the whole 100,000-row fit (10 classes)

Data: ``bench_methods``'s seeded mixture (16 features, 10 classes, one blob per class),
standardised. The peer is the scoring module of an earlier commit (``--peer FILE``, e.g.
``git show 176f569:src/datareduce/reducers/_phl_scoring.py > /tmp/old.py``), run in the same
process on the same class: both compute the automatic radius and the outlier scores. The
last column compares them: the radii's relative difference (the KD-tree and the exact
re-check sum squared differences in different orders, so the last bits may differ), and the
rows whose neighbour count or score differs (each version at its own radius; a row can differ
only through a neighbour at exactly the radius, to rounding). CPU seconds are the steadier figure on a shared machine; wall seconds and the
1-minute load are printed next to them.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
from bench_methods import _data  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from datareduce.reducers import _phl_scoring as current  # noqa: E402


def timed(module, X):
    t, c = time.perf_counter(), time.process_time()
    r = module.auto_radius(X)
    scores, counts = module.phl_outlier_scores(X, r, seed=0)
    return scores, counts, r, time.perf_counter() - t, time.process_time() - c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peer", default=None, help="file of an earlier _phl_scoring module")
    args = ap.parse_args()
    X, y = _data(100_000)
    X = StandardScaler().fit_transform(X)
    Xc = np.ascontiguousarray(X[y == 0])
    print(f"load before: {os.getloadavg()[0]:.2f}")
    print("| task | version | wall s | CPU s | CPU ratio to peer | agreement with peer | load |")
    print("|---|---|---|---|---|---|---|")
    s1, k1, r1, w1, c1 = timed(current, Xc)
    peer = None
    if args.peer:
        spec = importlib.util.spec_from_file_location("peer_phl", args.peer)
        peer = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(peer)
        s0, k0, r0, w0, c0 = timed(peer, Xc)
        print(f"| one class, {len(Xc):,} x 16 | peer | {w0:.2f} | {c0:.2f} | 1 | | "
              f"{os.getloadavg()[0]:.1f} |")
    same = ""
    if peer is not None:
        same = (f"radius {abs(r0 - r1) / r0:.1e}; counts differ in {int((k0 != k1).sum())} "
                f"rows, scores in {int((s0 != s1).sum())}")
    ratio = f"{c1 / c0:.3f}" if peer else ""
    print(f"| one class, {len(Xc):,} x 16 | this | {w1:.2f} | {c1:.2f} | {ratio} | {same} | "
          f"{os.getloadavg()[0]:.1f} |", flush=True)
    if not args.quick:
        from datareduce import get_reducer

        Xr, yr = _data(100_000)
        t, c = time.perf_counter(), time.process_time()
        get_reducer("phl", keep=0.01, random_state=0).fit(Xr, yr)
        print(f"| PHLandmarksReducer(keep=0.01).fit, 100,000 x 16, 10 classes | this | "
              f"{time.perf_counter() - t:.2f} | {time.process_time() - c:.2f} | | | "
              f"{os.getloadavg()[0]:.1f} |")


if __name__ == "__main__":
    main()
