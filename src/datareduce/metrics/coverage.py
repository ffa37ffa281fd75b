"""Coverage curve of a reduced set: the fraction of rows within radius r of a kept row.

Coverage (:func:`coverage_curve`): the fraction of rows that have a kept row of their class
within radius ``r``, as a function of ``r``. It reaches 1 exactly at epsilon
(:func:`datareduce.metrics.epsilon_representativeness`), the worst case; the curve shows how
much of the data is covered well before that.
"""


from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .._core.threads import one_blas_thread
from .._geometry.neighbors import check_metric
from ._inputs import reduced_inputs
from .epsilon import check_subset_labels

__all__ = ["CoverageCurve", "coverage_curve"]

#: classes drawn in a style of their own by :meth:`CoverageCurve.plot`, at most (tab20's
#: colours); the others are drawn alike, as one legend entry "k more classes"
CURVE_CLASSES = 20


@dataclass(frozen=True)
class CoverageCurve:
    """Fraction of rows with a kept row of their class within radius ``r``.

    Attributes
    ----------
    radii : ndarray
        Increasing radii, from 0 to epsilon (the end point).
    fraction : ndarray
        Overall fraction covered at each radius.
    per_class : dict
        class label -> fraction covered at each radius (empty without labels).
    epsilon : float
        The radius at which every row is covered (``inf`` when a class has no kept row).
    metric : str
    nearest : ndarray
        Distance of every row of X to its nearest kept row of its class.
    """

    radii: np.ndarray
    fraction: np.ndarray
    per_class: dict
    epsilon: float
    metric: str
    nearest: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        """One line: the arrays are attributes, not the summary (thousands of rows)."""
        classes = f", {len(self.per_class)} classes" if self.per_class else ""
        half = (f"; half the rows within {self.radius_for(0.5):.4g}" if self.nearest.size
                else "")
        return (f"CoverageCurve({self.metric}; epsilon={self.epsilon:.4g}, "
                f"{self.radii.size} radii, {self.nearest.size} rows{classes}{half})")

    def at(self, r) -> float:
        """Overall fraction of rows within ``r`` of a kept row of their class."""
        return float(np.mean(self.nearest <= r))

    def radius_for(self, fraction: float) -> float:
        """Smallest radius that covers at least ``fraction`` of the rows."""
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction={fraction!r} must be in (0, 1].")
        k = max(1, math.ceil(fraction * self.nearest.size - 1e-9))
        return float(np.partition(self.nearest, k - 1)[k - 1])

    def plot(self, ax=None, *, per_class: bool = True):
        """Draw the curve(s) with matplotlib; returns the axes.

        Each class's curve gets a colour and marker of its own (``metrics._plots.styles``:
        distinct up to :data:`CURVE_CLASSES` classes). Beyond that, the
        ``CURVE_CLASSES - 1`` least covered classes (lowest mean fraction over the radii)
        get one each and the others thin grey lines and one legend entry, "k more
        classes", as the audit map does. A legend of more than 4 entries sits right of the
        axes. Without ``ax`` the figure is created with a constrained layout, wide enough
        for that legend, so the labels stay inside the saved figure."""
        import matplotlib.pyplot as plt

        from ._plots import LEGEND_CHARS, styles, wrap_label

        classes = list(self.per_class) if per_class else []
        own = classes
        if len(classes) > CURVE_CLASSES:
            worst = sorted(classes, key=lambda c: float(np.mean(self.per_class[c])))
            keep = set(worst[:CURVE_CLASSES - 1])
            own = [c for c in classes if c in keep]
        outside = 1 + len(own) + (len(own) < len(classes)) > 4
        ncol = 1 if len(own) < 16 else 2
        if ax is None:
            width = 5 + (1.5 * ncol if outside else 0)
            _, ax = plt.subplots(figsize=(width, 3.5), layout="constrained")
        ax.plot(self.radii, self.fraction, color="black", lw=2, label="all rows")
        style = styles(own)
        for i, label in enumerate(own):
            st = style[label]
            # markers spread along the curve, staggered so that they do not pile up
            every = max(1, self.radii.size // 6)
            ax.plot(self.radii, self.per_class[label], lw=1, alpha=0.85, color=st["color"],
                    marker=st["marker"], markersize=3.5,
                    markevery=(i % every, every),
                    label=wrap_label(f"class {label}", LEGEND_CHARS))  # "$0-$50" literal
        rest = [c for c in classes if c not in set(own)]
        for j, label in enumerate(rest):
            ax.plot(self.radii, self.per_class[label], lw=0.6, color="0.55", alpha=0.6,
                    zorder=1, label=f"{len(rest)} more classes" if j == 0 else None)
        if np.isfinite(self.epsilon):
            ax.axvline(self.epsilon, ls=":", color="grey")
        ax.set_xlabel(f"radius r ({self.metric})")
        ax.set_ylabel("fraction of rows within r")
        ax.set_ylim(0, 1.02)
        if outside:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1),
                      borderaxespad=0, ncol=ncol, frameon=False)
        else:
            ax.legend(fontsize="small")
        return ax


