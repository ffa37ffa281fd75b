"""VQ, vector-quantization guided selection.

A codebook (k-means) summarises the distribution of a pool. Every row is assigned to its
nearest code vector; the kept rows match the code distribution (each code keeps a number of
rows proportional to its mass) and, inside a code, are chosen by quantization error (the
distance to the code vector): spread over error strata as in coverage-centric selection
(Zheng et al., "Coverage-centric coreset selection for high pruning rates", ICLR 2023), the
easiest (most typical) rows, or the hardest.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._core.validation import user_stacklevel
from .._geometry.kmeans import _ENGINES, fit_kmeans
from .._geometry.neighbors import nearest
from ..base import BaseReducer, Selection, allocate_quotas
from ._coverage import spread_over_strata

__all__ = ["VectorQuantizationReducer", "spread_over_strata"]

_WITHIN = ("spread", "easy", "hard")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class VectorQuantizationReducer(BaseReducer):
    """VQ: keep rows that match a k-means codebook's distribution.

    For each pool (each class when stratifying):

    1. learn a codebook of ``n_codes`` code vectors with k-means (the package's
       :func:`~datareduce._geometry.kmeans.fit_kmeans`, seeded with random distinct rows; on more than
       ``fit_size`` rows it is learned on a seeded random subset and every row is then
       assigned to its nearest code);
    2. give code ``c`` of ``m_c`` rows the quota ``q_c`` from
       :func:`~datareduce.allocate_quotas` (proportional to ``m_c``, largest remainder,
       exact total). Every non-empty code keeps at least one row (``min_one``): the
       codebook's coverage is preserved, at the price of at most one extra row per small
       code; ``sample_weight_ = m_c / q_c`` corrects the mass exactly;
    3. inside a code, with ``e`` the Euclidean quantization errors, drop the
       ``floor(drop_hardest * m_c)`` rows of largest error (noise; never below ``q_c`` rows),
       then keep ``q_c`` rows: ``within="spread"`` spreads them over equal-width strata of
       ``e`` (:func:`spread_over_strata`, at most ``n_strata`` strata), ``"easy"`` keeps the
       smallest errors, ``"hard"`` the largest.

    Only real rows are returned.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    n_codes : int >= 1, optional
        Codebook size per pool. Default ``min(q, ceil(sqrt(n)))`` for a pool of ``n`` rows
        with quota ``q``. Always capped at the quota, so that every code can keep a row.
    within : {"spread", "easy", "hard"}, default="spread"
        How rows are chosen inside a code.
    drop_hardest : float in [0, 1), default=0.0
        Fraction of each code's rows with the largest quantization error dropped first.
    n_strata : int >= 1, default=10
        Maximum number of error strata per code for ``within="spread"``.
    fit_size : int, optional
        Rows the codebook is learned on (a seeded random subset). Default
        ``max(20000, 20 * n_codes)``.
    max_iter : int, default=50
        Lloyd iterations of k-means.
    engine : {"auto", "sklearn", "sklearn++", "faiss"}, default="auto"
        Passed to :func:`~datareduce._geometry.kmeans.fit_kmeans`.
    stratify : bool, default=True
        Per-class quotas and codebooks when ``y`` is given.
    random_state : None, int or numpy Generator, default=None
        Seed of k-means, the subset and the choice inside strata.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    kmeans_engine : str, optional
        Deprecated alias of ``engine`` (removed in 0.3).
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Kept positions, grouped by code.
    sample_weight_ : ndarray of shape (n_kept,)
        Code mass / rows kept in the code (sums to n).
    quantization_error_ : ndarray of shape (n_samples,)
        Distance of every row to its code vector (lower = more typical; NaN for the rows of
        a class whose quota is 0).
    cluster_centers_ : ndarray of shape (n_codes_total, n_space_features)
        Code vectors of all pools, stacked, in the selection space (``space_``: X's
        columns for numeric complete data under ``space="auto"``, else the encoded,
        scaled columns, whose width can differ from X's); so are the quantization
        errors.
    code_labels_ : ndarray of int, shape (n_samples,)
        Row of ``cluster_centers_`` each row is assigned to (-1 for the rows of a class
        whose quota is 0, which gets no codebook).
    code_quotas_ : ndarray of int, shape (n_codes_total,)
        Rows kept per code.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal(8, 1, (100, 2))])
    >>> vq = VectorQuantizationReducer(keep=40, n_codes=2, random_state=0).fit(X)
    >>> sorted(np.bincount(vq.code_labels_[vq.sample_indices_]).tolist())
    [10, 30]
    >>> sorted(set(vq.sample_weight_.tolist()))  # each kept row stands for 10 rows
    [10.0]
    """

    _parameter_constraints = {
        **BaseReducer._parameter_constraints,
        "n_codes": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "within": [StrOptions(set(_WITHIN))],
        "drop_hardest": [Interval(numbers.Real, 0, 1, closed="left")],
        "n_strata": [Interval(numbers.Integral, 1, None, closed="left")],
        "fit_size": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "engine": [StrOptions(set(_ENGINES))],
        "kmeans_engine": [None, StrOptions(set(_ENGINES))],
    }

    def __init__(self, keep=0.1, *, n_codes=None, within="spread", drop_hardest=0.0,
                 n_strata=10, fit_size=None, max_iter=50, engine="auto",
                 stratify=True, random_state=None, space="auto", reweight=None, kmeans_engine=None):
        self.keep = keep
        self.n_codes = n_codes
        self.within = within
        self.drop_hardest = drop_hardest
        self.n_strata = n_strata
        self.fit_size = fit_size
        self.max_iter = max_iter
        self.engine = engine
        self.stratify = stratify
        self.random_state = random_state
        self.space = space
        self.reweight = reweight
        self.kmeans_engine = kmeans_engine

    def _check_params(self, X, y):
        if self.kmeans_engine is not None:  # once per fit (the engine is read per class)
            warnings.warn("kmeans_engine is deprecated and will be removed in 0.3: use engine.",
                          FutureWarning, stacklevel=user_stacklevel())

    def _engine(self):
        return self.engine if self.kmeans_engine is None else self.kmeans_engine

    # ------------------------------------------------------------- codebook
    def _codebook(self, X, n_select, rng):
        n = X.shape[0]
        k = self.n_codes if self.n_codes is not None else int(np.ceil(np.sqrt(n)))
        k = max(1, min(k, n_select, n))
        fit_size = self.fit_size if self.fit_size is not None else max(20_000, 20 * k)
        fit_size = max(fit_size, k)
        sub = np.sort(rng.choice(n, size=fit_size, replace=False)) if n > fit_size else None
        res = fit_kmeans(X if sub is None else X[sub], k, random_state=rng,
                         max_iter=self.max_iter, engine=self._engine())
        # assign every row to its nearest final code (k-means may stop before its labels
        # and centres agree); the distance is the quantization error
        labels, errors = nearest(X, res.centers)
        return res.centers, np.asarray(labels, dtype=np.intp), errors

    # ------------------------------------------------------------ selection
    def _select(self, X, n_select, rng):
        centers, labels, errors = self._codebook(X, n_select, rng)
        k = centers.shape[0]
        sizes = np.bincount(labels, minlength=k)
        quotas = allocate_quotas(sizes, n_select, min_one=True)
        order = np.argsort(labels, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        kept, weights = [], []
        for c in np.flatnonzero(quotas):
            rows = order[bounds[c]:bounds[c + 1]]
            q = int(quotas[c])
            e = errors[rows]
            n_drop = min(int(np.floor(self.drop_hardest * len(rows))), len(rows) - q)
            if n_drop > 0:
                survivors = np.argsort(e, kind="stable")[: len(rows) - n_drop]
                rows, e = rows[survivors], e[survivors]
            if self.within == "easy":
                pick = np.argsort(e, kind="stable")[:q]
            elif self.within == "hard":
                pick = np.argsort(-e, kind="stable")[:q]
            else:
                pick = spread_over_strata(e, q, self.n_strata, rng)
            kept.append(rows[pick])
            weights.append(np.full(q, sizes[c] / q))
        return Selection(indices=np.concatenate(kept), weights=np.concatenate(weights),
                         info={"centers": centers, "labels": labels, "quotas": quotas,
                               "errors": errors})

    def _store_info(self, infos):
        n = self.n_samples_in_
        code_labels = np.full(n, -1, dtype=np.intp)
        errors = np.full(n, np.nan)
        offset = 0
        for _, info in infos:
            code_labels[info["rows"]] = info["labels"] + offset
            errors[info["rows"]] = info["errors"]
            offset += info["centers"].shape[0]
        self.cluster_centers_ = np.vstack([info["centers"] for _, info in infos])
        self.code_quotas_ = np.concatenate([info["quotas"] for _, info in infos])
        self.code_labels_ = code_labels
        self.quantization_error_ = errors
