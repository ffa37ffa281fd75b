"""DES: distance-entropy selection (rows near class boundaries)."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from sklearn.utils._param_validation import Interval

from .._core.validation import user_stacklevel
from .._geometry.neighbors import centre_of, check_rows, pairwise_block, row_chunks
from ..base import BaseReducer, Selection, allocate_quotas
from ._coverage import COVERAGE_CONSTRAINTS, coverage_choose

__all__ = ["DistanceEntropyReducer", "distance_entropy"]


def distance_entropy(X, prototypes, *, working_memory=64.0):
    """Shannon entropy (nats) of the softmax over each row's distances to the prototypes.

    The distances are Euclidean; the softmax is taken over the distances themselves, as the
    method is defined (Perera-Lago et al. 2024). The entropy is largest (``log(C)``) for a
    row equidistant from all ``C`` prototypes, i.e. on a class boundary.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    prototypes : ndarray of shape (C, d)
    working_memory : float, default=64
        MiB per distance block.

    Returns
    -------
    ndarray of float64, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[0.0], [2.0]])
    >>> h = distance_entropy(np.array([[1.0], [0.0]]), P)
    >>> bool(np.isclose(h[0], np.log(2))), bool(h[1] < h[0])
    (True, True)
    """
    X = check_rows(X)
    P = check_rows(prototypes, "prototypes")
    # the same distances, without the rows' offset from the origin in their rounding
    shift = centre_of(P)
    P = P - shift
    out = np.empty(X.shape[0], dtype=np.float64)
    for sl in row_chunks(X.shape[0], 8 * 4 * max(P.shape[0], 1), working_memory):
        D = pairwise_block(np.asarray(X[sl], dtype=np.float64) - shift, P, "euclidean")
        D -= D.max(axis=1, keepdims=True)
        np.exp(D, out=D)
        D /= D.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(D > 0, D * np.log(D), 0.0)
        out[sl] = -plogp.sum(axis=1)
    return out


class DistanceEntropyReducer(BaseReducer):
    """DES: a stratified random base plus the rows nearest class boundaries.

    1. A stratified, seeded random *base* of ``round(base_fraction * n)`` rows is kept
       (at least one per class when possible).
    2. Each class's prototype is the mean of its base rows.
    3. For every other row: the softmax over its Euclidean distances to the prototypes and
       the Shannon entropy of that softmax (high entropy = near a class boundary).
    4. The remaining rows are filled from the other rows, over all classes at once
       (``stratify=False``, the reference behaviour) or per class so that each class ends
       with its proportional quota (``True``):

       * ``selection="coverage"``: drop the ``drop_hardest`` fraction of
         highest-entropy candidates, then spread the additions over ``n_strata``
         equal-width entropy strata (coverage-centric selection, Zheng et al., ICLR 2023;
         :func:`~datareduce.reducers._coverage.coverage_choose`);
       * ``selection="reference"`` (default): the highest-entropy rows (the paper). Ties go
         to the lower row position; with one class (every entropy 0) the rows are drawn
         at random, with a warning.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    base_fraction : float in (0, 1] or None, default=None
        Fraction of all rows in the random base, at most the kept fraction. None uses half
        the kept fraction, as the reference does.
    stratify : bool, default=False
        Fill per class (proportional quotas) instead of globally by entropy. The base is
        always stratified, so no class is lost either way.
    selection : {"coverage", "reference"}, default="reference"
        How the additions are chosen: coverage-centric, or highest entropy first. DES keeps
        the paper's rule by default: its random base already covers the data, and the
        coverage rule measured worse at keep 0.05 and 0.1 (docs/quality-defaults.md).
    drop_hardest : float in [0, 1), default=0.1
        ``selection="coverage"``: fraction of the candidates of highest entropy dropped first.
    n_strata : int >= 1, default=10
        ``selection="coverage"``: number of equal-width entropy strata.
    random_state : None, int or numpy Generator, default=None
        Seed of the base split.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    stratified_additions : bool, optional
        Deprecated alias of ``stratify`` (removed in 0.3).
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        The base rows (in class order), then the added rows (by decreasing entropy for
        ``selection="reference"``).
    scores_ : ndarray of shape (n_samples,)
        ``selection="reference"`` only: keep priority, ``inf`` for the base rows, the
        entropy for the others.
    entropy_ : ndarray of shape (n_samples,)
        The distance entropy of every row.
    base_indices_ : ndarray
        The rows of the random base.
    prototypes_ : ndarray of shape (n_classes, n_features)
        Class means of the base (a class without base rows gets NaN and no say).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.reducers import DistanceEntropyReducer
    >>> X = np.array([[0.0], [0.1], [0.2], [0.9], [1.1], [2.0], [2.1], [2.2], [3.0], [3.1]])
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> des = DistanceEntropyReducer(keep=4, base_fraction=0.2, random_state=0,
    ...                              selection="reference").fit(X, y)
    >>> len(des.base_indices_), len(des.sample_indices_)  # 2 random base rows + 2 added
    (2, 4)
    >>> added = des.sample_indices_[2:]  # the highest-entropy rows outside the base
    >>> bool(des.entropy_[added].min() >= np.delete(des.entropy_, des.sample_indices_).max())
    True
    """

    _requires_y = True
    _requires_classes = True
    _selection = "global"  # prototypes and additions span classes
    _parameter_constraints = {
        **BaseReducer._parameter_constraints,
        "base_fraction": [None, Interval(numbers.Real, 0, 1, closed="right")],
        "stratified_additions": [None, "boolean"],
        **COVERAGE_CONSTRAINTS,
    }

    def __init__(self, keep=0.1, *, base_fraction=None, stratify=False, selection="reference",
                 drop_hardest=0.1, n_strata=10, random_state=None, space="auto",
                 reweight=None, stratified_additions=None):
        self.keep = keep
        self.base_fraction = base_fraction
        self.stratify = stratify
        self.selection = selection
        self.drop_hardest = drop_hardest
        self.n_strata = n_strata
        self.random_state = random_state
        self.space = space
        self.reweight = reweight
        self.stratified_additions = stratified_additions

    def _check_params(self, X, y):
        if self.stratified_additions is not None:  # once per fit (stratify is read twice)
            warnings.warn("stratified_additions is deprecated and will be removed in 0.3: "
                          "use stratify (same meaning).", FutureWarning,
                          stacklevel=user_stacklevel())

    def _stratify_value(self):
        if self.stratified_additions is not None:
            return bool(self.stratified_additions)
        return bool(self.stratify)

    def _reduce(self, X, y, n_keep, rng):
        n = X.shape[0]
        n_classes = len(self.classes_)
        pools = [np.flatnonzero(y == c) for c in range(n_classes)]
        counts = np.array([len(p) for p in pools])
        if self.base_fraction is None:
            n_base = int(round(n_keep / 2))
        else:
            n_base = int(round(self.base_fraction * n))
            if n_base > n_keep:
                raise ValueError(
                    f"base_fraction={self.base_fraction} gives a base of {n_base} rows, more "
                    f"than the {n_keep} rows kept: use base_fraction <= {math.floor(n_keep / n * 1e6) / 1e6:g} "
                    f"({n_keep} of the {n} rows), or None (half the kept rows).")
        n_base = min(n_keep, max(n_base, min(n_classes, n_keep), 1))
        base_q = allocate_quotas(counts, n_base)
        if (base_q == 0).any():
            warnings.warn(
                f"the base of {n_base} rows misses classes "
                f"{self.classes_[base_q == 0][:10].tolist()}: they have no prototype. "
                f"Pass keep={n_classes} or more: the base never holds more rows than are "
                "kept.", UserWarning, stacklevel=user_stacklevel())
        base_parts = [pool[np.sort(rng.choice(len(pool), size=q, replace=False))]
                      for pool, q in zip(pools, base_q, strict=True)]
        base = np.concatenate(base_parts)
        d = X.shape[1]
        protos = np.full((n_classes, d), np.nan)
        for c, part in enumerate(base_parts):
            if len(part):
                protos[c] = X[part].mean(axis=0)
        present = ~np.isnan(protos[:, 0])
        scores = distance_entropy(X, protos[present])
        # one prototype: every entropy is 0, no row is nearer a boundary than another, and
        # "highest entropy first" kept the table's first rows (ties by position)
        boundary = int(present.sum()) >= 2
        if not boundary and n_keep > n_base:
            warnings.warn(
                f"DistanceEntropyReducer: only one class has a prototype (y has {n_classes} "
                "class(es)), so every row's distance entropy is 0 and no row is nearer a class "
                "boundary: the rows beyond the random base are drawn at random (a simple "
                "random sample).", UserWarning, stacklevel=user_stacklevel())
        in_base = np.zeros(n, dtype=bool)
        in_base[base] = True

        if self._stratify_value():
            quotas = allocate_quotas(counts, n_keep)
            add_q = np.maximum(quotas - base_q, 0)
            short = (n_keep - n_base) - int(add_q.sum())
            # largest-remainder rounding is not monotone in the total: a class can get more
            # base rows than its final quota (classes [3, 5, 5]: [2, 2, 2] of 6, [1, 3, 3] of
            # 7), so the clamped additions can overshoot n_keep - n_base (never fall short:
            # sum(max(q - b, 0)) >= sum(q - b)); the excess is taken back where a class is
            # furthest above its share
            if short < 0:
                ideal = counts * (n_keep / counts.sum())
                for _ in range(-short):
                    cand = np.flatnonzero(add_q > 0)
                    add_q[cand[np.argmax((base_q + add_q - ideal)[cand])]] -= 1
            added = []
            for pool, q in zip(pools, add_q, strict=True):
                added.append(self._additions(pool[~in_base[pool]], scores, int(q), rng,
                                             boundary))
            added = np.concatenate(added)
            added = added[np.lexsort((added, -scores[added]))]
        else:
            added = self._additions(np.flatnonzero(~in_base), scores, n_keep - len(base), rng,
                                    boundary)
        # scores_: the base first, then the additions by entropy (higher is kept first)
        priority = scores.copy()
        priority[base] = np.inf
        return Selection(indices=np.concatenate([base, added]),
                         scores=priority if self.selection == "reference" else None,
                         info={"base_indices": base, "prototypes": protos, "entropy": scores})

    def _additions(self, cand, scores, q, rng, boundary=True):
        """``q`` rows of the candidates ``cand``: highest entropy first, or coverage; at
        random when there is no boundary (one prototype, every entropy 0)."""
        if self.selection == "reference":
            if not boundary:
                return np.sort(rng.choice(cand, size=q, replace=False))
            return cand[np.lexsort((cand, -scores[cand]))[:q]]
        return cand[coverage_choose(scores[cand], q, rng, drop_hardest=self.drop_hardest,
                                    n_strata=self.n_strata)]

    def _store_info(self, infos):
        (_, info), = infos
        self.base_indices_ = info["base_indices"]
        self.prototypes_ = info["prototypes"]
        self.entropy_ = info["entropy"]
