"""One interface for every representativeness metric, and a registry of them.

A metric compares a *subset* (kept rows, or synthetic rows, optionally weighted) with the
*full* data. Every metric here works in two steps, so that whatever depends on the full data
alone (a kernel mean, the full set's persistence diagrams, a nearest-neighbour index of the
rows) is computed once and reused for many subsets of the same data, e.g. the random
subsets of :func:`datareduce.metrics.calibrate`::

    prepared = get_metric("mmd").prepare(X, y)      # full-set terms, once
    prepared.score(X[idx], y[idx])                  # -> MetricValue(value, per_class)

``metric(X, X_subset, y, y_subset)`` does both steps at once. Every metric is a distance:
**lower is closer** to the full data. With labels, each class of the full data is compared
with the subset's rows of that class (``per_class``); the overall value follows the
metric's own definition (below).

Built-in metrics (``available_metrics()``):

- ``"coverage"``: the mean distance from a row of the full data to its nearest subset row
  of its class (Euclidean). It is the area above the coverage curve
  (:func:`datareduce.metrics.coverage_curve`), so it moves with every row that gets closer
  or further, where the maximum (epsilon) moves only with the worst one.
- ``"coverage_q90"``: the 90% quantile of the same distances (the radius that covers 90% of
  the rows).
- ``"epsilon"``: their maximum, the paper's epsilon, with the Euclidean norm;
  ``"epsilon_linf"``: with the paper's L-infinity norm. On one-hot columns the L-infinity
  epsilon is 1 as soon as one category combination is not kept, whatever the subset, so it
  is not a default anywhere.
- ``"mmd"``: maximum mean discrepancy, Gaussian kernel with the median-heuristic bandwidth
  (:func:`datareduce.metrics.mmd`); ``"energy"``: the energy distance.
- ``"bottleneck"``: the largest bottleneck distance, over homology dimensions 0 and 1,
  between the Vietoris-Rips persistence diagrams of the full data and of the subset, each
  computed on at most ``max_points`` landmarks (greedy permutation; the cover radii bound
  the error, see :mod:`datareduce.metrics.topology`).

Register your own with :func:`register_metric` (a :class:`Metric` subclass or any callable
returning one).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from .._geometry.kernels import canonical_kernel

__all__ = [
    "Metric",
    "MetricValue",
    "PreparedMetric",
    "available_metrics",
    "get_metric",
    "register_metric",
]


@dataclass(frozen=True)
class MetricValue:
    """The value of one metric for one subset.

    Attributes
    ----------
    name : str
        The metric's registry name.
    value : float
        Overall value (lower is closer to the full data).
    per_class : dict
        class label -> value within the class (empty without labels). ``inf`` for a class
        with no row in the subset.
    """

    name: str
    value: float
    per_class: dict = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        """One line; with many classes only the largest (``per_class`` has them all)."""
        from ._text import per_class_text

        per = f"; per class: {per_class_text(self.per_class)}" if self.per_class else ""
        return f"MetricValue({self.name}={self.value:.6g}{per})"

    def to_dict(self) -> dict:
        """Plain-Python dictionary (labels as strings)."""
        return {"name": self.name, "value": float(self.value),
                "per_class": {str(k): float(v) for k, v in self.per_class.items()}}


def _as_labels(y, n, name="y"):
    from .._core.validation import check_y

    if y is None:
        return None
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} has shape {y.shape} but its data has {n} rows: pass one "
                         "label per row.")
    # NaN labels (or None) made a class of their own that np.unique and == could not match
    # (coverage read uninitialised rows: value nan, per_class {nan: 0.0}): refused by name
    return check_y(y, n, name=name)


def _key(c):
    return c.item() if hasattr(c, "item") else c


class PreparedMetric:
    """A metric with its full-set terms computed; :meth:`score` scores subsets.

    Attributes
    ----------
    metric : Metric
    X : ndarray of shape (n, d)
        The full data (float64).
    y : ndarray or None
    classes : ndarray or None
        Sorted class labels of ``y``.
    """

    def __init__(self, metric, X, y=None):
        from .._core.validation import check_X
        from ._inputs import frame_columns

        self.metric = metric
        #: the full table's column labels (None for an array): a subset given as a
        #: DataFrame must have them, in this order
        self.columns = frame_columns(X)
        self.X = np.ascontiguousarray(check_X(X), dtype=np.float64)
        self.y = _as_labels(y, self.X.shape[0])
        self.classes = None if self.y is None else np.unique(self.y)

    def _check_subset(self, Z, y_z, weights):
        from .._core.validation import check_X
        from ._inputs import check_same_columns
        from .epsilon import check_subset_labels

        check_same_columns(self.columns, Z, name="X_subset")
        shape = np.shape(Z)
        if len(shape) != 2 or shape[1] != self.X.shape[1]:
            raise ValueError(f"X_subset has shape {shape} but X has {self.X.shape[1]} "
                             "features: they must describe the same columns.")
        # finite numbers, as X: a NaN made coverage and epsilon NaN, and an infinite row
        # was never anyone's nearest, so its value looked fine
        Z = np.ascontiguousarray(check_X(Z, name="X_subset", allow_empty=True),
                                 dtype=np.float64)
        y_z = _as_labels(y_z, Z.shape[0], "y_subset")
        if (self.y is None) != (y_z is None):
            raise ValueError("pass labels for both the full data and the subset, or for "
                             "neither (y and y_subset).")
        if y_z is not None:  # '0' for 0 left every class without a subset row: inf
            check_subset_labels(self.classes, y_z, name="y_subset")
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float64)
            if weights.shape != (Z.shape[0],):
                raise ValueError(f"weights has shape {weights.shape} but the subset has "
                                 f"{Z.shape[0]} rows: pass one weight per subset row.")
        return Z, y_z, weights

    def score(self, X_subset, y_subset=None, weights=None) -> MetricValue:
        """The metric's value for one subset (rows in the same space as ``X``)."""
        Z, y_z, weights = self._check_subset(X_subset, y_subset, weights)
        value, per_class = self._score(Z, y_z, weights)
        return MetricValue(self.metric.name, float(value), per_class)

    def _score(self, Z, y_z, weights):  # pragma: no cover - abstract
        raise NotImplementedError


