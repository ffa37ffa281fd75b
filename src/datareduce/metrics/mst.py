"""Exact minimum spanning tree of a point cloud: the H0 persistence of its Rips filtration.

:func:`minimum_spanning_tree_lengths` returns the edge lengths of an exact Euclidean (or
Chebyshev / Manhattan) minimum spanning tree without forming the n x n distance matrix.

Method (Boruvka's algorithm on a cell index)
--------------------------------------------
The rows are grouped into about ``n / cell_size`` cells: the Voronoi cells of centres
found by two Lloyd iterations from random rows (random rows only for the non-Euclidean
metrics). Each cell keeps its radius. For a point ``p`` of cell ``A`` and any point ``q``
of another cell ``B``, ``d(p, q)`` is at least

* ``d(p, c_B) - r_B`` (triangle inequality, every metric), and
* for the Euclidean metric, the distance from ``p`` to the bisector of ``c_A`` and
  ``c_B``: ``(|p - c_B|^2 - |p - c_A|^2) / (2 |c_A - c_B|)``, because ``q`` is at least as
  close to ``c_B`` as to ``c_A``.

These bounds (minus a rounding slack) decide which cells a search must read; the cells are
read nearest-bound first, in blocks of at most ``batch`` rows, with one matrix product per
block. Two searches use them:

1. the ``n_neighbors`` nearest neighbours of every row. For the Euclidean metric this is
   one symmetric pass (:meth:`_CellIndex.knn_pairs`): the cells are cut into tiles of at
   most ``tile`` rows, each pair of tiles is read once (so each pair of rows at most once)
   and updates the lists of both sides, tile pairs whose bounding balls are too far apart
   are skipped, blocks are screened in float32 with a rounding slack (float64 when the
   data's scale would overflow float32 or its rounding is not small against the
   neighbour distances), and hits get float64 keys from coordinate differences. The
   blocks of a wave run on ``n_jobs`` threads and their hits are merged in a fixed order,
   so the lists do not depend on ``n_jobs``. On data without cluster structure in 16-D no
   bound prunes anything, and this halves the work of reading every pair in both
   directions;
2. in each Boruvka round, for a component whose rows' neighbour lists are all inside it,
   the nearest row of another component, pruned by the shortest candidate edge of the
   component found so far (only the component's shortest outgoing edge is needed).

Every chosen edge is a shortest edge across a cut, the lengths of the chosen edges are
recomputed from coordinate differences, and the result is the minimum spanning tree of the
union of chosen edges (scipy), so it is exact: the multiset of MST lengths is unique even
with ties. Duplicate rows are merged first (each adds a zero-length edge).

Cost: on clustered data the searches read about the rows of a point's own cluster, so the
work is close to ``sum over clusters of size^2 * d`` instead of ``n^2 * d``; on data
without structure in high dimension it degrades to chunked brute force, ``n^2 d / 2`` for
the Euclidean k-NN pass (and the Boruvka rounds then usually need no search at all).
Memory is ``O(n * n_neighbors)`` plus blocks of ``cell rows x batch`` distances (and one
``tile x tile`` block per thread).
"""

from __future__ import annotations

import logging

import numpy as np

from .._core.threads import one_blas_thread
from .._core.validation import check_X
from .._geometry.farthest import _rowwise as _pair_distances
from .._geometry.neighbors import check_metric, nearest, pairwise_block

__all__ = ["minimum_spanning_tree_lengths"]

logger = logging.getLogger(__name__)


#: ``engine="auto"`` uses mlpack's EMST (when installed) up to this many features
MLPACK_MAX_DIM = 4


