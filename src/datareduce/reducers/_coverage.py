"""Coverage-centric choice from scores, shared by the scoring methods.

Keeping the highest-scoring ("hardest", most outlying, most forgotten) rows first spends a
small budget on noise and boundary rows: a model trained on them does worse than on a
random sample (Sorscher et al., "Beyond neural scaling laws", NeurIPS 2022). Coverage-centric
coreset selection (Zheng et al., "Coverage-centric coreset selection for high pruning
rates", ICLR 2023) keeps the score range covered instead:

1. drop the ``drop_hardest`` fraction of rows with the highest scores (never so many that
   fewer than the quota remain);
2. set aside the extreme scores that survive (:func:`tail_mask`: infinite ones, and finite
   ones far beyond the bulk), which get their proportional share only, then cut the
   remaining score range into ``n_strata`` equal-width strata and share the quota over
   them: strata are visited from the smallest to the largest, each takes
   ``min(size, remaining // strata_left)`` rows uniformly at random, so small strata are
   kept whole and the largest are thinned the most (:func:`spread_over_strata`).

Scoring reducers (FES, NRMD, PHL, DES's additions) use it through
:class:`CoverageSelectionMixin`: ``selection="coverage"`` (the default) or
``selection="reference"`` (the paper's rule, highest scores first).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = ["COVERAGE_CONSTRAINTS", "RANDOM_SHARE_CONSTRAINT", "CoverageSelectionMixin",
           "coverage_choose", "random_part", "spread_over_strata", "tail_mask"]

SELECTIONS = ("coverage", "reference")

#: parameter constraints of ``selection``, ``drop_hardest`` and ``n_strata``
COVERAGE_CONSTRAINTS = {
    "selection": [StrOptions(set(SELECTIONS))],
    "drop_hardest": [Interval(numbers.Real, 0, 1, closed="left")],
    "n_strata": [Interval(numbers.Integral, 1, None, closed="left")],
}


#: a finite score further than this many times the 5th-95th percentile range below the 5th
#: or above the 95th percentile is an extreme score: it joins the tail stratum (see
#: :func:`spread_over_strata`)
TAIL_FENCE = 3.0


def tail_mask(values) -> np.ndarray:
    """Rows whose score is extreme: non-finite, or finite and further than ``TAIL_FENCE``
    times the 5th-95th percentile range of the finite scores below the 5th or above the
    95th percentile. For a normal sample the fence is about 11.5 standard deviations from
    the mean, for an exponential one the probability beyond it is below 1e-5: only scores
    far from the bulk (a handful of rows, fewer than 5% of them, orders of magnitude above
    it) are caught. With no spread between the percentiles (mostly tied scores) no finite
    score is extreme."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    tail = ~finite
    if finite.sum() >= 2:
        q05, q95 = np.percentile(values[finite], [5, 95])
        spread = q95 - q05
        if spread > 0:
            lo, hi = q05 - TAIL_FENCE * spread, q95 + TAIL_FENCE * spread
            tail |= finite & ((values < lo) | (values > hi))
    return tail


#: the constraint of ``random_share`` (kt, herding, MMS)
RANDOM_SHARE_CONSTRAINT = [Interval(numbers.Real, 0, 1, closed="both")]


def random_part(n: int, n_select: int, share: float, rng):
    """The random share of a pool's quota: ``round(share * n_select)`` positions drawn
    uniformly without replacement from ``range(n)`` (sorted), and the positions left for the
    method (sorted). ``share == 0`` draws nothing and takes no random number, so a method
    with ``random_share=0`` keeps exactly the rows it kept before the parameter existed.
    Per pool, so with ``stratify=True`` the random part is a stratified random sample.

    Examples
    --------
    >>> import numpy as np
    >>> drawn, rest = random_part(10, 4, 0.5, np.random.default_rng(0))
    >>> len(drawn), len(rest), sorted(set(drawn) | set(rest)) == list(range(10))
    (2, 8, True)
    >>> random_part(10, 4, 0.0, None)[0].size
    0
    """
    n_random = int(np.floor(share * n_select + 0.5))
    if n_random <= 0:
        return np.zeros(0, dtype=np.intp), np.arange(n)
    drawn = np.sort(rng.choice(n, size=min(n_random, n), replace=False))
    return drawn, np.setdiff1d(np.arange(n), drawn)