class Metric:
    """Base class of a representativeness metric (a distance: lower is closer).

    Subclasses set ``name`` and ``description`` and implement :meth:`prepare`, which returns
    a :class:`PreparedMetric`. ``uses_all_rows`` is True for metrics that are a maximum over
    the full data's rows (epsilon) or whose cost is bounded otherwise (the diagram
    distances, on at most ``max_points`` landmarks): :func:`~datareduce.metrics.calibrate`
    then prepares them on every row instead of on an evaluation sample. ``pairwise_subset``
    is True for metrics that compare every pair of the subset's rows (MMD, energy): their
    cost grows with the square of its rows, and ``calibrate`` scores a large subset, and
    each draw, on a sample of them (``max_subset_rows``).
    """

    name = "metric"
    description = ""
    lower_is_closer = True
    uses_all_rows = False
    pairwise_subset = False

    def prepare(self, X, y=None) -> PreparedMetric:  # pragma: no cover - abstract
        """Compute the full-set terms once; returns a :class:`PreparedMetric`."""
        raise NotImplementedError

    def __call__(self, X, X_subset, y=None, y_subset=None, weights=None) -> MetricValue:
        """``prepare(X, y).score(X_subset, y_subset, weights)``."""
        return self.prepare(X, y).score(X_subset, y_subset, weights)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


