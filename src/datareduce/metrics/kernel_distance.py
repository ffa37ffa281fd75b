"""Kernel distances between a reduced set and the full set: MMD and the energy distance.

Maximum mean discrepancy (Gretton et al., JMLR 2012). For the full data ``X`` (``n`` rows,
each with mass ``1/n``) and a reduced set ``Z`` with non-negative weights ``q`` normalised to
sum to one, and a kernel ``k``::

    MMD^2 = mean_{i,i'} k(x_i, x_i') - 2 sum_j q_j mean_i k(x_i, z_j) + sum_{j,j'} q_j q_j' k(z_j, z_j')

the squared distance between the two kernel mean embeddings (a V-statistic: the full set and
the reduced set are the distributions compared, not samples of them). The reported value is
``sqrt(max(MMD^2, 0))``. The kernel is Gaussian, ``k(x, y) = exp(-||x - y||^2 / (2 s^2))``,
with ``s`` the median heuristic by default (the median pairwise Euclidean distance of at most
1,000 seeded random rows of X). With labels, each class's rows are compared with the kept rows
of that class (weights normalised within the class), and the overall value compares all rows
with all kept rows (weights normalised over the kept set, so a wrong class balance shows).
One bandwidth serves every class so the values are comparable.

The energy distance (Szekely and Rizzo 2013) is the same construction with ``k(x, y) =
-||x - y||``: ``E = 2 E|X - Z| - E|X - X'| - E|Z - Z'|``, reported as ``sqrt(E)``, which is
what :func:`scipy.stats.energy_distance` returns in one dimension.

Cost and memory. The cross term needs ``n m`` kernel values and the reduced-set term ``m^2``;
both are computed exactly in blocks of at most ``working_memory`` MiB. The full-set term needs
``n^2`` values: it is computed exactly (in symmetric blocks, each pair once) when a class has at
most ``max_exact`` rows. Above that it is estimated without bias: on a seeded random subsample
of ``max_exact`` rows (stratified by class) the off-diagonal mean is a U-statistic, unbiased
for the full set's off-diagonal mean, and the diagonal (``k(x, x)``, known exactly) is added
back with its exact share ``1/n``. Its standard error falls like ``1 / sqrt(max_exact)``; pass
``max_exact=None`` for the exact value at any size, or compute the full-set term once with
:func:`mmd_reference` and reuse it for many reduced sets of the same data. No ``n x n`` matrix
is ever formed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .._core.validation import check_random_generator, check_X, check_y
from .._geometry.kernels import KERNEL_NAMES, Kernel, canonical_kernel, median_heuristic
from ._inputs import reduced_inputs

__all__ = [
    "DistributionDistance",
    "MMDReference",
    "energy_distance",
    "median_bandwidth",
    "mmd",
    "mmd_reference",
]


def median_bandwidth(X, *, max_rows: int = 1000, random_state=0) -> float:
    """Median heuristic: the median pairwise Euclidean distance of (a subsample of) X.

    Parameters
    ----------
    X : array-like of shape (n, d)
    max_rows : int, default=1000
        Rows used; a seeded uniform subsample when X has more.
    random_state : int, Generator or None, default=0
        Seed of the subsample.

    Returns
    -------
    float
        The median distance (1.0 when it is 0, e.g. for fewer than two distinct rows).

    Examples
    --------
    >>> median_bandwidth([[0.0], [1.0], [3.0]])
    2.0
    """
    return median_heuristic(X, check_random_generator(random_state), max_rows)


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MMDReference:
    """The full-set term of MMD^2 for one data set, kernel and bandwidth (reusable).

    Attributes
    ----------
    kernel : str
    bandwidth : float
        Gaussian width (NaN for the energy kernel).
    classes : ndarray or None
        Class labels, in the order of ``xx`` rows and columns (None without labels).
    counts : ndarray
        Rows per class (one entry without labels).
    xx : ndarray of shape (C, C)
        ``mean k(x, x')`` over pairs with x in class c and x' in class c'.
    exact : bool
        Whether ``xx`` is exact or the unbiased subsample estimate.
    n_features : int
    """

    kernel: str
    bandwidth: float
    classes: np.ndarray | None
    counts: np.ndarray
    xx: np.ndarray
    exact: bool
    n_features: int

    @property
    def n_samples(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True)
class DistributionDistance:
    """A distance between the full set and a reduced set, overall and per class.

    Attributes
    ----------
    value : float
        Overall distance (all rows against all kept rows).
    per_class : dict
        class label -> distance within the class (empty without labels).
    name : str
        ``"mmd"`` or ``"energy"``.
    bandwidth : float
        Gaussian width used (NaN for the energy distance).
    exact : bool
        False when the full-set term was estimated on a subsample.
    """

    value: float
    per_class: dict = field(default_factory=dict)
    name: str = "mmd"
    bandwidth: float = float("nan")
    exact: bool = True

    def __float__(self) -> float:
        return float(self.value)

    def to_dict(self) -> dict:
        """Plain-Python dictionary (labels as strings)."""
        return {"name": self.name, "value": float(self.value),
                "bandwidth": float(self.bandwidth), "exact": bool(self.exact),
                "per_class": {str(k): float(v) for k, v in self.per_class.items()}}


# ------------------------------------------------------------------------- validation
def _check_kernel(kernel, bandwidth, allowed=("rbf", "energy")) -> Kernel:
    """The :class:`Kernel` of a metric call (a ValueError naming the bad argument)."""
    return Kernel(canonical_kernel(kernel, allowed=allowed), bandwidth)

def mmd_reference(X, y=None, *, kernel: str = "rbf", bandwidth=None, max_exact: int | None = 20000,
                  random_state=0, working_memory: float = 64.0) -> MMDReference:
    """Compute the full-set term of MMD^2 once, to score many reduced sets of the same data.

    Parameters
    ----------
    X : array-like of shape (n, d)
    y : array-like of shape (n,), optional
        Labels: the term is computed for every pair of classes.
    kernel : {"rbf", "gaussian"}, default="rbf"
        Gaussian kernel, two names for it (``"energy"``, ``-||x - y||``, is used by
        :func:`energy_distance`).
    bandwidth : float, "median" or None, default=None
        Gaussian width; None or "median": the median heuristic (:func:`median_bandwidth`).
    max_exact : int or None, default=20000
        Exact up to this many rows; above it, the unbiased subsample estimate described in
        the module docstring. None: always exact (``O(n^2 d)`` time, bounded memory).
    random_state : int, default=0
        Seed of the bandwidth subsample and of the estimate's subsample.
    working_memory : float, default=64
        MiB for one block of kernel values.

    Returns
    -------
    MMDReference

    Examples
    --------
    >>> import numpy as np
    >>> ref = mmd_reference(np.array([[0.0], [1.0]]), bandwidth=1.0)
    >>> round(float(ref.xx[0, 0]), 4)  # (1 + 1 + 2 exp(-1/2)) / 4
    0.8033
    """
    kern = _check_kernel(kernel, bandwidth)
    Xa = np.asarray(check_X(X), dtype=np.float64)
    n = Xa.shape[0]
    if not kern.resolved:
        kern = Kernel(kern.name, median_bandwidth(Xa, random_state=random_state))
    if y is None:
        classes, enc = None, np.zeros(n, dtype=np.intp)
        counts = np.array([n])
    else:
        classes, enc = np.unique(check_y(y, n), return_inverse=True)
        counts = np.bincount(enc, minlength=len(classes))
    C = len(counts)
    rows = np.arange(n)
    exact = max_exact is None or n <= max_exact
    if not exact:
        rng = check_random_generator(random_state)
        # stratified subsample: every class keeps >= 2 rows so its U-statistic exists
        take = np.minimum(counts, np.maximum(2, np.round(max_exact * counts / n))).astype(int)
        rows = np.sort(np.concatenate([
            rng.choice(np.flatnonzero(enc == c), size=take[c], replace=False)
            for c in range(C)]))
    onehot = np.zeros((rows.size, C))
    onehot[np.arange(rows.size), enc[rows]] = 1.0
    with threadpool_limits(limits=1, user_api="blas"):
        S = kern.weighted_pair_sum(Xa[rows], Xa[rows], onehot, onehot,
                                   working_memory=working_memory, symmetric=True)
    sub = onehot.sum(axis=0)
    if exact:
        xx = S / np.outer(counts, counts)
    else:
        d = float(kern.diagonal(Xa[:1])[0])  # k(x, x), the same for every x (rbf, energy)
        pairs = np.outer(sub, sub)
        off = S.copy()
        np.fill_diagonal(off, np.diag(S) - d * sub)  # drop the diagonal terms
        np.fill_diagonal(pairs, sub * (sub - 1))
        mean_off = off / pairs  # U-statistics, unbiased for the full set's pair means
        xx = mean_off.copy()
        np.fill_diagonal(xx, d / counts + (1.0 - 1.0 / counts) * np.diag(mean_off))
    return MMDReference(kern.name, kern.bandwidth, classes, counts, xx, bool(exact), Xa.shape[1])


def _distance(X, X_reduced, weights, y, y_reduced, reducer, kernel, bandwidth, max_exact,
              random_state, working_memory, reference, name):
    kernel = canonical_kernel(kernel)
    Xa, Z, q, ya, yz = reduced_inputs(X, X_reduced, weights, y, y_reduced, reducer)
    if reference is None:
        reference = mmd_reference(Xa, ya, kernel=kernel, bandwidth=bandwidth,
                                  max_exact=max_exact, random_state=random_state,
                                  working_memory=working_memory)
    else:
        if reference.kernel != kernel:
            raise ValueError(f"reference was computed for kernel={reference.kernel!r}, not "
                             f"{kernel!r}.")
        if reference.n_samples != Xa.shape[0] or reference.n_features != Xa.shape[1]:
            raise ValueError("reference was computed for another data set: pass the X (and y) "
                             "it was made from.")
        if (ya is None) != (reference.classes is None):
            raise ValueError("reference and this call disagree on labels: compute the reference "
                             "with the same y.")
    kern = Kernel(kernel, reference.bandwidth)
    n = Xa.shape[0]
    if ya is None:
        enc_x = np.zeros(n, dtype=np.intp)
        enc_z = np.zeros(Z.shape[0], dtype=np.intp)
        C = 1
    else:
        classes = reference.classes
        enc_x = np.searchsorted(classes, ya)
        C = len(classes)
        pos = np.searchsorted(classes, yz)
        pos = np.minimum(pos, C - 1)
        unknown = classes[pos] != yz
        if unknown.any():
            raise ValueError(f"y_reduced has labels not in y: {np.unique(yz[unknown])[:5]}.")
        enc_z = pos
    counts = reference.counts.astype(np.float64)
    # reduced-set weights: column 0 normalised over all kept rows, column 1 + c within class c
    Wz = np.zeros((Z.shape[0], C + 1))
    Wz[:, 0] = q / q.sum()
    class_mass = np.bincount(enc_z, weights=q, minlength=C)
    has = class_mass > 0
    Wz[np.arange(Z.shape[0]), 1 + enc_z] = q / np.where(has, class_mass, 1.0)[enc_z]
    Wx = np.zeros((n, C + 1))
    Wx[:, 0] = 1.0 / n
    Wx[np.arange(n), 1 + enc_x] = 1.0 / counts[enc_x]
    with threadpool_limits(limits=1, user_api="blas"):
        xz = kern.weighted_pair_sum(Xa, Z, Wx, Wz, working_memory=working_memory)
        zz = kern.weighted_pair_sum(Z, Z, Wz, Wz, working_memory=working_memory, symmetric=True)
    xx_all = float(counts @ reference.xx @ counts) / n ** 2

    def _value(sq):
        return math.sqrt(max(sq, 0.0))

    value = _value(xx_all - 2.0 * xz[0, 0] + zz[0, 0])
    per_class = {}
    if ya is not None:
        for c, label in enumerate(reference.classes.tolist()):
            if not has[c]:
                per_class[label] = float("inf")  # no kept row for this class
                continue
            per_class[label] = _value(reference.xx[c, c] - 2.0 * xz[1 + c, 1 + c]
                                      + zz[1 + c, 1 + c])
    return DistributionDistance(value, per_class, name, reference.bandwidth, reference.exact)


def mmd(X, X_reduced=None, weights=None, y=None, y_reduced=None, *, reducer=None,
        kernel: str = "rbf", bandwidth=None, max_exact: int | None = 20000, reference=None,
        random_state=0, working_memory: float = 64.0) -> DistributionDistance:
    """Maximum mean discrepancy between the full set and a (weighted) reduced set.

    Parameters
    ----------
    X : array-like of shape (n, d)
        The full data.
    X_reduced : array-like of shape (m, d), optional
        The reduced data (or pass ``reducer``).
    weights : array-like of shape (m,), optional
        Non-negative weights of the reduced rows (e.g. ``sample_weight_``); normalised
        within each class and overall. Default uniform (a fitted ``reducer``'s
        ``sample_weight_`` when ``reducer`` is given).
    y, y_reduced : array-like, optional
        Labels of the full and the reduced rows: per-class values as well.
    reducer : fitted reducer, optional
        Its kept (or synthetic) rows and ``sample_weight_`` are the reduced set.
    kernel : {"rbf", "gaussian"}, default="rbf"
        Gaussian kernel ``exp(-||x - y||^2 / (2 bandwidth^2))`` (two names for it;
        :class:`datareduce._geometry.kernels.Kernel`).
    bandwidth : float, "median" or None, default=None
        None or "median": the median heuristic on at most 1,000 rows of X (seeded).
    max_exact : int or None, default=20000
        The full-set term is exact up to this many rows, an unbiased subsample estimate
        above (module docstring). None: always exact.
    reference : MMDReference, optional
        The full-set term from :func:`mmd_reference` (same X, y, kernel), reused.
    random_state : int, default=0
        Seed of the bandwidth and estimate subsamples.
    working_memory : float, default=64
        MiB for one block of kernel values.

    Returns
    -------
    DistributionDistance
        ``value`` (overall) and ``per_class``; ``float(result)`` is the value.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> float(mmd(X, X))
    0.0
    >>> round(float(mmd(X, X[[1, 2]], bandwidth=1.0)), 4)
    0.3765
    """
    if canonical_kernel(kernel, allowed=KERNEL_NAMES) != "rbf":
        raise ValueError(f"kernel={kernel!r}: use 'rbf' (energy_distance for the energy kernel).")
    _check_kernel(kernel, bandwidth)
    return _distance(X, X_reduced, weights, y, y_reduced, reducer, kernel, bandwidth,
                     max_exact, random_state, working_memory, reference, "mmd")


def energy_distance(X, X_reduced=None, weights=None, y=None, y_reduced=None, *, reducer=None,
                    max_exact: int | None = 20000, reference=None, random_state=0,
                    working_memory: float = 64.0) -> DistributionDistance:
    """Energy distance between the full set and a (weighted) reduced set.

    ``sqrt(2 E|X - Z| - E|X - X'| - E|Z - Z'|)`` with Euclidean norms, X uniform over the full
    set and Z distributed by the (normalised) weights; in one dimension this is
    :func:`scipy.stats.energy_distance`. Parameters as in :func:`mmd` (the kernel is
    ``-||x - y||``; no bandwidth).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import energy_distance as scipy_energy
    >>> X = np.array([[0.0], [1.0], [5.0]])
    >>> ours = float(energy_distance(X, X[[0, 2]], weights=[2.0, 1.0]))
    >>> bool(np.isclose(ours, scipy_energy([0, 1, 5], [0, 5], v_weights=[2, 1])))
    True
    """
    return _distance(X, X_reduced, weights, y, y_reduced, reducer, "energy", None,
                     max_exact, random_state, working_memory, reference, "energy")
