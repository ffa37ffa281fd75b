"""Distribution distances between a reduced set and the full set: MMD, energy distance, coverage.

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
from threadpoolctl import threadpool_limits

from .._core.validation import check_random_generator, check_X, check_y
from .._geometry.neighbors import check_metric

__all__ = [
    "CoverageCurve",
    "DistributionDistance",
    "MMDReference",
    "coverage_curve",
    "energy_distance",
    "median_bandwidth",
    "mmd",
    "mmd_reference",
    "mmd_test",
]

_KERNELS = ("rbf", "energy")


# ------------------------------------------------------------------------------ kernels
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
    from .._weights import median_bandwidth as _median

    return _median(X, check_random_generator(random_state), max_rows)


def _kernel_block(A, B, kernel, gamma, A_sq, B_sq):
    """Kernel values between the rows of A and B (one block; the caller bounds its size)."""
    if kernel == "energy":
        # direct differences: the dot-product expansion loses ~sqrt(eps) near zero distance
        from scipy.spatial.distance import cdist

        G = cdist(A, B)
        G *= -1.0
        return G
    # -gamma ||a - b||^2 = (2 gamma a) . b - gamma |a|^2 - gamma |b|^2, clipped at 0
    G = (2.0 * gamma * A) @ B.T
    G -= gamma * A_sq[:, None]
    G -= gamma * B_sq[None, :]
    np.minimum(G, 0.0, out=G)
    return np.exp(G, out=G)


def _diag(kernel) -> float:
    return 1.0 if kernel == "rbf" else 0.0


def _block_rows(working_memory: float, width: int) -> int:
    return int(max(1, min(8192, working_memory * 2**20 / 8 / max(width, 1), 2**20 / max(width, 1))))


def _weighted_pair_sum(A, B, wA, wB, kernel, gamma, working_memory, symmetric=False):
    """``sum_{a, b} wA[a, c] wB[b, c'] k(A_a, B_b)`` for every column pair (c, c').

    ``wA`` is (len(A), C), ``wB`` (len(B), C'); returns (C, C'). With ``symmetric=True`` (A is
    B, wA is wB) each off-diagonal block is computed once.
    """
    A_sq = np.einsum("ij,ij->i", A, A)
    B_sq = A_sq if symmetric else np.einsum("ij,ij->i", B, B)
    out = np.zeros((wA.shape[1], wB.shape[1]))
    if symmetric:
        step = max(1, int(math.sqrt(working_memory * 2**20 / 8)))
        step = min(step, 1024)  # cache-sized tiles
        n = A.shape[0]
        for i0 in range(0, n, step):
            i1 = min(n, i0 + step)
            for j0 in range(i0, n, step):
                j1 = min(n, j0 + step)
                K = _kernel_block(A[i0:i1], A[j0:j1], kernel, gamma, A_sq[i0:i1], A_sq[j0:j1])
                part = wA[i0:i1].T @ K @ wA[j0:j1]
                out += part if j0 == i0 else part + part.T
        return out
    step = _block_rows(working_memory, B.shape[0])
    for i0 in range(0, A.shape[0], step):
        i1 = min(A.shape[0], i0 + step)
        K = _kernel_block(A[i0:i1], B, kernel, gamma, A_sq[i0:i1], B_sq)
        out += wA[i0:i1].T @ (K @ wB)
    return out


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
def _check_kernel(kernel, bandwidth):
    if kernel not in _KERNELS:
        raise ValueError(f"kernel={kernel!r}: use 'rbf' (Gaussian).")
    if bandwidth is not None and (not isinstance(bandwidth, numbers.Real)
                                  or isinstance(bandwidth, bool)
                                  or not np.isfinite(bandwidth) or bandwidth <= 0):
        raise ValueError(f"bandwidth={bandwidth!r} must be None (median heuristic) or a "
                         "positive number.")


def _reduced_inputs(X, X_reduced, weights, y, y_reduced, reducer):
    """Arrays (X, Z, q, y, y_z) from either an explicit reduced set or a fitted reducer."""
    Xa = check_X(X)
    if reducer is not None:
        if X_reduced is not None:
            raise ValueError("pass either X_reduced or reducer, not both.")
        if not hasattr(reducer, "sample_indices_"):
            raise ValueError("reducer is not fitted: call reducer.fit(X, y) first.")
        if getattr(reducer, "n_samples_in_", Xa.shape[0]) != Xa.shape[0]:
            raise ValueError(f"reducer was fitted on {reducer.n_samples_in_} rows but X has "
                             f"{Xa.shape[0]}: pass the data the reducer was fitted on.")
        idx = reducer.sample_indices_
        synthetic = getattr(reducer, "synthetic_", None)
        Z = np.asarray(synthetic if synthetic is not None else Xa[idx], dtype=np.float64)
        if weights is None:
            weights = reducer.sample_weight_
        if y is not None:
            y_reduced = check_y(y, Xa.shape[0])[idx]
    elif X_reduced is None:
        raise ValueError("pass the reduced data as X_reduced, or a fitted reducer=.")
    else:
        Z = np.asarray(check_X(X_reduced, name="X_reduced"), dtype=np.float64)
    if Z.shape[1] != Xa.shape[1]:
        raise ValueError(f"X_reduced has {Z.shape[1]} features but X has {Xa.shape[1]}: "
                         "they must describe the same columns.")
    if weights is None:
        q = np.ones(Z.shape[0])
    else:
        q = np.asarray(weights, dtype=np.float64)
        if q.shape != (Z.shape[0],):
            raise ValueError(f"weights has shape {q.shape} but X_reduced has {Z.shape[0]} "
                             "rows: pass one weight per reduced row.")
        if not np.isfinite(q).all() or (q < 0).any() or not q.sum() > 0:
            raise ValueError("weights must be finite, non-negative and not all zero.")
    ya = yz = None
    if y is not None:
        if y_reduced is None:
            raise ValueError("y is given but y_reduced is not: pass the labels of the reduced "
                             "rows.")
        ya = check_y(y, Xa.shape[0])
        yz = check_y(y_reduced, Z.shape[0], name="y_reduced")
    elif y_reduced is not None:
        raise ValueError("y_reduced is given but y is not: pass the labels of X too.")
    return np.asarray(Xa, dtype=np.float64), Z, q, ya, yz


# ------------------------------------------------------------------------- full term
def mmd_reference(X, y=None, *, kernel: str = "rbf", bandwidth=None, max_exact: int | None = 20000,
                  random_state=0, working_memory: float = 64.0) -> MMDReference:
    """Compute the full-set term of MMD^2 once, to score many reduced sets of the same data.

    Parameters
    ----------
    X : array-like of shape (n, d)
    y : array-like of shape (n,), optional
        Labels: the term is computed for every pair of classes.
    kernel : {"rbf"}, default="rbf"
        Gaussian kernel (``"energy"``, ``-||x - y||``, is used by :func:`energy_distance`).
    bandwidth : float, optional
        Gaussian width; default the median heuristic (:func:`median_bandwidth`).
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
    _check_kernel(kernel, bandwidth)
    Xa = np.asarray(check_X(X), dtype=np.float64)
    n = Xa.shape[0]
    if kernel == "energy":
        bw = float("nan")
    else:
        bw = float(bandwidth) if bandwidth is not None else median_bandwidth(
            Xa, random_state=random_state)
    if y is None:
        classes, enc = None, np.zeros(n, dtype=np.intp)
        counts = np.array([n])
    else:
        classes, enc = np.unique(check_y(y, n), return_inverse=True)
        counts = np.bincount(enc, minlength=len(classes))
    C = len(counts)
    gamma = 1.0 / (2.0 * bw * bw) if kernel == "rbf" else 0.0
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
        S = _weighted_pair_sum(Xa[rows], Xa[rows], onehot, onehot, kernel, gamma,
                               working_memory, symmetric=True)
    sub = onehot.sum(axis=0)
    if exact:
        xx = S / np.outer(counts, counts)
    else:
        d = _diag(kernel)
        pairs = np.outer(sub, sub)
        off = S.copy()
        np.fill_diagonal(off, np.diag(S) - d * sub)  # drop the diagonal terms
        np.fill_diagonal(pairs, sub * (sub - 1))
        mean_off = off / pairs  # U-statistics, unbiased for the full set's pair means
        xx = mean_off.copy()
        np.fill_diagonal(xx, d / counts + (1.0 - 1.0 / counts) * np.diag(mean_off))
    return MMDReference(kernel, bw, classes, counts, xx, bool(exact), Xa.shape[1])