# --------------------------------------------------------------------------- coverage
class _PreparedCoverage(PreparedMetric):
    #: below this many (row, subset row) pairs, or from this many features on, the nearest
    #: distances are computed directly, block by block (per-class searches are many and
    #: small, and a tree's set-up and checks cost more than the distances; in many
    #: dimensions a tree prunes little)
    SMALL_PAIRS = 4_000_000
    TREE_MAX_FEATURES = 16

    def _nearest(self, A, B):
        """Exact distances to the nearest row of B: differences, never the dot-product
        expansion, whose rounding picks the wrong one of two near-duplicates far from the
        origin (scikit-learn's brute-force search uses it from 16 features)."""
        if B.shape[0] == 0:
            return np.full(A.shape[0], np.inf)
        if A.shape[0] * B.shape[0] <= self.SMALL_PAIRS or A.shape[1] >= self.TREE_MAX_FEATURES:
            from scipy.spatial.distance import cdist

            from .._geometry.neighbors import row_chunks

            # at most 64 MiB of distances at a time
            metric = {"manhattan": "cityblock"}.get(self.metric.distance, self.metric.distance)
            out = np.empty(A.shape[0])
            for sl in row_chunks(A.shape[0], 8 * B.shape[0]):
                out[sl] = cdist(A[sl], B, metric).min(axis=1)
            return out
        from sklearn.neighbors import KDTree

        return KDTree(B, metric=self.metric.distance).query(A, k=1)[0][:, 0]

    def nearest_distances(self, X_subset, y_subset=None):
        """Distance of every full-data row to its nearest subset row of its class."""
        Z, y_z, _ = self._check_subset(X_subset, y_subset, None)
        if self.y is None:
            return self._nearest(self.X, Z)
        nearest = np.empty(self.X.shape[0])
        for c in self.classes:
            rows = self.y == c
            nearest[rows] = self._nearest(self.X[rows], Z[y_z == c])
        return nearest

    def _score(self, Z, y_z, weights):
        stat = self.metric.statistic
        nearest = self.nearest_distances(Z, y_z)
        per_class = {} if self.y is None else {
            _key(c): float(stat(nearest[self.y == c])) for c in self.classes}
        return stat(nearest), per_class


class Coverage(Metric):
    """Distances from every full-data row to its nearest subset row of its class, summarised.

    Parameters
    ----------
    statistic : "mean", "max" or float in (0, 1), default="mean"
        ``"mean"``: mean nearest distance (the area above the coverage curve); ``"max"``:
        epsilon; a number q: the q-quantile (the radius covering a fraction q of the rows).
    distance : {"euclidean", "chebyshev", "manhattan"}, default="euclidean"
        The norm (chebyshev is the paper's L-infinity).
    name : str, optional
        Registry name (default derived from the parameters).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> Coverage("mean")(X, X[[0, 3]]).value   # nearest distances 0, 1, 2, 0
    0.75
    >>> Coverage("max")(X, X[[0, 3]]).value
    2.0
    """

    def __init__(self, statistic="mean", distance: str = "euclidean", name: str | None = None):
        from .._geometry.neighbors import check_metric

        self.distance = check_metric(distance, name="distance")
        if statistic == "mean":
            self.statistic, label = _mean, "mean"
        elif statistic == "max":
            self.statistic, label = _max, "max"
        elif (isinstance(statistic, numbers.Real) and not isinstance(statistic, bool)
              and 0 < statistic < 1):
            q = float(statistic)
            self.statistic, label = (lambda d: _quantile(d, q)), f"q{round(100 * q):d}"
        else:
            raise ValueError(f"statistic={statistic!r}: use 'mean', 'max' or a quantile in "
                             "(0, 1).")
        self.uses_all_rows = statistic == "max"
        self.name = name or ("epsilon" if label == "max" else f"coverage_{label}")
        what = {"mean": "mean distance", "max": "largest distance"}.get(
            label, f"{label[1:]}% quantile of the distances")
        self.description = (f"{what} ({self.distance}) from a row to its nearest kept row of "
                            "its class")

    def prepare(self, X, y=None) -> PreparedMetric:
        return _PreparedCoverage(self, X, y)


def _mean(d):
    return float(np.mean(d)) if d.size else 0.0


def _max(d):
    return float(np.max(d)) if d.size else 0.0


def _quantile(d, q):
    if not d.size:
        return 0.0
    if not np.isfinite(d).all():
        k = int(np.ceil(q * d.size)) - 1
        return float(np.partition(d, k)[k])
    return float(np.quantile(d, q, method="inverted_cdf"))


# ---------------------------------------------------------------------------- kernels
class _PreparedKernel(PreparedMetric):
    def __init__(self, metric, X, y=None):
        super().__init__(metric, X, y)
        from . import mmd_reference

        self.reference = mmd_reference(self.X, self.y, kernel=metric.kernel,
                                       bandwidth=metric.bandwidth,
                                       max_exact=metric.max_exact)

    def _score(self, Z, y_z, weights):
        from . import energy_distance, mmd

        fn = mmd if self.metric.kernel == "rbf" else energy_distance
        if Z.shape[0] == 0:
            return np.inf, {} if self.y is None else {_key(c): np.inf for c in self.classes}
        res = fn(self.X, Z, weights, self.y, y_z, reference=self.reference)
        return res.value, dict(res.per_class)


