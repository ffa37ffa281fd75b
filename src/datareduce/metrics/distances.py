"""Distances between persistence diagrams, and between the diagrams of two data sets.

Convention: points are compared with the L-infinity ground metric
``max(|b - b'|, |d - d'|)`` and a point may be matched to the diagonal at cost
``(d - b) / 2``. For two point clouds of one metric space, the Gromov-Hausdorff stability
theorem (Chazal, de Silva and Oudot, Geom. Dedicata 2014) gives, under the Rips convention
of :mod:`datareduce.metrics.diagrams` (edges enter at their length),

    d_B(Dgm_k(X), Dgm_k(Y)) <= 2 * d_GH(X, Y) <= 2 * d_H(X, Y)

in every homology dimension ``k``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._core.validation import check_X, check_y
from .._geometry.neighbors import check_metric
from ._inputs import (
    check_reduced_labels,
    check_same_columns,
    frame_columns,
    warn_if_regression_labels,
)
from .diagrams import PersistenceDiagrams, _check_dims, persistence_diagrams
from .epsilon import check_subset_labels

__all__ = ["TopologicalDistance", "diagram_distance", "topological_distance"]

_DISTANCES = ("bottleneck", "wasserstein")
# exact Wasserstein (assignment problem) up to this many diagram points in total
_EXACT_WASSERSTEIN_MAX = 1500


@dataclass(repr=False)
class TopologicalDistance:
    """Distances between the diagrams of a full and a reduced point cloud.

    A value whose ``error_bound`` is positive and at least the value itself is
    *uninformative*: the exact distance may be anywhere from 0 to ``value + error_bound``.
    The ``informative`` property flags it per dimension; the repr and the report say so.

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
        diagrams because of subsampling (sum of both sides' ``2 r``; 0.0 when exact). The
        stability theorem bounds the bottleneck distance only: a subsampled Wasserstein
        distance has ``inf`` (no bound; every point may move by ``2 r``, and the small
        points the subsample loses add up).
    full : PersistenceDiagrams
        The diagrams of all rows of the full data.
    reduced : PersistenceDiagrams
        The diagrams of all rows of the reduced data.
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

    @property
    def informative(self) -> dict:
        """homology dimension -> False when the subsampling bound is >= the value it bounds."""
        return {k: _informative(v, self.error_bound.get(k, 0.0)) for k, v in self.value.items()}

    @property
    def per_class_informative(self) -> dict:
        """class label -> {homology dimension -> informative?} (see :attr:`informative`)."""
        return {c: {k: _informative(v, self.per_class_error_bound.get(c, {}).get(k, 0.0))
                    for k, v in d.items()} for c, d in self.per_class.items()}

    def __repr__(self) -> str:
        sides = f"full {self.full.n_samples} rows, reduced {self.reduced.n_samples} rows"
        name = self.distance if self.distance == "bottleneck" else \
            f"wasserstein q={self.order:g}"
        lines = [f"TopologicalDistance({name}, {self.metric} Rips; {sides})"]
        for k, v in self.value.items():
            lines.append(f"  H{k}: {_describe(v, self.error_bound.get(k, 0.0))}")
        if self.per_class:
            worst = {k: max(d[k] for d in self.per_class.values()) for k in self.value}
            bad = sum(not ok for d in self.per_class_informative.values() for ok in d.values())
            text = ", ".join(f"H{k} {v:.4g}" for k, v in worst.items())
            lines.append(f"  per class ({len(self.per_class)} classes): largest {text}"
                         + (f"; {bad} uninformative" if bad else ""))
        return "\n".join(lines)

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
            "informative": {str(k): bool(v) for k, v in self.informative.items()},
            "full": self.full.to_dict(),
            "reduced": self.reduced.to_dict(),
        }


def _informative(value, bound) -> bool:
    return not (bound > 0 and bound >= value)


def _describe(value, bound) -> str:
    if bound <= 0:
        return f"{value:.6g} (exact)"
    if bound == np.inf:
        return (f"{value:.6g} (subsampled, no bound: the stability theorem bounds the "
                "bottleneck distance only)")
    if bound >= value:
        return (f"{value:.6g} +/- {bound:.4g} (uninformative: the subsampling bound is not "
                "smaller than the value)")
    return f"{value:.6g} +/- {bound:.4g}"


