"""Persistence diagrams of point clouds and distances between them.

Filtration convention
---------------------
Every diagram here is the Vietoris-Rips persistence of a finite point cloud in which a
simplex enters at its diameter: an edge enters at its length ``d(x, x')`` under the chosen
``metric`` (ripser's and giotto-tda's convention; *not* half the length). Under this
convention the Gromov-Hausdorff stability theorem (Chazal, de Silva and Oudot, Geom.
Dedicata 2014) gives, for two point clouds of the same metric space,

    d_B(Dgm_k(X), Dgm_k(Y)) <= 2 * d_GH(X, Y) <= 2 * d_H(X, Y)

in every homology dimension ``k``, where ``d_H`` is the Hausdorff distance under the same
metric. For a subset ``Y`` of ``X``, ``d_H(X, Y)`` is the unlabelled epsilon of
:func:`datareduce.metrics.epsilon_representativeness` computed with that metric.

Large inputs
------------
An exact Rips diagram in dimension >= 1 grows super-quadratically with the number of
points, so above ``max_points`` rows the cloud is subsampled by a greedy permutation
(max-min / farthest-point order, float64 distances). The subsample ``S`` covers ``X``
with radius ``r = d_H(X, S)``, so its diagrams are within ``2 r`` of the exact ones in
bottleneck distance; the bound is reported per dimension. H0 needs no subsampling: its
finite deaths are the edge lengths of a minimum spanning tree, computed exactly by
:func:`minimum_spanning_tree_lengths`.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .._neighbors import argmin_block, check_metric
from .._validation import check_random_generator, check_X, check_y

__all__ = [
    "PersistenceDiagrams",
    "TopologicalDistance",
    "persistence_diagrams",
    "topological_distance",
    "diagram_distance",
    "greedy_permutation",
    "minimum_spanning_tree_lengths",
    "DEFAULT_MAX_POINTS",
]

logger = logging.getLogger(__name__)

#: Rows above which diagrams in dimension >= 1 are computed on a greedy-permutation subsample.
DEFAULT_MAX_POINTS = 1000
_P = {"euclidean": 2.0, "chebyshev": np.inf, "manhattan": 1.0}
_BACKENDS = ("ripser", "giotto")
_DISTANCES = ("bottleneck", "wasserstein")
# exact Wasserstein (assignment problem) up to this many diagram points in total
_EXACT_WASSERSTEIN_MAX = 1500
# neighbour lists of the exact MST: KD-tree up to this many features, brute force (BLAS) above
_KDTREE_MAX_DIM = 6
# optional larger-k passes before brute force (measured slower than going straight to it)
_REFINE = ()


# ----------------------------------------------------------------------------- results
@dataclass
class PersistenceDiagrams:
    """Vietoris-Rips persistence diagrams of one point cloud, and how they were computed.

    Attributes
    ----------
    diagrams : dict
        homology dimension -> array of shape (k, 2) of finite (birth, death) pairs with
        ``death > birth``. The essential H0 class (the bar that never dies) is left out:
        every non-empty cloud has exactly one, born at 0, so it never changes a distance.
    metric : str
        The metric of the Rips filtration (edges enter at their length).
    backend : str
        ``"ripser"`` or ``"giotto"`` (``"mst"`` is noted in ``h0_method``).
    n_samples : int
        Rows of the input.
    n_used : int
        Rows the diagrams of dimension >= 1 were computed on (``n_samples`` when exact).
    subsample_indices : ndarray or None
        Positions of the greedy-permutation subsample in the input, or None when exact.
    cover_radius : float
        Hausdorff distance from the input to the subsample (0.0 when exact).
    h0_method : str
        ``"mst"`` (exact from a minimum spanning tree of all rows), ``"rips"`` (from the
        backend on ``n_used`` rows) or ``"none"``.
    error_bound : dict
        homology dimension -> bound on the bottleneck distance between these diagrams and
        the exact diagrams of the whole input (``2 * cover_radius``, 0.0 when exact).
    seconds : float
        Wall-clock time of the computation.
    """

    diagrams: dict
    metric: str
    backend: str
    n_samples: int
    n_used: int
    subsample_indices: np.ndarray | None = None
    cover_radius: float = 0.0
    h0_method: str = "rips"
    error_bound: dict = field(default_factory=dict)
    seconds: float = 0.0

    def __getitem__(self, dim: int) -> np.ndarray:
        return self.diagrams[dim]

    @property
    def homology_dimensions(self) -> tuple:
        """The homology dimensions present."""
        return tuple(sorted(self.diagrams))

    @property
    def subsampled(self) -> bool:
        """True when diagrams of dimension >= 1 come from a subsample."""
        return self.subsample_indices is not None

    def to_dict(self, *, include_diagrams: bool = False) -> dict:
        """Plain-Python summary (diagram sizes; the pairs themselves with ``include_diagrams``)."""
        out = {
            "metric": self.metric,
            "backend": self.backend,
            "n_samples": int(self.n_samples),
            "n_used": int(self.n_used),
            "subsampled": self.subsampled,
            "cover_radius": float(self.cover_radius),
            "h0_method": self.h0_method,
            "error_bound": {str(k): float(v) for k, v in self.error_bound.items()},
            "n_pairs": {str(k): int(len(v)) for k, v in self.diagrams.items()},
            "seconds": float(self.seconds),
        }
        if include_diagrams:
            out["diagrams"] = {str(k): v.tolist() for k, v in self.diagrams.items()}
        return out


@dataclass
class TopologicalDistance:
    """Distances between the diagrams of a full and a reduced point cloud.

    Attributes
    ----------
    value : dict
        homology dimension -> distance between the diagrams of all rows.
    per_class : dict
        class label -> {homology dimension -> distance} (empty without labels or with
        ``per_class=False``).
    distance : str
        ``"bottleneck"`` or ``"wasserstein"``.
    order : float
        Wasserstein order ``q`` (unused for bottleneck).
    metric : str
        Metric of the Rips filtrations.
    error_bound : dict
        homology dimension -> how far ``value`` can be from the distance between the exact
        diagrams because of subsampling (sum of both sides' ``2 r``; 0.0 when exact).
    full, reduced : PersistenceDiagrams
        The diagrams of all rows of each side.
    per_class_error_bound : dict
        class label -> {homology dimension -> subsampling slack of that class's distance}.
    """

    value: dict
    per_class: dict
    distance: str
    order: float
    metric: str
    error_bound: dict
    full: PersistenceDiagrams
    reduced: PersistenceDiagrams
    per_class_error_bound: dict = field(default_factory=dict)

    @property
    def max(self) -> float:
        """Largest distance over homology dimensions (global, not per class)."""
        return max(self.value.values()) if self.value else 0.0

    def to_dict(self) -> dict:
        """Plain-Python dictionary (labels as strings)."""
        return {
            "distance": self.distance,
            "order": float(self.order),
            "metric": self.metric,
            "value": {str(k): float(v) for k, v in self.value.items()},
            "per_class": {str(c): {str(k): float(v) for k, v in d.items()}
                          for c, d in self.per_class.items()},
            "error_bound": {str(k): float(v) for k, v in self.error_bound.items()},
            "full": self.full.to_dict(),
            "reduced": self.reduced.to_dict(),
        }


# ----------------------------------------------------------------- greedy permutation
def greedy_permutation(X, n_points: int, *, metric: str = "euclidean", start: int | None = 0,
                       random_state=None):
    """Greedy permutation (max-min order) prefix and its cover radius.

    The first point is ``start`` (or a random row when ``start=None``); each next point is
    the row farthest from the points already picked. Distances are computed in float64
    directly from coordinate differences (no dot-product expansion), one pass over the data
    per pick, with BLAS limited to one thread.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_points : int
        Number of points to pick (at most ``n_samples``).
    metric : {"euclidean", "chebyshev", "manhattan"}
    start : int or None, default=0
        First point; None draws it with ``random_state``.
    random_state : int, Generator or None

    Returns
    -------
    indices : ndarray of int, shape (n_points,)
        Positions of the picked rows, in pick order.
    insertion_radii : ndarray of float64, shape (n_points,)
        Distance of each pick to the earlier picks (``inf`` for the first); non-increasing.
    cover_radius : float
        ``max_x min_s d(x, s)`` over all rows x and picks s: the Hausdorff distance from the
        data to the picks (0.0 when every distinct row is picked).

    Examples
    --------
    >>> X = [[0.0], [1.0], [10.0], [4.0]]
    >>> idx, radii, r = greedy_permutation(X, 3)
    >>> idx.tolist(), radii.tolist(), r
    ([0, 2, 3], [inf, 10.0, 4.0], 1.0)
    """
    metric = check_metric(metric)
    X = np.ascontiguousarray(check_X(X), dtype=np.float64)
    n = X.shape[0]
    n_points = int(n_points)
    if not 1 <= n_points <= n:
        raise ValueError(f"n_points={n_points} must be between 1 and the number of rows ({n}).")
    if start is None:
        start = int(check_random_generator(random_state).integers(n))
    if not 0 <= int(start) < n:
        raise ValueError(f"start={start} is not a row position of X (0..{n - 1}).")
    idx = np.empty(n_points, dtype=np.intp)
    radii = np.empty(n_points, dtype=np.float64)
    idx[0], radii[0] = int(start), np.inf
    dmin = np.full(n, np.inf)
    with threadpool_limits(limits=1, user_api="blas"):
        for i in range(1, n_points + 1):
            np.minimum(dmin, _point_distances(X, X[idx[i - 1]], metric), out=dmin)
            j = int(np.argmax(dmin))
            if i == n_points:
                return idx, radii, float(dmin[j])
            idx[i], radii[i] = j, dmin[j]
    raise AssertionError("unreachable")  # pragma: no cover


def _point_distances(X, x, metric):
    diff = np.abs(X - x)
    if metric == "euclidean":
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if metric == "chebyshev":
        return diff.max(axis=1)
    return diff.sum(axis=1)


# ------------------------------------------------------------------------- exact MST
def minimum_spanning_tree_lengths(X, *, metric: str = "euclidean", n_neighbors: int = 16,
                                  working_memory: float = 64.0) -> np.ndarray:
    """Edge lengths of an exact minimum spanning tree of the complete distance graph.

    These are the finite death times of the Vietoris-Rips H0 diagram (all births are 0).
    Duplicate rows are merged first (they only add zero-length edges, which are returned).

    Method: Boruvka's algorithm. Each round every component needs its shortest edge to
    another component; the candidates come from a k-nearest-neighbour list (a KD-tree up
    to 6 features, scikit-learn's chunked brute-force search above, where KD-trees are
    slower than brute force). A
    point whose ``n_neighbors`` nearest neighbours all lie in its own component is resolved
    only when its k-th neighbour distance (a lower bound for any other edge from it) is at
    least its component's best candidate; otherwise it is compared by brute force (chunked)
    with every row of the other components (rows ordered by component, so only those rows
    are read). Every chosen edge is therefore a minimum edge across a cut,
    and the final tree is the minimum spanning tree of the union of chosen edges, so the
    result is exact (ties included: the multiset of MST lengths is unique). No n x n
    matrix is formed; memory is O(n * k) plus blocks of ``working_memory`` MiB.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    metric : {"euclidean", "chebyshev", "manhattan"}
    n_neighbors : int, default=16
        Size of the initial neighbour lists.
    working_memory : float, default=64
        MiB per block of brute-force distances.

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
    from scipy.spatial import cKDTree

    metric = check_metric(metric)
    X = np.asarray(check_X(X), dtype=np.float64)
    n_all = X.shape[0]
    U = np.unique(X, axis=0)
    n = U.shape[0]
    zeros = np.zeros(n_all - n)
    if n == 1:
        return zeros
    if U.shape[1] <= _KDTREE_MAX_DIM:
        tree = cKDTree(U)

        def query(A, k):
            return tree.query(A, k=k, p=_P[metric])
    else:  # KD-trees degrade to worse than brute force in higher dimension
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(algorithm="brute", metric=metric).fit(U)

        def query(A, k):
            return nn.kneighbors(A, n_neighbors=k)

    def knn(rows, k):
        k = min(k, n - 1)
        d, j = query(U[rows], k + 1)
        d, j = np.atleast_2d(d), np.atleast_2d(j)
        self_mask = j == rows[:, None]
        missing = ~self_mask.any(axis=1)  # self not listed (exact ties): drop the last column
        self_mask[missing, -1] = True
        keep = ~self_mask
        return d[keep].reshape(len(rows), k), j[keep].reshape(len(rows), k)

    all_rows = np.arange(n)
    dist, nbr = knn(all_rows, n_neighbors)
    eu, ev, ew = [], [], []
    n_comp, labels = n, all_rows.copy()
    rounds = 0
    with threadpool_limits(limits=1, user_api="blas"):
        while n_comp > 1:
            rounds += 1
            cand_d, cand_j, unresolved = _first_outside(dist, nbr, labels)
            best = np.full(n_comp, np.inf)
            np.minimum.at(best, labels, cand_d)
            lower = dist[:, -1].copy()
            need = np.flatnonzero(unresolved & (lower < best[labels]))
            for factor in _REFINE:
                if need.size == 0 or dist.shape[1] >= n - 1:
                    break
                kk = dist.shape[1] * factor
                step = max(1, int(working_memory * 2**20 // (16 * kk)))
                still = []
                for s in range(0, need.size, step):
                    part = need[s:s + step]
                    d2, j2 = knn(part, kk)
                    c_d, c_j, unres2 = _first_outside(d2, j2, labels, rows=part)
                    cand_d[part], cand_j[part] = c_d, c_j
                    np.minimum.at(best, labels[part], c_d)
                    still.append(part[unres2])
                    lower[part] = d2[:, -1]
                need = np.concatenate(still)
                need = need[lower[need] < best[labels[need]]]
            if need.size:
                c_d, c_j = _brute_outside(U, need, labels, metric, working_memory)
                cand_d[need], cand_j[need] = c_d, c_j
            # per component: its shortest candidate edge
            order = np.lexsort((cand_d, labels))
            first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
            eu.append(first)
            ev.append(cand_j[first])
            ew.append(cand_d[first])
            graph = coo_matrix((np.ones(sum(len(e) for e in eu)),
                                (np.concatenate(eu), np.concatenate(ev))), shape=(n, n))
            n_comp, labels = connected_components(graph, directed=False)
    logger.debug("exact MST of %d rows: %d Boruvka rounds", n, rounds)
    u, v, w = np.concatenate(eu), np.concatenate(ev), np.concatenate(ew)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    # an edge chosen from both of its sides must appear once (coo would sum the weights)
    _, first = np.unique(lo * n + hi, return_index=True)
    lo, hi, w = lo[first], hi[first], w[first]
    mst = minimum_spanning_tree(coo_matrix((w, (lo, hi)), shape=(n, n)).tocsr())
    lengths = np.sort(np.concatenate([zeros, mst.data]))
    if lengths.size != n_all - 1:  # pragma: no cover - guards the invariant
        raise RuntimeError("minimum spanning tree is not spanning")
    return lengths


def _first_outside(dist, nbr, labels, rows=None):
    """First listed neighbour in another component: (distance, index, unresolved mask)."""
    own = labels if rows is None else labels[rows]
    outside = labels[nbr] != own[:, None]
    has = outside.any(axis=1)
    pos = outside.argmax(axis=1)
    r = np.arange(len(own))
    cand_d = np.where(has, dist[r, pos], np.inf)
    cand_j = np.where(has, nbr[r, pos], -1)
    return cand_d, cand_j, ~has


def _brute_outside(U, rows, labels, metric, working_memory):
    """Exact nearest row of another component for each of ``rows`` (chunked brute force).

    Rows are grouped by component and compared only with the rows of the other components
    (two contiguous slices once the data is ordered by component), so a large component's
    points are compared with the few rows outside it.
    """
    n, d = U.shape
    order = np.argsort(labels, kind="stable")
    Us = U[order]
    ls = labels[order]
    Us_sq = np.einsum("ij,ij->i", Us, Us) if metric == "euclidean" else None
    per = 8 * (1 if metric == "euclidean" else d)
    budget = max(1, int(working_memory * 2**20 / per))  # distance entries per block
    best_d = np.full(rows.size, np.inf)
    best_j = np.full(rows.size, -1)
    rl = labels[rows]
    by_comp = np.argsort(rl, kind="stable")
    comps, starts = np.unique(rl[by_comp], return_index=True)
    ends = np.r_[starts[1:], rows.size]
    lo = np.searchsorted(ls, comps, side="left")
    hi = np.searchsorted(ls, comps, side="right")
    for c_lo, c_hi, s0, s1 in zip(lo, hi, starts, ends, strict=True):
        members = by_comp[s0:s1]  # positions in rows
        for sl in (slice(0, c_lo), slice(c_hi, n)):
            m = sl.stop - sl.start
            if m == 0:
                continue
            b_step = max(1, min(m, budget))
            a_step = max(1, budget // b_step)
            for a in range(0, members.size, a_step):
                pos = members[a:a + a_step]
                A = U[rows[pos]]
                for b in range(sl.start, sl.stop, b_step):
                    bs = slice(b, min(sl.stop, b + b_step))
                    j, dj = argmin_block(A, Us[bs], metric,
                                         B_sq=None if Us_sq is None else Us_sq[bs])
                    better = dj < best_d[pos]
                    best_d[pos[better]] = dj[better]
                    best_j[pos[better]] = order[j[better] + b]
    if metric == "euclidean":  # recompute the winners' lengths without the expansion
        best_d = np.sqrt(((U[rows] - U[best_j]) ** 2).sum(axis=1))
    return best_d, best_j


# ---------------------------------------------------------------------- diagrams
def _clean(dgm) -> np.ndarray:
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    keep = np.isfinite(dgm[:, 1]) & (dgm[:, 1] > dgm[:, 0])
    out = dgm[keep]
    return out[np.lexsort((out[:, 1], out[:, 0]))]


def _rips(X, dims, metric, backend):
    maxdim = max(dims)
    if backend == "ripser":
        from ripser import ripser

        with warnings.catch_warnings():  # "square input" warning when n == n_features
            warnings.simplefilter("ignore", UserWarning)
            dgms = ripser(X, maxdim=maxdim, metric=metric)["dgms"]
        return {k: _clean(dgms[k]) for k in dims}
    try:
        from gtda.homology import VietorisRipsPersistence
    except ImportError as exc:
        raise ImportError(
            "backend='giotto' needs giotto-tda (the 'giotto' extra; it pins scikit-learn "
            "1.3.2, so install it in its own environment), or use backend='ripser'."
        ) from exc
    vr = VietorisRipsPersistence(metric=metric, homology_dimensions=tuple(range(maxdim + 1)),
                                 reduced_homology=True, n_jobs=1)
    triples = vr.fit_transform(X[None, :, :])[0]
    return {k: _clean(triples[triples[:, 2] == k, :2]) for k in dims}


def _check_dims(homology_dimensions) -> tuple:
    if np.isscalar(homology_dimensions):
        homology_dimensions = (homology_dimensions,)
    try:
        dims = tuple(sorted({int(k) for k in homology_dimensions}))
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"homology_dimensions={homology_dimensions!r} must be integers, e.g. (0, 1)."
        ) from exc
    if not dims or dims[0] < 0:
        raise ValueError(
            f"homology_dimensions={homology_dimensions!r}: give non-negative integers, e.g. (0, 1)."
        )
    return dims


def persistence_diagrams(X, *, homology_dimensions=(0, 1), metric: str = "euclidean",
                         max_points: int | None = None, backend: str = "ripser",
                         h0: str = "auto", random_state=0) -> PersistenceDiagrams:
    """Vietoris-Rips persistence diagrams (edges enter at their length).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The point cloud.
    homology_dimensions : tuple of int, default=(0, 1)
    metric : {"euclidean", "chebyshev", "manhattan"}, default="euclidean"
    max_points : int or None, default=None
        Above this many rows, dimensions >= 1 are computed on a greedy-permutation
        subsample of ``max_points`` rows; its cover radius ``r`` is reported and the
        diagrams are within ``2 r`` (bottleneck) of the exact ones. None means
        ``DEFAULT_MAX_POINTS`` (1000). The backends build a dense distance matrix of at
        most ``max_points`` rows.
    backend : {"ripser", "giotto"}, default="ripser"
        ``"giotto"`` needs giotto-tda (the ``giotto`` extra).
    h0 : {"auto", "mst", "rips"}, default="auto"
        How the H0 diagram is computed. ``"mst"``: exactly from a minimum spanning tree
        of all rows (fast far beyond ``max_points``); ``"rips"``: by the backend, on the
        subsample when there is one; ``"auto"``: ``"mst"`` when the data is subsampled.
    random_state : int, Generator or None, default=0
        Unused by the exact computation; the greedy permutation starts from row 0.

    Returns
    -------
    PersistenceDiagrams
        ``result[k]`` is the (birth, death) array of dimension ``k`` (finite pairs only).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> dg = persistence_diagrams(circle)
    >>> len(dg[1]), len(dg[0])
    (1, 23)
    >>> bool(dg[1][0, 1] - dg[1][0, 0] > 1.0)
    True
    """
    start = time.perf_counter()
    metric = check_metric(metric)
    dims = _check_dims(homology_dimensions)
    if backend not in _BACKENDS:
        raise ValueError(f"backend={backend!r} is not supported; use one of {_BACKENDS}.")
    if h0 not in ("auto", "mst", "rips"):
        raise ValueError(f"h0={h0!r} is not supported; use 'auto', 'mst' or 'rips'.")
    if max_points is None:
        max_points = DEFAULT_MAX_POINTS
    if int(max_points) < 2:
        raise ValueError(f"max_points={max_points} must be an integer >= 2 (or None).")
    max_points = int(max_points)
    Xa = np.asarray(check_X(X, allow_empty=True), dtype=np.float64)
    n = Xa.shape[0]
    if n == 0:
        return PersistenceDiagrams({k: np.empty((0, 2)) for k in dims}, metric, backend, 0, 0,
                                   h0_method="none", error_bound={k: 0.0 for k in dims},
                                   seconds=time.perf_counter() - start)

    subsample, radius = None, 0.0
    if n > max_points:
        subsample, _, radius = greedy_permutation(Xa, max_points, metric=metric, start=0)
    use_mst = 0 in dims and (h0 == "mst" or (h0 == "auto" and subsample is not None))
    rips_dims = [k for k in dims if not (k == 0 and use_mst)]
    out = {}
    if use_mst:
        lengths = minimum_spanning_tree_lengths(Xa, metric=metric)
        out[0] = _clean(np.c_[np.zeros_like(lengths), lengths])
    if rips_dims:
        pts = Xa if subsample is None else Xa[subsample]
        out.update(_rips(pts, rips_dims, metric, backend))
    bound = {k: (0.0 if (k == 0 and use_mst) else 2.0 * radius) for k in dims}
    return PersistenceDiagrams(
        diagrams={k: out[k] for k in dims}, metric=metric, backend=backend, n_samples=n,
        n_used=n if subsample is None else len(subsample), subsample_indices=subsample,
        cover_radius=float(radius), h0_method="mst" if use_mst else "rips", error_bound=bound,
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------- distances
def diagram_distance(D1, D2, *, distance: str = "bottleneck", order: float = 1.0) -> float:
    """Bottleneck or Wasserstein distance between two persistence diagrams.

    Convention: points are compared with the L-infinity ground metric
    ``max(|b - b'|, |d - d'|)``, and a point may be matched to the diagonal at cost
    ``(d - b) / 2`` (its L-infinity distance to the diagonal). The bottleneck distance is the
    smallest possible largest cost of a matching; the Wasserstein distance of order ``q`` is
    ``(min over matchings of sum cost^q)^(1/q)``.

    Bottleneck uses gudhi (Hera-derived; measured 9-180x faster than persim here).
    Wasserstein is solved exactly as an assignment problem (scipy) when the two diagrams
    have at most 1,500 points together, and otherwise with gudhi's Hera auction
    (``gudhi.hera.wasserstein_distance``, relative error at most 1e-4).

    Parameters
    ----------
    D1, D2 : array-like of shape (k, 2)
        Finite (birth, death) pairs.
    distance : {"bottleneck", "wasserstein"}
    order : float >= 1, default=1
        Wasserstein order ``q``.

    Returns
    -------
    float

    Examples
    --------
    >>> diagram_distance([[0.0, 2.0]], [[0.0, 1.5]])   # match the two points
    0.5
    >>> round(diagram_distance([[0.0, 2.0], [1.0, 1.2]], [[0.0, 2.0]]), 12)  # (1, 1.2) to diagonal
    0.1
    >>> diagram_distance([[0.0, 2.0]], [], distance="wasserstein")
    1.0
    """
    if distance not in _DISTANCES:
        raise ValueError(f"distance={distance!r} is not supported; use one of {_DISTANCES}.")
    A = np.asarray(D1, dtype=np.float64).reshape(-1, 2)
    B = np.asarray(D2, dtype=np.float64).reshape(-1, 2)
    if not (np.isfinite(A).all() and np.isfinite(B).all()):
        raise ValueError("diagrams must hold finite (birth, death) pairs; drop essential classes.")
    if distance == "bottleneck":
        import gudhi

        if len(A) + len(B) == 0:
            return 0.0
        value = float(gudhi.bottleneck_distance(A, B))
        # gudhi's default additive error is the smallest positive double: snap it to 0
        return 0.0 if value < 1e-300 else value
    order = float(order)
    if not order >= 1:
        raise ValueError(f"order={order} must be >= 1 for the Wasserstein distance.")
    if len(A) + len(B) == 0:
        return 0.0
    if len(A) + len(B) <= _EXACT_WASSERSTEIN_MAX:
        return _wasserstein_exact(A, B, order)
    import gudhi.hera

    return float(gudhi.hera.wasserstein_distance(A, B, order=order, internal_p=np.inf,
                                                 delta=1e-4))


def _wasserstein_exact(A, B, q):
    from scipy.optimize import linear_sum_assignment

    n, m = len(A), len(B)
    C = np.zeros((n + m, n + m))
    C[:n, :m] = np.abs(A[:, None, :] - B[None, :, :]).max(axis=2) ** q
    diag_a = ((A[:, 1] - A[:, 0]) / 2) ** q
    diag_b = ((B[:, 1] - B[:, 0]) / 2) ** q
    C[:n, m:] = diag_a[:, None]  # a point of A to the diagonal
    C[n:, :m] = diag_b[None, :]  # a point of B to the diagonal
    r, c = linear_sum_assignment(C)
    return float(C[r, c].sum() ** (1.0 / q))


def topological_distance(X, X_reduced, y=None, y_reduced=None, *, distance: str = "bottleneck",
                         homology_dimensions=(0, 1), metric: str = "euclidean",
                         per_class: bool = True, max_points: int | None = None,
                         backend: str = "ripser", order: float = 1.0) -> TopologicalDistance:
    """Distance between the persistence diagrams of a full and a reduced data set.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The full data.
    X_reduced : array-like of shape (n_kept, n_features)
        The reduced data (a subset of X or synthetic rows).
    y, y_reduced : array-like, optional
        Labels; with ``per_class=True`` each class's rows are compared with the kept rows
        of the same class as well.
    distance : {"bottleneck", "wasserstein"}, default="bottleneck"
        See :func:`diagram_distance` for the convention (L-infinity ground metric,
        Wasserstein order ``order``).
    homology_dimensions : tuple of int, default=(0, 1)
    metric : {"euclidean", "chebyshev", "manhattan"}, default="euclidean"
        Metric of both Rips filtrations (edges enter at their length).
    per_class : bool, default=True
    max_points : int or None
        Subsampling threshold of :func:`persistence_diagrams`.
    backend : {"ripser", "giotto"}
    order : float, default=1
        Wasserstein order.

    Returns
    -------
    TopologicalDistance
        ``value[k]`` is the distance in dimension ``k``; ``per_class[c][k]`` per class;
        ``error_bound[k]`` what subsampling may add.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [5.1, 0.0]])
    >>> res = topological_distance(X, X[[0, 2]], homology_dimensions=(0,))
    >>> round(res.value[0], 6)   # the bar dying at 4.9 is matched to the one dying at 5.0
    0.1
    """
    if distance not in _DISTANCES:
        raise ValueError(f"distance={distance!r} is not supported; use one of {_DISTANCES}.")
    metric = check_metric(metric)
    dims = _check_dims(homology_dimensions)
    Xa = check_X(X)
    Xr = check_X(X_reduced, name="X_reduced", allow_empty=True)
    if Xr.shape[1] != Xa.shape[1]:
        raise ValueError(
            f"X_reduced has {Xr.shape[1]} features but X has {Xa.shape[1]}: "
            "they must describe the same columns."
        )
    kw = dict(homology_dimensions=dims, metric=metric, max_points=max_points, backend=backend)

    def compare(A, B):
        da, db = persistence_diagrams(A, **kw), persistence_diagrams(B, **kw)
        val = {k: diagram_distance(da[k], db[k], distance=distance, order=order) for k in dims}
        err = {k: da.error_bound[k] + db.error_bound[k] for k in dims}
        return val, err, da, db

    value, err, dfull, dred = compare(Xa, Xr)
    classes, class_err = {}, {}
    if y is not None and per_class:
        if y_reduced is None:
            raise ValueError("y is given but y_reduced is not: pass the labels of the reduced rows.")
        ya = check_y(y, Xa.shape[0])
        yr = check_y(y_reduced, Xr.shape[0], name="y_reduced")
        for c in np.unique(ya):
            key = c.item() if hasattr(c, "item") else c
            if not np.any(yr == c):
                warnings.warn(f"class {key!r} has no row in the reduced set; its distance is "
                              "computed against an empty diagram.", stacklevel=2)
            classes[key], class_err[key] = compare(Xa[ya == c], Xr[yr == c])[:2]
    return TopologicalDistance(value, classes, distance, float(order), metric, err, dfull, dred,
                               class_err)
