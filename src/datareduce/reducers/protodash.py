"""PRD: ProtoDash prototype selection (Gurumoorthy, Dhurandhar, Cecchi and Aggarwal, ICDM 2019).

ProtoDash picks prototypes ``S`` and non-negative weights ``w`` that match the kernel mean
embedding of the pool. With ``mu_j = (1/n) sum_i k(x_j, x_i)`` it maximises

    f(w) = w^T mu_S - 1/2 w^T K_SS w,   w >= 0,

greedily: the next prototype is the row with the largest gradient
``mu_j - sum_{s in S} k(x_j, x_s) w_s``, after which ``w`` is re-optimised exactly on ``S``
(a small non-negative quadratic programme, solved here by a warm-started active-set
method on an incrementally updated Cholesky factor of ``K_PP``, ``P`` the positive weights).

Kernel: :class:`datareduce._geometry.kernels.Kernel` (Gaussian, ``"rbf"`` or ``"gaussian"``, or
linear). Memory: ``mu`` is computed in blocks of rows (``O(n^2 d)`` time, ``O(block * n)`` memory,
using the kernel's symmetry so each pair is evaluated once); only the kernel columns of the
chosen prototypes are kept (``m x n``). No ``n x n`` matrix is ever formed.
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings

import numpy as np
from scipy.linalg import solve_triangular
from sklearn.utils import deprecated
from sklearn.utils._param_validation import Interval, StrOptions

from .._core.threads import one_blas_thread
from .._core.validation import user_stacklevel
from .._geometry.kernels import Kernel, canonical_kernel
from .._geometry.neighbors import centred, check_rows
from ..base import _BANDWIDTH_CONSTRAINT, BaseReducer, Selection, allocate_quotas

__all__ = ["ProtoDashReducer", "protodash"]

logger = logging.getLogger(__name__)

#: zero weights are floored at this fraction of the pool's mean weight (n / m) in sample_weight_
ZERO_WEIGHT_FLOOR = 1e-6


# ------------------------------------------------------------------ active-set NNQP
def _chol_rank1_update(L: np.ndarray, x: np.ndarray) -> None:
    """In place: ``L L^T + x x^T`` (L lower triangular, square)."""
    n = x.shape[0]
    for k in range(n):
        lkk = L[k, k]
        r = math.hypot(lkk, x[k])
        c = r / lkk
        s = x[k] / lkk
        L[k, k] = r
        if k + 1 < n:
            L[k + 1:, k] = (L[k + 1:, k] + s * x[k + 1:]) / c
            x[k + 1:] = c * x[k + 1:] - s * L[k + 1:, k]


class _ActiveSetQP:
    """min 1/2 w^T Q w - c^T w subject to w >= 0, grown one variable at a time.

    ``Q`` is accessed through ``q_cols(cols, rows)`` so only entries between chosen
    prototypes are read. The passive set ``P`` (positive weights) keeps a Cholesky factor
    of ``Q_PP`` that is extended in ``O(p^2)`` when a variable enters and updated by a
    rank-one update when one leaves (Lawson-Hanson steps), so each greedy step costs
    ``O(p^2)`` unless variables leave.
    """

    def __init__(self, m: int, tol: float):
        self.L = np.zeros((m, m))
        self.P: list[int] = []  # positions (into S) of the passive variables, Cholesky order
        self.w = np.zeros(m)
        self.tol = tol

    def _add(self, t: int, Q) -> bool:
        p = len(self.P)
        qtt = Q[t, t]
        if p:
            q = Q[self.P, t]
            lvec = solve_triangular(self.L[:p, :p], q, lower=True, check_finite=False)
            d2 = qtt - lvec @ lvec
        else:
            lvec = np.empty(0)
            d2 = qtt
        if not d2 > 1e-10 * max(qtt, 1e-300):
            return False  # numerically dependent on P: its optimal weight stays 0
        self.L[p, :p] = lvec
        self.L[p, p] = math.sqrt(d2)
        self.P.append(t)
        return True

    def _remove(self, r: int) -> None:
        p = len(self.P)
        L = self.L
        x = L[r + 1:p, r].copy()
        # delete row and column r, then restore the trailing block by a rank-one update
        L[r:p - 1, :p] = L[r + 1:p, :p]
        L[:p - 1, r:p - 1] = L[:p - 1, r + 1:p]
        L[p - 1, :p] = 0.0
        L[:p, p - 1] = 0.0
        if x.size:
            _chol_rank1_update(L[r:p - 1, r:p - 1], x)
        del self.P[r]

    def _solve(self, c):
        p = len(self.P)
        L = self.L[:p, :p]
        y = solve_triangular(L, c[self.P], lower=True, check_finite=False)
        return solve_triangular(L, y, lower=True, trans="T", check_finite=False)

    def enter(self, t: int, Q, c) -> None:
        """Add variable ``t`` (zero weight, positive gradient) and re-optimise exactly."""
        n_s = t + 1
        candidate = t
        for _ in range(10 * n_s + 10):
            if candidate is not None:
                if not self._add(candidate, Q):
                    return
                candidate = None
            z = self._solve(c)
            if np.all(z > 0):
                self.w[self.P] = z
                # KKT on the chosen set: no zero-weight variable may have a positive gradient
                ws = self.w[:n_s]
                grad = c[:n_s] - Q[:n_s, self.P] @ ws[self.P]
                grad[self.P] = -np.inf
                k = int(np.argmax(grad))
                if grad[k] > self.tol:
                    candidate = k
                    continue
                return
            # step from w towards z until the first passive variable hits zero
            wp = self.w[self.P]
            neg = z <= 0
            ratios = np.full(len(z), np.inf)
            ratios[neg] = wp[neg] / (wp[neg] - z[neg])
            alpha = float(np.min(ratios))
            new = wp + alpha * (z - wp)
            leave = np.flatnonzero(neg & (new <= self.tol * 1e-3))
            if leave.size == 0:
                leave = np.array([int(np.argmin(ratios))])
            new[leave] = 0.0
            self.w[self.P] = new
            for r in sorted(leave.tolist(), reverse=True):
                self._remove(r)
            if not self.P:
                return
        raise RuntimeError("ProtoDash weight optimisation did not converge")  # pragma: no cover


class _PrototypeKernel:
    """Kernel columns of the chosen prototypes, indexed like a matrix ``Q[S_pos, S_pos]``."""

    def __init__(self, cols: np.ndarray, picks: np.ndarray):
        self.cols = cols  # (m, n): row s = k(x_{picks[s]}, .)
        self.picks = picks

    def __getitem__(self, key):
        rows, cols = key
        c = self.picks[cols]
        if isinstance(rows, slice) and np.ndim(c):
            return self.cols[rows][:, c]
        if np.ndim(rows) and np.ndim(c):
            return self.cols[np.ix_(np.asarray(rows), c)]
        return self.cols[rows, c]


def protodash(X, m: int, *, kernel: str = "rbf", bandwidth: float = 1.0,
              working_memory: float = 256.0, verbose: bool = False, targets=None, sigma=None):
    """Greedy ProtoDash on one pool: ``m`` prototypes of ``X`` and their weights.

    Parameters
    ----------
    X : array of shape (n, d)
        The pool (both the data to explain and the candidate prototypes).
    m : int
        Number of prototypes, ``1 <= m <= n``.
    kernel : {"rbf", "gaussian", "linear"}, default="rbf"
        ``exp(-||x - y||^2 / (2 bandwidth^2))`` (``"rbf"`` and ``"gaussian"`` name the same
        kernel) or ``x . y``.
    bandwidth : float, default=1.0
        Width of the Gaussian kernel.
    working_memory : float, default=256
        MiB for one kernel block when computing the mean embedding.
    verbose : bool, default=False
        Show a progress bar over the picks.
    targets : array of int, optional
        Rows whose kernel mean is matched (default: all rows, exact ``O(n^2 d)``); a random
        subsample makes the mean embedding a Monte Carlo estimate at ``O(n t d)``.
    sigma : float, optional
        Deprecated alias of ``bandwidth`` (removed in 0.3).

    Returns
    -------
    picks : ndarray of int, shape (m,)
        Positions of the prototypes in selection order.
    weights : ndarray of float, shape (m,)
        Optimal non-negative weights of the prototypes (``weights[i]`` for ``picks[i]``).
    gains : ndarray of float, shape (m,)
        The gradient of each prototype when it was picked.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> picks, w, _ = protodash(X, 2, bandwidth=1.0)
    >>> sorted((X[picks, 0] // 5).tolist())
    [0.0, 1.0]
    """
    X = np.ascontiguousarray(check_rows(X))
    n = X.shape[0]
    if not 1 <= m <= n:
        raise ValueError(f"m={m} must be between 1 and the number of rows ({n}).")
    if sigma is not None:
        warnings.warn("sigma is deprecated and will be removed in 0.3: use bandwidth.",
                      FutureWarning, stacklevel=2)
        bandwidth = sigma
    kern = Kernel(canonical_kernel(kernel, allowed=("rbf", "linear")), bandwidth)
    if not kern.resolved:
        raise ValueError(f"bandwidth={bandwidth!r}: pass a positive number (the reducer "
                         "resolves the median heuristic).")
    if kern.name == "rbf":  # the same kernel, without the rows' offset from the origin
        X = centred(X)
    sq = np.einsum("ij,ij->i", X, X)
    if targets is None or kern.name == "linear":
        mu = kern.mean_embedding(X, working_memory=working_memory, X_sq=sq)
    else:
        # the mean of k(x_j, .) over the target rows: their embedding, evaluated at every row
        targets = np.asarray(targets)
        mu = kern.mean_embedding(X[targets], X, working_memory=working_memory, X_sq=sq[targets],
                                 targets_sq=sq)
    scale = float(np.max(np.abs(mu))) if n else 1.0
    tol = 1e-10 * (scale if scale > 0 else 1.0)

    cols = np.empty((m, n))
    picks = np.empty(m, dtype=np.intp)
    gains = np.empty(m)
    Q = _PrototypeKernel(cols, picks)
    qp = _ActiveSetQP(m, tol)
    iterator = range(m)
    if verbose:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="ProtoDash", unit="pick")
    with one_blas_thread():
        _greedy(X, kern, sq, mu, tol, cols, picks, gains, Q, qp, iterator)
    logger.debug("ProtoDash: %d picks, %d with positive weight", m, int((qp.w > 0).sum()))
    return picks, qp.w.copy(), gains


def _greedy(X, kern, sq, mu, tol, cols, picks, gains, Q, qp, iterator):
    """The greedy loop of :func:`protodash` (BLAS limited to one thread by the caller)."""
    n = X.shape[0]
    grad = mu.copy()
    chosen = np.zeros(n, dtype=bool)
    for t in iterator:
        g = np.where(chosen, -np.inf, grad)
        j = int(np.argmax(g))
        if g[j] <= tol:
            # no gain left: the weighted prototypes match the mean embedding (a linear
            # kernel after rank-many picks), every gradient is rounding noise and its
            # largest entry differed between machines (AMD and Intel OpenBLAS kernels).
            # Such picks get no weight; they are the rows of largest mean kernel
            # similarity to the pool (mu), the most typical rows, the same on every machine
            j = int(np.argmax(np.where(chosen, -np.inf, mu)))
        picks[t] = j
        gains[t] = g[j]
        chosen[j] = True
        cols[t] = kern.block(X[j:j + 1], X, sq[j:j + 1], sq)[0]
        if g[j] > tol:
            qp.enter(t, Q, mu[picks[:t + 1]])
        # else: w stays optimal with the new variable at zero (AIX360 does the same)
        # gradient mu - K_{:,S} w_S (zero weights included: a view, no copy of the columns)
        grad = mu - qp.w[:t + 1] @ cols[:t + 1]


_AUTO_ENTRIES = 4e6  # kernel entries (n x m) above which partition="auto" splits a pool


class ProtoDashReducer(BaseReducer):
    """PRD: ProtoDash prototypes with non-negative weights (Gurumoorthy et al., ICDM 2019).

    Per class (``stratify=True``), greedily chooses the rows whose weighted kernel mean
    matches the class's kernel mean embedding, re-optimising the non-negative weights
    exactly after every pick. The weights are kept: ``weights_`` raw, ``sample_weight_``
    scaled to the class size.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    kernel : {"rbf", "gaussian", "linear"}, default="rbf"
        ``exp(-||x - y||^2 / (2 bandwidth^2))`` (``"rbf"`` and ``"gaussian"`` name the same
        kernel) or the dot product. AIX360 (used by the reference package) defaults to the
        linear kernel, so the reference's ``sigma`` had no effect there: ``kernel="linear"``
        reproduces those results.
    bandwidth : "median" or float > 0, default="median"
        Gaussian width. ``"median"`` is the median heuristic: the median pairwise distance
        of the pool (estimated on 1,000 seeded random rows when the pool is larger).
    stratify : bool, default=True
        With ``y``, run per class with proportional quotas (as the reference does).
    random_state : None, int or numpy Generator, default=None
        Seed (used only by the median-heuristic subsample).
    working_memory : float, default=256
        MiB for one kernel block of the mean embedding.
    verbose : bool, default=False
        Progress bar over the picks.
    partition : "auto", None or int >= 1, default="auto"
        Scalable mode. Exact ProtoDash costs ``O(n m^2)`` time and ``O(n m)`` memory per pool
        of ``n`` rows and ``m`` prototypes (every pick updates the gradient of every row). An
        int ``B`` splits the pool into ``B`` k-means groups and runs ProtoDash in each with
        quotas proportional to the group sizes (largest remainder), so each group matches its
        own kernel mean: about ``B^2`` times cheaper, and an approximation (interactions
        between groups are ignored, which the Gaussian kernel makes small for
        well-separated groups). ``"auto"`` uses ``B = ceil(sqrt(n m / 4 10^6))`` (exact, B = 1,
        for the paper-sized cases; 4 10^6 kernel entries = 32 MB); None is always exact.
    target_size : int or None, default=5000
        The kernel mean embedding a group is matched to is computed exactly on groups of at
        most this many rows (``O(n^2 d)``), and on a seeded random subsample of this size of
        a larger group (a Monte Carlo estimate, ``O(n t d)``). None: always exact.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    sigma : "median", float > 0 or None, default=None
        Deprecated alias of ``bandwidth`` (removed in 0.3).
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Kept rows, in pick order within each class.
    weights_ : ndarray of shape (n_kept,)
        Raw ProtoDash weights (the optimal ``w``; may contain zeros).
    sample_weight_ : ndarray of shape (n_kept,)
        Weights scaled to sum to each class size. A prototype whose optimal weight is zero
        (the greedy keeps picking once no gradient is positive, or a row is numerically
        redundant) gets ``1e-6 * class_size / quota`` so that every kept row has a positive
        weight; the rest is rescaled so the class total is exact. If every weight is zero
        (linear kernel on centred data) the weights are uniform.
    bandwidth_ : float or ndarray
        Gaussian width used (one per pool when stratifying). NaN for the linear kernel.
        ``sigma_`` is a deprecated alias (removed in 0.3).
    gains_ : ndarray of shape (n_kept,)
        Gradient of each prototype when it was picked.
    n_groups_ : list of int
        Groups each pool was split into by ``partition`` (1 = exact).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import get_reducer
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(6, 1, (20, 2))])
    >>> y = np.repeat([0, 1], [40, 20])
    >>> r = get_reducer("prd", keep=0.1, random_state=0).fit(X, y)
    >>> np.bincount(y[r.sample_indices_]).tolist(), round(float(r.sample_weight_.sum()))
    ([4, 2], 60)
    """

    _parameter_constraints = {
        **BaseReducer._parameter_constraints,
        "kernel": [StrOptions({"rbf", "gaussian", "linear"})],
        "bandwidth": _BANDWIDTH_CONSTRAINT,
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither")],
        "verbose": ["verbose"],
        "partition": [StrOptions({"auto"}), None, Interval(numbers.Integral, 1, None,
                                                          closed="left")],
        "target_size": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "sigma": [None, StrOptions({"median"}), Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, keep=0.1, *, kernel="rbf", bandwidth="median", stratify=True,
                 random_state=None, working_memory=256.0, verbose=False, space="auto", reweight=None,
                 partition="auto", target_size=5000, sigma=None):
        self.keep = keep
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.stratify = stratify
        self.random_state = random_state
        self.working_memory = working_memory
        self.verbose = verbose
        self.space = space
        self.reweight = reweight
        self.partition = partition
        self.target_size = target_size
        self.sigma = sigma

    def _check_params(self, X, y):
        if self.sigma is not None:
            warnings.warn("sigma is deprecated and will be removed in 0.3: use bandwidth.",
                          FutureWarning, stacklevel=user_stacklevel())

    def _select(self, X, n_select, rng):
        bandwidth = self.bandwidth if self.sigma is None else self.sigma
        kern = Kernel(self.kernel, bandwidth).resolve(X, rng)
        groups = self._groups(X, n_select, rng)
        picks, weights, raw, gains = [], [], [], []
        for rows, q in groups:
            t = self.target_size
            targets = (None if t is None or len(rows) <= t
                       else np.sort(rng.choice(len(rows), size=t, replace=False)))
            p, w, g = protodash(X[rows], q, kernel=kern.name,
                                bandwidth=kern.bandwidth if kern.name == "rbf" else 1.0,
                                working_memory=self.working_memory, verbose=self.verbose,
                                targets=targets)
            picks.append(rows[p])
            weights.append(_pool_weights(w, len(rows)))
            raw.append(w)
            gains.append(g)
        return Selection(indices=np.concatenate(picks), weights=np.concatenate(weights),
                         info={"bandwidth": kern.bandwidth, "weights": np.concatenate(raw),
                               "gains": np.concatenate(gains), "n_groups": len(groups)})

    def _groups(self, X, m, rng):
        """(rows, quota) parts: the whole pool, or k-means groups when it is too large."""
        n = X.shape[0]
        if self.partition is None:
            n_groups = 1
        elif self.partition == "auto":
            n_groups = int(np.ceil(np.sqrt(m * n / _AUTO_ENTRIES)))
        else:
            n_groups = int(self.partition)
        n_groups = max(1, min(n_groups, m))
        if n_groups == 1:
            return [(np.arange(n), m)]
        from .._geometry.kmeans import fit_kmeans

        labels = fit_kmeans(X, n_groups, random_state=rng, engine="sklearn").labels
        sizes = np.bincount(labels, minlength=n_groups)
        quotas = allocate_quotas(sizes, m)
        return [(np.flatnonzero(labels == g), int(q)) for g, q in enumerate(quotas) if q > 0]

    def _store_info(self, infos):
        self.n_groups_ = [info["n_groups"] for _, info in infos]
        self.weights_ = np.concatenate([info["weights"] for _, info in infos])
        self.gains_ = np.concatenate([info["gains"] for _, info in infos])
        widths = [info["bandwidth"] for _, info in infos]
        self.bandwidth_ = widths[0] if len(widths) == 1 else np.array(widths)

    @deprecated("sigma_ is deprecated and will be removed in 0.3: use bandwidth_.")
    @property
    def sigma_(self):
        return self.bandwidth_


def _pool_weights(w: np.ndarray, n: int) -> np.ndarray:
    """Raw weights -> positive weights summing to the pool size (zero weights floored)."""
    m = w.shape[0]
    total = float(w.sum())
    if not total > 0:
        return np.full(m, n / m)
    sw = w * (n / total)
    floor = ZERO_WEIGHT_FLOOR * n / m
    sw = np.where(sw > floor, sw, floor)
    return sw * (n / sw.sum())
