"""NRMD: numerosity reduction by matrix decomposition (Ghojogh and Crowley, 2018).

Every row gets a score from the singular value decomposition of the data; the reference
reduced set is the rows with the highest scores (``selection="reference"``), the default
covers the score range instead (``selection="coverage"``). For one matrix ``Z`` (rows = samples):

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
labels appended as one-hot columns). The reference ranks globally (``stratify=False``: the
top rows over all classes, which can drop whole classes); the default ``stratify=True``
takes the top rows of each class with proportional quotas.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.utils._param_validation import Interval

from .._core.input import _plain
from .._core.threads import one_blas_thread
from .._core.validation import draw_seed, user_stacklevel
from .._geometry.neighbors import row_chunks
from ..base import BaseReducer, Selection
from ._coverage import COVERAGE_CONSTRAINTS, CoverageSelectionMixin

__all__ = ["MatrixDecompositionReducer", "nrmd_scores"]

_FLOOR = 1e-3


class _WithLabels:
    """``[X, onehot(y)]`` built one block of rows at a time: the label-augmented matrix
    without an n x (d + C) array (3.2 GiB at 20,000 rows and 5,000 classes, review10/b 18).
    A block is the same float64 rows the whole matrix had, so the scores are the same bits.
    """

    def __init__(self, X, y, n_classes):
        self.X, self.y, self.n_classes = X, y, n_classes
        self.shape = (X.shape[0], X.shape[1] + n_classes)

    def __getitem__(self, rows):
        y = self.y[rows]
        block = np.zeros((len(y), self.shape[1]), dtype=np.float64)
        block[:, :self.X.shape[1]] = self.X[rows]
        block[np.arange(len(y)), self.X.shape[1] + y] = 1.0
        return block

    def __array__(self, dtype=None, copy=None):
        whole = self[slice(None)]
        return whole if dtype is None else whole.astype(dtype, copy=False)


def _right_singular(Z, n_components, random_state, working_memory):
    """Singular values and right singular vectors (columns of V) of Z, largest first.
    ``Z`` is an array or a :class:`_WithLabels`, read by blocks of rows where n >= d."""
    n, d = Z.shape
    k_full = min(n, d)
    if n_components is not None and n_components < k_full:
        from sklearn.utils.extmath import randomized_svd

        seed = draw_seed(random_state)
        _, s, Vt = randomized_svd(np.asarray(Z), n_components, random_state=seed)
        return s, Vt.T
    if n >= d:
        # exact, memory-bounded: tall-skinny QR by blocks, then the SVD of the d x d factor
        # the factors held are merged when there are 64 of them or when they hold more
        # rows than two blocks' memory and 4 d: wide rows (d above about 2,900 with 64 MiB)
        # come in blocks of fewer than d rows, kept raw, and 64 of them were the whole
        # matrix again; merging at 4 d rows (memory 4x the d x d factor itself) keeps the
        # merges' O(d^3) each to about the cost of one QR of the whole (merging every two
        # blocks was 2-2.4x slower on 1,000-2,000 columns, review13/b)
        Rs, held, most = [], 0, max(2 * working_memory * 2**20 / (8 * d), 4 * d)
        for sl in row_chunks(n, 8 * d, working_memory):
            block = Z[sl]
            if block.shape[0] >= d:
                Rs.append(np.linalg.qr(block, mode="r"))
            else:
                Rs.append(block)
            held += Rs[-1].shape[0]
            if len(Rs) > 64 or (len(Rs) > 1 and held > most):
                Rs = [np.linalg.qr(np.vstack(Rs), mode="r")]
                held = Rs[0].shape[0]
        R = np.linalg.qr(np.vstack(Rs), mode="r") if len(Rs) > 1 else Rs[0]
        _, s, Vt = np.linalg.svd(R, full_matrices=False)
    else:
        _, s, Vt = np.linalg.svd(np.asarray(Z), full_matrices=False)
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
    scores, n_zero = _scores_and_zeros(Z, n_components, random_state, working_memory)
    if n_zero:
        warnings.warn(
            f"NRMD: {n_zero} singular values are zero (rank-deficient data); those directions "
            "are left out of the score.", UserWarning, stacklevel=user_stacklevel())
    return scores


def _scores_and_zeros(Z, n_components, random_state, working_memory):
    """:func:`nrmd_scores` and the number of zero singular values left out (the reducer
    warns once for all its decompositions, review10/b 16)."""
    if not isinstance(Z, _WithLabels):
        Z = np.asarray(Z, dtype=np.float64)
    n, d = Z.shape
    s, V = _right_singular(Z, n_components, random_state, working_memory)
    keep = s > s[0] * max(n, d) * np.finfo(np.float64).eps if s.size else s > 0
    n_zero = int((~keep).sum())
    s, V = s[keep], V[:, keep]
    scores = np.zeros(n)
    if s.size == 0:
        return scores, n_zero
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
    return scores, n_zero


class MatrixDecompositionReducer(CoverageSelectionMixin, BaseReducer):
    """NRMD: choose rows by their SVD score (Ghojogh and Crowley).

    The score of a row ``x`` is ``sum_i w_i * -log(max(|x . v_i| / ||x||, 1e-3))`` over the
    right singular vectors ``v_i`` of the data with ``w_i`` proportional to ``1/s_i``; with
    labels it is the product of the row's score within its class and its score in the data
    augmented with one-hot labels (see :func:`nrmd_scores` and the module docstring).

    High scores mark rows far from the principal directions: outliers first. The paper keeps
    the highest scores (``selection="reference"``), which at a small kept fraction spends the
    budget on outliers. The default ``selection="coverage"`` drops the ``drop_hardest``
    fraction of highest scores, then spreads the quota over ``n_strata`` equal-width score
    strata (coverage-centric selection, Zheng et al., ICLR 2023;
    :func:`~datareduce.reducers._coverage.coverage_choose`).

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    stratify : bool or int >= 2, default=True
        ``True`` keeps the top rows of each class with quotas proportional to class sizes.
        ``False`` ranks all rows together, as the reference does (classes then keep however
        many of their rows rank high, and a class can be lost).
    selection : {"coverage", "reference"}, default="coverage"
        Coverage-centric choice, or the paper's "highest scores first".
    drop_hardest : float in [0, 1), default=0.1
        ``selection="coverage"``: fraction of each pool's highest scores dropped first.
    n_strata : int >= 1, default=1
        ``selection="coverage"``: number of equal-width score strata. The default, 1, keeps
        a uniform random sample of the rows left after the drop: more strata over-sample
        the high-score tail and measured worse (docs/quality-defaults.md).
    n_components : None or int >= 1, default=None
        ``None``: all ``min(n, d)`` singular vectors, exact SVD (blocked tall-skinny QR when
        ``n >= d``, so 10^6 rows stay cheap). An int below that: only the largest singular
        vectors, from a randomized SVD (faster for wide data, but it drops the weakest
        directions, which carry the largest weights).
    random_state : None, int or numpy Generator, default=None
        Seed of the randomized SVD (the exact path is deterministic).
    working_memory : float, default=64
        MiB for one block of rows.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    per_class : bool, optional
        Deprecated alias of ``stratify`` (removed in 0.3).
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        ``selection="reference"`` only: the score of every row (higher kept first).
    decomposition_scores_ : ndarray of shape (n_samples,)
        The NRMD score of every row (both modes).
    sample_weight_ : ndarray of shape (n_kept,)
        Class size / kept rows of the class, for each kept row (sums to n).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import get_reducer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3)); y = (X[:, 0] > 0).astype(int)
    >>> r = get_reducer("nrmd", keep=0.2, stratify=False, selection="reference").fit(X, y)
    >>> r.sample_indices_.shape, r.scores_.shape
    ((20,), (100,))
    >>> bool(np.all(r.scores_[r.sample_indices_].min() >= np.delete(r.scores_, r.sample_indices_)))
    True
    """

    _selection = "score"
    _score_per_pool = False  # the label-augmented score uses every row
    _parameter_constraints = {
        **BaseReducer._parameter_constraints,
        "n_components": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither")],
        "per_class": [None, "boolean"],
        **COVERAGE_CONSTRAINTS,
    }

    def __init__(self, keep=0.1, *, stratify=True, selection="coverage", drop_hardest=0.1,
                 n_strata=1, n_components=None, random_state=None, working_memory=64.0,
                 space="auto", reweight=None, per_class=None):
        self.keep = keep
        self.stratify = stratify
        self.selection = selection
        self.drop_hardest = drop_hardest
        self.n_strata = n_strata
        self.n_components = n_components
        self.random_state = random_state
        self.working_memory = working_memory
        self.space = space
        self.reweight = reweight
        self.per_class = per_class

    def _check_params(self, X, y):
        if self.per_class is not None:  # once per fit (stratify is read more than once)
            warnings.warn("per_class is deprecated and will be removed in 0.3: use stratify "
                          "(same meaning; stratify=False is the reference's global ranking).",
                          FutureWarning, stacklevel=user_stacklevel())

    def _stratify_value(self):
        if self.per_class is not None:
            return bool(self.per_class)
        return self.stratify

    def _nrmd(self, Z, rng, what, zeros):
        scores, n_zero = _scores_and_zeros(Z, self.n_components, rng, self.working_memory)
        if n_zero:
            zeros.append(f"{what}: {n_zero}")
        return scores

    def _score(self, X, y, rng):
        scores = self._decomposition_scores(X, y, rng)
        return Selection(scores=scores, info={"priority": scores})

    def _store_info(self, infos):
        (_, info), = infos
        self.decomposition_scores_ = info["priority"]
        self._set_reference_scores(infos)

    def _decomposition_scores(self, X, y, rng):
        zeros = []
        with one_blas_thread():
            if y is None:
                scores = self._nrmd(X, rng, "the data", zeros)
            else:
                n_classes = int(y.max()) + 1
                within = np.empty(X.shape[0])
                labels = getattr(self, "strata_labels_", np.arange(n_classes))
                kind = ("bin" if getattr(self, "target_type_", "") == "continuous"
                        else "class")
                for c in range(n_classes):
                    pool = np.flatnonzero(y == c)
                    if len(pool):
                        within[pool] = self._nrmd(X[pool], rng,
                                                  f"{kind} {_plain(labels[c])!r}", zeros)
                augmented = self._nrmd(_WithLabels(np.asarray(X, dtype=np.float64),
                                                   np.asarray(y), n_classes),
                                       rng, "all rows with the labels appended", zeros)
                scores = within * augmented
        if zeros:  # one warning for the fit, at the caller's line
            shown = "; ".join(zeros[:5]) + (f"; ... (+{len(zeros) - 5} more)"
                                            if len(zeros) > 5 else "")
            warnings.warn(
                f"NRMD: rank-deficient data (constant or duplicated columns or rows), zero "
                f"singular values left out of the score ({shown}).", UserWarning,
                stacklevel=user_stacklevel())
        return scores