def _distance(X, X_reduced, weights, y, y_reduced, reducer, kernel, bandwidth, max_exact,
              random_state, working_memory, reference, name):
    Xa, Z, q, ya, yz = _reduced_inputs(X, X_reduced, weights, y, y_reduced, reducer)
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
    bw = reference.bandwidth
    gamma = 1.0 / (2.0 * bw * bw) if kernel == "rbf" else 0.0
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
        xz = _weighted_pair_sum(Xa, Z, Wx, Wz, kernel, gamma, working_memory)
        zz = _weighted_pair_sum(Z, Z, Wz, Wz, kernel, gamma, working_memory, symmetric=True)
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
    return DistributionDistance(value, per_class, name, bw, reference.exact)


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
    kernel : {"rbf"}, default="rbf"
        Gaussian kernel ``exp(-||x - y||^2 / (2 bandwidth^2))``.
    bandwidth : float, optional
        Default: the median heuristic on at most 1,000 rows of X (seeded).
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
    _check_kernel(kernel, bandwidth)
    if kernel != "rbf":
        raise ValueError(f"kernel={kernel!r}: use 'rbf' (energy_distance for the energy kernel).")
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


@dataclass(frozen=True)
class MMDTest:
    """Result of :func:`mmd_test`.

    Attributes
    ----------
    statistic : float
        MMD of the reduced set to the full set.
    p_value : float
        ``(1 + #{random subsets with MMD >= statistic}) / (1 + n_permutations)``.
    null : ndarray
        MMD of each random subset of the same size (and class counts).
    """

    statistic: float
    p_value: float
    null: np.ndarray = field(repr=False)


