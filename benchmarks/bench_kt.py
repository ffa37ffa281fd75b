"""Kernel thinning at scale: MMD^2 to the data's distribution against an i.i.d. sample (issue 26).

    python benchmarks/bench_kt.py --quick     # n = 10^4 and 10^5, 3 seeds
    python benchmarks/bench_kt.py             # n = 10^4, 10^5 and 10^6, 3 seeds
    python benchmarks/bench_kt.py --blocks 10 --sizes 1000000   # the distributed path

Data: ``n x 16`` rows of a mixture of 8 isotropic Gaussians (means ``N(0, 9 I)``, unit
covariance, seed 0). ``KernelThinningReducer(keep=round(sqrt(n)), space="passthrough")``
(Gaussian kernel, median-heuristic bandwidth, Compress++ with ``g=4`` lowered to fit
``working_memory``) against a simple random sample (SRS) of the same size.

The measure is the squared MMD to the *generating* mixture, computed in closed form (no
estimate): for a Gaussian kernel of width ``s`` and a component ``N(mu, I)`` in ``d``
dimensions, ``E k(X, z) = (s^2 / (s^2 + 1))^(d/2) exp(-||z - mu||^2 / (2 (s^2 + 1)))`` and
``E k(X, X') = (s^2 / (s^2 + 2))^(d/2) exp(-||mu - mu'||^2 / (2 (s^2 + 2)))``. It differs from
the MMD^2 to the ``n`` rows by about ``1/n``, far below the values measured. ``s`` is the
median heuristic of X (1,000 seeded rows) and, as a check that the gain does not hinge on the
kernel the thinning used, half of it.

The last column is :func:`datareduce.metrics.mmd` (its default ``max_exact=20000``) for the
first seed: above 20,000 rows its full-set term is a subsample estimate whose standard error
(about ``1/sqrt(20000)`` of the kernel's scale) is larger than KT's MMD^2, so at 10^5 and
10^6 rows that column cannot tell KT from SRS. Time: wall and CPU seconds of ``fit``, with the
1-minute load average.

``--blocks B`` adds the distributed path: ``datareduce.distributed.reduce_blocks`` on B row
blocks (dask's threaded scheduler), kernel thinning of every block to 4x its share of the
quota, then one final thinning of the union to ``sqrt(n)`` rows (``oversample=4``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from datareduce._weights import gaussian_block, median_bandwidth  # noqa: E402
from datareduce.metrics import mmd, mmd_reference  # noqa: E402
from datareduce.reducers.kt import KernelThinningReducer  # noqa: E402

D, N_COMPONENTS = 16, 8


def mixture(n):
    rng = np.random.default_rng(0)
    mu = rng.normal(0, 3, (N_COMPONENTS, D))
    lab = rng.integers(0, N_COMPONENTS, n)
    X = mu[lab] + rng.normal(size=(n, D))
    return X, mu, np.full(N_COMPONENTS, 1.0 / N_COMPONENTS)


def population_mmd2(Z, mu, w, s):
    """Squared MMD between the uniform measure on Z and the mixture (closed form)."""
    s2 = s * s
    d2 = ((mu[:, None, :] - mu[None, :, :]) ** 2).sum(-1)
    pp = w @ ((s2 / (s2 + 2)) ** (D / 2) * np.exp(-d2 / (2 * (s2 + 2)))) @ w
    dz = ((Z[:, None, :] - mu[None, :, :]) ** 2).sum(-1)
    pz = ((s2 / (s2 + 1)) ** (D / 2) * np.exp(-dz / (2 * (s2 + 1)))) @ w
    zz = gaussian_block(Z, Z, 1.0 / (2 * s2)).mean()
    return float(pp - 2 * pz.mean() + zz)


def spread(v):
    return f"{statistics.median(v):.3g} [{min(v):.3g}-{max(v):.3g}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="n = 10^4 and 10^5 only")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--blocks", type=int, default=0, help="also the blocked (dask) path")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    args = ap.parse_args()
    sizes = args.sizes or ([10**4, 10**5] if args.quick else [10**4, 10**5, 10**6])
    print(f"load before: {os.getloadavg()[0]:.2f}")
    print("| n | kept | s | method | MMD^2 at s | MMD^2 at s/2 | ratio to SRS (s; s/2) | "
          "fit wall s | fit CPU s | metrics.mmd^2 (seed 0) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        X, mu, w = mixture(n)
        m = int(round(np.sqrt(n)))
        s = median_bandwidth(X)
        ref = mmd_reference(X, bandwidth=s)
        rows = {"srs": [], "kt": []}
        if args.blocks:
            rows["kt, blocked"] = []
        times, btimes = [], []
        for seed in range(args.seeds):
            rng = np.random.default_rng(100 + seed)
            rows["srs"].append(np.sort(rng.choice(n, m, replace=False)))
            t, c = time.perf_counter(), time.process_time()
            est = KernelThinningReducer(keep=m, space="passthrough", random_state=seed).fit(X)
            times.append((time.perf_counter() - t, time.process_time() - c))
            rows["kt"].append(est.sample_indices_)
            if args.blocks:
                from datareduce.distributed import reduce_blocks

                t, c = time.perf_counter(), time.process_time()
                res = reduce_blocks(X, reducer=KernelThinningReducer(keep=m, space="passthrough"),
                                    oversample=4, random_state=seed,
                                    chunk_rows=-(-n // args.blocks))
                btimes.append((time.perf_counter() - t, time.process_time() - c))
                rows["kt, blocked"].append(np.asarray(res.sample_indices))
        res = {k: ([population_mmd2(X[i], mu, w, s) for i in v],
                   [population_mmd2(X[i], mu, w, s / 2) for i in v]) for k, v in rows.items()}
        for name in rows:
            a, b = res[name]
            ratio = (f"{statistics.median(a) / statistics.median(res['srs'][0]):.4f}; "
                     f"{statistics.median(b) / statistics.median(res['srs'][1]):.4f}")
            tt = {"kt": times, "kt, blocked": btimes}.get(name)
            tw = spread([t[0] for t in tt]) if tt else ""
            tc = spread([t[1] for t in tt]) if tt else ""
            pkg = mmd(X, X[rows[name][0]], reference=ref).value ** 2
            print(f"| {n:,} | {m} | {s:.2f} | {name} | {spread(a)} | {spread(b)} | {ratio} | "
                  f"{tw} | {tc} | {pkg:.3g} | {os.getloadavg()[0]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