def _nearest_distances(A, B, metric, working_memory):
    if B.shape[0] == 0:
        return np.full(A.shape[0], np.inf)
    if A.shape[1] <= 10:
        from scipy.spatial import cKDTree

        p = {"euclidean": 2, "chebyshev": np.inf, "manhattan": 1}[metric]
        return cKDTree(B).query(A, k=1, p=p)[0]
    if metric == "euclidean":
        return _nearest_euclidean(A, B, working_memory)
    from sklearn.metrics import pairwise_distances_chunked

    # scikit-learn's Euclidean blocks use the dot-product expansion, whose rounding grows
    # with the squared norms: on rows far from the origin (coordinates near 1e6) it picked
    # wrong nearest rows (epsilon +84%, review10/a 13). Distances do not change under a
    # shift: the nearest rows are searched from the kept rows' mean, a block of A at a time
    mu = B.mean(axis=0) if metric == "euclidean" else np.zeros(A.shape[1])
    Bc = B - mu
    arg = np.empty(A.shape[0], dtype=np.intp)
    step = max(1, int(working_memory * 2**20 / 8 / max(B.shape[0], 1)))
    for start in range(0, A.shape[0], step):
        pos = start
        for block in pairwise_distances_chunked(A[start:start + step] - mu, Bc, metric=metric,
                                                working_memory=working_memory):
            arg[pos:pos + block.shape[0]] = block.argmin(axis=1)
            pos += block.shape[0]
    # the blocked euclidean distances round (a row's distance to itself is not exactly 0):
    # recompute each row's distance to its nearest kept row directly
    diff = np.abs(A - B[arg])
    if metric == "chebyshev":
        return diff.max(axis=1)
    if metric == "manhattan":
        return diff.sum(axis=1)
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def _nearest_euclidean(A, B, working_memory):
    """Exact Euclidean distance of every row of A to its nearest row of B, in blocks.

    The blocks use the dot-product expansion (one matrix product), measured from B's mean;
    its keys err by up to ``tol`` (in proportion to the squared norms), so every row of B
    within twice that of a row's smallest key is measured from coordinate differences.
    Taking the expansion's argmin alone picked other rows when close rows lie far from the
    mean: 800 rows in 12-D, three clusters 1e5 apart, neighbours 1e-3 apart gave nearest
    distances up to 3.3 times the true ones and an epsilon of 0.0071 for 0.0052
    (review15/e 06)."""
    mu = B.mean(axis=0)
    Bc = B - mu
    b_sq = np.einsum("ij,ij->i", Bc, Bc)
    b_max = float(b_sq.max())
    tol_unit = 4.0 * (A.shape[1] + 4) * np.finfo(np.float64).eps
    out = np.empty(A.shape[0])
    step = max(1, int(working_memory * 2**20 / 8 / max(B.shape[0], 1)))
    for start in range(0, A.shape[0], step):
        Ab = A[start:start + step] - mu
        a_sq = np.einsum("ij,ij->i", Ab, Ab)
        K = Ab @ Bc.T
        K *= -2.0
        K += a_sq[:, None]
        K += b_sq[None, :]
        kmin = K.min(axis=1)
        i, j = np.nonzero(K <= (kmin + 2.0 * tol_unit * (a_sq + b_max))[:, None])
        diff = A[start + i] - B[j]  # the input's coordinates: exact differences
        exact = np.einsum("ij,ij->i", diff, diff)
        best = np.full(Ab.shape[0], np.inf)
        np.minimum.at(best, i, exact)
        out[start:start + step] = np.sqrt(best)
    return out