def minimum_spanning_tree_lengths(X, *, metric: str = "euclidean", n_neighbors: int = 10,
                                  cell_size: int = 512, batch: int = 4096, tile: int = 512,
                                  engine: str = "auto", n_jobs: int | None = -1) -> np.ndarray:
    """Edge lengths of an exact minimum spanning tree of the complete distance graph.

    These are the finite death times of the Vietoris-Rips H0 diagram (all births are 0).
    See the module documentation for the method (Boruvka rounds on a Voronoi cell index,
    exact) and its cost.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    metric : {"euclidean", "chebyshev", "manhattan"}
    n_neighbors : int, default=10
        Size of the nearest-neighbour lists the Boruvka rounds start from.
    cell_size : int, default=512
        Average rows per cell of the index (a speed knob; the result does not depend on it).
    batch : int, default=4096
        Rows of other cells compared with one cell in one matrix product (the searches of
        the Boruvka rounds, and the k-NN lists of the non-Euclidean metrics).
    tile : int, default=512
        About this many rows per tile of the Euclidean k-NN pass (each cell is cut into
        equal parts of at most 1.5 ``tile`` rows, so a block holds at most
        ``(1.5 tile)**2`` keys); a speed knob, the result does not depend on it.
    engine : {"auto", "cells", "mlpack"}, default="auto"
        ``"cells"``: the method above. ``"mlpack"``: mlpack's exact dual-tree Boruvka EMST
        (Euclidean only; needs ``pip install mlpack``), with the tree's lengths recomputed
        from coordinate differences. ``"auto"``: mlpack when it is installed, the metric is
        Euclidean and there are at most 4 features (measured 1.9x faster at 100,000 x 4,
        3.3x slower at 100,000 x 8), else ``"cells"``. Both are exact: the lengths agree to
        rounding (3e-16 relative measured).
    n_jobs : int or None, default=-1
        Threads for the nearest-neighbour pass of ``"cells"`` (-1: every core; None or 1:
        one). The result does not depend on it (the hits of each wave are merged in a
        fixed order).

    Returns
    -------
    lengths : ndarray of float64, shape (n_samples - 1,)
        Sorted ascending.

    Examples
    --------
    >>> minimum_spanning_tree_lengths([[0.0, 0.0], [3.0, 0.0], [3.0, 4.0], [0.0, 0.0]]).tolist()
    [0.0, 3.0, 4.0]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    metric = check_metric(metric)
    for name, value, low in (("n_neighbors", n_neighbors, 1), ("cell_size", cell_size, 1),
                             ("batch", batch, 1), ("tile", tile, 1)):
        if int(value) < low:
            raise ValueError(f"{name}={value} must be an integer >= {low}.")
    if engine not in ("auto", "cells", "mlpack"):
        raise ValueError(f"engine={engine!r} is not supported; use 'auto', 'cells' or 'mlpack'.")
    if n_jobs is not None and (int(n_jobs) != n_jobs or n_jobs == 0 or n_jobs < -1):
        raise ValueError(f"n_jobs={n_jobs!r} must be None, -1 or a positive integer.")
    from joblib import effective_n_jobs

    threads = effective_n_jobs(n_jobs)
    X = np.asarray(check_X(X), dtype=np.float64)
    n_all = X.shape[0]
    U = np.unique(X, axis=0)
    n = U.shape[0]
    zeros = np.zeros(n_all - n)
    if n == 1:
        return zeros
    if engine == "auto":
        engine = ("mlpack" if metric == "euclidean" and U.shape[1] <= MLPACK_MAX_DIM
                  and _has_mlpack() else "cells")
    if engine == "mlpack":
        return np.sort(np.concatenate([zeros, _mlpack_lengths(U, metric)]))
    with one_blas_thread():
        index = _CellIndex(U, metric, int(cell_size), int(batch))
        U = U[index.perm]  # exact coordinates in the index's order, for the final lengths
        k = min(int(n_neighbors), n - 1)
        if metric == "euclidean":
            dist, nbr = index.knn_pairs(k, threads, int(tile))
        else:
            dist, nbr = index.knn(k, threads)
        # no unlisted row is closer than this (less the keys' rounding slack)
        lower = dist[:, -1] - (index.slack_sq if index.euclidean else index.slack)
        all_rows = np.arange(n)
        eu, ev = [], []
        n_comp, labels = n, all_rows
        rounds = 0
        while n_comp > 1:
            rounds += 1
            cand_d, cand_j, unresolved = _first_outside(dist, nbr, labels)
            best = np.full(n_comp, np.inf)
            np.minimum.at(best, labels, cand_d)
            need = np.flatnonzero(unresolved & (lower < best[labels]))
            if need.size:
                c_d, c_j = index.nearest_outside(need, labels, best)
                cand_d[need], cand_j[need] = c_d, c_j
            # per component: its shortest candidate edge
            order = np.lexsort((cand_d, labels))
            first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
            eu.append(first)
            ev.append(cand_j[first])
            graph = coo_matrix((np.ones(sum(len(e) for e in eu)),
                                (np.concatenate(eu), np.concatenate(ev))), shape=(n, n))
            n_comp, labels = connected_components(graph, directed=False)
            logger.debug("MST round %d: %d searched rows, %d components left", rounds,
                         need.size, n_comp)
    u, v = np.concatenate(eu), np.concatenate(ev)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    # an edge chosen from both of its sides must appear once (coo would sum the weights)
    _, first = np.unique(lo * n + hi, return_index=True)
    lo, hi = lo[first], hi[first]
    w = _pair_distances(U[lo], U[hi], metric)  # exact lengths, no dot-product expansion
    if np.any(w <= 0):  # pragma: no cover - distinct rows are at a positive distance
        raise RuntimeError("zero-length edge between distinct rows")
    mst = minimum_spanning_tree(coo_matrix((w, (lo, hi)), shape=(n, n)).tocsr())
    lengths = np.sort(np.concatenate([zeros, mst.data]))
    if lengths.size != n_all - 1:  # pragma: no cover - guards the invariant
        raise RuntimeError("minimum spanning tree is not spanning")
    return lengths


def _has_mlpack() -> bool:
    import importlib.util

    return importlib.util.find_spec("mlpack") is not None


def _mlpack_lengths(U, metric):
    if metric != "euclidean":
        raise ValueError(f"engine='mlpack' computes Euclidean trees only; metric={metric!r} "
                         "needs engine='cells' (or 'auto').")
    try:
        import mlpack
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("engine='mlpack' needs mlpack: pip install mlpack") from exc
    edges = np.asarray(mlpack.emst(input_=np.ascontiguousarray(U))["output"])
    u, v = edges[:, 0].astype(np.intp), edges[:, 1].astype(np.intp)
    if len(u) != U.shape[0] - 1:  # pragma: no cover - guards the invariant
        raise RuntimeError("mlpack's EMST is not spanning")
    return _pair_distances(U[u], U[v], metric)




def _merge_dense(td, tj, kth, act, D, Q, k):
    """Merge a block of keys into the k-best lists of rows ``act`` (argpartition)."""
    p = np.argpartition(D, min(k, D.shape[1]) - 1, axis=1)[:, :k]
    C = np.concatenate([td[act], np.take_along_axis(D, p, axis=1)], axis=1)
    J = np.concatenate([tj[act], Q[p]], axis=1)
    q = np.argpartition(C, k - 1, axis=1)[:, :k]
    td[act] = np.take_along_axis(C, q, axis=1)
    tj[act] = np.take_along_axis(J, q, axis=1)
    kth[act] = td[act].max(axis=1)


def _merge_sparse(td, tj, kth, act, hi, hj, hv, Q, k):
    """Merge a few keys ``hv`` (rows ``act[hi]``, columns ``Q[hj]``) below the rows' current
    k-th best (sort the hits)."""
    r_u, inv = np.unique(hi, return_inverse=True)
    r = act[r_u]
    rows = np.concatenate([np.repeat(np.arange(r_u.size), k), inv])
    vals = np.concatenate([td[r].ravel(), hv])
    idx = np.concatenate([tj[r].ravel(), Q[hj]])
    order = np.lexsort((vals, rows))
    start = np.searchsorted(rows[order], np.arange(r_u.size))
    take = order[(start[:, None] + np.arange(k)[None, :]).ravel()]
    td[r] = vals[take].reshape(-1, k)
    tj[r] = idx[take].reshape(-1, k)
    kth[r] = td[r][:, -1]


def _first_outside(dist, nbr, labels):
    """First listed neighbour in another component: (distance, index, unresolved mask)."""
    outside = labels[nbr] != labels[:, None]
    has = outside.any(axis=1)
    pos = outside.argmax(axis=1)
    r = np.arange(len(labels))
    cand_d = np.where(has, dist[r, pos], np.inf)
    cand_j = np.where(has, nbr[r, pos], -1)
    return cand_d, cand_j, ~has


class _CellIndex:
    """Rows grouped into Voronoi cells, with lower bounds of distances to whole cells.

    ``X`` holds the (centred) rows in cell order; ``perm`` maps that order back to the
    input's rows. Cells are contiguous slices ``starts[c]:ends[c]``. Searches compare
    *keys*: squared distances for the Euclidean metric (one matrix product of augmented
    rows gives them), the distances themselves for the others.
    """

    def __init__(self, U, metric, cell_size, batch, seed=0):
        n = U.shape[0]
        self.metric = metric
        self.batch = batch
        X = U - U.mean(axis=0)  # centring makes the dot-product expansion more accurate
        rng = np.random.default_rng(seed)
        m = max(1, min(n, int(round(n / cell_size))))
        centers = X[rng.choice(n, m, replace=False)]
        iters = 2 if metric == "euclidean" else 0
        for it in range(iters + 1):
            assign, _ = nearest(X, centers, metric=metric)
            if it < iters:
                counts = np.bincount(assign, minlength=len(centers))
                keep = counts > 0
                sums = np.zeros_like(centers)
                np.add.at(sums, assign, X)
                centers = sums[keep] / counts[keep, None]
        counts = np.bincount(assign, minlength=len(centers))
        keep = np.flatnonzero(counts > 0)
        relabel = np.full(len(centers), -1)
        relabel[keep] = np.arange(len(keep))
        assign = relabel[assign]
        self.centers = centers[keep]
        self.perm = np.argsort(assign, kind="stable")
        self.X = X[self.perm]
        sq = np.einsum("ij,ij->i", self.X, self.X)
        counts = counts[keep]
        self.m = len(keep)
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts
        self.counts = counts
        self.cell_of = np.repeat(np.arange(self.m), counts)
        # exact distance of every row to its own centre -> cell radii
        own = _pair_distances(self.X, self.centers[self.cell_of], metric)
        self.radius = np.zeros(self.m)
        np.maximum.at(self.radius, self.cell_of, own)
        self.c_sq = np.einsum("ij,ij->i", self.centers, self.centers)
        self.euclidean = metric == "euclidean"
        if self.euclidean:
            self.gap = pairwise_block(self.centers, self.centers, "euclidean", B_sq=self.c_sq)
            one = np.ones((n, 1))
            # |a - b|^2 = [-2a, 1, |a|^2] . [b, |b|^2, 1]
            self.XA = np.hstack([-2.0 * self.X, one, sq[:, None]])
            self.XB = np.hstack([self.X, sq[:, None], one])
            with np.errstate(over="ignore"):
                self.XA32 = self.XA.astype(np.float32)
                self.XB32 = self.XB.astype(np.float32)
        # rounding slack of the bounds: the expansion errs by ~1e-16 * |x|^2
        scale = float(np.sqrt(max(sq.max(), self.c_sq.max()))) + 1.0
        self.slack = 1e-9 * scale
        self.slack_sq = 1e-9 * scale * scale
        # distances to the centres come from the expansion too: a key's error (up to about
        # 8 (d + 4) eps scale^2) moves a short distance by up to its square root, far more
        # than ``slack`` (review15/e 01: cells holding the nearest row were skipped)
        self.dc_slack = self.slack + (float(np.sqrt(8.0 * (U.shape[1] + 4)
                                                     * np.finfo(np.float64).eps)) * scale
                                      if metric == "euclidean" else 0.0)
        # float32 keys: rounding of the inputs and of a sum of d + 2 terms, each of size at
        # most 4 scale^2, is below (d + 6) 6e-8 * 4 scale^2; ten times that
        self.slack32 = 10 * (U.shape[1] + 6) * 6e-8 * 4 * scale * scale
        # float32 keys must not overflow (their terms reach 4 (d + 6) scale^2): else float64
        self.fits32 = bool(self.euclidean and (U.shape[1] + 6) * 4 * scale * scale < 1e37
                           and np.isfinite(self.XA32).all() and np.isfinite(self.XB32).all())

    def keys(self, P, Q):
        """Comparison keys between rows P and Q (squared distances for Euclidean)."""
        if self.euclidean:
            return self.XA[P] @ self.XB[Q].T
        return pairwise_block(self.X[P], self.X[Q], self.metric)

    def to_key(self, d):
        return np.square(np.maximum(d, 0.0)) if self.euclidean else d

    def from_key(self, k):
        return np.sqrt(np.maximum(k, 0.0)) if self.euclidean else k

    # --------------------------------------------------------------- bounds
    def lower_bounds(self, rows, cell):
        """Lower bounds (len(rows), m), as keys, of the distance from each row (all in
        ``cell``) to any row of each cell (0 for its own cell)."""
        Dc = pairwise_block(self.X[rows], self.centers, self.metric, B_sq=self.c_sq)
        lb = Dc - self.radius[None, :]
        if self.euclidean:
            g = self.gap[cell]
            # only centres far enough apart give a stable bisector bound
            inv = np.where(g > 1e3 * self.slack, 0.5 / np.maximum(g, 1e-300), 0.0)
            dA = Dc[:, cell:cell + 1]
            bis = Dc - dA
            bis *= Dc + dA
            bis -= self.slack_sq
            bis *= inv
            np.maximum(lb, bis, out=lb)
        lb -= self.dc_slack
        lb[:, cell] = 0.0
        return self.to_key(lb)

    def _rows_of(self, cells):
        if len(cells) == 1:
            return np.arange(self.starts[cells[0]], self.ends[cells[0]])
        return np.concatenate([np.arange(self.starts[c], self.ends[c]) for c in cells])

    def _row_step(self):
        return max(1, 4 * 2**20 // (8 * self.batch))  # <= 4 MiB of keys per block

    def _batches(self, lb, bound, first=None):
        """Yield (cells, active rows): blocks of cells, nearest bound first, while some row
        can still improve. ``bound()`` is re-read between blocks (the caller updates it)."""
        key = lb.min(axis=0)
        remaining = np.argsort(key, kind="stable")
        remaining = remaining[np.isfinite(key[remaining])]
        while remaining.size:
            b = bound()[:, None]
            needed = (lb[:, remaining] < b).any(axis=0)
            remaining = remaining[needed]
            if not remaining.size:
                return
            size = self.batch if first is None else first
            first = None
            take = max(1, int(np.searchsorted(np.cumsum(self.counts[remaining]), size,
                                              side="right")))
            cells = remaining[:take]
            remaining = remaining[take:]
            active = np.flatnonzero((lb[:, cells] < b).any(axis=1))
            yield cells, active

    # -------------------------------------------------------------- searches
    def knn(self, k, n_jobs=1):
        """The k nearest other rows of every row (index order), as keys sorted ascending.

        Cells are independent (each writes only its own rows' lists), so ``n_jobs`` threads
        share them; the matrix products and the large array operations release the GIL.
        The result does not depend on ``n_jobs``.
        """
        n = self.X.shape[0]
        topd = np.full((n, k), np.inf)
        topj = np.full((n, k), -1, dtype=np.intp)
        if n_jobs > 1 and self.m > 1:
            from concurrent.futures import ThreadPoolExecutor

            # largest cells first, so that the threads finish together
            order = np.argsort(-self.counts, kind="stable")
            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                list(pool.map(lambda c: self._knn_cell(int(c), k, topd, topj), order))
        else:
            for cell in range(self.m):
                self._knn_cell(cell, k, topd, topj)
        order = np.argsort(topd, axis=1, kind="stable")
        return np.take_along_axis(topd, order, axis=1), np.take_along_axis(topj, order, axis=1)

    def _knn_cell(self, cell, k, topd, topj):
        """k nearest other rows of the rows of one cell, into ``topd``/``topj`` (its rows)."""
        step = self._row_step()
        s, e = self.starts[cell], self.ends[cell]
        for a in range(s, e, step):
            rows = np.arange(a, min(e, a + step))
            lb = self.lower_bounds(rows, cell)
            td, tj = topd[rows], topj[rows]
            kth = np.full(rows.size, np.inf)
            for cells, act in self._batches(lb, lambda kth=kth: kth, first=4 * k):
                Q = self._rows_of(cells)
                P = rows[act]
                at = np.flatnonzero(cells == cell)
                own = None
                if at.size:  # a row is not its own neighbour
                    own = (np.arange(P.size), self.counts[cells[:at[0]]].sum() + P - s)
                if self.fits32 and np.isfinite(kth[act]).all():
                    # screen in float32 (half the memory traffic), then exact float64 keys
                    # for the few hits; the slack bounds float32's rounding generously
                    D = self.XA32[P] @ self.XB32[Q].T
                    if own is not None:
                        D[own] = np.inf
                    thr = (kth[act] + self.slack32).astype(np.float32)
                    flat = np.flatnonzero(D < thr[:, None])
                    if flat.size == 0:
                        continue
                    if flat.size * 8 < D.size:
                        hi, hj = np.divmod(flat, D.shape[1])
                        hv = np.einsum("ij,ij->i", self.XA[P[hi]], self.XB[Q[hj]])
                        hit = hv < kth[act[hi]]
                        if hit.any():
                            _merge_sparse(td, tj, kth, act, hi[hit], hj[hit], hv[hit], Q, k)
                        continue
                D = self.keys(P, Q)
                if own is not None:
                    D[own] = np.inf
                flat = np.flatnonzero(D < kth[act, None])
                if flat.size == 0:
                    continue
                if flat.size * 8 < D.size:
                    hi, hj = np.divmod(flat, D.shape[1])
                    _merge_sparse(td, tj, kth, act, hi, hj, D[hi, hj], Q, k)
                else:
                    _merge_dense(td, tj, kth, act, D, Q, k)
            topd[rows], topj[rows] = td, tj

    # ------------------------------------------------- symmetric Euclidean k-NN
    def knn_pairs(self, k, n_jobs=1, tile=512):
        """Euclidean k nearest other rows of every row, reading each pair of rows once.

        The rows (cell order) are cut into tiles of about ``tile`` rows (each cell into
        equal parts), each with a bounding ball. Each tile first fills its rows' lists from
        its own rows (threads share the tiles). A tile pair (I, J), I < J, is then read as
        one block and updates the lists of *both* sides; it is skipped when its balls are
        farther apart than the k-th key of every row of both tiles, and in a pair of well
        separated tiles only the rows whose distance to the other ball can beat a list are
        read. The screen is one matrix product with the k-th keys folded in
        (``|p - q|^2 - t_p - t_q``), in float32 when that is safe, with a rounding slack;
        the few hits get float64 keys from coordinate differences before they enter a list.
        Blocks run in waves: the threads screen wave w against the lists merged through
        wave w - 2 while the main thread merges wave w - 1 in pair order (the same schedule
        runs on one thread), so the lists do not depend on
        ``n_jobs``. Returns (keys, index), sorted ascending.
        """
        import threading

        X, n = self.X, self.X.shape[0]
        self._local, self._tile = threading.local(), tile
        ts, te = self._tiles(tile)
        nt = ts.size
        centre = np.add.reduceat(X, ts, axis=0) / (te - ts)[:, None]
        tile_of = np.repeat(np.arange(nt), te - ts)
        rad = np.zeros(nt)
        np.maximum.at(rad, tile_of, _pair_distances(X, centre[tile_of], "euclidean"))
        topd = np.full((n, k), np.inf)
        topj = np.full((n, k), -1, dtype=np.intp)
        pool = None
        if n_jobs > 1 and nt > 1:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=n_jobs)
        try:
            # wave 0: each tile with itself (dense, float64), so that every list is short
            tiles = range(nt)
            if pool is not None:
                list(pool.map(lambda t: self._diagonal_lists(ts[t], te[t], k, topd, topj), tiles))
            else:
                for t in tiles:
                    self._diagonal_lists(ts[t], te[t], k, topd, topj)
            thr = topd[:, -1].copy()
            finite = thr[np.isfinite(thr)]
            use32 = (self.fits32 and finite.size > 0
                     and self.slack32 < 0.05 * float(np.median(finite)))
            slack = self.slack32 if use32 else self.slack_sq
            # all tile pairs I < J whose balls can hold a pair shorter than both k-th keys
            tmax = np.maximum.reduceat(thr, ts)
            gap = np.empty(0)
            pi, pj = [], []
            for i in range(nt - 1):
                g = _pair_distances(centre[i + 1:], centre[i][None, :], "euclidean")
                lb = g - rad[i] - rad[i + 1:] - self.slack
                lim = np.maximum(tmax[i], tmax[i + 1:])
                keep = np.flatnonzero((lb <= 0) | (np.square(np.maximum(lb, 0)) < lim))
                pi.append(np.full(keep.size, i))
                pj.append(i + 1 + keep)
                gap = np.concatenate([gap, lb[keep]]) if keep.size else gap
            pi = np.concatenate(pi) if pi else np.empty(0, dtype=np.intp)
            pj = np.concatenate(pj) if pj else np.empty(0, dtype=np.intp)
            order = np.lexsort((pj, pi, gap + rad[pi] + rad[pj]))  # nearest centres first
            pi, pj, gap = pi[order], pj[order], gap[order]
            self.pairs_read = 0
            # screening rows with the k-th keys folded in: [-2p, 1, |p|^2 - t_p] .
            # [q, |q|^2 - t_q, 1] = |p - q|^2 - t_p - t_q (t: k-th keys, capped at the
            # largest possible key so that they stay finite)
            base = (self.XA32, self.XB32) if use32 else (self.XA, self.XB)
            bufs = [(base[0].copy(), base[1].copy()) for _ in range(2)]  # double buffer
            sq = self.XB[:, -2]
            cap = 4.0 * float(sq.max()) * (1 + 1e-6) + 2 * slack
            # waves grow: the lists shorten fast at first, then hardly change. Wave w reads
            # the lists as merged through wave w - 2: the main thread merges wave w - 1
            # while the threads screen wave w (the same schedule on one thread)
            w0, wave, w, pending = 0, max(nt, 16), 0, None
            while w0 < pi.size or pending is not None:
                current = None
                if w0 < pi.size:
                    thr = topd[:, -1].copy()
                    tmax = np.maximum.reduceat(thr, ts)
                    tcap = np.minimum(thr, cap)
                    SA, SB = bufs[w % 2]
                    SA[:, -1] = sq - tcap
                    SB[:, -2] = sq - tcap
                    a, b, g = pi[w0:w0 + wave], pj[w0:w0 + wave], gap[w0:w0 + wave]
                    w0, wave, w = w0 + wave, min(2 * wave, 8 * max(nt, 16)), w + 1
                    lim = np.maximum(tmax[a], tmax[b])
                    live = (g <= 0) | (np.square(np.maximum(g, 0)) < lim)
                    a, b, g = a[live], b[live], g[live]
                    tasks = [(int(x), int(y), float(z))
                             for x, y, z in zip(a, b, g, strict=True)]

                    def fn(t, thr=thr, tmax=tmax, tcap=tcap, SA=SA, SB=SB):
                        return self._pair_hits(t, ts, te, centre, rad, thr, tmax, tcap,
                                               SA, SB, slack)

                    if pool is not None:
                        current = [pool.submit(fn, t) for t in tasks]
                    else:
                        current = [fn(t) for t in tasks]
                if pending is not None:
                    self._merge_hits(topd, topj, pending, k)
                pending = (None if current is None else
                           [f.result() for f in current] if pool is not None else current)
        finally:
            if pool is not None:
                pool.shutdown()
        return topd, topj

    def _tiles(self, tile):
        parts = np.maximum(1, np.round(self.counts / tile).astype(np.intp))
        ts = [self.starts[c] + (self.counts[c] * np.arange(parts[c])) // parts[c]
              for c in range(self.m)]
        ts = np.concatenate(ts).astype(np.intp)
        te = np.r_[ts[1:], self.X.shape[0]]
        return ts, te

    def _exact_keys(self, p, q):
        """Squared distances of the row pairs (p, q) from coordinate differences."""
        out = np.empty(p.size)
        for s in range(0, p.size, 65536):
            diff = self.X[p[s:s + 65536]] - self.X[q[s:s + 65536]]
            out[s:s + 65536] = np.einsum("ij,ij->i", diff, diff)
        return out

    def _diagonal_lists(self, a0, a1, k, topd, topj):
        """The k nearest other rows of each row of one tile within the tile, written to the
        tile's own rows of ``topd``/``topj`` (tiles are disjoint: threads may share them)."""
        D = self.XA[a0:a1] @ self.XB[a0:a1].T
        np.fill_diagonal(D, np.inf)  # a row is not its own neighbour
        if a1 - a0 - 1 >= k:
            kth = np.partition(D, k - 1, axis=1)[:, k - 1] + self.slack_sq
            i, j = np.nonzero(D < kth[:, None])
        else:
            i, j = np.nonzero(D < np.inf)
        v = self._exact_keys(a0 + i, a0 + j)
        order = np.lexsort((v, i))  # by row, then key
        i, j, v = i[order], j[order], v[order]
        first = np.searchsorted(i, i, side="left")
        rank = np.arange(i.size) - first
        few = rank < k
        topd[a0 + i[few], rank[few]] = v[few]
        topj[a0 + i[few], rank[few]] = a0 + j[few]

    def _pair_hits(self, task, ts, te, centre, rad, thr, tmax, tcap, SA, SB, slack):
        """Pairs (p in tile ti, q in tile tj) shorter than the k-th key of p or of q."""
        ti, tj, lb = task
        P = np.arange(ts[ti], te[ti])
        Q = np.arange(ts[tj], te[tj])
        if lb > -min(rad[ti], rad[tj]):  # separated tiles: keep the rows that can reach
            for side, other in ((0, tj), (1, ti)):
                R = P if side == 0 else Q
                low = _pair_distances(self.X[R], centre[other][None, :], "euclidean")
                low -= rad[other] + self.slack
                ok = (low <= 0) | (np.square(np.maximum(low, 0)) < np.maximum(thr[R], tmax[other]))
                if side == 0:
                    P = P[ok]
                else:
                    Q = Q[ok]
            if P.size == 0 or Q.size == 0:
                return None
        A = SA[P] if P.size < te[ti] - ts[ti] else SA[ts[ti]:te[ti]]
        B = SB[Q] if Q.size < te[tj] - ts[tj] else SB[ts[tj]:te[tj]]
        buf = getattr(self._local, "buf", None)
        if buf is None or buf.dtype != A.dtype or buf.size < P.size * Q.size:
            buf = np.empty(max(P.size * Q.size, (3 * self._tile // 2) ** 2), dtype=A.dtype)
            self._local.buf = buf
        E = buf[:P.size * Q.size].reshape(P.size, Q.size)
        np.matmul(A, B.T, out=E)  # |p - q|^2 - t_p - t_q
        # a pair is a hit if |p - q|^2 < max(t_p, t_q), i.e. E < -min(t_p, t_q), which
        # needs E < -(the smallest t of the block): one fast pass, one comparison
        lim = -min(tcap[P].min(), tcap[Q].min()) + 2 * slack
        lim = A.dtype.type(lim + 1e-6 * abs(lim))
        if E.min() >= lim:
            return None
        flat = np.flatnonzero(E < lim)
        i, j = np.divmod(flat, Q.size)
        p, q = P[i], Q[j]
        # per pair (up to the keys' rounding)
        near = E.ravel()[flat] < -np.minimum(tcap[p], tcap[q]) + 2 * slack
        p, q = p[near], q[near]
        v = self._exact_keys(p, q)
        keep = v < np.maximum(thr[p], thr[q])
        return p[keep], q[keep], v[keep]

    @staticmethod
    def _merge_hits(topd, topj, results, k):
        """Merge hit pairs (p, q, key), in order, into the k-lists of both p and q."""
        results = [r for r in results if r is not None and r[0].size]
        if not results:
            return
        p = np.concatenate([r[0] for r in results])
        q = np.concatenate([r[1] for r in results])
        v = np.concatenate([r[2] for r in results])
        rows, nbrs, vals = np.r_[p, q], np.r_[q, p], np.r_[v, v]
        better = vals < topd[rows, -1]
        rows, nbrs, vals = rows[better], nbrs[better], vals[better]
        if rows.size == 0:
            return
        order = np.lexsort((vals, rows))  # stable: earlier hits first among equal keys
        rows, nbrs, vals = rows[order], nbrs[order], vals[order]
        r_u, first = np.unique(rows, return_index=True)
        inv = np.repeat(np.arange(r_u.size), np.diff(np.r_[first, rows.size]))
        rank = np.arange(rows.size) - first[inv]
        few = rank < k  # only a row's k shortest new keys can enter its list
        C = np.full((r_u.size, 2 * k), np.inf)
        J = np.full((r_u.size, 2 * k), -1, dtype=np.intp)
        C[:, :k], J[:, :k] = topd[r_u], topj[r_u]
        C[inv[few], k + rank[few]] = vals[few]
        J[inv[few], k + rank[few]] = nbrs[few]
        take = np.argsort(C, axis=1, kind="stable")[:, :k]  # the list wins ties
        topd[r_u] = np.take_along_axis(C, take, axis=1)
        topj[r_u] = np.take_along_axis(J, take, axis=1)

    def _exact_min(self, P, Q, D, dmin):
        """Nearest row of ``Q`` (positions in Q) for each row of ``P`` and its key, from
        coordinate differences: the keys ``D`` of the dot-product expansion err by up to
        ``tol`` (its terms reach the squared norms), so every column within twice that of a
        row's smallest key is measured exactly. On 2-D data with coordinates near 1e5 and
        neighbours 1e-3 apart the expansion's argmin picked another row and the tree's
        lengths were off by up to 1e-3 (review15/e 01)."""
        sq = self.XB[:, -2]
        tol = 4.0 * (self.X.shape[1] + 4) * np.finfo(np.float64).eps * (sq[P] + sq[Q].max())
        live = np.isfinite(dmin)
        i, jj = np.nonzero((D <= (dmin + 2.0 * tol)[:, None]) & live[:, None])
        v = self._exact_keys(P[i], Q[jj])
        out_d = np.full(P.size, np.inf)
        out_j = np.zeros(P.size, dtype=np.intp)
        order = np.lexsort((v, i))  # by row, then exact key
        first = order[np.r_[True, i[order][1:] != i[order][:-1]]] if i.size else order
        out_d[i[first]] = v[first]
        out_j[i[first]] = jj[first]
        return out_d, out_j

    def nearest_outside(self, rows, labels, best):
        """Nearest row of another component for each of ``rows``, where it can beat ``best``.

        ``best[c]`` (keys, updated in place) is the shortest edge out of component ``c``
        found so far; a row's search stops once no unread cell can hold a row closer than
        its component's ``best``. Groups of rows (one cell and one component each) are
        searched most promising first, so ``best`` falls early. Returns (keys, index),
        ``inf`` / -1 where nothing shorter than ``best`` exists.
        """
        out_d = np.full(rows.size, np.inf)
        out_j = np.full(rows.size, -1, dtype=np.intp)
        # a cell whose rows are all in one component has that label, else -1
        lab_min = np.minimum.reduceat(labels, self.starts)
        lab_max = np.maximum.reduceat(labels, self.starts)
        cell_comp = np.where(lab_min == lab_max, lab_min, -1)
        cells_of_rows = self.cell_of[rows]
        comps_of_rows = labels[rows]
        by = np.lexsort((comps_of_rows, cells_of_rows))
        keys = cells_of_rows[by].astype(np.int64) * (labels.max() + 1) + comps_of_rows[by]
        first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        last = np.r_[first[1:], rows.size]
        step = self._row_step()
        groups = [(by[a:min(s1, a + step)]) for s0, s1 in zip(first, last, strict=True)
                  for a in range(s0, s1, step)]

        def bounds(pos):
            P = rows[pos]
            cell, comp = self.cell_of[P[0]], labels[P[0]]
            lb = self.lower_bounds(P, cell)
            lb[:, cell_comp == comp] = np.inf  # cells inside the component
            return lb, comp

        # most promising groups first: smallest lower bound to a cell outside
        promise = np.array([bounds(pos)[0].min() for pos in groups])
        for g in np.argsort(promise, kind="stable"):
            pos = groups[g]
            if promise[g] >= best[labels[rows[pos[0]]]]:
                continue
            lb, comp = bounds(pos)
            ones = np.ones(len(pos))
            for cells, act in self._batches(lb, lambda comp=comp, ones=ones: ones * best[comp]):
                Q = self._rows_of(cells)
                pa = pos[act]
                D = self.keys(rows[pa], Q)
                same = np.flatnonzero(labels[Q] == comp)
                if same.size:
                    D[:, same] = np.inf
                j = D.argmin(axis=1)
                dj = D[np.arange(pa.size), j]
                if self.euclidean:  # the expansion's argmin may be the wrong row: exactly
                    dj, j = self._exact_min(rows[pa], Q, D, dj)
                better = dj < out_d[pa]
                out_d[pa[better]] = dj[better]
                out_j[pa[better]] = Q[j[better]]
                best[comp] = min(best[comp], float(dj.min()))
        return out_d, out_j