class KernelDistance(Metric):
    """MMD (Gaussian kernel) or energy distance of the (weighted) subset to the full data.

    Its subset term sums over every pair of kept rows (``pairwise_subset``).

    Parameters
    ----------
    kernel : {"rbf", "gaussian", "energy"}, default="rbf"
        ``"gaussian"`` is the same kernel as ``"rbf"`` (MMD).
    bandwidth : float, optional
        Gaussian width (default: median heuristic on the full data).
    max_exact : int or None, default=4000
        Exact up to this many rows; above, all three terms are estimated by one
        estimator (random Fourier features for the Gaussian kernel, random 1-D projections
        for the energy kernel: :mod:`datareduce.metrics.kernel_distance`), unbiased for the
        squared distance and never negative.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> round(KernelDistance(bandwidth=1.0)(X, X[[1, 2]]).value, 4)
    0.3765
    """

    pairwise_subset = True

    def __init__(self, kernel: str = "rbf", bandwidth=None, max_exact: int | None = 4000):
        kernel = canonical_kernel(kernel, allowed=("rbf", "energy"))  # "gaussian" is "rbf"
        self.kernel, self.bandwidth, self.max_exact = kernel, bandwidth, max_exact
        self.name = "mmd" if kernel == "rbf" else "energy"
        self.description = ("maximum mean discrepancy, Gaussian kernel" if kernel == "rbf"
                            else "energy distance")

    def prepare(self, X, y=None) -> PreparedMetric:
        return _PreparedKernel(self, X, y)


# --------------------------------------------------------------------------- diagrams
class _PreparedDiagrams(PreparedMetric):
    def __init__(self, metric, X, y=None):
        super().__init__(metric, X, y)
        self.full = self._diagrams(self.X)
        self.full_by_class = ({} if self.y is None else
                              {_key(c): self._diagrams(self.X[self.y == c])
                               for c in self.classes})

    def _diagrams(self, A):
        return self.metric.diagrams(A)

    def _distance(self, full, A):
        from .topology import diagram_distance

        if A.shape[0] == 0:
            return np.inf  # no row of this class in the subset
        # one row has diagrams too (H0: only the essential bar, left out; H1: empty)
        red = self._diagrams(A)
        return max(diagram_distance(full.diagrams[k], red.diagrams[k],
                                    distance=self.metric.distance_name)
                   for k in self.metric.homology_dimensions)

    def _score(self, Z, y_z, weights):
        value = self._distance(self.full, Z)
        per_class = {} if self.y is None else {
            _key(c): self._distance(self.full_by_class[_key(c)], Z[y_z == c])
            for c in self.classes}
        return value, per_class


class DiagramDistance(Metric):
    """Largest bottleneck (or Wasserstein) distance between the Rips persistence diagrams.

    Parameters
    ----------
    distance_name : {"bottleneck", "wasserstein"}, default="bottleneck"
    homology_dimensions : tuple of int, default=(0, 1)
    max_points : int, default=300
        Diagrams of larger sets (H0 included) are computed on this many greedy-permutation
        landmarks, chosen the same way for the full data and for every subset (from the
        lexicographically first row), so a subset of every row is at distance 0.
    distance : str, default="euclidean"
        Metric of the Rips filtrations.

    Its cost is bounded by ``max_points``, not by the rows, so
    :func:`~datareduce.metrics.calibrate` prepares it on every row of the full data
    (``uses_all_rows``), like the subset's own diagrams, never on the evaluation sample.
    """

    uses_all_rows = True

    def __init__(self, distance_name: str = "bottleneck", homology_dimensions=(0, 1),
                 max_points: int | None = 300, distance: str = "euclidean"):
        if distance_name not in ("bottleneck", "wasserstein"):
            raise ValueError(f"distance_name={distance_name!r}: use 'bottleneck' or "
                             "'wasserstein'.")
        from .._geometry.neighbors import check_metric
        from .diagrams import _check_dims

        # checked here, where they are given: a bad one failed at the first score (inside
        # calibrate's draws) or, for max_points, at the first set above it
        self.distance_name = distance_name
        self.distance = check_metric(distance, name="distance")
        self.homology_dimensions = _check_dims(homology_dimensions)
        if max_points is not None and (isinstance(max_points, bool)
                                       or not isinstance(max_points, numbers.Integral)
                                       or max_points < 2):
            raise ValueError(f"max_points={max_points!r} must be an integer >= 2 (or None).")
        self.max_points = max_points
        self.name = distance_name
        dims = ", ".join(f"H{k}" for k in self.homology_dimensions)
        self.description = f"{distance_name} distance of the Rips persistence diagrams ({dims})"

    def prepare(self, X, y=None) -> PreparedMetric:
        return _PreparedDiagrams(self, X, y)

    def diagrams(self, X):
        """The :class:`~datareduce.metrics.PersistenceDiagrams` of X exactly as this metric
        computes them (the same landmarks, H0 from them): for figures that match the value."""
        from .._core.validation import check_X
        from .topology import persistence_diagrams

        A = np.asarray(check_X(X), dtype=np.float64)
        # Rows in lexicographic order: a Rips diagram does not depend on the order, and the
        # greedy permutation then starts from the same row in any order of the same set, so
        # the full data and a subset holding the same rows get the same landmarks. H0 from
        # the landmarks as well (h0="rips"): an exact H0 (minimum spanning tree) of every
        # row cost seconds per draw on large tables.
        order = np.lexsort(A.T[::-1]) if A.shape[0] > 1 else np.arange(A.shape[0])
        out = persistence_diagrams(A[order], homology_dimensions=self.homology_dimensions,
                                   metric=self.distance, max_points=self.max_points, h0="rips")
        if out.subsample_indices is not None:  # positions in X, not in the sorted rows
            out.subsample_indices = order[out.subsample_indices]
        return out


