"""The scoring core of PHL landmarks: neighbourhood Vietoris-Rips persistence per row.

See :mod:`datareduce.reducers.phl` for the method; this module computes the outlier score
of every row (blocked KD-tree neighbourhoods, H0 from minimum spanning trees, an exact bound
that settles most rows, the rest through ripser's compiled core) and the landmark order.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from .._geometry.kernels import power_of_two_scale

__all__ = ["auto_radius", "landmark_order", "neighbourhood_score", "phl_outlier_scores"]

_CHUNK = 8192  # rows per block
_MAX_PAIRS = 2**22  # neighbour indices per block (bounds memory for large radii)
_TREE_MAX_DIM = 8  # KD-trees above this dimension visit most leaves: blocked GEMM instead
_STACK_VALUES = 2**20  # values per temporary of the stacked neighbourhood distances

try:  # ripser's compiled core: skips ripser.py's per-call overhead (~20x for tiny clouds)
    from pyRipser import doRipsFiltrationDM as _rips_dm
    from pyRipser import doRipsFiltrationDMSparse as _rips_dm_sparse
except ImportError:  # pragma: no cover - depends on the ripser build
    _rips_dm = _rips_dm_sparse = None


_TRIU: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _condensed(P: np.ndarray) -> np.ndarray:
    """Condensed (pdist-order) Euclidean distances of a small point cloud, float32."""
    k = P.shape[0]
    iu = _TRIU.get(k)
    if iu is None:
        iu = _TRIU[k] = np.triu_indices(k, 1)
    diff = P[iu[0]] - P[iu[1]]
    return np.sqrt(np.einsum("ij,ij->i", diff, diff)).astype(np.float32)


def _brute_index(X):
    """scikit-learn's brute-force neighbour search (blocked, BLAS) and its rounding bound.

    Its squared distances come from the matrix-product form ``|a|^2 + |b|^2 - 2 a.b``, off by
    at most about ``eps d (|a|^2 + |b|^2)``; ``slack`` bounds that generously, and the
    callers recompute the candidates' distances as sums of squared differences
    (:func:`_exact_sq`), so every decision is made on exact values.
    """
    from sklearn.neighbors import NearestNeighbors

    sq = np.einsum("ij,ij->i", X, X)
    slack = 1e-12 * 2.0 * float(sq.max(initial=0.0)) + 1e-300
    return NearestNeighbors(algorithm="brute").fit(X), slack


def _exact_sq(X, rows, cols):
    """Squared distances of the pairs ``(rows[i], cols[i])`` as sums of squared differences,
    by blocks of pairs (``_STACK_VALUES`` values each: the candidates of a block of rows in
    10,000 columns took 0.25 GiB at once, review10/b 08)."""
    out = np.empty(len(rows))
    step = max(1, _STACK_VALUES // max(X.shape[1], 1))
    for a in range(0, len(rows), step):
        diff = X[rows[a:a + step]] - X[cols[a:a + step]]
        out[a:a + step] = np.einsum("ij,ij->i", diff, diff)
    return out


def _use_tree(X) -> bool:
    return X.shape[1] <= _TREE_MAX_DIM


def _neighbor_quantile(X, k, quantile):
    """``quantile`` of the rows' k-th neighbour distances, exact.

    Above ``_TREE_MAX_DIM`` dimensions the distances come from :func:`_brute_index`, each
    squared value within ``slack`` of the exact one; the order statistics the quantile
    interpolates are then held by rows whose value lies within ``2 slack`` of them, and only
    those rows are recomputed exactly (a row outside that band stays on the same side of
    the exact order statistic), so the result equals the exact quantile.
    """
    n = X.shape[0]
    if _use_tree(X):
        return float(np.quantile(cKDTree(X).query(X, k=k + 1)[0][:, k], quantile))
    nn, slack = _brute_index(X)
    # k + 1 smallest including the row itself (distance 0 up to rounding): the k-th
    # neighbour's value, within the slack
    v = nn.kneighbors(X, n_neighbors=k + 1)[0][:, k] ** 2
    pos = quantile * (n - 1)
    at = np.partition(v, [int(np.floor(pos)), int(np.ceil(pos))])
    lo, hi = at[int(np.floor(pos))], at[int(np.ceil(pos))]
    band = np.flatnonzero((np.abs(v - lo) <= 2 * slack) | (np.abs(v - hi) <= 2 * slack))
    for i in band:
        d = _exact_sq(X, np.full(n, i), np.arange(n))
        d[i] = -np.inf
        v[i] = np.partition(d, k)[k]
    return float(np.quantile(np.sqrt(np.maximum(v, 0.0)), quantile))


def _radius_neighbors(X, radius, start, stop, index):
    """Neighbour lists (the row itself excluded) of rows start..stop within ``radius``."""
    nn, slack = index
    r2 = radius * radius
    lists = nn.radius_neighbors(X[start:stop], radius=math.sqrt(r2 + slack),
                                return_distance=False, sort_results=False)
    sizes = np.fromiter((a.size for a in lists), dtype=np.int64, count=len(lists))
    hj = np.concatenate(lists).astype(np.intp) if len(lists) else np.empty(0, np.intp)
    hi = np.repeat(np.arange(start, stop), sizes)
    # compared as distances, the form the radius was computed in (auto_radius)
    keep = (hj != hi) & (np.sqrt(_exact_sq(X, hi, hj)) <= radius)
    hi, hj = hi[keep], hj[keep]
    order = np.lexsort((hj, hi))  # ascending within a row, as the KD-tree's lists
    sizes = np.bincount(hi - start, minlength=stop - start)
    return np.split(hj[order], np.cumsum(sizes)[:-1])


def _max_finite_persistence(dgm: np.ndarray) -> float:  # pragma: no cover - fallback
    finite = dgm[np.isfinite(dgm[:, 1])] if dgm.size else dgm
    return float(np.max(finite[:, 1] - finite[:, 0])) if finite.size else 0.0


def _max_persistence_by_dim(P: np.ndarray, maxdim: int) -> list[float]:
    """Largest finite persistence of the Vietoris-Rips diagram of P in each dimension."""
    if _rips_dm is not None:
        res = _rips_dm(_condensed(P), maxdim, np.inf, 2, 0)
        out = []
        for bd in res["births_and_deaths_by_dim"]:
            arr = np.asarray(bd, dtype=np.float64)
            pers = arr[1::2] - arr[0::2]
            pers = pers[np.isfinite(pers)]
            out.append(float(pers.max()) if pers.size else 0.0)
        return out
    from ripser import ripser  # pragma: no cover

    return [_max_finite_persistence(d)  # pragma: no cover
            for d in ripser(P, maxdim=maxdim)["dgms"]]


def neighbourhood_score(P, dimension: int = 1, scoring: str = "multi") -> float:
    """Outlier score of one neighbourhood ``P`` (at least two points).

    Parameters
    ----------
    P : array of shape (k, d)
        The neighbours of a row (the row itself excluded).
    dimension : int, default=1
        Homology dimension (``restricted``) or the largest one (``multi``).
    scoring : {"multi", "restricted"}, default="multi"
        Maximum finite persistence over dimensions ``0..dimension``, or in ``dimension``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    >>> circle = np.c_[np.cos(theta), np.sin(theta)]
    >>> round(neighbourhood_score(circle, 1, "restricted"), 3)  # the loop: dies at sqrt(3)
    1.214
    """
    pers = _max_persistence_by_dim(np.asarray(P, dtype=np.float64), dimension)
    if scoring == "restricted":
        return pers[dimension]
    return max(pers)


def _batch_cap(dimension: int, limit: int = 2048) -> int:
    """Largest vertex count whose (dimension+1)-simplices ripser can index in int64."""
    n = limit
    while n > 64 and math.comb(n, dimension + 2) >= 2**62:
        n //= 2
    return n


def _prim_bounds(D: np.ndarray, covered: bool = False, threshold=None):
    """Per cloud of a stack ``D`` (m, k, k): longest MST edge, and a bound on higher bars.

    Vietoris-Rips H0 deaths are the minimum-spanning-tree edge lengths, so the largest finite
    H0 persistence is the longest MST edge (Prim's algorithm, vectorised over the stack).
    Every bar of dimension >= 1 dies by ``e = min_v max_u D[v, u]`` (from that scale on the
    complex is a cone on ``v``) and is born at a simplex containing a non-MST edge, so its
    persistence is at most ``e - b`` with ``b`` the shortest non-MST edge.

    With ``covered`` the birth bound is sharpened by the witness argument below (``O(k^4)``
    per cloud); given ``threshold`` (a number, or ``"h0"`` for each cloud's longest MST
    edge), only the clouds whose cheaper bound still exceeds it get the sharper one (the
    others are decided already, since the sharper bound is never larger).
    """
    m, k, _ = D.shape
    rows = np.arange(m)
    in_tree = np.zeros((m, k), dtype=bool)
    in_tree[:, 0] = True
    best = D[:, 0, :].copy()
    parent = np.zeros((m, k), dtype=np.intp)
    best[:, 0] = np.inf
    longest = np.zeros(m)
    nonmst = D.copy()
    idx = np.arange(k)
    nonmst[:, idx, idx] = np.inf
    for _ in range(k - 1):
        j = np.argmin(best, axis=1)
        length = best[rows, j]
        np.maximum(longest, length, out=longest)
        pj = parent[rows, j]
        nonmst[rows, j, pj] = np.inf
        nonmst[rows, pj, j] = np.inf
        in_tree[rows, j] = True
        cand = D[rows, j, :]
        better = (cand < best) & ~in_tree
        best = np.where(better, cand, best)
        parent = np.where(better, j[:, None], parent)
        best[in_tree] = np.inf
    shortest_nonmst = nonmst.reshape(m, -1).min(axis=1)
    cone = D.max(axis=2).min(axis=1)
    if covered:
        # An edge uv with a witness w, max(D[u, w], D[v, w]) < D[u, v] (strictly: both other
        # edges already present), enters with the triangle uvw, which makes its cycle a
        # boundary plus a cycle of older edges: H1 classes are born only at the length of an
        # edge without a witness. A birth value is also the length of a non-MST edge (the
        # number of MST edges up to any length does not depend on the tree). So a birth is
        # at the length of an uncovered edge that is not in the MST, or that ties with one.
        if threshold is None:
            todo = np.arange(m)
        else:
            limit = longest if isinstance(threshold, str) else threshold
            todo = np.flatnonzero(cone - shortest_nonmst > limit)
        step = max(1, 2_000_000 // max(k**3, 1))
        for a in range(0, todo.size, step):
            sel = todo[a:a + step]
            Da = D[sel]
            s_ = Da.shape[0]
            wit = np.maximum(Da[:, :, None, :], Da[:, None, :, :])  # (s, u, v, w)
            wit[:, idx, :, idx] = np.inf
            wit[:, :, idx, idx] = np.inf
            has = (wit < Da[:, :, :, None]).any(axis=3)
            del wit
            has[:, idx, idx] = True
            nm = nonmst[sel]  # non-MST lengths, inf elsewhere
            cand = np.where(has, np.inf, nm).reshape(s_, -1).min(axis=1)
            # uncovered MST edges whose length equals a non-MST length (ties)
            mst_len = np.where(has | np.isfinite(nm), np.inf, Da)  # uncovered MST edges
            mst_len[:, idx, idx] = np.inf
            flat_m = mst_len.reshape(s_, -1)
            flat_m = np.where(flat_m < cand[:, None], flat_m, np.inf)  # only smaller ones matter
            hm, em = np.nonzero(np.isfinite(flat_m))
            if hm.size:
                hn, en = np.nonzero(np.isfinite(nm.reshape(s_, -1)))
                # (hood, length) pairs as complex keys: ties within the same hood
                tied = np.isin(hm + 1j * flat_m[hm, em], hn + 1j * nm.reshape(s_, -1)[hn, en])
                if tied.any():
                    np.minimum.at(cand, hm[tied], flat_m[hm[tied], em[tied]])
            shortest_nonmst[sel] = cand
    return longest, cone - shortest_nonmst, cone


def _batch_scores(X, hoods, dimension, scoring):
    """Scores of many neighbourhoods, with ONE ripser call on the disjoint union of those
    that need it.

    H0 comes from the minimum spanning trees (:func:`_prim_bounds`), on the same float32
    distances ripser uses. Higher dimensions are computed only when the bound of
    :func:`_prim_bounds` leaves them undecided (for ``multi`` scoring: when they could beat
    the H0 value; pieces of at most 3 points have none). The Vietoris-Rips filtration of a
    disjoint union (no edges between pieces) is the disjoint union of the filtrations, so
    its diagram is the union of the pieces' diagrams; each bar is attributed to its piece
    through ripser's representative cocycle, whose support lies in one piece (cohomology
    reduction never mixes pieces).
    """
    sizes = np.fromiter((h.shape[0] for h in hoods), dtype=np.int64, count=len(hoods))
    best = np.zeros((dimension + 1, len(hoods)))
    need = np.zeros(len(hoods), dtype=bool)
    dists = {}
    for k in np.unique(sizes):
        iu = _TRIU.get(int(k))
        if iu is None:
            iu = _TRIU[int(k)] = np.triu_indices(int(k), 1)
        same = np.flatnonzero(sizes == k)
        step = max(1, _STACK_VALUES // (int(k) * int(k) * X.shape[1]))  # bounded temporaries
        for a in range(0, same.size, step):
            ids = same[a:a + step]
            P = X[np.stack([hoods[i] for i in ids])]  # (m, k, d)
            # the (m, pairs, d) differences by blocks of pairs: one neighbourhood of 64 rows
            # in 10,000 columns alone is 2016 x 10,000 values (review10/b 08)
            d32 = np.empty((len(ids), iu[0].size), dtype=np.float32)
            pstep = max(1, _STACK_VALUES // (len(ids) * X.shape[1]))
            for b in range(0, iu[0].size, pstep):
                diff = P[:, iu[0][b:b + pstep], :] - P[:, iu[1][b:b + pstep], :]
                d32[:, b:b + pstep] = np.sqrt(np.einsum("mpd,mpd->mp", diff, diff))
            del diff, P
            D = np.zeros((len(ids), int(k), int(k)))
            D[:, iu[0], iu[1]] = d32
            D[:, iu[1], iu[0]] = d32
            h0, bound, cone = _prim_bounds(D, covered=dimension == 1,
                                           threshold="h0" if scoring == "multi" else 0.0)
            best[0, ids] = h0
            if dimension >= 1 and k >= 4:
                threshold = h0 if scoring == "multi" else 0.0
                undecided = bound > threshold
                need[ids[undecided]] = True
                for local in np.flatnonzero(undecided):
                    # every bar of dimension >= 1 dies by `cone`: longer edges cannot matter
                    dists[int(ids[local])] = (d32[local], d32[local] <= cone[local])
    todo_all = np.flatnonzero(need)
    cap = _batch_cap(dimension)
    start = 0
    while start < todo_all.size:  # ripser batches of at most `cap` vertices
        csum = np.cumsum(sizes[todo_all[start:]])
        stop = start + max(1, int(np.searchsorted(csum, cap, side="right")))
        todo = todo_all[start:stop]
        start = stop
        voff = np.concatenate([[0], np.cumsum(sizes[todo])])
        rows, cols, vals = [], [], []
        for o, i in zip(voff[:-1], todo, strict=True):
            iu = _TRIU[int(sizes[i])]
            d32, short = dists[int(i)]
            rows.append(iu[0][short] + o)
            cols.append(iu[1][short] + o)
            vals.append(d32[short])
        res = _rips_dm_sparse(np.concatenate(rows).astype(np.int32),
                              np.concatenate(cols).astype(np.int32),
                              np.ascontiguousarray(np.concatenate(vals)), int(voff[-1]),
                              dimension, np.inf, 2, 1)
        for dim in range(1, dimension + 1):
            bd = np.asarray(res["births_and_deaths_by_dim"][dim], dtype=np.float64)
            if bd.size == 0:
                continue
            pers = bd[1::2] - bd[0::2]
            first_vertex = np.fromiter((c[0] for c in res["cocycles_by_dim"][dim]),
                                       dtype=np.int64, count=pers.size)
            owner = todo[np.searchsorted(voff, first_vertex, side="right") - 1]
            fin = np.isfinite(pers)
            np.maximum.at(best[dim], owner[fin], pers[fin])
    if scoring == "restricted":
        return best[dimension]
    return best.max(axis=0)


def _chunk_scores(X, flat, offsets, dimension, scoring, max_neighbors, seed, first_row):
    """Scores of one block of rows from their flattened neighbour lists (NaN = super-outlier)."""
    n_rows = offsets.shape[0] - 1
    out = np.full(n_rows, np.nan)
    hoods, which = [], []
    for r in range(n_rows):
        nb = flat[offsets[r]:offsets[r + 1]]
        if nb.shape[0] < 2:
            continue
        if nb.shape[0] > max_neighbors:
            sub = np.random.default_rng((seed, first_row + r)).choice(
                nb.shape[0], size=max_neighbors, replace=False)
            nb = nb[np.sort(sub)]
        hoods.append(nb)
        which.append(r)
    if not hoods:
        return out
    if _rips_dm_sparse is None:  # pragma: no cover - ripser without its compiled core
        for r, nb in zip(which, hoods, strict=True):
            out[r] = neighbourhood_score(X[nb], dimension, scoring)
        return out
    out[np.asarray(which)] = _batch_scores(X, hoods, dimension, scoring)
    return out


def auto_radius(X, k: int = 10, quantile: float = 0.5) -> float:
    """Default radius: the ``quantile`` of every row's distance to its k-th nearest neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> auto_radius(np.arange(10.0).reshape(-1, 1), k=2)  # 2nd neighbour: 1 inside, 2 at ends
    1.0
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    if n < 2:
        return 1.0
    k = min(k, n - 1)
    r = _neighbor_quantile(X, k, quantile)
    if r <= 0:
        r = _neighbor_quantile(X, k, 1.0)
    return r if r > 0 else 1.0


