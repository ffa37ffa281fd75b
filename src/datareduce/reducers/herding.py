"""Kernel herding (Chen, Welling and Smola, UAI 2010): greedy rows matching the mean embedding.

With a kernel ``k`` and the pool's kernel mean embedding ``mu(x) = mean_i k(x, x_i)``, kernel
herding picks, from the rows not yet chosen,

    x_{t+1} = argmax_x  mu(x) - 1/(t+1) sum_{s <= t} k(x, x_s),

so the first pick maximises ``mu`` (for a Gaussian kernel, the row whose feature map is closest
to the mean embedding), and every later pick fills the part of the distribution the chosen
rows cover least. The uniform empirical measure of the picks approaches the pool's mean
embedding faster than i.i.d. sampling (its MMD falls like ``1/t`` in finite-dimensional
feature spaces, against ``1/sqrt(t)``; Bach, Lacoste-Julien and Obozinski, ICML 2012 relate it
to conditional gradient).

Kernel: Gaussian ``exp(-||x - y||^2 / (2 s^2))`` (:class:`datareduce._geometry.kernels.Kernel`),
``s`` the median heuristic of the pool by default. Cost per pool of ``n`` rows and quota ``q``: the mean embedding takes ``n^2`` kernel
values when ``n <= max_exact`` (blocked, each block bounded by ``working_memory``), else
``n * max_exact`` against a seeded random subsample of ``max_exact`` rows (an unbiased estimate
of ``mu``); then each pick costs one kernel row, ``O(n d)``: ``O(q n d)`` in all. Memory
``O(n d)`` plus one block. No ``n x n`` matrix.
"""

from __future__ import annotations

import logging
import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from .._core.threads import one_blas_thread
from .._geometry.kernels import Kernel, power_of_two_scale
from .._geometry.neighbors import centred, check_rows
from ..base import _BANDWIDTH_CONSTRAINT, BaseReducer, Selection, _base_constraints_without
from ._coverage import RANDOM_SHARE_CONSTRAINT, random_part

__all__ = ["KernelHerdingReducer", "kernel_herding"]

logger = logging.getLogger(__name__)


def kernel_herding(X, m: int, *, bandwidth: float, max_exact: int | None = 20000, rng=None,
                   working_memory: float = 64.0, verbose: bool = False):
    """Kernel herding on one pool: ``m`` distinct rows of ``X`` in pick order.

    Parameters
    ----------
    X : array of shape (n, d)
    m : int
        Rows to pick, ``1 <= m <= n``.
    bandwidth : float
        Gaussian width ``s``.
    max_exact : int or None, default=20000
        The mean embedding is exact up to this many rows, else estimated against a seeded
        random subsample of that many rows. None: always exact.
    rng : numpy Generator, optional
        Seed of the subsample.
    working_memory : float, default=64
        MiB for one block of kernel values.
    verbose : bool, default=False
        Progress bar over the picks.

    Returns
    -------
    picks : ndarray of int, shape (m,)
    mu : ndarray of shape (n,)
        The (estimated) mean embedding at every row.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> kernel_herding(X, 2, bandwidth=1.0)[0].tolist()  # the middle first, then the outlier
    [1, 3]
    """
    X = centred(check_rows(X))  # the kernel's float32 tiles lose the rows' offset from the origin
    n = X.shape[0]
    if not 1 <= m <= n:
        raise ValueError(f"m={m} must be between 1 and the number of rows ({n}).")
    rng = np.random.default_rng(0) if rng is None else rng
    # rows and width divided by the same power of two (exact: the same kernel values, bit
    # for bit), so that neither the float32 tiles nor the squared norms overflow or
    # underflow whatever the data's units (explore3/tables 01)
    c = power_of_two_scale(X)
    X /= c
    kern = Kernel("rbf", float(bandwidth) / c)
    sq = np.einsum("ij,ij->i", X, X)
    with one_blas_thread():
        if max_exact is None or n <= max_exact:
            ref = np.arange(n)
        else:
            ref = np.sort(rng.choice(n, size=int(max_exact), replace=False))
        # float32 tiles: half the cost, ~1e-7 relative error (ample for the argmax)
        mu = kern.mean_embedding(X[ref], X, working_memory=working_memory, X_sq=sq[ref],
                                 targets_sq=sq, dtype=np.float32)
        picks = np.empty(m, dtype=np.intp)
        acc = np.zeros(n)  # sum over picks of k(x, x_s)
        chosen = np.zeros(n, dtype=bool)
        row = np.empty((1, n))
        iterator = range(m)
        if verbose:
            from tqdm.auto import tqdm

            iterator = tqdm(iterator, desc="herding", unit="pick")
        for t in iterator:
            score = mu - acc / (t + 1)
            score[chosen] = -np.inf
            j = int(np.argmax(score))
            picks[t] = j
            chosen[j] = True
            acc += kern.block(X[j:j + 1], X, sq[j:j + 1], sq, out=row)[0]
    logger.debug("herding: %d picks from %d rows", m, n)
    return picks, mu