# --------------------------------------------------------------------------- registry
_REGISTRY: dict = {}


def register_metric(name: str, factory, *, replace: bool = False) -> None:
    """Register a metric under ``name``.

    Parameters
    ----------
    name : str
    factory : callable
        Called with the keyword arguments of :func:`get_metric`; returns a :class:`Metric`
        (a :class:`Metric` subclass itself is such a callable).
    replace : bool, default=False
        Allow replacing an existing entry.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name={name!r} must be a non-empty string.")
    if name in _REGISTRY and not replace:
        raise ValueError(f"a metric named {name!r} is already registered: pass replace=True "
                         "to replace it.")
    if not callable(factory):
        raise TypeError(f"factory for {name!r} is not callable: pass a Metric subclass or a "
                        "function returning a Metric.")
    _REGISTRY[name] = factory


def available_metrics() -> list:
    """Names of the registered metrics, sorted.

    Examples
    --------
    >>> "coverage" in available_metrics() and "mmd" in available_metrics()
    True
    """
    return sorted(_REGISTRY)


def get_metric(metric, **params) -> Metric:
    """The metric registered as ``metric`` (a name), built with ``params``; a
    :class:`Metric` instance is returned as is.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]]); y = np.array([0, 0, 0, 1])
    >>> get_metric("epsilon")(X, X[[0, 3]], y, y[[0, 3]]).per_class
    {0: 2.0, 1: 0.0}
    """
    if isinstance(metric, Metric):
        if params:
            raise ValueError("parameters are for a metric given by name; this one is "
                             "already built.")
        return metric
    if metric not in _REGISTRY:
        raise ValueError(f"metric={metric!r} is not registered; available: "
                         f"{', '.join(available_metrics())}.")
    out = _REGISTRY[metric](**params)
    if not isinstance(out, Metric):
        raise TypeError(f"the factory of {metric!r} returned {type(out).__name__}, not a "
                        "Metric.")
    return out


register_metric("coverage", lambda **kw: Coverage("mean", name="coverage", **kw))
register_metric("coverage_q90", lambda **kw: Coverage(0.9, name="coverage_q90", **kw))
register_metric("epsilon", lambda **kw: Coverage("max", name="epsilon", **kw))
register_metric("epsilon_linf", lambda **kw: Coverage("max", distance="chebyshev",
                                                      name="epsilon_linf", **kw))
register_metric("mmd", lambda **kw: KernelDistance("rbf", **kw))
register_metric("energy", lambda **kw: KernelDistance("energy", **kw))
register_metric("bottleneck", lambda **kw: DiagramDistance("bottleneck", **kw))
register_metric("wasserstein", lambda **kw: DiagramDistance("wasserstein", **kw))