def phl_outlier_scores(X, radius: float, *, dimension: int = 1, scoring: str = "multi",
                       max_neighbors: int = 64, seed: int = 0, n_jobs=None):
    """PH outlier score of every row of ``X``; ``inf`` marks super-outliers.

    Parameters
    ----------
    X : array of shape (n, d)
    radius : float
        Neighbourhood radius (closed ball, the row itself excluded).
    dimension, scoring
        See :func:`neighbourhood_score`.
    max_neighbors : int, default=64
        Neighbourhoods larger than this are replaced by a uniform random subset of this
        size, drawn from ``numpy.random.default_rng((seed, row))``: reproducible and
        independent of ``n_jobs`` and of the block size.
    seed : int, default=0
    n_jobs : None or int
        Worker processes (joblib) over blocks of rows; ``None`` or 1 runs in-process.

    Returns
    -------
    scores : ndarray of shape (n,)
    n_neighbors : ndarray of int, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0], [0.1, 0], [0, 0.1], [0.1, 0.1], [9, 9]])
    >>> s, k = phl_outlier_scores(X, radius=0.5)
    >>> k.tolist(), bool(np.isinf(s[4]))
    ([3, 3, 3, 3, 0], True)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    # rows and radius divided by the same power of two (exact: the same neighbourhoods and
    # the same float32 distances, bit for bit, scaled), so that ripser's float32 distances
    # neither overflow nor underflow whatever the data's units; the scores scale back
    # (explore3/tables 02)
    c = power_of_two_scale(X)
    X = X / c
    radius = radius / c
    n = X.shape[0]
    scores = np.empty(n)
    counts = np.empty(n, dtype=np.int64)

    def tree_lists():
        # neighbour counts first (cheap), so that a block never holds more than _MAX_PAIRS
        # neighbour indices whatever the radius
        tree = cKDTree(X)
        csum = np.cumsum(tree.query_ball_point(X, r=radius, return_length=True))
        start = 0
        while start < n:
            base = csum[start - 1] if start else 0
            stop = int(np.searchsorted(csum, base + _MAX_PAIRS, side="right"))
            stop = min(n, start + _CHUNK, max(stop, start + 1))
            lists = tree.query_ball_point(X[start:stop], r=radius)
            yield start, stop, [np.asarray([j for j in lst if j != start + i], dtype=np.intp)
                                for i, lst in enumerate(lists)]
            start = stop

    def brute_lists():
        # blocked exact search; consecutive blocks are gathered up to _CHUNK rows or
        # _MAX_PAIRS neighbour indices
        index = _brute_index(X)
        step = max(1, min(_CHUNK, _MAX_PAIRS // max(n, 1)))
        first, acc, pairs = 0, [], 0
        for start in range(0, n, step):
            stop = min(n, start + step)
            acc += _radius_neighbors(X, radius, start, stop, index)
            pairs += sum(a.size for a in acc[-(stop - start):])
            if stop - first >= _CHUNK or pairs >= _MAX_PAIRS or stop == n:
                yield first, stop, acc
                first, acc, pairs = stop, [], 0

    def blocks():
        for start, stop, nbrs in (tree_lists() if _use_tree(X) else brute_lists()):
            sizes = np.fromiter((len(a) for a in nbrs), dtype=np.int64, count=len(nbrs))
            counts[start:stop] = sizes
            offsets = np.concatenate([[0], np.cumsum(sizes)])
            flat = np.concatenate(nbrs) if len(nbrs) else np.empty(0, dtype=np.intp)
            yield start, stop, flat, offsets

    if n_jobs is None or n_jobs == 1:
        for start, stop, flat, offsets in blocks():
            scores[start:stop] = _chunk_scores(X, flat, offsets, dimension, scoring,
                                               max_neighbors, seed, start)
    else:
        from joblib import Parallel, delayed

        spans = []

        def tasks():
            for start, stop, flat, offsets in blocks():
                spans.append((start, stop))
                yield delayed(_chunk_scores)(X, flat, offsets, dimension, scoring,
                                             max_neighbors, seed, start)

        results = Parallel(n_jobs=n_jobs)(tasks())
        for (start, stop), res in zip(spans, results, strict=True):
            scores[start:stop] = res
    scores[np.isnan(scores)] = np.inf
    scores *= c
    return scores, counts


def landmark_order(scores, landmark_type="representative", super_outliers="auto", rng=None):
    """All rows in landmark order from outlier scores (``inf`` = super-outlier).

    Regular rows are sorted by score (ascending for ``representative``, descending for
    ``vital``; ties by position); super-outliers are shuffled with ``rng`` and placed last
    or first (``auto``: last for representative, first for vital).

    Examples
    --------
    >>> import numpy as np
    >>> landmark_order(np.array([0.3, np.inf, 0.1, 0.2]), rng=np.random.default_rng(0)).tolist()
    [2, 3, 0, 1]
    >>> landmark_order(np.array([0.3, np.inf, 0.1, 0.2]), "vital").tolist()
    [1, 0, 3, 2]
    """
    scores = np.asarray(scores, dtype=np.float64)
    rng = np.random.default_rng(rng)
    sup = np.flatnonzero(np.isinf(scores))
    reg = np.flatnonzero(~np.isinf(scores))
    key = scores[reg] if landmark_type == "representative" else -scores[reg]
    reg = reg[np.argsort(key, kind="stable")]
    sup = rng.permutation(sup)
    where = super_outliers
    if where == "auto":
        where = "last" if landmark_type == "representative" else "first"
    return np.concatenate([reg, sup] if where == "last" else [sup, reg]).astype(np.intp)