def mmd_test(X, X_reduced=None, weights=None, y=None, y_reduced=None, *, reducer=None,
             n_permutations: int = 200, bandwidth=None, max_exact: int | None = 20000,
             random_state=0, working_memory: float = 64.0) -> MMDTest:
    """Is the reduced set distributed like the full set? A Monte Carlo test against SRS.

    Null hypothesis: the reduced set is a uniform random subset of the full set (with the
    same number of rows of each class when labels are given). The statistic is the overall
    MMD (:func:`mmd`) of the reduced set to the full set; its null distribution is simulated
    by ``n_permutations`` seeded random subsets (stratified, uniform weights within each
    class). A small p-value says the subset is further from the full set than random subsets
    of its size usually are; a p-value near 1 says it is closer (as herding or kernel thinning
    aim to be). The test is exact for any ``n_permutations`` (the Monte Carlo p-value
    ``(1 + k) / (1 + B)`` is valid, Phipson and Smyth 2010).

    Parameters
    ----------
    X, X_reduced, weights, y, y_reduced, reducer, bandwidth, max_exact, random_state, working_memory
        As in :func:`mmd`.
    n_permutations : int, default=200
        Random subsets drawn for the null distribution.

    Returns
    -------
    MMDTest

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> corner = np.argsort(X[:, 0])[:30]          # the 30 left-most rows: not representative
    >>> mmd_test(X, X[corner], n_permutations=99).p_value
    0.01
    """
    if not isinstance(n_permutations, numbers.Integral) or n_permutations < 1:
        raise ValueError(f"n_permutations={n_permutations!r} must be a positive integer.")
    _check_kernel("rbf", bandwidth)
    Xa, Z, q, ya, yz = _reduced_inputs(X, X_reduced, weights, y, y_reduced, reducer)
    ref = mmd_reference(Xa, ya, bandwidth=bandwidth, max_exact=max_exact,
                        random_state=random_state, working_memory=working_memory)
    stat = _distance(Xa, Z, q, ya, yz, None, "rbf", None, max_exact, random_state,
                     working_memory, ref, "mmd").value
    rng = check_random_generator(random_state)
    if ya is None:
        pools, counts = [np.arange(Xa.shape[0])], [Z.shape[0]]
    else:
        pools = [np.flatnonzero(ya == c) for c in ref.classes]
        counts = [int(np.sum(yz == c)) for c in ref.classes]
    null = np.empty(int(n_permutations))
    for b in range(int(n_permutations)):
        idx = np.concatenate([rng.choice(p, size=min(k, p.size), replace=False)
                              for p, k in zip(pools, counts, strict=True)])
        w = np.concatenate([np.full(min(k, p.size), p.size / max(k, 1))
                            for p, k in zip(pools, counts, strict=True)])
        null[b] = _distance(Xa, Xa[idx], w, ya, None if ya is None else ya[idx], None, "rbf",
                            None, max_exact, random_state, working_memory, ref, "mmd").value
    p_value = (1.0 + np.sum(null >= stat)) / (1.0 + null.size)
    return MMDTest(float(stat), float(p_value), null)


# --------------------------------------------------------------------------- coverage
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
        """Draw the curve(s) with matplotlib; returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(self.radii, self.fraction, color="black", lw=2, label="all rows")
        if per_class:
            for label, frac in self.per_class.items():
                ax.plot(self.radii, frac, lw=1, alpha=0.8, label=f"class {label}")
        if np.isfinite(self.epsilon):
            ax.axvline(self.epsilon, ls=":", color="grey")
        ax.set_xlabel(f"radius r ({self.metric})")
        ax.set_ylabel("fraction of rows within r")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize="small")
        return ax


def _nearest_distances(A, B, metric, working_memory):
    if B.shape[0] == 0:
        return np.full(A.shape[0], np.inf)
    if A.shape[1] <= 10:
        from scipy.spatial import cKDTree

        p = {"euclidean": 2, "chebyshev": np.inf, "manhattan": 1}[metric]
        return cKDTree(B).query(A, k=1, p=p)[0]
    from sklearn.metrics import pairwise_distances_chunked

    arg = np.empty(A.shape[0], dtype=np.intp)
    start = 0
    for block in pairwise_distances_chunked(A, B, metric=metric,
                                            working_memory=working_memory):
        arg[start:start + block.shape[0]] = block.argmin(axis=1)
        start += block.shape[0]
    # the blocked euclidean distances round (a row's distance to itself is not exactly 0):
    # recompute each row's distance to its nearest kept row directly
    diff = np.abs(A - B[arg])
    if metric == "chebyshev":
        return diff.max(axis=1)
    if metric == "manhattan":
        return diff.sum(axis=1)
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


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
    Xa, Z, _, ya, yz = _reduced_inputs(X, X_reduced, None, y, y_reduced, reducer)
    nearest = np.empty(Xa.shape[0])
    per_class_rows = {}
    with threadpool_limits(limits=1, user_api="blas"):
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