# ---------------------------------------------------------------------- distances
def diagram_distance(D1, D2, *, distance: str = "bottleneck", order: float = 1.0) -> float:
    """Bottleneck or Wasserstein distance between two persistence diagrams.

    Convention: points are compared with the L-infinity ground metric
    ``max(|b - b'|, |d - d'|)``, and a point may be matched to the diagonal at cost
    ``(d - b) / 2`` (its L-infinity distance to the diagonal). The bottleneck distance is the
    smallest possible largest cost of a matching; the Wasserstein distance of order ``q`` is
    ``(min over matchings of sum cost^q)^(1/q)``.

    Bottleneck uses gudhi's Hera in its exact mode (``delta=0``; gudhi's faster default
    ``gudhi.bottleneck_distance`` returned a wrong value on a small case).
    Wasserstein is solved exactly as an assignment problem (scipy) when the two diagrams
    have at most 1,500 points together, and otherwise with gudhi's Hera auction
    (``gudhi.hera.wasserstein_distance``, relative error at most 1e-4).

    Parameters
    ----------
    D1, D2 : array-like of shape (k, 2)
        Finite (birth, death) pairs with ``death >= birth`` (a point below the diagonal is
        refused by name).
    distance : {"bottleneck", "wasserstein"}
    order : float >= 1 or inf, default=1
        Wasserstein order ``q``; ``np.inf`` is the bottleneck distance (the limit).

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
    A = _diagram_array(D1, "D1")
    B = _diagram_array(D2, "D2")
    if not (np.isfinite(A).all() and np.isfinite(B).all()):
        raise ValueError("diagrams must hold finite (birth, death) pairs; drop essential classes.")
    for name, D in (("D1", A), ("D2", B)):
        below = np.flatnonzero(D[:, 1] < D[:, 0])
        if below.size:  # its cost to the diagonal, (d - b) / 2, would be negative
            raise ValueError(f"{name} has {below.size} point(s) with death < birth (e.g. "
                             f"{D[below[0]].tolist()}): a persistence pair dies at or after "
                             "its birth; pass (birth, death) in that order.")
    if distance == "wasserstein":
        order = float(order)
        if not order >= 1:
            raise ValueError(f"order={order} must be >= 1 for the Wasserstein distance.")
        if order == np.inf:  # the limit of W_q as q grows is the bottleneck distance
            distance = "bottleneck"
    if distance == "bottleneck":
        if len(A) + len(B) == 0:
            return 0.0
        import gudhi.hera

        # exact (delta=0). gudhi.bottleneck_distance's default (e=None) returned 2.904
        # instead of 1.364 on two small H0 diagrams (gudhi 3.13;
        # test_bottleneck_regression_gudhi_default); its exact mode (e=0) is slower than hera's
        value = float(gudhi.hera.bottleneck_distance(A, B, delta=0))
        return 0.0 if value < 1e-300 else value
    if len(A) + len(B) == 0:
        return 0.0
    if len(A) + len(B) <= _EXACT_WASSERSTEIN_MAX:
        return _wasserstein_exact(A, B, order)
    import gudhi.hera

    return float(gudhi.hera.wasserstein_distance(A, B, order=order, internal_p=np.inf,
                                                 delta=1e-4))


def _diagram_array(D, name) -> np.ndarray:
    """One diagram as a (k, 2) float array; several diagrams (PersistenceDiagrams, a dict or
    list of them) refused by name with the fix."""
    fix = ("diagram_distance compares one diagram with another: pass one homology dimension "
           "(e.g. diagram_distance(d1[1], d2[1]) for PersistenceDiagrams d1, d2), or use "
           "topological_distance(X, X_reduced) for every dimension.")
    if isinstance(D, (PersistenceDiagrams, dict)):
        raise ValueError(f"{name} is a {type(D).__name__} (one diagram per homology "
                         f"dimension); {fix}")
    try:
        A = np.asarray(D, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not an array of (birth, death) pairs ({exc}); {fix}") \
            from None
    if A.ndim > 2:
        raise ValueError(f"{name} has shape {A.shape}, not (k, 2): several diagrams? {fix}")
    if (A.ndim == 2 and A.shape[1] != 2 and A.size) or (A.ndim < 2 and A.size % 2):
        # a giotto-tda diagram's (birth, death, dimension) triples were cut into other
        # pairs ("death < birth ... pass (birth, death) in that order"), or numpy's
        # "cannot reshape array of size 3 into shape (2)" (review15/e 02)
        raise ValueError(f"{name} has shape {A.shape}, not (k, 2): pass (birth, death) pairs "
                         "of one homology dimension; from giotto-tda's (birth, death, "
                         "dimension) triples D take D[D[:, 2] == k, :2].")
    return A.reshape(-1, 2)


def _wasserstein_exact(A, B, q):
    from scipy.optimize import linear_sum_assignment

    n, m = len(A), len(B)
    cross = np.abs(A[:, None, :] - B[None, :, :]).max(axis=2)
    diag_a = (A[:, 1] - A[:, 0]) / 2
    diag_b = (B[:, 1] - B[:, 0]) / 2
    # W_q is homogeneous: costs in units of the largest one, so that cost ** q neither
    # overflows (order=400, costs of 10: "cost matrix is infeasible") nor underflows to 0
    # (order=200, costs of 1e-3: W = 0; review15/e 03)
    scale = max(float(cross.max(initial=0.0)), float(diag_a.max(initial=0.0)),
                float(diag_b.max(initial=0.0)))
    if scale == 0.0:
        return 0.0
    C = np.zeros((n + m, n + m))
    C[:n, :m] = (cross / scale) ** q
    C[:n, m:] = ((diag_a / scale) ** q)[:, None]  # a point of A to the diagonal
    C[n:, :m] = ((diag_b / scale) ** q)[None, :]  # a point of B to the diagonal
    r, c = linear_sum_assignment(C)
    return float(scale * C[r, c].sum() ** (1.0 / q))


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
    return _topological_distances(X, X_reduced, y, y_reduced, distances=(distance,),
                                  homology_dimensions=homology_dimensions, metric=metric,
                                  per_class=per_class, max_points=max_points, backend=backend,
                                  order=order)[distance]


def _topological_distances(X, X_reduced, y=None, y_reduced=None, *, distances=("bottleneck",),
                           homology_dimensions=(0, 1), metric="euclidean", per_class=True,
                           max_points=None, backend="ripser", order=1.0) -> dict:
    """:func:`topological_distance` for several distances, computing each diagram once.

    Returns a dict distance name -> :class:`TopologicalDistance`.
    """
    for distance in distances:
        if distance not in _DISTANCES:
            raise ValueError(f"distance={distance!r} is not supported; use one of {_DISTANCES}.")
    metric = check_metric(metric)
    dims = _check_dims(homology_dimensions)
    check_same_columns(frame_columns(X), X_reduced)
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
        vals = {name: {k: diagram_distance(da[k], db[k], distance=name, order=order)
                       for k in dims} for name in distances}
        err = {k: da.error_bound[k] + db.error_bound[k] for k in dims}
        return vals, err, da, db

    def bounds(name, err):
        # 2 r bounds how far each diagram moves in bottleneck distance only: a subsampled
        # H1 Wasserstein distance of 6.99 "+/- 0.58" was 8.17 exactly (review15/e 05)
        if name == "bottleneck":
            return dict(err)
        return {k: (np.inf if e > 0 else 0.0) for k, e in err.items()}

    if y is None and y_reduced is not None:  # per-class results were asked for
        raise ValueError("y_reduced is given but y is not: pass the labels of X too.")
    values, err, dfull, dred = compare(Xa, Xr)
    classes, class_err = {name: {} for name in distances}, {}
    if y is not None and per_class:
        if y_reduced is None:
            raise ValueError("y is given but y_reduced is not: pass the labels of the reduced rows.")
        ya = check_y(y, Xa.shape[0])
        yr = check_reduced_labels(y_reduced, Xr.shape[0])
        warn_if_regression_labels(ya)
        check_subset_labels(ya, yr)  # '0' for 0: every class against an empty diagram
        labels = np.unique(ya)
        empty = [c.item() if hasattr(c, "item") else c for c in labels
                 if not np.any(yr == c)]
        if len(empty) == 1:
            warnings.warn(f"class {empty[0]!r} has no row in the reduced set; its distance is "
                          "computed against an empty diagram.", stacklevel=3)
        elif empty:  # one warning, not one line per class (hundreds of target bins)
            shown = ", ".join(map(repr, empty[:5])) + (", ..." if len(empty) > 5 else "")
            warnings.warn(f"{len(empty)} classes have no row in the reduced set ({shown}); "
                          "their distances are computed against empty diagrams.",
                          stacklevel=3)
        for c in labels:
            key = c.item() if hasattr(c, "item") else c
            vals, class_err[key] = compare(Xa[ya == c], Xr[yr == c])[:2]
            for name in distances:
                classes[name][key] = vals[name]
    return {name: TopologicalDistance(values[name], classes[name], name, float(order), metric,
                                      bounds(name, err), dfull, dred,
                                      {c: bounds(name, e) for c, e in class_err.items()})
            for name in distances}
