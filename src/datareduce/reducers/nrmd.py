"""NRMD: numerosity reduction by matrix decomposition (Ghojogh and Crowley, 2018).

Every row gets a score from the singular value decomposition of the data; the reduced set
is the rows with the highest scores. For one matrix ``Z`` (rows = samples):

* ``V`` (d x k) and ``s`` (k) are the right singular vectors and singular values of ``Z``
  (the left singular vectors of the reference's features x samples matrix ``Z^T``), with
  ``k = min(n, d)`` by default;
* every row is normalised to unit length, ``z_j / ||z_j||`` (the SVD itself is of the raw
  ``Z``, as in the authors' code);
* ``score_j = sum_i w_i * -log(max(|z_j . v_i| / ||z_j||, 1e-3))`` with ``w_i = (1/s_i) /
  sum_l (1/s_l)``: rows that are nearly orthogonal to the principal directions, most of all
  to the weakest ones, score high.

For classification the authors multiply two such scores: the score of the row within its
class (SVD of the class's rows) and the score of the row in ``[X, onehot(y)]`` (all rows,
labels appended as one-hot columns). The ranking is then global (the reference takes the
top rows over all classes); ``per_class=True`` takes the top rows of each class instead.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from .._neighbors import row_chunks
from ..base import BaseReducer, Selection

__all__ = ["MatrixDecompositionReducer", "nrmd_scores"]

_FLOOR = 1e-3


def _right_singular(Z: np.ndarray, n_components, random_state, working_memory):
    """Singular values and right singular vectors (columns of V) of Z, largest first."""
    n, d = Z.shape
    k_full = min(n, d)
    if n_components is not None and n_components < k_full:
        from sklearn.utils.extmath import randomized_svd

        seed = random_state if random_state is None or isinstance(random_state, int) \
            else int(random_state.integers(2**31 - 1))
        _, s, Vt = randomized_svd(Z, n_components, random_state=seed)
        return s, Vt.T
    if n >= d:
        # exact, memory-bounded: tall-skinny QR by blocks, then the SVD of the d x d factor
        Rs = []
        for sl in row_chunks(n, 8 * d, working_memory):
            block = Z[sl]
            if block.shape[0] >= d:
                Rs.append(np.linalg.qr(block, mode="r"))
            else:
                Rs.append(block)
            if len(Rs) > 64:
                Rs = [np.linalg.qr(np.vstack(Rs), mode="r")]
        R = np.linalg.qr(np.vstack(Rs), mode="r") if len(Rs) > 1 else Rs[0]
        _, s, Vt = np.linalg.svd(R, full_matrices=False)
    else:
        _, s, Vt = np.linalg.svd(Z, full_matrices=False)
    return s, Vt.T


def nrmd_scores(Z, *, n_components=None, random_state=None, working_memory=64.0):
    """Matrix-decomposition score of every row of ``Z`` (higher = kept first).

    Parameters
    ----------
    Z : array of shape (n, d)
    n_components : None or int, default=None
        ``None`` uses all ``min(n, d)`` singular vectors (exact SVD, as the authors). An int
        smaller than that keeps only the largest ones, from a randomized SVD
        (``sklearn.utils.extmath.randomized_svd``).
    random_state : None, int or numpy Generator
        Seed of the randomized SVD.
    working_memory : float, default=64
        MiB for one block of rows.

    Returns
    -------
    scores : ndarray of shape (n,)
        Singular directions with a zero singular value (rank-deficient ``Z``) are left out:
        their weight ``1/s`` would be infinite. A zero row scores ``-log(1e-3)``.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.1]])
    >>> s = nrmd_scores(Z)
    >>> s.shape, bool(np.all(s >= 0))
    ((4,), True)
    """
    Z = np.asarray(Z, dtype=np.float64)
    n, d = Z.shape
    s, V = _right_singular(Z, n_components, random_state, working_memory)
    keep = s > s[0] * max(n, d) * np.finfo(np.float64).eps if s.size else s > 0
    if not keep.all():
        warnings.warn(
            f"NRMD: {int((~keep).sum())} singular values are zero (rank-deficient data); "
            "those directions are left out of the score.", UserWarning, stacklevel=3)
    s, V = s[keep], V[:, keep]
    scores = np.zeros(n)
    if s.size == 0:
        return scores
    w = (1.0 / s) / np.sum(1.0 / s)
    k = s.size
    for sl in row_chunks(n, 8 * (k + d), working_memory):
        block = Z[sl]
        norms = np.sqrt(np.einsum("ij,ij->i", block, block))
        proj = np.abs(block @ V)
        nz = norms > 0
        proj[nz] /= norms[nz, None]
        proj[~nz] = 0.0
        np.maximum(proj, _FLOOR, out=proj)
        scores[sl] = -np.log(proj) @ w
    return scores


class MatrixDecompositionReducer(BaseReducer):
    """NRMD: keep the rows with the highest SVD score (Ghojogh and Crowley).

    The score of a row ``x`` is ``sum_i w_i * -log(max(|x . v_i| / ||x||, 1e-3))`` over the
    right singular vectors ``v_i`` of the data with ``w_i`` proportional to ``1/s_i``; with
    labels it is the product of the row's score within its class and its score in the data
    augmented with one-hot labels (see :func:`nrmd_scores` and the module docstring).

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    per_class : bool, default=False
        ``False`` ranks all rows together, as the reference does (classes then keep however
        many of their rows rank high). ``True`` keeps the top rows of each class with
        quotas proportional to class sizes.
    n_components : None or int >= 1, default=None
        ``None``: all ``min(n, d)`` singular vectors, exact SVD (blocked tall-skinny QR when
        ``n >= d``, so 10^6 rows stay cheap). An int below that: only the largest singular
        vectors, from a randomized SVD (faster for wide data, but it drops the weakest
        directions, which carry the largest weights).
    random_state : None, int or numpy Generator, default=None
        Seed of the randomized SVD (the exact path is deterministic).
    working_memory : float, default=64
        MiB for one block of rows.

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        The score of every row (higher kept first).
    sample_weight_ : ndarray of shape (n_kept,)
        ``n / n_kept`` for a global ranking; ``class size / class quota`` with ``per_class``.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import get_reducer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3)); y = (X[:, 0] > 0).astype(int)
    >>> r = get_reducer("nrmd", keep=0.2).fit(X, y)
    >>> r.sample_indices_.shape, r.scores_.shape
    ((20,), (100,))
    >>> bool(np.all(r.scores_[r.sample_indices_].min() >= np.delete(r.scores_, r.sample_indices_)))
    True
    """

    _ranking = True
    # the label-augmented score uses every row, whatever per_class says
    _global_selection = True

    def __init__(self, keep=0.1, *, per_class=False, n_components=None, random_state=None,
                 working_memory=64.0):
        self.keep = keep
        self.per_class = per_class
        self.n_components = n_components
        self.random_state = random_state
        self.working_memory = working_memory

    def _stratify_enabled(self) -> bool:
        return bool(self.per_class)

    def _validate_params_extra(self, X, y):
        nc = self.n_components
        if nc is not None and (not isinstance(nc, numbers.Integral) or isinstance(nc, bool)
                               or nc < 1):
            raise ValueError(f"n_components={nc!r} must be None (all singular vectors) or an "
                             "int >= 1.")
        if not (isinstance(self.working_memory, numbers.Real) and self.working_memory > 0):
            raise ValueError(f"working_memory={self.working_memory!r} must be a positive "
                             "number of MiB.")

    def _score(self, Z, rng):
        return nrmd_scores(Z, n_components=self.n_components, random_state=rng,
                           working_memory=self.working_memory)

    def _all_scores(self, X, y, rng):
        with threadpool_limits(limits=1, user_api="blas"):
            if y is None:
                return self._score(X, rng)
            classes, y_enc = np.unique(y, return_inverse=True)
            within = np.empty(X.shape[0])
            for c in range(len(classes)):
                pool = np.flatnonzero(y_enc == c)
                within[pool] = self._score(X[pool], rng)
            onehot = np.zeros((X.shape[0], len(classes)), dtype=np.float64)
            onehot[np.arange(X.shape[0]), y_enc] = 1.0
            augmented = self._score(np.hstack([np.asarray(X, dtype=np.float64), onehot]), rng)
            return within * augmented

    def _reduce(self, X, y, n_keep, rng):
        scores = self._all_scores(X, y, rng)
        self._pool_scores = scores
        try:
            if y is None or not self.per_class:
                return self._top(scores, n_keep)
            pools = self._class_pools(y)
            quotas = self._class_quotas(pools, n_keep)
            sel = self._select_pools(X, pools, quotas, rng)
            sel.scores = scores
            return sel
        finally:
            del self._pool_scores

    def _select_pools(self, X, pools, quotas, rng):
        indices, weights = [], []
        for pool, q in zip(pools, quotas, strict=True):
            if q == 0:
                continue
            order = np.argsort(-self._pool_scores[pool], kind="stable")[:q]
            indices.append(pool[order])
            weights.append(np.full(q, len(pool) / q))
        return Selection(indices=np.concatenate(indices), weights=np.concatenate(weights))

    @staticmethod
    def _top(scores, n_keep):
        order = np.argsort(-scores, kind="stable")[:n_keep]
        n = scores.shape[0]
        return Selection(indices=order, weights=np.full(n_keep, n / n_keep), scores=scores)
