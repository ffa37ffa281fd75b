"""Chunked distances and nearest-neighbour queries shared by methods and metrics.

Nothing here builds an n x m matrix for the whole data: queries are processed in row blocks
whose size is bounded by ``working_memory`` (MiB, as in scikit-learn).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

__all__ = [
    "check_rows",
    "SUPPORTED_METRICS",
    "check_metric",
    "pairwise_block",
    "argmin_block",
    "centre_of",
    "centred",
    "nearest",
    "row_chunks",
]

SUPPORTED_METRICS = ("euclidean", "chebyshev", "manhattan")
_ALIASES = {"l2": "euclidean", "linf": "chebyshev", "infinity": "chebyshev", "max": "chebyshev",
            "l1": "manhattan", "cityblock": "manhattan"}


def centre_of(X) -> np.ndarray:
    """The shift :func:`centred` subtracts: the column medians (central, and on a grid of
    whole or half numbers when the data are, so that exact ties between distances stay
    exact)."""
    X = np.asarray(X, dtype=np.float64)
    return np.median(X, axis=0) if X.shape[0] else np.zeros(X.shape[1:])


def centred(X) -> np.ndarray:
    """``X`` minus its column medians (:func:`centre_of`), float64 in C order.

    Distances (and the RBF kernel) do not change, and the expansion ``|x|^2 - 2 x.t + |t|^2``
    that the fast paths use keeps its precision when the rows sit far from the origin (a
    year column, map coordinates, timestamps): its rounding grows with ``|x|^2``, and on rows
    at 1,000 from the origin float32 tiles had changed kernel herding's picks.
    """
    X = np.asarray(X, dtype=np.float64)
    return np.ascontiguousarray(X - centre_of(X))


_UNDEFINED = ("distances and kernel values of such rows are undefined. Impute or drop them "
              "first (the reducers do so in their selection space).")


def check_rows(X, name: str = "X", why: str = _UNDEFINED) -> np.ndarray:
    """``X`` as a 2-D float64 array of finite values, or a ValueError naming ``name`` and the
    rows (then ``why``): the public kernel and distance functions (herding, kernel thinning,
    ProtoDash, distance entropy) shift rows by their column medians, so one missing value
    made every row NaN and the picks were the first positions, silently."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows x features), got shape {X.shape}.")
    finite = np.isfinite(X).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise ValueError(
            f"{name} has missing or infinite values in {len(rows)} row(s) (e.g. rows "
            f"{rows[:5].tolist()}): {why}")
    return X


def check_metric(metric: str, *, name: str = "metric") -> str:
    """Normalise a metric name; raise a clear error for an unsupported one."""
    key = _ALIASES.get(str(metric).lower(), str(metric).lower())
    if key not in SUPPORTED_METRICS:
        raise ValueError(
            f"{name}={metric!r} is not supported; use one of {', '.join(SUPPORTED_METRICS)}."
        )
    return key


def row_chunks(n_rows: int, row_bytes: int, working_memory: float = 64.0):
    """Yield slices of at most ``working_memory`` MiB when each row costs ``row_bytes``."""
    step = max(1, int(working_memory * 2**20 // max(row_bytes, 1)))
    for start in range(0, n_rows, step):
        yield slice(start, min(n_rows, start + step))


def pairwise_block(A: np.ndarray, B: np.ndarray, metric: str, B_sq=None) -> np.ndarray:
    """Distances between all rows of A and B (a block: callers bound its size).

    Euclidean distances use the dot-product expansion in float64 and are clipped at 0;
    ``B_sq`` (squared row norms of B) may be passed to avoid recomputing them.
    """
    if metric == "euclidean":
        A64 = np.asarray(A, dtype=np.float64)
        B64 = np.asarray(B, dtype=np.float64)
        if B_sq is None:
            B_sq = np.einsum("ij,ij->i", B64, B64)
        d2 = np.einsum("ij,ij->i", A64, A64)[:, None] - 2.0 * (A64 @ B64.T) + B_sq[None, :]
        np.maximum(d2, 0.0, out=d2)
        return np.sqrt(d2, out=d2)
    if metric == "chebyshev":
        return cdist(A, B, "chebyshev")
    if metric == "manhattan":
        return cdist(A, B, "cityblock")
    raise ValueError(f"unsupported metric {metric!r}")


def argmin_block(A: np.ndarray, B: np.ndarray, metric: str, B_sq=None):
    """For each row of A (one block), the index of and distance to its nearest row of B.

    For the Euclidean metric the argmin is taken on ``|b|^2 - 2 a.b`` (the row's own norm
    does not change it), so the block needs one matrix product and one pass, and square
    roots are taken only of the winners.
    """
    rows = np.arange(A.shape[0])
    if metric == "euclidean":
        A64 = np.asarray(A, dtype=np.float64)
        B64 = np.asarray(B, dtype=np.float64)
        if B_sq is None:
            B_sq = np.einsum("ij,ij->i", B64, B64)
        G = A64 @ B64.T
        G *= -2.0
        G += B_sq[None, :]
        j = G.argmin(axis=1)
        d2 = np.einsum("ij,ij->i", A64, A64) + G[rows, j]
        return j, np.sqrt(np.maximum(d2, 0.0))
    D = pairwise_block(A, B, metric)
    j = D.argmin(axis=1)
    return j, D[rows, j]


def nearest(X: np.ndarray, Y: np.ndarray, *, metric: str = "euclidean",
            working_memory: float = 64.0):
    """For each row of X, the index of and distance to its nearest row of Y.

    Blocks of X are compared with all of Y (and Y in blocks too for the elementwise
    metrics), so memory stays within ``working_memory`` MiB whatever the sizes.

    Returns
    -------
    idx : ndarray of int, shape (n_X,)
    dist : ndarray of float64, shape (n_X,)
    """
    metric = check_metric(metric)
    X = np.asarray(X)
    Y = np.asarray(Y)
    n, m = X.shape[0], Y.shape[0]
    if m == 0:
        raise ValueError("Y is empty: there is no nearest neighbour.")
    idx = np.empty(n, dtype=np.intp)
    dist = np.empty(n, dtype=np.float64)
    if metric == "euclidean":
        # both sets shifted by Y's medians: the same distances, without the rows' offset from
        # the origin in the expansion's rounding
        shift = centre_of(Y)
        Y64 = np.ascontiguousarray(np.asarray(Y, dtype=np.float64) - shift)
        Y_sq = np.einsum("ij,ij->i", Y64, Y64)
        for sl in row_chunks(n, 8 * m, working_memory):
            idx[sl], dist[sl] = argmin_block(np.asarray(X[sl], dtype=np.float64) - shift, Y64,
                                             metric, B_sq=Y_sq)
        return idx, dist
    d = X.shape[1]
    # elementwise metrics materialise (rows_X, rows_Y, d): bound both block sizes
    y_step = max(1, min(m, int(np.sqrt(working_memory * 2**20 / 8 / d))))
    for sl in row_chunks(n, 8 * y_step * d, working_memory):
        best = np.full(sl.stop - sl.start, np.inf)
        arg = np.zeros(sl.stop - sl.start, dtype=np.intp)
        for ys in range(0, m, y_step):
            j, dj = argmin_block(X[sl], Y[ys:ys + y_step], metric)
            better = dj < best
            best[better] = dj[better]
            arg[better] = j[better] + ys
        idx[sl] = arg
        dist[sl] = best
    return idx, dist