def spread_over_strata(values, n_select: int, n_strata: int, rng) -> np.ndarray:
    """Choose ``n_select`` positions spread evenly over equal-width strata of ``values``.

    Extreme scores (:func:`tail_mask`: infinite values such as PHL's super-outliers, and
    finite values far beyond the bulk) form one *tail* stratum that gets its proportional
    share of the budget, ``round(n_select * n_tail / n)``, drawn uniformly at random: it
    neither stretches the strata edges (equal-width strata over a range set by a handful of
    extreme rows would put the whole bulk in one stratum) nor takes an equal share (which
    would spend a small budget on outliers). The range of the other scores is cut into
    ``min(n_strata, n_select)`` equal-width strata and the rest of the budget is shared as
    in coverage-centric selection: strata are visited from the smallest to the largest,
    each takes ``min(size, remaining // strata_left)`` rows, uniformly at random. Small
    strata (sparse score regions) are kept whole, and the rows they cannot use go to the
    larger strata, which are thinned the most. The total is exactly ``n_select``.

    Parameters
    ----------
    values : array-like of float, shape (n,)
        Scores to stratify (quantization errors, log-densities, ...). NaN is not allowed.
    n_select : int
        Number of positions to choose, ``0 <= n_select <= n``.
    n_strata : int
        Maximum number of strata over the bulk's values.
    rng : numpy Generator
        Source of the random choice inside strata.

    Returns
    -------
    ndarray of int, shape (n_select,)
        Positions into ``values``, grouped by stratum.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.r_[np.zeros(90), np.ones(10)]  # 90 rows in one stratum, 10 in another
    >>> pos = spread_over_strata(v, 20, 2, np.random.default_rng(0))
    >>> int((v[pos] == 0).sum()), int((v[pos] == 1).sum())
    (10, 10)
    >>> v = np.r_[np.linspace(0, 1, 95), np.full(5, 1e6)]  # 5 extreme scores
    >>> pos = spread_over_strata(v, 20, 4, np.random.default_rng(0))
    >>> int((v[pos] > 1).sum()), np.histogram(v[pos], bins=4, range=(0, 1))[0].tolist()
    (1, [5, 4, 5, 5])
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if not 0 <= n_select <= n:
        raise ValueError(f"n_select={n_select} must be between 0 and {n}.")
    if np.isnan(values).any():
        raise ValueError("values contain NaN: every row needs a score to be stratified.")
    if n_select == n:
        return np.arange(n)
    if n_select == 0:
        return np.zeros(0, dtype=np.intp)
    n_strata = max(1, min(int(n_strata), n_select))
    tail = tail_mask(values)
    chosen = []
    if tail.any():
        n_tail = int(tail.sum())
        # the tail's proportional share, within what the bulk can absorb
        take = int(np.floor(n_select * n_tail / n + 0.5))
        take = min(n_tail, max(take, n_select - (n - n_tail)))
        chosen.append(np.sort(rng.choice(np.flatnonzero(tail), size=take, replace=False)))
        bulk = np.flatnonzero(~tail)
        if bulk.size:
            pos = _spread_bulk(values[bulk], n_select - take, n_strata, rng)
            chosen.append(bulk[pos])
        return np.concatenate(chosen)
    return _spread_bulk(values, n_select, n_strata, rng)


def _spread_bulk(values, n_select, n_strata, rng):
    """:func:`spread_over_strata` on finite scores without a tail."""
    n = values.shape[0]
    if n_select >= n:
        return np.arange(n)
    if n_select == 0:
        return np.zeros(0, dtype=np.intp)
    n_strata = max(1, min(int(n_strata), n_select))
    lo, hi = values.min(), values.max()
    if n_strata == 1 or not hi > lo:
        return np.sort(rng.choice(n, size=n_select, replace=False))
    edges = np.linspace(lo, hi, n_strata + 1)
    bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, n_strata - 1)
    sizes = np.bincount(bins, minlength=n_strata)
    strata = [b for b in np.argsort(sizes, kind="stable") if sizes[b] > 0]
    remaining = n_select
    chosen = []
    for i, b in enumerate(strata):
        take = min(int(sizes[b]), remaining // (len(strata) - i))
        members = np.flatnonzero(bins == b)
        chosen.append(np.sort(rng.choice(members, size=take, replace=False)))
        remaining -= take
    # remaining is 0 here: the smallest-first order lets the larger strata absorb the rest
    return np.concatenate(chosen)


def hardest_dropped(hardness, n_select: int, drop_hardest: float, rng) -> np.ndarray:
    """Positions that survive dropping the ``drop_hardest`` fraction of highest scores.

    ``floor(drop_hardest * n)`` rows are dropped, but never so many that fewer than
    ``n_select`` rows remain. Ties at the cut are broken at random. Returned in increasing
    order.
    """
    h = np.asarray(hardness, dtype=np.float64)
    n = h.shape[0]
    n_drop = min(int(np.floor(drop_hardest * n)), n - n_select)
    if n_drop <= 0:
        return np.arange(n)
    order = np.lexsort((rng.random(n), -h))  # hardest first, ties at random
    return np.sort(order[n_drop:])


def coverage_choose(hardness, n_select: int, rng, *, drop_hardest: float = 0.1,
                    n_strata: int = 10) -> np.ndarray:
    """Coverage-centric choice of ``n_select`` positions (Zheng et al., ICLR 2023).

    Drop the hardest ``drop_hardest`` fraction (:func:`hardest_dropped`), then spread the
    quota over equal-width strata of the remaining scores (:func:`spread_over_strata`).

    Parameters
    ----------
    hardness : array-like of float, shape (n,)
        Higher = harder / more outlying (``+inf`` allowed: dropped first, then its own
        stratum).
    n_select : int
        Rows to keep, ``0 <= n_select <= n``.
    rng : numpy Generator
    drop_hardest : float in [0, 1), default=0.1
    n_strata : int >= 1, default=10

    Returns
    -------
    ndarray of int, shape (n_select,)

    Examples
    --------
    >>> import numpy as np
    >>> h = np.r_[np.zeros(50), np.ones(40), np.full(10, 9.0)]  # 10 extreme rows
    >>> pos = coverage_choose(h, 20, np.random.default_rng(0), drop_hardest=0.1, n_strata=2)
    >>> int((h[pos] == 9).sum()), int((h[pos] == 0).sum()), int((h[pos] == 1).sum())
    (0, 10, 10)
    """
    survivors = hardest_dropped(hardness, n_select, drop_hardest, rng)
    h = np.asarray(hardness, dtype=np.float64)[survivors]
    return survivors[spread_over_strata(h, n_select, n_strata, rng)]


class CoverageSelectionMixin:
    """``selection`` for a score-then-top-k reducer (put it before ``BaseReducer``).

    The reducer's ``_score`` returns, in ``Selection.scores``, the keep priority for
    ``selection="reference"`` and the hardness (higher = harder) for ``"coverage"``, and in
    ``Selection.info["priority"]`` the reference priority in both modes (so ``scores_``
    is set for the reference mode only, where it means "higher is kept first").
    """

    def _choose(self, scores, n_select, rng):
        if self.selection == "reference":
            return np.argsort(-scores, kind="stable")[:n_select]
        return coverage_choose(scores, n_select, rng, drop_hardest=self.drop_hardest,
                               n_strata=self.n_strata)

    def _set_reference_scores(self, infos) -> None:
        """``scores_`` (reference mode only) from each pool's ``info["priority"]``."""
        if self.selection != "reference":
            return
        scores = np.full(self.n_samples_in_, -np.inf)
        for _, info in infos:
            scores[info.get("rows", slice(None))] = info["priority"]
        self.scores_ = scores
