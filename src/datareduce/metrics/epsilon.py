"""Epsilon representativeness: how far the worst-covered row is from the reduced set.

For full data ``X`` with labels ``y`` and a reduced set ``X'`` with labels ``y'``::

    epsilon = max_c  max_{x in X_c}  min_{x' in X'_c}  ||x - x'||

the per-class directed Hausdorff distance from the full set to the reduced set, maximised
over classes (Perera-Lago et al. 2024). A reduced set is epsilon-representative when every
row has a kept row of its class within epsilon. The reference uses the L-infinity norm
(``metric="chebyshev"``) on min-max scaled features; the norm is a parameter here.

Only the maximum over rows of the nearest distance is needed, so the computation uses the
early-break strategy of Taha and Hanbury (2015), vectorised: rows of X are compared with the
reduced set in blocks of growing size, in random order, and a row is dropped as soon as one
reduced row is closer than the largest nearest distance found so far (it cannot change the
maximum). Most rows are dropped after comparing them with a few hundred reduced rows, so the
cost is far below the n x m distance computations of a full nearest-neighbour query, and
memory stays bounded by the block size. In low dimension a KD-tree query is faster and is
used instead. Both give the exact value: Euclidean blocks use the dot-product expansion, so
rows are measured from the kept rows' mean (its rounding grows with the squared norms), a
row is dropped only when its distance rounded up is below the best exact one, and the
candidates for the maximum are measured from coordinate differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._core.threads import one_blas_thread
from .._core.validation import check_random_generator, check_X, check_y
from .._geometry.neighbors import check_metric, pairwise_block
from ._inputs import (
    check_fitted_reducer,
    check_reduced_labels,
    check_same_columns,
    frame_columns,
    warn_if_regression_labels,
)
from ._text import per_class_text

__all__ = ["EpsilonResult", "epsilon_representativeness", "directed_hausdorff"]

# KD-trees beat the blocked scan up to about this many features (measured: benchmarks/bench_epsilon.py)
_KDTREE_MAX_DIM = 10
_P = {"euclidean": 2, "chebyshev": np.inf, "manhattan": 1}


@dataclass(frozen=True)
class EpsilonResult:
    """The value of epsilon and where it comes from.

    Attributes
    ----------
    value : float
        max over classes of the directed Hausdorff distance (``inf`` when a class present
        in X has no row in the reduced set).
    per_class : dict
        class label -> its directed Hausdorff distance; ``{None: value}`` without labels.
    metric : str
        The norm used.
    worst_index : int
        Position in X of a row whose nearest kept row is ``value`` away (-1 when ``inf``).
    """

    value: float
    per_class: dict = field(default_factory=dict)
    metric: str = "chebyshev"
    worst_index: int = -1

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        """One line; with many classes only the largest (``per_class`` has them all)."""
        worst = f", worst_index={self.worst_index}" if self.worst_index >= 0 else ""
        head = f"EpsilonResult({self.metric}, value={self.value:.6g}{worst}"
        if None in self.per_class or not self.per_class:
            return head + ")"
        return f"{head}; per class: {per_class_text(self.per_class)})"

    def to_dict(self) -> dict:
        """Plain-Python dictionary (JSON-serialisable labels as strings)."""
        return {
            "value": float(self.value),
            "metric": self.metric,
            "worst_index": int(self.worst_index),
            "per_class": {("all" if k is None else str(k)): float(v)
                          for k, v in self.per_class.items()},
        }


def directed_hausdorff(A, B, *, metric: str = "chebyshev", random_state=0,
                       working_memory: float = 32.0, skip=None):
    """``max_{a in A} min_{b in B} d(a, b)`` and the row of A attaining it.

    Parameters
    ----------
    A, B : array-like of shape (n, d) and (m, d)
        The full and the reduced set.
    metric : {"chebyshev", "euclidean", "manhattan"}
        The norm.
    random_state : int, Generator or None
        Order in which rows are scanned (the value does not depend on it).
    working_memory : float
        Upper bound in MiB of one block of distances.
    skip : array of bool, optional
        Rows of A known to be in B (distance 0), skipped.

    Returns
    -------
    value : float
    index : int
        Position in A of a row attaining the value (-1 if A is empty or all skipped).

    Examples
    --------
    >>> A = [[0.0, 0.0], [1.0, 0.0], [4.0, 3.0]]
    >>> directed_hausdorff(A, [[0.0, 0.0]], metric="euclidean")
    (5.0, 2)
    """
    metric = check_metric(metric)
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if B.shape[0] == 0:
        return (np.inf, -1) if A.shape[0] else (0.0, -1)
    rows = np.arange(A.shape[0]) if skip is None else np.flatnonzero(~np.asarray(skip))
    if rows.size == 0:
        return 0.0, -1
    if A.shape[1] <= _KDTREE_MAX_DIM:
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(B).query(A[rows], k=1, p=_P[metric])
        j = int(np.argmax(dist))
        return float(dist[j]), int(rows[j])
    rng = check_random_generator(random_state)
    with one_blas_thread():
        return _early_break(A, B, rows, metric, rng, working_memory)


def _early_break(A, B, rows, metric, rng, working_memory):
    d = A.shape[1]
    B = B[rng.permutation(B.shape[0])]
    rows = rows[rng.permutation(rows.size)]
    m = B.shape[0]
    # elements of the (active x chunk [x d]) block allowed in memory
    per_pair = d if metric != "euclidean" else 1
    budget = max(1, int(working_memory * 2**20 / 8 / per_pair))
    euclid = metric == "euclidean"
    if euclid:
        # The expansion |a|^2 - 2 a.b + |b|^2 rounds in proportion to the squared norms: on
        # rows far from the origin (coordinates near 1e6) its error exceeded the distances
        # (epsilon 13-25% low: review10/a 13). Distances do not change under a shift, so the
        # rows are measured from the kept rows' mean, and every decision allows the
        # remaining rounding (``slack``): a row is dropped only when even its rounded-up
        # distance is below the largest exact nearest distance found so far, and that one
        # (``cmax``) is always recomputed from coordinate differences.
        mu = B.mean(axis=0)
        B = B - mu
        B_sq = np.einsum("ij,ij->i", B, B)
        b_max = float(B_sq.max())
        tol = 2.0 * (d + 4) * np.finfo(np.float64).eps
    else:
        mu, B_sq = None, None

    def block(ix):
        return A[ix] - mu if euclid else A[ix]

    def upper(best, Ab):
        """Squared distances rounded up (Euclidean) or the distances (exact otherwise)."""
        if not euclid:
            return best
        return best * best + tol * (np.einsum("ij,ij->i", Ab, Ab) + b_max)

    def exact(ix):
        """Exact nearest distances of rows ``ix`` (coordinate differences, bounded blocks)."""
        out = np.full(len(ix), np.inf)
        Ab = block(ix)
        step = max(1, budget // max(d, 1) // max(len(ix), 1))
        for s in range(0, m, step):
            diff = Ab[:, None, :] - B[None, s:s + step]
            np.minimum(out, np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)).min(axis=1),
                       out=out)
        return out

    def raise_to(cands, cmax, arg):
        """The largest exact nearest distance among ``cands`` if it beats ``cmax``."""
        for s in range(0, len(cands), 64):
            ex = exact(cands[s:s + 64])
            j = int(np.argmax(ex))
            if ex[j] > cmax:
                cmax, arg = float(ex[j]), int(cands[s + j])
        return cmax, arg

    def bound(c):
        return c * c if euclid else c

    # a lower bound of the answer first: the exact nearest distances of a few random rows
    seed_rows = rows[: min(rows.size, 64)]
    As = block(seed_rows)
    seed_best = np.full(seed_rows.size, np.inf)
    step = max(1, budget // seed_rows.size)
    for s in range(0, m, step):
        Db = pairwise_block(As, B[s:s + step], metric,
                            B_sq=None if B_sq is None else B_sq[s:s + step])
        np.minimum(seed_best, Db.min(axis=1), out=seed_best)
    if euclid:  # exactly, the seeds whose rounded-up distance reaches the best rounded-down one
        up = upper(seed_best, As)
        low = float(np.max(seed_best * seed_best - (up - seed_best * seed_best)))
        cmax, arg = raise_to(seed_rows[up >= low], -1.0, -1)
    else:
        j = int(np.argmax(seed_best))
        cmax, arg = float(seed_best[j]), int(seed_rows[j])
    rows = rows[seed_rows.size:]
    size = int(np.clip(budget // 256, 64, 4096))
    for start in range(0, rows.size, size):
        active = rows[start:start + size]
        Ab = block(active)
        best = np.full(active.size, np.inf)
        pos = 0
        chunk = 64
        while active.size and pos < m:
            chunk = int(min(m - pos, max(chunk, budget // max(active.size, 1))))
            sl = slice(pos, pos + chunk)
            Db = pairwise_block(Ab, B[sl], metric, B_sq=None if B_sq is None else B_sq[sl])
            np.minimum(best, Db.min(axis=1), out=best)
            keep = upper(best, Ab) >= bound(cmax)
            active, best, Ab = active[keep], best[keep], Ab[keep]
            pos += chunk
            chunk *= 4
        if not active.size:
            continue
        if euclid:  # every survivor that may beat cmax, exactly
            cmax, arg = raise_to(active[upper(best, Ab) > bound(cmax)], cmax, arg)
        else:
            j = int(np.argmax(best))
            if best[j] > cmax:
                cmax, arg = float(best[j]), int(active[j])
    return max(cmax, 0.0), arg


def check_subset_labels(y, y_reduced, *, name: str = "y_reduced") -> None:
    """Refuse reduced-set labels that are no label of ``y``: the same classes of another type
    (``'0'`` read from a CSV for ``0``) would leave every class without a kept row and the
    result silently infinite. Compared as Python values (``1 == 1.0``, ``'1' != 1``)."""
    known = set(np.unique(np.asarray(y)).tolist())
    unknown = [v for v in np.unique(np.asarray(y_reduced)).tolist() if v not in known]
    if unknown:
        shown = ", ".join(repr(v) for v in unknown[:5])
        raise ValueError(f"{name} has labels not in y: {shown} (y's labels: "
                         f"{', '.join(repr(v) for v in sorted(known, key=str)[:5])}); pass the "
                         "reduced rows' labels as they are in y (same values and type).")


def epsilon_representativeness(X, X_reduced=None, y=None, y_reduced=None, *,
                               metric: str = "chebyshev", reducer=None,
                               random_state=0, working_memory: float = 32.0) -> EpsilonResult:
    """Epsilon representativeness of a reduced set (per-class directed Hausdorff distance).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The full data.
    X_reduced : array-like of shape (n_kept, n_features), optional
        The reduced data. Omit it and pass ``reducer`` to score a fitted reducer.
    y, y_reduced : array-like, optional
        Labels of the full and the reduced data. With labels, each class is compared only
        with the kept rows of the same class, and the result is the maximum over classes.
    metric : {"chebyshev", "euclidean", "manhattan"}, default="chebyshev"
        The norm (the reference uses chebyshev, i.e. L-infinity, on min-max scaled data).
    reducer : fitted reducer, optional
        A reducer fitted on ``X`` (and ``y``): its kept rows (or its synthetic rows) are the
        reduced set, and rows known to be kept are skipped.
    random_state : int, default=0
        Scan order; the value does not depend on it.
    working_memory : float, default=32
        MiB for one block of distances.

    Returns
    -------
    EpsilonResult
        ``value``, ``per_class``, ``metric`` and ``worst_index``; ``float(result)`` is the value.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]]); y = np.array([0, 0, 0, 1])
    >>> res = epsilon_representativeness(X, X[[0, 3]], y, y[[0, 3]])
    >>> res.value, res.per_class
    (2.0, {0: 2.0, 1: 0.0})
    """
    metric = check_metric(metric)
    Xa = check_X(X)
    skip = None
    if reducer is not None:
        check_fitted_reducer(reducer, X_reduced, Xa.shape[0])
        idx = reducer.sample_indices_
        synthetic = getattr(reducer, "synthetic_", None)
        Xr = synthetic if synthetic is not None else Xa[idx]
        if synthetic is None:
            skip = np.zeros(Xa.shape[0], dtype=bool)
            skip[idx] = True
        if y is not None:
            y_reduced = check_y(y, Xa.shape[0])[idx]
    elif X_reduced is None:
        raise ValueError("pass the reduced data as X_reduced, or a fitted reducer=.")
    else:
        check_same_columns(frame_columns(X), X_reduced)
        Xr = check_X(X_reduced, name="X_reduced", allow_empty=True)
    Xr = np.asarray(Xr, dtype=np.float64)
    if Xr.shape[1] != Xa.shape[1]:
        raise ValueError(
            f"X_reduced has {Xr.shape[1]} features but X has {Xa.shape[1]}: "
            "they must describe the same columns."
        )

    if y is None:
        if y_reduced is not None and reducer is None:  # per-class results were asked for
            raise ValueError("y_reduced is given but y is not: pass the labels of X too.")
        value, worst = directed_hausdorff(Xa, Xr, metric=metric, random_state=random_state,
                                          working_memory=working_memory, skip=skip)
        return EpsilonResult(value, {None: value}, metric, worst)
    if y_reduced is None:
        raise ValueError("y is given but y_reduced is not: pass the labels of the reduced rows.")
    ya = check_y(y, Xa.shape[0])
    yr = check_reduced_labels(y_reduced, Xr.shape[0])
    check_subset_labels(ya, yr)
    warn_if_regression_labels(ya)
    per_class, value, worst = {}, 0.0, -1
    for c in np.unique(ya):
        members = np.flatnonzero(ya == c)
        v, j = directed_hausdorff(Xa[members], Xr[yr == c], metric=metric,
                                  random_state=random_state, working_memory=working_memory,
                                  skip=None if skip is None else skip[members])
        key = c.item() if hasattr(c, "item") else c
        per_class[key] = v
        if v > value or worst < 0:
            value, worst = max(value, v), (int(members[j]) if j >= 0 else worst)
    if not np.isfinite(value):  # a class without kept rows: no row is the worst one
        worst = -1
    return EpsilonResult(value, per_class, metric, worst)
