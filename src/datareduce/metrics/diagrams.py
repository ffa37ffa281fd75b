"""Vietoris-Rips persistence diagrams of point clouds, exact or with a certified bound.

Filtration convention: a simplex enters at its diameter, an edge at its length under the
chosen ``metric`` (ripser's and giotto-tda's convention; *not* half the length).

Large inputs: an exact Rips diagram in dimension >= 1 grows super-quadratically with the
number of points, so above ``max_points`` rows the cloud is subsampled by a greedy
permutation (max-min order). The subsample ``S`` covers ``X`` with radius
``r = d_H(X, S)``, so its diagrams are within ``2 r`` of the exact ones in bottleneck
distance (Chazal, de Silva and Oudot 2014); the bound is reported per dimension. H0 needs
no subsampling: its finite deaths are the edge lengths of a minimum spanning tree,
computed exactly by :func:`datareduce.metrics.mst.minimum_spanning_tree_lengths`.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._core.validation import check_random_generator, check_X
from .._geometry.farthest import farthest_point_order
from .._geometry.neighbors import check_metric
from .mst import minimum_spanning_tree_lengths

__all__ = ["PersistenceDiagrams", "persistence_diagrams", "greedy_permutation",
           "DEFAULT_MAX_POINTS"]

logger = logging.getLogger(__name__)

#: Rows above which diagrams in dimension >= 1 are computed on a greedy-permutation subsample.
#: Measured on this project's 2-core machine: exact ripser H0+H1 of 1,797 rows of the
#: 64-feature digits takes a few seconds (docs/representativeness.md).
DEFAULT_MAX_POINTS = 2000
_BACKENDS = ("ripser", "giotto")


@dataclass(repr=False)
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

    def __repr__(self) -> str:
        head = (f"PersistenceDiagrams({self.metric} Rips, {self.backend}; {self.n_samples} rows, "
                f"{self.seconds:.3g} s)")
        lines = [head]
        for k, dgm in self.diagrams.items():
            pers = dgm[:, 1] - dgm[:, 0] if len(dgm) else np.empty(0)
            longest = f", longest bar {pers.max():.4g}" if len(pers) else ""
            if k == 0 and self.h0_method == "mst":
                how = "exact (minimum spanning tree of all rows)"
            elif self.subsampled:
                how = (f"on {self.n_used} of {self.n_samples} rows, within "
                       f"{self.error_bound.get(k, 0.0):.4g} of exact (bottleneck)")
            else:
                how = "exact"
            lines.append(f"  H{k}: {len(dgm)} pairs{longest}; {how}")
        return "\n".join(lines)

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


# ----------------------------------------------------------------- greedy permutation
def greedy_permutation(X, n_points: int, *, metric: str = "euclidean", start: int | None = 0,
                       random_state=None):
    """Greedy permutation (max-min order) prefix and its cover radius.

    The first point is ``start`` (or a random row when ``start=None``); each next point is
    the row farthest from the points already picked. Distances are computed in float64
    by the exact lazy farthest-point core :func:`datareduce._geometry.farthest.farthest_point_order`
    (the one MMS uses); the returned radii are recomputed from coordinate differences.

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
    X = np.asarray(check_X(X), dtype=np.float64)
    n = X.shape[0]
    n_points = int(n_points)
    if not 1 <= n_points <= n:
        raise ValueError(f"n_points={n_points} must be between 1 and the number of rows ({n}).")
    if start is None:
        start = int(check_random_generator(random_state).integers(n))
    if not 0 <= int(start) < n:
        raise ValueError(f"start={start} is not a row position of X (0..{n - 1}).")
    idx, radii, dist, _ = farthest_point_order(X, n_points, start=int(start), metric=metric,
                                               return_distances=True)
    return idx, radii, float(dist.max())


# ---------------------------------------------------------------------- diagrams
#: float32 ulps (of the data's scale) below which a Rips H0 pair is rounding, not a pair
_H0_ROUNDING_ULPS = 4


def _clean(dgm, tol: float = 0.0) -> np.ndarray:
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    keep = np.isfinite(dgm[:, 1]) & (dgm[:, 1] - dgm[:, 0] > tol)
    out = dgm[keep]
    return out[np.lexsort((out[:, 1], out[:, 0]))]


def _h0_rounding(dgm, X) -> float:
    """Length at which a Rips H0 pair is rounding: ripser (and giotto) store distances in
    float32, and duplicate rows then get pairs such as (0, 1.5e-8) instead of (0, 0). A few
    float32 ulps of the data's scale (the largest finite death or row norm); the MST path
    gets exact zeros, so both paths then give the same pairs."""
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    deaths = dgm[np.isfinite(dgm[:, 1]), 1]
    scale = max(float(np.abs(deaths).max()) if deaths.size else 0.0,
                float(np.sqrt((X * X).sum(axis=1)).max()) if X.size else 0.0)
    return _H0_ROUNDING_ULPS * float(np.finfo(np.float32).eps) * scale


def _rips(X, dims, metric, backend):
    maxdim = max(dims)
    # ripser and giotto measure in float32: rows far from the origin lost their distances
    # (a unit circle shifted by 1e5 kept 59 of its 199 H0 pairs, by 1e7 none; review10/a
    # 14). A Rips diagram does not change under a shift: measure from the rows' mean
    X = np.asarray(X, dtype=np.float64)
    X = X - X.mean(axis=0)
    if backend == "ripser":
        from ripser import ripser

        with warnings.catch_warnings():  # "square input" warning when n == n_features
            warnings.simplefilter("ignore", UserWarning)
            dgms = ripser(X, maxdim=maxdim, metric=metric)["dgms"]
        return {k: _clean(dgms[k], _h0_rounding(dgms[k], X) if k == 0 else 0.0) for k in dims}
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
    return {k: _clean(triples[triples[:, 2] == k, :2],
                      _h0_rounding(triples[triples[:, 2] == k, :2], X) if k == 0 else 0.0)
            for k in dims}


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
                         h0: str = "auto", random_state="deprecated") -> PersistenceDiagrams:
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
        ``DEFAULT_MAX_POINTS`` (2000). The backends build a dense distance matrix of at
        most ``max_points`` rows; exact H1 of 2,000 rows takes seconds to a minute
        depending on the data (see docs/representativeness.md).
    backend : {"ripser", "giotto"}, default="ripser"
        ``"giotto"`` needs giotto-tda (the ``giotto`` extra).
    h0 : {"auto", "mst", "rips"}, default="auto"
        How the H0 diagram is computed. ``"mst"``: exactly from a minimum spanning tree
        of all rows (fast far beyond ``max_points``); ``"rips"``: by the backend, on the
        subsample when there is one; ``"auto"``: ``"mst"`` when the data is subsampled.
    random_state : deprecated
        Never used (the computation is deterministic; the greedy permutation starts from
        row 0); passing it warns, and it will be removed.

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
    if not (isinstance(random_state, str) and random_state == "deprecated"):
        warnings.warn("persistence_diagrams(random_state=...) is unused and deprecated; it "
                      "will be removed.", FutureWarning, stacklevel=2)
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