def coverage_curve(X, X_reduced=None, y=None, y_reduced=None, *, reducer=None,
                   metric: str = "chebyshev", radii=None, n_radii: int = 50,
                   working_memory: float = 64.0) -> CoverageCurve:
    """Coverage curve: fraction of rows within radius r of a kept row of their class.

    Parameters
    ----------
    X : array-like of shape (n, d)
    X_reduced : array-like of shape (m, d), optional
        The reduced rows (or pass a fitted ``reducer``).
    y, y_reduced : array-like, optional
        Labels; with them each row is compared with the kept rows of its class only.
    reducer : fitted reducer, optional
    metric : {"chebyshev", "euclidean", "manhattan"}, default="chebyshev"
        The norm (chebyshev, as epsilon's default).
    radii : array-like, optional
        Radii to evaluate; default ``n_radii`` evenly spaced from 0 to epsilon.
    n_radii : int, default=50
    working_memory : float, default=64
        MiB for one block of distances.

    Returns
    -------
    CoverageCurve

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]]); y = np.array([0, 0, 0, 1])
    >>> cc = coverage_curve(X, X[[0, 3]], y, y[[0, 3]], radii=[0, 1, 2])
    >>> cc.fraction.tolist(), cc.epsilon
    ([0.5, 0.75, 1.0], 2.0)
    """
    metric = check_metric(metric)
    Xa, Z, _, ya, yz = reduced_inputs(X, X_reduced, None, y, y_reduced, reducer)
    if ya is not None:
        check_subset_labels(ya, yz)
    nearest = np.empty(Xa.shape[0])
    per_class_rows = {}
    with one_blas_thread():
        if ya is None:
            nearest[:] = _nearest_distances(Xa, Z, metric, working_memory)
        else:
            for c in np.unique(ya):
                members = np.flatnonzero(ya == c)
                nearest[members] = _nearest_distances(Xa[members], Z[yz == c], metric,
                                                      working_memory)
                per_class_rows[c.item() if hasattr(c, "item") else c] = members
    eps = float(nearest.max()) if nearest.size else 0.0
    if radii is None:
        if not isinstance(n_radii, numbers.Integral) or n_radii < 2:
            raise ValueError(f"n_radii={n_radii!r} must be an integer >= 2.")
        radii = np.linspace(0.0, eps if np.isfinite(eps) else float(
            nearest[np.isfinite(nearest)].max(initial=0.0)), n_radii)
    else:
        radii = np.asarray(radii, dtype=np.float64)
        if radii.ndim != 1 or radii.size == 0 or (np.diff(radii) < 0).any():
            raise ValueError("radii must be a non-empty increasing 1-D array.")

    def _frac(d):
        s = np.sort(d)
        return np.searchsorted(s, radii, side="right") / max(d.size, 1)

    fraction = _frac(nearest)
    per_class = {k: _frac(nearest[rows]) for k, rows in per_class_rows.items()}
    return CoverageCurve(radii, fraction, per_class, eps, metric, nearest)
