"""Kernel thinning with Compress++ (Dwivedi and Mackey 2021; Shetty, Dwivedi and Mackey 2022).

Kernel thinning (KT) halves a point set repeatedly with a randomised, kernel-aware split
(KT-SPLIT: each consecutive pair goes one point to each half, the assignment chosen by a
self-balancing signed walk in the kernel's feature space) and then refines the best candidate
(KT-SWAP). Thinning ``n`` points to ``sqrt(n)`` this way gives an MMD to the input of order
``sqrt(log n) / sqrt(n)`` (up to log factors), against ``n^(-1/4)`` for a uniform sample of
the same size. Compress++ (Shetty et al.) reaches the same guarantee up to a constant in
near-linear time: Compress halves recursively on blocks of four (output ``2^g sqrt(n)`` rows),
then a final KT run thins the ``2^g`` oversampling away.

This module uses the authors' implementation, ``goodpoints`` (MIT; ``pip install goodpoints``,
a C extension built from source; the ``kt`` extra installs it), and adapts it to any kept size:

1. The pool is shuffled (seeded). For a quota ``q`` of ``n`` rows it takes ``j`` halving rounds
   with ``2^j <= n / q`` and ``b = ceil(q / 2^j)`` bins of ``4^j`` rows (``j`` lowered until
   ``b 4^j <= n``): Compress++'s bin structure with output ``b 2^j >= q``. The
   ``n - b 4^j`` rows left out (fewer than half the pool) still count in the target of step 3.
2. goodpoints' ``compress_kt`` runs Compress with KT halving and oversampling ``g`` on the
   ``b 4^j`` rows: ``C = 2^g b 2^j`` candidates (``g`` lowered until the ``C x C`` kernel
   matrix fits in ``working_memory``).
3. KT-SPLIT (goodpoints' ``split_K``) thins the candidates ``g`` more rounds; goodpoints'
   ``best_K`` and ``refine_K`` (KT-SWAP, distinct rows) pick and refine the candidate coreset
   against the kernel mean embedding of the *whole pool* (or of ``max_target`` seeded rows of
   it), not just the compressed rows.
4. The ``b 2^j - q < 2^j`` surplus rows are removed greedily, each removal the one that
   leaves the smallest MMD to the pool's mean embedding.

When ``q > n / 2`` no halving round fits: a random ``q`` rows are refined by KT-SWAP against
the pool (if the ``n x n`` matrix fits the memory budget; otherwise the random rows are kept).

Kernel: Gaussian ``exp(-||x - y||^2 / (2 s^2))`` (goodpoints' ``b"gaussian"`` with parameter
``2 s^2``), ``s`` the median heuristic by default. Cost: Compress++ makes ``O(4^g n log n)``
kernel evaluations in C; the target mean embedding ``C * min(n, max_target)``; memory
``O(n d + C^2)``.
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings

import numpy as np
from sklearn.utils._param_validation import Interval

from .._core.threads import one_blas_thread
from .._core.validation import draw_seed, user_stacklevel
from .._geometry.kernels import Kernel
from .._geometry.neighbors import centred, check_rows
from ..base import _BANDWIDTH_CONSTRAINT, BaseReducer, Selection, _base_constraints_without
from ._coverage import RANDOM_SHARE_CONSTRAINT, random_part

__all__ = ["KernelThinningReducer", "kernel_thinning"]

logger = logging.getLogger(__name__)


def _import_goodpoints():
    try:
        from goodpoints import compress, kt
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "The 'kt' reducer needs goodpoints (the authors' kernel thinning code): "
            "pip install 'datareduce[kt]' (or pip install goodpoints; it compiles a C "
            f"extension) ({exc})."
        ) from exc
    return compress, kt


def _plan(n: int, q: int):
    """Halving rounds j and bins b with b * 4^j <= n and b * 2^j >= q (j maximal)."""
    j = int(math.floor(math.log2(n / q))) if q < n else 0
    while j > 0:
        b = -(-q // 2**j)
        if b * 4**j <= n:
            return j, b
        j -= 1
    return 0, q


def _greedy_trim(K, meanK, keep: int):
    """Drop rows of a uniform coreset one at a time, each time the one leaving the least MMD.

    ``K`` is the coreset's kernel matrix, ``meanK`` the target mean embedding at its rows.
    Returns the positions kept.
    """
    alive = np.ones(K.shape[0], dtype=bool)
    r = K.sum(axis=1)  # sum over alive of K[j, s]
    A = float(meanK.sum())
    B = float(r.sum())
    s = K.shape[0]
    diag = np.diag(K)
    while s > keep:
        # MMD^2 after removing j (up to the constant): -2 (A - mu_j)/(s-1) + (B - 2 r_j + K_jj)/(s-1)^2
        crit = -2.0 * (A - meanK) / (s - 1) + (B - 2.0 * r + diag) / (s - 1) ** 2
        crit[~alive] = np.inf
        j = int(np.argmin(crit))
        alive[j] = False
        A -= meanK[j]
        B -= 2.0 * r[j] - diag[j]
        r -= K[:, j]
        s -= 1
    return np.flatnonzero(alive)


def kernel_thinning(X, q: int, *, bandwidth: float, g: int = 4, delta: float = 0.5,
                    max_target: int | None = 200_000, rng=None,
                    working_memory: float = 256.0):
    """Kernel thinning (Compress++) of one pool to ``q`` distinct rows (module docstring).

    Parameters
    ----------
    X : array of shape (n, d)
    q : int
        Rows to keep, ``1 <= q <= n``.
    bandwidth : float
        Gaussian width ``s``.
    g : int, default=4
        Compress++ oversampling (the paper's recommendation); lowered when the candidates'
        kernel matrix would not fit ``working_memory``.
    delta : float, default=0.5
        KT failure-probability parameter.
    max_target : int or None, default=200000
        The target mean embedding uses at most this many seeded random rows of the pool.
    rng : numpy Generator, optional
    working_memory : float, default=256
        MiB allowed for the candidates' kernel matrix (and kernel blocks).

    Returns
    -------
    ndarray of int, shape (q,)
        Positions of the kept rows in X.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(256, 2))
    >>> idx = kernel_thinning(X, 16, bandwidth=1.0, rng=np.random.default_rng(0))
    >>> idx.shape, len(set(idx.tolist()))
    ((16,), 16)
    """
    compress, kt = _import_goodpoints()
    X = centred(check_rows(X))  # the same kernel, without the rows' offset from the origin
    n = X.shape[0]
    if not 1 <= q <= n:
        raise ValueError(f"q={q} must be between 1 and the number of rows ({n}).")
    rng = np.random.default_rng(0) if rng is None else rng
    if q == n:
        return np.arange(n)
    kern = Kernel("rbf", bandwidth)
    budget = working_memory * 2**20 / 8  # doubles
    perm = rng.permutation(n)
    Xp = X[perm]
    j, b = _plan(n, q)
    seed = draw_seed(rng)
    if j == 0:
        cand = np.arange(n)  # positions into Xp
        n_split = 0
        if n * n > budget:
            # said, not logged: the user asked for kernel thinning and gets a random sample
            warnings.warn(f"kt: keeping {q} of {n} rows (more than half) on a pool whose "
                          f"{n} x {n} kernel matrix exceeds working_memory={working_memory} "
                          "MiB: no halving round fits and the swap step cannot run, so "
                          "these are uniformly random rows (as SRS). Raise working_memory "
                          f"(about {n * n * 8 / 2**20:.0f} MiB), or keep at most half.",
                          UserWarning, stacklevel=user_stacklevel())
            return np.sort(perm[:q])
    else:
        n_used = b * 4**j
        g_eff = int(g)
        while g_eff > 0 and (2**g_eff * b * 2**j) ** 2 > budget:
            g_eff -= 1
        k_params = np.array([2.0 * kern.bandwidth ** 2])  # goodpoints' Gaussian parameter
        cand = compress.compress_kt(Xp[:n_used], b"gaussian", k_params=k_params, g=g_eff,
                                    num_bins=b, delta=delta, seed=seed)
        cand = np.asarray(cand, dtype=np.intp)
        # Compress returns min(b 4^j, 2^g b 2^j) rows: halve the oversampling away
        n_split = int(round(math.log2(cand.size // (b * 2**j))))
    C = cand.size
    sq = np.einsum("ij,ij->i", Xp, Xp)
    with one_blas_thread():
        if max_target is not None and n > max_target:
            ref = rng.choice(n, size=int(max_target), replace=False)
        else:
            ref = np.arange(n)
        meanK = kern.mean_embedding(Xp[ref], Xp[cand], working_memory=min(working_memory, 64.0),
                                    X_sq=sq[ref], targets_sq=sq[cand])
        if C * C > budget:
            # candidates too many to hold their kernel matrix: keep Compress's output as is,
            # trimming the surplus at random (fewer than 2^j rows)
            logger.info("kt: %d candidates exceed working_memory; skipping KT-SWAP", C)
            keep_pos = np.sort(rng.choice(C, size=q, replace=False))
            return perm[cand[keep_pos]]
        K = kern.block(Xp[cand], Xp[cand], sq[cand], sq[cand])
        if j == 0:
            start = np.sort(rng.choice(C, size=q, replace=False))
            coreset = kt.refine_K(K, start, meanK=meanK, unique=True)
        else:
            coresets = kt.split_K(K, n_split, delta=delta, seed=seed)
            coreset = np.asarray(kt.best_K(K, coresets, meanK=meanK), dtype=np.intp)
            coreset = kt.refine_K(K, coreset, meanK=meanK, unique=True)
            coreset = np.asarray(coreset, dtype=np.intp)
            if coreset.size > q:
                sub = np.ix_(coreset, coreset)
                coreset = coreset[_greedy_trim(K[sub], meanK[coreset], q)]
    coreset = np.asarray(coreset, dtype=np.intp)
    if np.unique(coreset).size != coreset.size:  # pragma: no cover - guarded by unique=True
        raise RuntimeError("kernel thinning returned a row twice")
    return perm[cand[coreset]]


class KernelThinningReducer(BaseReducer):
    """KT: kernel thinning with Compress++ (goodpoints), per class, to any kept size.

    Keeps rows whose uniform measure is close in MMD (Gaussian kernel) to the class's
    distribution, with near-linear cost; see the module docstring for the steps and for how
    arbitrary kept sizes are reached. Needs ``goodpoints`` (the ``kt`` extra).

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    bandwidth : "median" or float > 0, default="median"
        Gaussian width; "median" is the median pairwise distance of the pool (on at most 1,000
        seeded random rows).
    g : int >= 0, default=4
        Compress++ oversampling; larger is more accurate and ``4^g`` times slower.
    delta : float in (0, 1), default=0.5
        Kernel thinning's failure-probability parameter.
    max_target : int or None, default=200000
        Rows of the pool (seeded subsample) the final swap step matches; None: all.
    stratify : bool, default=True
        With ``y``, run per class with proportional quotas.
    random_share : float in [0, 1], default=0.0
        Share of each pool's quota drawn uniformly at random first (with ``stratify``, a
        stratified random sample); kernel thinning picks the rest from the other rows of
        the pool. 0 is plain kernel thinning (the same rows as without the parameter). See
        docs/quality.md, "Held-out confirmation", for the measured effect.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    random_state : None, int or numpy Generator, default=None
        Seed of the shuffle, of KT's random splits, of the subsamples and of the random
        share.
    working_memory : float, default=256
        MiB for the candidates' kernel matrix.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
    sample_weight_ : ndarray of shape (n_kept,)
        Class size / class quota for every kept row (KT's measure is uniform).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.reducers.kt import KernelThinningReducer
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (400, 2)), rng.normal(6, 1, (200, 2))])
    >>> y = np.repeat([0, 1], [400, 200])
    >>> r = KernelThinningReducer(keep=0.05, random_state=0).fit(X, y)
    >>> np.bincount(y[r.sample_indices_]).tolist()
    [20, 10]
    """

    # every parameter declared (no ``reweight``: KT's measure is uniform by construction)
    _parameter_constraints = {
        **_base_constraints_without("reweight"),
        "bandwidth": _BANDWIDTH_CONSTRAINT,
        "g": [Interval(numbers.Integral, 0, None, closed="left")],
        "delta": [Interval(numbers.Real, 0, 1, closed="neither")],
        "max_target": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither")],
        "random_share": RANDOM_SHARE_CONSTRAINT,
    }

    def __init__(self, keep=0.1, *, bandwidth="median", g=4, delta=0.5, max_target=200_000,
                 stratify=True, random_share=0.0, random_state=None, working_memory=256.0,
                 space="auto"):
        self.keep = keep
        self.bandwidth = bandwidth
        self.g = g
        self.delta = delta
        self.max_target = max_target
        self.stratify = stratify
        self.random_share = random_share
        self.random_state = random_state
        self.working_memory = working_memory
        self.space = space

    def _check_params(self, X, y):
        if not isinstance(self.bandwidth, str) and not math.isfinite(self.bandwidth):
            raise ValueError(f"bandwidth={self.bandwidth!r} must be 'median' or a finite "
                             "positive number.")
        _import_goodpoints()

    def _select(self, X, n_select, rng):
        X = np.asarray(X, dtype=np.float64)
        bw = Kernel("rbf", self.bandwidth).resolve(X, rng).bandwidth
        drawn, rest = random_part(X.shape[0], n_select, self.random_share, rng)
        n_method = n_select - drawn.size
        idx = np.zeros(0, dtype=np.intp)
        if n_method:
            idx = rest[kernel_thinning(X[rest], n_method, bandwidth=bw, g=self.g,
                                       delta=self.delta, max_target=self.max_target, rng=rng,
                                       working_memory=self.working_memory)]
        return Selection(indices=np.concatenate([drawn, idx]) if drawn.size else idx)
