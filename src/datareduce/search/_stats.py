"""Statistics of the search: intervals over splits, paired differences, the learning curve.

* :func:`t_interval`: mean and Student-t interval of per-split scores (in `_core.stats`,
  shared with the evaluation's paired differences).
* :func:`paired_interval`: the same for the paired differences of two methods on the same
  splits (what racing uses); :func:`paired_lower_bound`: its one-sided lower bound (what
  a method needs above zero to replace the reference).
* :func:`fit_learning_curve`: the inverse power law ``score(m) = a - b * m ** (-c)`` of the
  score against the number ``m`` of training rows (``scipy.optimize.curve_fit``), with a
  bootstrap over splits for its uncertainty; it extrapolates the score at any size and
  inverts to the size where the curve crosses a threshold.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._core.stats import t_interval

__all__ = ["LearningCurve", "PowerLaw", "fit_learning_curve", "fit_power_law",
           "paired_interval", "paired_lower_bound", "t_interval"]


def paired_interval(a, b, level: float = 0.95):
    """``(mean, low, high)`` of ``a - b`` over the splits where both were measured."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    mean, _, lo, hi = t_interval(d, level)
    return mean, lo, hi


def paired_lower_bound(a, b, level: float = 0.9) -> float:
    """One-sided Student-t lower confidence bound (at ``level``) of the mean of ``a - b``
    over the pairs where both are finite; ``-inf`` with fewer than two pairs.

    The search lets a method replace the reference only when this bound is above zero.

    Examples
    --------
    >>> round(paired_lower_bound([0.82, 0.83, 0.84], [0.80, 0.80, 0.80]), 4)
    0.0191
    >>> paired_lower_bound([0.9, 0.7], [0.8, 0.8]) < 0
    True
    """
    from scipy.stats import t

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return -math.inf
    sd = float(d.std(ddof=1))
    return float(d.mean()) - float(t.ppf(level, len(d) - 1)) * sd / math.sqrt(len(d))


@dataclass(frozen=True)
class PowerLaw:
    """``score(m) = a - b * (m / scale) ** (-c)`` with ``b >= 0, c > 0``: rises to ``a``."""

    a: float
    b: float
    c: float
    scale: float = 1.0

    def predict(self, m):
        """The score at ``m`` training rows."""
        m = np.asarray(m, dtype=float) / self.scale
        return self.a - self.b * m ** (-self.c)

    def rows_for(self, score: float) -> float:
        """The number of rows where the curve reaches ``score`` (inf if it never does)."""
        if score >= self.a:
            return math.inf
        if self.b <= 0:
            return 0.0
        return float(self.scale * (self.b / (self.a - score)) ** (1.0 / self.c))


def _law(m, a, b, c):
    return a - b * m ** (-c)


def fit_power_law(rows, scores) -> PowerLaw | None:
    """Least-squares :class:`PowerLaw` through ``(rows, scores)``; None if it cannot be fitted.

    Needs at least three distinct sizes. Rows are scaled by their largest value before the
    fit (numerical stability); ``c`` is bounded to ``[0.05, 3]``.

    Examples
    --------
    >>> m = np.array([100, 200, 500, 1000, 2000])
    >>> law = fit_power_law(m, 0.9 - 2.0 * m ** -0.5)
    >>> round(law.a, 3), round(law.c, 3), round(float(law.predict(10_000)), 4)
    (0.9, 0.5, 0.88)
    """
    from scipy.optimize import curve_fit

    rows = np.asarray(rows, dtype=float)
    scores = np.asarray(scores, dtype=float)
    ok = np.isfinite(scores) & (rows > 0)
    rows, scores = rows[ok], scores[ok]
    if len(np.unique(rows)) < 3:
        return None
    scale = float(rows.max())
    x = rows / scale
    spread = float(np.ptp(scores)) or 1e-3
    p0 = (float(scores.max()) + 0.1 * spread, spread, 0.5)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (a, b, c), _ = curve_fit(_law, x, scores, p0=p0, maxfev=5000,
                                     bounds=([-np.inf, 0.0, 0.05], [np.inf, np.inf, 3.0]))
    except (RuntimeError, ValueError):
        return None
    return PowerLaw(float(a), float(b), float(c), scale)


@dataclass(frozen=True)
class LearningCurve:
    """A fitted learning curve and its bootstrap replicates (resampled splits)."""

    law: PowerLaw
    replicates: list = field(default_factory=list)
    level: float = 0.95

    def _quantiles(self, values, point):
        v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
        if len(v) < 2:
            return point, np.nan, np.nan
        q = (1 - self.level) / 2
        return point, float(np.quantile(v, q, method="inverted_cdf")), \
            float(np.quantile(v, 1 - q, method="inverted_cdf"))

    def predict(self, m):
        """``(score, low, high)`` at ``m`` rows."""
        return self._quantiles([float(r.predict(m)) for r in self.replicates],
                               float(self.law.predict(m)))

    def rows_for(self, score: float):
        """``(rows, low, high)`` where the curve reaches ``score`` (inf: never)."""
        values = [r.rows_for(score) for r in self.replicates]
        point = self.law.rows_for(score)
        if len(values) < 2:
            return point, np.nan, np.nan
        v = np.asarray(values, dtype=float)  # inf stays: a replicate that never crosses
        q = (1 - self.level) / 2
        return point, float(np.quantile(v, q, method="inverted_cdf")), \
            float(np.quantile(v, 1 - q, method="inverted_cdf"))


def fit_learning_curve(rows, split_scores, *, n_boot: int = 200, level: float = 0.95,
                       random_state=None) -> LearningCurve | None:
    """Fit the power law to the mean over splits, and to bootstrap resamples of the splits.

    Parameters
    ----------
    rows : array of shape (n_points,)
        Training rows at each point of the curve.
    split_scores : array of shape (n_points, n_splits)
        The score of each point on each split (the same splits for every point).
    n_boot : int, default=200
        Bootstrap replicates: splits drawn with replacement, the curve refitted.
    level : float in (0, 1), default=0.95
        Level of the intervals the returned curve gives (``predict``, ``rows_for``): the
        central ``level`` quantile range of the replicates.
    random_state : None, int or numpy Generator, default=None
        Seed of the bootstrap draws.

    Returns
    -------
    LearningCurve or None
        None when fewer than three points are available or the fit fails.
    """
    scores = np.asarray(split_scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    law = fit_power_law(rows, np.nanmean(scores, axis=1))
    if law is None:
        return None
    rng = np.random.default_rng(random_state)
    n_splits = scores.shape[1]
    replicates, cache = [], {}
    if n_splits > 1:
        for _ in range(int(n_boot)):
            cols = tuple(sorted(rng.integers(0, n_splits, n_splits)))
            if cols not in cache:  # few splits: few distinct resamples, each fitted once
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    cache[cols] = fit_power_law(rows, np.nanmean(scores[:, list(cols)], axis=1))
            if cache[cols] is not None:
                replicates.append(cache[cols])
    return LearningCurve(law, replicates, level)
