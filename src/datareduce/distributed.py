"""Reduce data larger than one machine's memory with dask (the ``dask`` extra).

The data stays a dask array split into row blocks; each block is reduced where it lives (on
the threads of the local scheduler, or on the workers of a ``dask.distributed`` cluster when a
``Client`` is active), and only the kept rows' positions travel back. Quotas are exact:

1. Class counts are computed per block (one cheap pass).
2. Each class gets its global quota (largest remainder, exactly as in memory), split over the
   blocks in proportion to the class's rows in each block (largest remainder again), so the
   total and every class's count are exactly what an in-memory fit would keep.
3. Stage one: every block runs the reducer on each of its classes with that class's quota
   (times ``oversample``).
4. Stage two (``oversample > 1``): the union of the stage-one picks, ``oversample`` times the
   final size, is gathered and reduced again in memory to the exact quota. This is the
   composable-coreset scheme: for max-min selection the union of per-block max-min sets is a
   cover of every block, so the final cover radius is at most the stage-one radius plus the
   stage-two radius on the union.

Methods whose definition is global over classes (``reducer_tags(r).pool_wise`` false, e.g. NRMD's
label-augmented ranking or DES's prototypes) run per block on all of the block's rows with the
block's quota instead; their class counts then follow the method, as in memory.

Epsilon over blocks is exact: :func:`epsilon_blocks` takes the maximum of the per-block
directed Hausdorff distances to an in-memory reduced set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from ._neighbors import nearest
from ._validation import check_keep, check_y
from .base import BaseReducer, allocate_quotas, reducer_tags

__all__ = ["BlockReduction", "reduce_blocks", "epsilon_blocks"]


@dataclass
class BlockReduction:
    """The result of :func:`reduce_blocks`.

    Attributes
    ----------
    sample_indices : ndarray of int
        Global positions of the kept rows (sorted).
    sample_weight : ndarray of float
        Rows each kept row stands for; sums to ``n_samples``.
    n_samples : int
        Rows of the input.
    block_quotas : ndarray of int
        Stage-one rows kept per block.
    """

    sample_indices: np.ndarray
    sample_weight: np.ndarray
    n_samples: int
    block_quotas: np.ndarray

    def take(self, X):
        """The kept rows of ``X`` (numpy or dask), computed into memory."""
        rows = X[self.sample_indices]
        return rows.compute() if hasattr(rows, "compute") else rows


def _as_dask(X, y, chunk_rows):
    import dask.array as da

    if not isinstance(X, da.Array):
        X = da.from_array(np.asarray(X), chunks=(chunk_rows or max(1, len(X) // 4), -1))
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim} dimensions.")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    if y is not None:
        if not isinstance(y, da.Array):
            y = da.from_array(check_y(y, X.shape[0]), chunks=(X.chunks[0],))
        elif y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} rows.")
        else:
            y = y.rechunk((X.chunks[0],))
    return X, y


def _stage_one(block, yblock, quotas, classes, reducer, seed, per_class):
    """Reduce one block; return (local positions, weights)."""
    block = np.asarray(block, dtype=np.float64)
    if not np.isfinite(block).all():
        raise ValueError("X contains NaN or infinite values: impute or drop them first.")
    picks, weights = [], []
    rng = np.random.default_rng(seed)
    if per_class:
        groups = ([np.arange(len(block))] if yblock is None
                  else [np.flatnonzero(yblock == c) for c in classes])
        for rows, q in zip(groups, quotas, strict=True):
            if q == 0:
                continue
            r = clone(reducer).set_params(keep=int(q), **_seed(reducer, rng))
            if "stratify" in r.get_params():
                r.set_params(stratify=False)
            r.fit(block[rows])
            picks.append(rows[r.sample_indices_])
            weights.append(r.sample_weight_)
    elif int(sum(quotas)):
        r = clone(reducer).set_params(keep=int(sum(quotas)), **_seed(reducer, rng))
        r.fit(block, yblock)
        picks.append(r.sample_indices_)
        weights.append(r.sample_weight_)
    if not picks:
        return np.empty(0, dtype=np.intp), np.empty(0)
    return np.concatenate(picks), np.concatenate(weights)


def _seed(reducer, rng):
    if "random_state" in reducer.get_params():
        return {"random_state": int(rng.integers(2**31 - 1))}
    return {}


def reduce_blocks(X, y=None, *, reducer, oversample: float = 1.0, random_state=None,
                  chunk_rows: int | None = None) -> BlockReduction:
    """Reduce a dask array block by block, with exact global quotas.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features), or array-like
        The data; numpy input is split into blocks of ``chunk_rows`` rows.
    y : dask array or array-like, optional
        Labels; with them every class keeps exactly its in-memory quota (stratified methods).
    reducer : BaseReducer
        Any datareduce reducer; its ``keep`` is the global fraction or count.
    oversample : float, default=1.0
        Stage one keeps ``oversample`` times the quota per block; values above 1 add the
        in-memory second stage on the union (better coverage for max-min and clustering).
    random_state : int, optional
        Seeds of the per-block reducers (derived deterministically per block).
    chunk_rows : int, optional
        Rows per block for numpy input.

    Returns
    -------
    BlockReduction

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from datareduce import get_reducer
    >>> from datareduce.distributed import reduce_blocks
    >>> X = da.random.default_rng(0).random((1000, 3), chunks=(250, 3))
    >>> y = np.repeat([0, 1], [800, 200])
    >>> res = reduce_blocks(X, y, reducer=get_reducer("srs", keep=0.1), random_state=0)
    >>> len(res.sample_indices), np.bincount(y[res.sample_indices]).tolist()
    (100, [80, 20])
    """
    import dask

    if not isinstance(reducer, BaseReducer):
        raise TypeError("reducer must be a datareduce reducer, e.g. get_reducer('mms', keep=0.1).")
    if not oversample >= 1:
        raise ValueError(f"oversample={oversample} must be >= 1.")
    X, y = _as_dask(X, y, chunk_rows)
    n = X.shape[0]
    if n == 0:
        raise ValueError("X is empty (0 rows): there is nothing to reduce.")
    n_keep = check_keep(reducer.keep, n)
    per_class = reducer_tags(reducer).pool_wise
    sizes = np.asarray(X.chunks[0])
    if y is not None and per_class:
        classes = np.unique(y.compute())
        counts = np.stack(dask.compute(*[
            dask.delayed(lambda b, c=classes: np.array([(b == k).sum() for k in c]))(blk)
            for blk in y.to_delayed()
        ]))  # blocks x classes
        class_quota = allocate_quotas(counts.sum(axis=0), n_keep)
    else:
        classes = None
        counts = sizes[:, None]
        class_quota = np.array([n_keep])
    stage_quota = np.minimum(np.ceil(class_quota * oversample).astype(int), counts.sum(axis=0))
    quotas = np.stack([allocate_quotas(counts[:, c], stage_quota[c], min_one=False)
                       for c in range(counts.shape[1])], axis=1)

    seeds = np.random.SeedSequence(random_state).generate_state(len(sizes))
    x_blocks = X.to_delayed().ravel()
    y_blocks = y.to_delayed() if y is not None else [None] * len(sizes)
    tasks = [dask.delayed(_stage_one)(xb, yb, quotas[i], classes, reducer, int(seeds[i]),
                                      per_class)
             for i, (xb, yb) in enumerate(zip(x_blocks, y_blocks, strict=True))]
    results = dask.compute(*tasks)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    idx = np.concatenate([off + r[0] for off, r in zip(offsets, results, strict=True)])
    w = np.concatenate([r[1] for r in results])

    if oversample > 1 and len(idx) > n_keep:
        idx, w = _stage_two(X, y, idx, w, reducer, class_quota, classes, per_class,
                            random_state)
    order = np.argsort(idx)
    return BlockReduction(idx[order], w[order] * (n / w.sum()), n, quotas.sum(axis=1))


def _stage_two(X, y, idx, w, reducer, class_quota, classes, per_class, random_state):
    """Reduce the union of stage-one picks in memory; move each union row's mass to its
    nearest final pick of the same class."""
    order = np.argsort(idx)
    idx, w = idx[order], w[order]
    Xu = np.asarray(X[idx].compute(), dtype=np.float64)
    yu = None if y is None else np.asarray(y[idx].compute())
    groups = ([np.arange(len(idx))] if yu is None or not per_class
              else [np.flatnonzero(yu == c) for c in classes])
    quotas = class_quota if (yu is not None and per_class) else [class_quota.sum()]
    final, final_w = [], []
    for rows, q in zip(groups, quotas, strict=True):
        if q == 0:
            continue
        r = clone(reducer).set_params(keep=int(q))
        if "random_state" in r.get_params():
            r.set_params(random_state=random_state)
        if per_class and "stratify" in r.get_params():
            r.set_params(stratify=False)
        r.fit(Xu[rows], None if per_class else yu)
        kept = rows[r.sample_indices_]
        owner, _ = nearest(Xu[rows], Xu[kept])
        final.append(idx[kept])
        final_w.append(np.bincount(owner, weights=w[rows], minlength=len(kept)))
    return np.concatenate(final), np.concatenate(final_w)


def epsilon_blocks(X, X_reduced, y=None, y_reduced=None, *, metric: str = "chebyshev"):
    """Exact epsilon representativeness of an in-memory reduced set against blocked data.

    Each block computes its per-class directed Hausdorff distance to ``X_reduced``; the
    result is the maximum, identical to
    :func:`datareduce.metrics.epsilon_representativeness` on the whole data.

    Returns
    -------
    EpsilonResult
        ``worst_index`` is a global row position.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> X = da.from_array(np.arange(10.0).reshape(5, 2), chunks=(2, 2))
    >>> round(epsilon_blocks(X, np.array([[0.0, 1.0]]), metric="euclidean").value, 6)
    11.313708
    """
    import dask

    from .metrics.epsilon import EpsilonResult, epsilon_representativeness

    X, y = _as_dask(X, y, None)
    Xr = np.asarray(X_reduced, dtype=np.float64)
    yr = None if y_reduced is None else np.asarray(y_reduced)
    if (y is None) != (yr is None):
        raise ValueError("pass both y and y_reduced, or neither.")

    def block_eps(xb, yb):
        return epsilon_representativeness(xb, Xr, yb, yr, metric=metric)

    y_blocks = y.to_delayed() if y is not None else [None] * X.numblocks[0]
    parts = dask.compute(*[dask.delayed(block_eps)(xb, yb)
                           for xb, yb in zip(X.to_delayed().ravel(), y_blocks, strict=True)])
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]])
    per_class, value, worst = {}, -1.0, -1
    for off, part in zip(offsets, parts, strict=True):
        for c, v in part.per_class.items():
            per_class[c] = max(per_class.get(c, 0.0), v)
        if part.value > value:
            value, worst = part.value, off + part.worst_index
    return EpsilonResult(float(value), per_class, parts[0].metric, int(worst))
