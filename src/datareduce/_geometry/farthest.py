"""Exact greedy farthest-point (max-min) order: the one core behind MMS and the metrics.

The greedy rule starts from one row and repeatedly adds the row whose distance to the rows
picked so far is largest (Gonzalez 1985; every prefix is a 2-approximation of k-center,
and the order is the "greedy permutation" used to subsample point clouds with a known
Hausdorff radius).

Speed comes from a lazy, blocked evaluation that stays exact: rows live in blocks of
``block_size``; each block remembers up to which pick its distances are up to date and the
largest (stale) distance of its rows, an upper bound of the true one. At each step the
block with the largest bound is brought up to date with one matrix product against the
picks it has not seen (BLAS-3 instead of a matrix-vector product per pick), until the top
block is current: its farthest row is then the exact global farthest row. BLAS runs on one
thread inside the loop (threadpoolctl).

Precision: float64 throughout. The Euclidean search compares squared distances from the
dot-product expansion (exact for small integers, so exact ties stay ties); the returned
distances (insertion radii, each row's distance to its nearest pick) are recomputed from
coordinate differences.
Ties: the lowest row position wins, so the order is deterministic.

Cost: each pick must in the worst case read every row once, so ``k`` picks cost at most
``k * n * d`` multiply-adds and the data is streamed ``k`` times; the lazy blocks skip the
rows that cannot be the farthest.
"""

from __future__ import annotations

import numpy as np

from .._core.threads import one_blas_thread
from .neighbors import centred, check_metric

__all__ = ["farthest_point_order", "FPS_METRICS"]

#: metrics the core supports
FPS_METRICS = ("euclidean", "chebyshev", "manhattan")


def farthest_point_order(X, n_select: int, *, start: int = 0, metric: str = "euclidean",
                         block_size: int = 512, return_distances: bool = False):
    """Exact greedy farthest-point (max-min) order of ``n_select`` rows of ``X``.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Finite numeric data (converted to float64).
    n_select : int
        Number of rows to pick, ``1 <= n_select <= n``.
    start : int, default=0
        Row position of the first pick.
    metric : {"euclidean", "chebyshev", "manhattan"}, default="euclidean"
    block_size : int, default=512
        Rows per lazily updated block (a speed knob; the picks do not depend on it).
    return_distances : bool, default=False
        Also return every row's distance to, and position in ``picks`` of, its nearest
        pick (ties go to the earlier pick).

    Returns
    -------
    picks : ndarray of int, shape (n_select,)
        Row positions in selection order.
    radii : ndarray of float64, shape (n_select,)
        Distance of each pick to the earlier picks when it was picked (``inf`` for the
        first): the covering-radius sequence, non-increasing.
    dist : ndarray of float64, shape (n,)
        Only with ``return_distances``: each row's distance to its nearest pick; its
        maximum is the covering radius (the Hausdorff distance from X to the picks).
    cell : ndarray of int, shape (n,)
        Only with ``return_distances``: position in ``picks`` of each row's nearest pick.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [10.0]]
    >>> picks, radii = farthest_point_order(X, 3)
    >>> picks.tolist(), radii.tolist()
    ([0, 3, 2], [inf, 10.0, 2.0])
    >>> picks, radii, dist, cell = farthest_point_order(X, 2, metric="manhattan",
    ...                                                 return_distances=True)
    >>> dist.tolist(), cell.tolist()
    ([0.0, 1.0, 2.0, 0.0], [0, 0, 0, 1])
    """
    metric = check_metric(metric)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array; got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values: impute or drop those rows first.")
    X = centred(X)  # the same distances, computed without the rows' offset from the origin
    n = X.shape[0]
    k = int(n_select)
    if not 1 <= k <= n:
        raise ValueError(f"n_select={n_select} must be between 1 and the number of rows ({n}).")
    start = int(start)
    if not 0 <= start < n:
        raise ValueError(f"start={start} is not a row position of X (0 <= start < {n}).")
    if int(block_size) < 1:
        raise ValueError(f"block_size={block_size} must be a positive integer.")
    with one_blas_thread():
        picks, assign_at_pick, dist, cell = _lazy_fps(X, k, start, metric, int(block_size),
                                                      return_distances)
    # exact distances from coordinate differences
    radii = np.full(k, np.inf)
    if k > 1:
        radii[1:] = _rowwise(X[picks[1:]], X[picks[assign_at_pick[1:]]], metric)
    if not return_distances:
        return picks, radii
    dist = _rowwise(X, X[picks[cell]], metric)
    dist[picks] = 0.0
    return picks, radii, dist, cell


