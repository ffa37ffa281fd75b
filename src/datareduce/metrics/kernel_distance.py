"""Kernel distances between a reduced set and the full set: MMD and the energy distance.

Maximum mean discrepancy (Gretton et al., JMLR 2012). For the full data ``X`` (``n`` rows,
each with mass ``1/n``) and a reduced set ``Z`` with non-negative weights ``q`` normalised to
sum to one, and a kernel ``k``::

    MMD^2 = mean_{i,i'} k(x_i, x_i') - 2 sum_j q_j mean_i k(x_i, z_j) + sum_{j,j'} q_j q_j' k(z_j, z_j')

the squared distance between the two kernel mean embeddings (a V-statistic: the full set and
the reduced set are the distributions compared, not samples of them). The reported value is
``sqrt(max(MMD^2, 0))``. The kernel is Gaussian, ``k(x, y) = exp(-||x - y||^2 / (2 s^2))``,
with ``s`` the median heuristic by default (the median pairwise Euclidean distance of at most
1,000 seeded random rows of X; the median of the positive distances when more than half the
pairs are duplicate rows). With labels, each class's rows are compared with the kept rows
of that class (weights normalised within the class), and the overall value compares all rows
with all kept rows (weights normalised over the kept set, so a wrong class balance shows).
One bandwidth serves every class so the values are comparable.

The energy distance (Szekely and Rizzo 2013) is the same construction with ``k(x, y) =
-||x - y||``: ``E = 2 E|X - Z| - E|X - X'| - E|Z - Z'|``, reported as ``sqrt(E)``, which is
what :func:`scipy.stats.energy_distance` returns in one dimension.

Cost and memory. Up to ``max_exact`` rows every term is exact: the cross term needs ``n m``
kernel values, the reduced-set term ``m^2`` and the full-set term ``n^2`` (in symmetric
blocks, each pair once), all in blocks of at most ``working_memory`` MiB; no ``n x n`` matrix is ever formed. Above ``max_exact`` rows one
estimator serves all three terms, so that their errors cancel instead of adding up (an
estimated full-set term next to exact cross and subset terms made MMD^2 negative, clipped to
0, for most subsets: its error exceeds the MMD^2 of a subset):

- Gaussian kernel: random Fourier features (Rahimi and Recht 2007), orthogonal ones (Yu et
  al. 2016): 2,048 seeded frequencies ``w`` drawn from the kernel's spectral measure
  ``N(0, I / s^2)`` in blocks of ``d`` orthogonal directions with chi-distributed norms. With
  ``phi(x) = [cos(w . x), sin(w . x)]``, ``E_w[phi(x) . phi(x')] = k(x, x')``, so
  ``MMD^2 = E_w |mean_i phi(x_i) - sum_j q_j phi(z_j)|^2``, and the average over the
  frequencies is an unbiased estimate of it that is never negative. Its relative error
  does not depend on the size of MMD^2 (each frequency's term is a square with the right
  mean): on 12 Gaussian features, a random 30 % subset, the standard deviation over seeds
  of the estimated MMD was 0.6 % of the exact value (20 seeds). A subset much closer than
  random ones leaves its discrepancy at high frequencies, which the features sample less:
  kernel thinning's MMD (1/35 of a random subset's) was within 7.4 % over 3 seeds.
- Energy kernel: random projections. ``||v|| = kappa_d E_theta |theta . v|`` for ``theta``
  uniform on the unit sphere, ``kappa_d = sqrt(pi) Gamma((d + 1) / 2) / Gamma(d / 2)``, so the
  squared energy distance is ``kappa_d`` times the mean over directions of the
  one-dimensional squared energy distances, each exact (``2 int (F - G)^2``, by sorting) and
  never negative: 256 seeded directions in orthogonal blocks.

Cost above ``max_exact``: ``O(n d D)`` once for the full-set embedding (``D = 2048``), then
``O(m d D)`` per reduced set (Gaussian kernel); ``O(K (n + m) log(n + m))`` per reduced set
(energy, ``K = 256``). Memory stays within ``working_memory`` MiB blocks plus ``O(n)``.
Pass ``max_exact=None`` for the exact value at any size (``O(n^2 d)`` time), or compute the
full-set part once with :func:`mmd_reference` and reuse it for many reduced sets of the same
data.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .._core.threads import one_blas_thread
from .._core.validation import check_random_generator, check_X, check_y
from .._geometry.kernels import (
    KERNEL_NAMES,
    Kernel,
    canonical_kernel,
    median_heuristic,
    rows_per_block,
)
from ._inputs import reduced_inputs
from ._text import per_class_text
from .epsilon import check_subset_labels

__all__ = [
    "DistributionDistance",
    "MMDReference",
    "energy_distance",
    "median_bandwidth",
    "mmd",
    "mmd_reference",
]


def median_bandwidth(X, *, max_rows: int | None = 1000, random_state=0) -> float:
    """Median heuristic: the median pairwise Euclidean distance of (a subsample of) X.

    Parameters
    ----------
    X : array-like of shape (n, d)
    max_rows : int >= 2 or None, default=1000
        Rows used; a seeded uniform subsample when X has more. None uses every row
        (quadratic in n); a value below 2 is refused.
    random_state : int, Generator or None, default=0
        Seed of the subsample.

    Returns
    -------
    float
        The median distance. When more than half the pairs are duplicate rows (the median
        is 0), the median of the positive distances; 1.0 for fewer than two distinct rows.

    Examples
    --------
    >>> median_bandwidth([[0.0], [1.0], [3.0]])
    2.0
    """
    # positive: a median of 0 (most pairs duplicates) had given a width of 1.0 whatever the
    # data's units, and MMD could not tell a biased subset from a random one (review15/e 04)
    return median_heuristic(X, check_random_generator(random_state), max_rows, positive=True)


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
        ``mean k(x, x')`` over pairs with x in class c and x' in class c'; estimated by the
        random Fourier features when not exact (Gaussian kernel), NaN when not exact for the
        energy kernel (the projections never form it).
    exact : bool
        Whether every term is exact, or all three are estimated with the random features
        (or projections) of ``projections`` (module docstring).
    n_features : int
    projections : ndarray of shape (d, D) or None
        The seeded frequencies (Gaussian kernel) or unit directions (energy kernel) of the
        estimate; None when exact.
    embedding : ndarray of shape (C, 2 D) or None
        Gaussian kernel, estimated: each class's mean ``[cos(X w), sin(X w)]``.
    center : ndarray of shape (d,) or None
        The point rows are measured from (X's mean; reduced rows are shifted by it too):
        the kernel's blocks and the random features round in proportion to the
        coordinates, and the distances do not change under a shift.
    """

    kernel: str
    bandwidth: float
    classes: np.ndarray | None
    counts: np.ndarray
    xx: np.ndarray
    exact: bool
    n_features: int
    projections: np.ndarray | None = field(default=None, repr=False)
    embedding: np.ndarray | None = field(default=None, repr=False)
    center: np.ndarray | None = field(default=None, repr=False)

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
        False when the value was estimated (random Fourier features or projections, above
        ``max_exact`` rows).
    """

    value: float
    per_class: dict = field(default_factory=dict)
    name: str = "mmd"
    bandwidth: float = float("nan")
    exact: bool = True

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        """One line; with many classes only the largest (``per_class`` has them all)."""
        how = "" if self.exact else ", estimated"
        width = "" if math.isnan(self.bandwidth) else f", bandwidth={self.bandwidth:.4g}"
        per = f"; per class: {per_class_text(self.per_class)}" if self.per_class else ""
        return f"DistributionDistance({self.name}={self.value:.6g}{width}{how}{per})"

    def to_dict(self) -> dict:
        """Plain-Python dictionary (labels as strings)."""
        return {"name": self.name, "value": float(self.value),
                "bandwidth": float(self.bandwidth), "exact": bool(self.exact),
                "per_class": {str(k): float(v) for k, v in self.per_class.items()}}


# ------------------------------------------------------------------------- validation
def _check_kernel(kernel, bandwidth, allowed=("rbf", "energy")) -> Kernel:
    """The :class:`Kernel` of a metric call (a ValueError naming the bad argument)."""
    return Kernel(canonical_kernel(kernel, allowed=allowed), bandwidth)


def _check_sizes(max_exact, working_memory) -> None:
    """``max_exact``: None or an integer >= 0; ``working_memory``: MiB, a number > 0 (a
    negative one ended in "math domain error", a negative ``max_exact`` was taken as 0)."""
    if max_exact is not None and (isinstance(max_exact, bool)
                                  or not isinstance(max_exact, numbers.Integral)
                                  or max_exact < 0):
        raise ValueError(f"max_exact={max_exact!r} must be None (always exact) or an integer "
                         ">= 0 (rows up to which the value is exact).")
    if isinstance(working_memory, bool) or not isinstance(working_memory, numbers.Real) \
            or not math.isfinite(working_memory) or working_memory <= 0:
        raise ValueError(f"working_memory={working_memory!r} must be a number of MiB > 0 "
                         "(e.g. 64).")

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
        Exact up to this many rows; above it, the random-feature (Gaussian) or
        random-projection (energy) estimate of the module docstring, used then for all three
        terms. None: always exact (``O(n^2 d)`` time, bounded memory).
    random_state : int, default=0
        Seed of the bandwidth subsample and of the estimate's frequencies or directions.
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
    _check_sizes(max_exact, working_memory)
    Xa = np.asarray(check_X(X), dtype=np.float64)
    # measured from X's mean: the exact blocks (|x|^2 - 2 x.y + |y|^2) and the float32
    # phases of the random features round with the coordinates (MMD -49% exact, 6e-7
    # estimated, for rows near 1e8; review10/a 15), the distances do not change
    center = Xa.mean(axis=0)
    Xa = Xa - center
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
    if max_exact is not None and n > max_exact:
        return _estimated_reference(Xa, enc, classes, counts, kern, random_state,
                                    working_memory, center)
    onehot = np.zeros((n, C))
    onehot[np.arange(n), enc] = 1.0
    with one_blas_thread():
        S = kern.weighted_pair_sum(Xa, Xa, onehot, onehot, working_memory=working_memory,
                                   symmetric=True)
    xx = S / np.outer(counts, counts)
    return MMDReference(kern.name, kern.bandwidth, classes, counts, xx, True, Xa.shape[1],
                        center=center)


# ------------------------------------------------------------------------ the estimate
#: frequencies of the random Fourier features (each gives a cosine and a sine feature)
N_FREQUENCIES = 2048
#: directions of the projected energy distance
N_DIRECTIONS = 256


def _orthogonal_directions(d: int, k: int, rng) -> np.ndarray:
    """``k`` unit columns of length ``d``, uniform on the sphere, orthogonal in blocks of d."""
    blocks = []
    for _ in range(-(-k // d)):
        Q, R = np.linalg.qr(rng.standard_normal((d, d)))
        blocks.append(Q * np.where(np.diag(R) < 0, -1.0, 1.0))  # Haar-distributed
    return np.ascontiguousarray(np.concatenate(blocks, axis=1)[:, :k])


def _fourier_sums(A, W, weights, working_memory: float) -> np.ndarray:
    """``sum_i weights[i, c] [cos(A_i W), sin(A_i W)]``: shape (C, 2 D), in row blocks.

    The phases, cosines and sines are single precision (17 times faster than double here; a
    value's error, about 1e-6, is random and biases MMD^2 by its square only); each block's
    sums are added in double precision.
    """
    D = W.shape[1]
    W32 = W.astype(np.float32)
    w32 = weights.astype(np.float32)
    out = np.zeros((weights.shape[1], 2 * D))
    step = rows_per_block(working_memory / 2.0, D, itemsize=4)
    buf = np.empty((min(step, A.shape[0]), D), dtype=np.float32)
    for i0 in range(0, A.shape[0], step):
        i1 = min(A.shape[0], i0 + step)
        P = np.matmul(A[i0:i1].astype(np.float32), W32, out=buf[:i1 - i0])
        wt = w32[i0:i1].T
        out[:, D:] += wt @ np.sin(P)
        out[:, :D] += wt @ np.cos(P, out=P)
    return out


def _estimated_reference(Xa, enc, classes, counts, kern, random_state, working_memory,
                         center=None):
    rng = check_random_generator(random_state)
    rng = np.random.default_rng(rng.integers(2**63))  # its own stream, whatever was passed
    d = Xa.shape[1]
    C = len(counts)
    if kern.name == "energy":
        dirs = _orthogonal_directions(d, N_DIRECTIONS, rng)
        return MMDReference(kern.name, kern.bandwidth, classes, counts,
                            np.full((C, C), np.nan), False, d, projections=dirs,
                            center=center)
    # orthogonal random features: unit directions scaled by chi(d) norms are N(0, I) columns
    dirs = _orthogonal_directions(d, N_FREQUENCIES, rng)
    W = dirs * np.sqrt(rng.chisquare(d, size=N_FREQUENCIES)) / kern.bandwidth
    weights = np.zeros((Xa.shape[0], C))
    weights[np.arange(Xa.shape[0]), enc] = 1.0 / counts[enc]
    with one_blas_thread():
        emb = _fourier_sums(Xa, W, weights, working_memory)
    xx = emb @ emb.T / N_FREQUENCIES
    return MMDReference(kern.name, kern.bandwidth, classes, counts, xx, False, d,
                        projections=W, embedding=emb, center=center)


def _estimated_squares(reference, Xa, Z, enc_x, enc_z, Wx, Wz, labelled, working_memory):
    """Estimated squared distances: overall, then one per class (the value of an empty
    class is ignored: the caller makes it inf)."""
    C = Wz.shape[1] - 1
    if reference.kernel == "rbf":
        with one_blas_thread():
            zemb = _fourier_sums(Z, reference.projections, Wz, working_memory)
        counts = reference.counts.astype(np.float64)
        xemb = np.vstack([(counts / counts.sum()) @ reference.embedding, reference.embedding])
        diff = xemb - zemb
        return np.einsum("ij,ij->i", diff, diff) / reference.projections.shape[1]
    dirs = reference.projections
    d = dirs.shape[0]
    kappa = math.exp(0.5 * math.log(math.pi) + math.lgamma((d + 1) / 2) - math.lgamma(d / 2))
    out = np.zeros(C + 1)
    groups = [(slice(None), slice(None), 0)]
    if labelled:
        groups += [(np.flatnonzero(enc_x == c), np.flatnonzero(enc_z == c), 1 + c)
                   for c in range(C)]
    for rx, rz, col in groups:
        A, B = Xa[rx], Z[rz]
        if B.shape[0] == 0:
            continue  # no kept row of this class
        w = np.concatenate([Wx[rx, col], -Wz[rz, col]])
        step = rows_per_block(working_memory / 4.0, A.shape[0] + B.shape[0])  # ~4 arrays
        for k0 in range(0, dirs.shape[1], step):
            k1 = min(dirs.shape[1], k0 + step)
            with one_blas_thread():
                proj = np.hstack([dirs[:, k0:k1].T @ A.T, dirs[:, k0:k1].T @ B.T])
            order = np.argsort(proj, axis=1)
            v = np.take_along_axis(proj, order, axis=1)
            gap = np.diff(v, axis=1)
            cdf = np.cumsum(w[order], axis=1)[:, :-1]  # F - G between consecutive values
            out[col] += 2.0 * float(np.einsum("ij,ij->", cdf * cdf, gap))
    return kappa * out / dirs.shape[1]


def _distance(X, X_reduced, weights, y, y_reduced, reducer, kernel, bandwidth, max_exact,
              random_state, working_memory, reference, name):
    kernel = canonical_kernel(kernel)
    _check_sizes(max_exact, working_memory)
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
        asked = Kernel(kernel, bandwidth)
        if asked.resolved and kernel == "rbf" and not math.isclose(
                asked.bandwidth, reference.bandwidth, rel_tol=1e-12):
            # the reference's bandwidth was used, silently: another value than asked for
            raise ValueError(f"bandwidth={bandwidth!r} but reference was computed with "
                             f"bandwidth={reference.bandwidth:.6g}: leave bandwidth out to use "
                             "the reference's, or compute the reference with this bandwidth.")
    kern = Kernel(kernel, reference.bandwidth)
    if reference.center is not None:  # both sets measured from the reference's point
        Z = Z - reference.center
        if reference.exact or reference.kernel != "rbf":
            # X's rows are read by the exact blocks and the energy projections only; the
            # random features' estimate reads the reference's embedding (a copy of X at
            # every score of an audit's draws: review11/a 05)
            Xa = Xa - reference.center
    n = Xa.shape[0]
    if ya is None:
        enc_x = np.zeros(n, dtype=np.intp)
        enc_z = np.zeros(Z.shape[0], dtype=np.intp)
        C = 1
    else:
        classes = reference.classes
        check_subset_labels(classes, yz)  # by name, with the fix
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
    if reference.exact:
        with one_blas_thread():
            xz = kern.weighted_pair_sum(Xa, Z, Wx, Wz, working_memory=working_memory)
            zz = kern.weighted_pair_sum(Z, Z, Wz, Wz, working_memory=working_memory,
                                        symmetric=True)
        xx_all = float(counts @ reference.xx @ counts) / n ** 2
        squares = np.array([xx_all - 2.0 * xz[0, 0] + zz[0, 0]]
                           + [reference.xx[c, c] - 2.0 * xz[1 + c, 1 + c] + zz[1 + c, 1 + c]
                              for c in range(C)])
    else:  # one estimator for all three terms (module docstring)
        squares = _estimated_squares(reference, Xa, Z, enc_x, enc_z, Wx, Wz, ya is not None,
                                     working_memory)

    def _value(sq):
        return math.sqrt(max(sq, 0.0))

    value = _value(squares[0])
    per_class = {}
    if ya is not None:
        for c, label in enumerate(reference.classes.tolist()):
            if not has[c]:
                per_class[label] = float("inf")  # no kept row for this class
                continue
            per_class[label] = _value(squares[1 + c])
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
        Exact up to this many rows; above, all three terms are estimated by one estimator
        (random Fourier features; module docstring), unbiased for MMD² and never negative.
        None: always exact.
    reference : MMDReference, optional
        The full-set term from :func:`mmd_reference` (same X, y, kernel), reused.
    random_state : int, default=0
        Seed of the bandwidth subsample and of the random features.
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