class KernelHerdingReducer(BaseReducer):
    """Kernel herding: greedy rows whose uniform measure matches the pool's kernel mean embedding.

    Per class (``stratify=True``), picks rows one at a time, each the row that most reduces
    the MMD between the picks and the class (module docstring). Deterministic given the
    bandwidth; ``random_state`` only seeds the median-heuristic and mean-embedding subsamples.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    bandwidth : "median" or float > 0, default="median"
        Gaussian width; "median" is the median pairwise distance of the pool (on at most 1,000
        seeded random rows).
    max_exact : int or None, default=20000
        Pools up to this size get the exact mean embedding; larger pools estimate it against
        a seeded random subsample of this many rows (``O(n * max_exact)`` kernel values).
    stratify : bool, default=True
        With ``y``, run per class with proportional quotas.
    random_share : float in [0, 1], default=0.0
        Share of each pool's quota drawn uniformly at random first (with ``stratify``, a
        stratified random sample); herding picks the rest from the other rows of the pool.
        0 is plain herding (the same rows as without the parameter). See
        docs/quality.md, "Held-out confirmation", for the measured effect.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    random_state : None, int or numpy Generator, default=None
        Seed of the subsamples and of the random share.
    working_memory : float, default=64
        MiB for one block of kernel values.
    verbose : bool, default=False
        Progress bar over the picks.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Kept rows, in pick order within each class.
    sample_weight_ : ndarray of shape (n_kept,)
        Class size / class quota for every kept row (herding's measure is uniform).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.reducers.herding import KernelHerdingReducer
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(6, 1, (20, 2))])
    >>> y = np.repeat([0, 1], [40, 20])
    >>> r = KernelHerdingReducer(keep=0.1, random_state=0).fit(X, y)
    >>> np.bincount(y[r.sample_indices_]).tolist()
    [4, 2]
    """

    # every parameter declared here; herding has no ``reweight`` (its measure is uniform by
    # construction), so the base class's constraint is left out rather than inherited
    _parameter_constraints = {
        **_base_constraints_without("reweight"),
        "bandwidth": _BANDWIDTH_CONSTRAINT,
        "max_exact": [None, Interval(numbers.Integral, 2, None, closed="left")],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither")],
        "verbose": ["verbose"],
        "random_share": RANDOM_SHARE_CONSTRAINT,
    }

    def __init__(self, keep=0.1, *, bandwidth="median", max_exact=20000, stratify=True,
                 random_share=0.0, random_state=None, working_memory=64.0, verbose=False,
                 space="auto"):
        self.keep = keep
        self.bandwidth = bandwidth
        self.max_exact = max_exact
        self.stratify = stratify
        self.random_share = random_share
        self.random_state = random_state
        self.working_memory = working_memory
        self.verbose = verbose
        self.space = space

    def _select(self, X, n_select, rng):
        X = np.asarray(X, dtype=np.float64)
        bw = Kernel("rbf", self.bandwidth).resolve(X, rng).bandwidth
        drawn, rest = random_part(X.shape[0], n_select, self.random_share, rng)
        n_method = n_select - drawn.size
        picks = np.zeros(0, dtype=np.intp)
        if n_method:
            picks, _ = kernel_herding(X[rest], n_method, bandwidth=bw, max_exact=self.max_exact,
                                      rng=rng, working_memory=self.working_memory,
                                      verbose=self.verbose)
            picks = rest[picks]
        return Selection(indices=np.concatenate([drawn, picks]) if drawn.size else picks)