def _rowwise(A, B, metric):
    diff = np.abs(A - B)
    if metric == "euclidean":
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if metric == "chebyshev":
        return diff.max(axis=1)
    return diff.sum(axis=1)


def _lazy_fps(X, k, s, metric, B, final_pass):
    n, d = X.shape
    euclid = metric == "euclidean"
    picks = np.empty(k, dtype=np.intp)
    at_pick = np.zeros(k, dtype=np.intp)  # nearest earlier pick of each pick
    P = np.empty((k, d), dtype=np.float64)  # picked rows
    if euclid:
        sq = np.einsum("ij,ij->i", X, X)
        # augmented picks: [-2 p, |p|^2] so that [x, 1] . pa = |x - p|^2 - |x|^2
        PA = np.empty((k, d + 1), dtype=np.float64)
        # an augmented copy of X makes each block update a single matrix product; skip it
        # (and add |p|^2 separately) when it would cost more than 64 MiB
        XA = None
        if n * (d + 1) * 8 <= 64 * 2**20:
            XA = np.empty((n, d + 1), dtype=np.float64)
            XA[:, :d] = X
            XA[:, d] = 1.0

    def add_pick(i, p):
        picks[i] = p
        P[i] = X[p]
        if euclid:
            PA[i, :d] = -2.0 * X[p]
            PA[i, d] = sq[p]

    def block_min(lo, hi, a, b):
        """Nearest of picks a..b-1 for rows lo..hi-1: (key, pick); key = squared if euclid."""
        if euclid:
            if XA is not None:
                D = XA[lo:hi] @ PA[a:b].T
            else:
                D = X[lo:hi] @ PA[a:b, :d].T
                D += PA[a:b, d]
        else:  # elementwise metrics; callers keep (rows x picks x d) small
            diff = np.abs(X[lo:hi, None, :] - P[None, a:b, :])
            D = diff.max(axis=2) if metric == "chebyshev" else diff.sum(axis=2)
        j = D.argmin(axis=1)
        m = D[np.arange(hi - lo), j]
        if euclid:
            m += sq[lo:hi]
            np.maximum(m, 0.0, out=m)
        return m, j + a

    # chunk very stale updates so the (rows x picks) block stays small
    pick_chunk = 4096 if euclid else max(1, 2**21 // (B * max(d, 1)))

    def refresh(b, i):
        lo, hi = bounds[b], bounds[b + 1]
        for a in range(upto[b], i, pick_chunk):
            m, j = block_min(lo, hi, a, min(i, a + pick_chunk))
            better = m < mind[lo:hi]
            mind[lo:hi][better] = m[better]
            assign[lo:hi][better] = j[better]
        upto[b] = i
        ub[b] = mind[lo:hi].max()

    nb = (n + B - 1) // B
    bounds = np.minimum(np.arange(nb + 1) * B, n)
    add_pick(0, s)
    mind = np.empty(n, dtype=np.float64)  # squared distances for euclidean; -1 once picked
    assign = np.zeros(n, dtype=np.intp)  # nearest pick seen so far
    for b in range(nb):
        lo, hi = bounds[b], bounds[b + 1]
        mind[lo:hi] = block_min(lo, hi, 0, 1)[0]
    mind[s] = -1.0
    upto = np.ones(nb, dtype=np.intp)
    ub = np.maximum.reduceat(mind, bounds[:-1])

    for i in range(1, k):
        while True:
            b = int(np.argmax(ub))
            if upto[b] == i:
                break
            refresh(b, i)
        top = ub[b]
        tied = np.flatnonzero(ub >= top)
        if len(tied) > 1:  # exact ties across blocks: the lowest row position wins
            for t in tied:
                if upto[t] != i:
                    refresh(t, i)
            tied = np.flatnonzero(ub >= top)
            b = int(tied[0])
        lo = bounds[b]
        p = lo + int(np.argmax(mind[lo:bounds[b + 1]]))
        at_pick[i] = assign[p]
        add_pick(i, p)
        # a picked row is never picked again, even when only duplicates (distance 0) remain
        mind[p] = -1.0

    cell = None
    if final_pass:
        for b in range(nb):
            if upto[b] != k:
                refresh(b, k)
        assign[picks] = np.arange(k)
        cell = assign
    return picks, at_pick, None, cell
