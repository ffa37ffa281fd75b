"""Budgets and cost predictions of the search.

* :func:`parse_budget`: seconds, a multiple of one full training (``"3x"``) or None.
* :class:`Clock`: the time spent and left, once the budget is known in seconds.
* :class:`TimeModel`: training time against training rows, ``t(m) = alpha + beta m``
  (non-negative least squares): what one more evaluation will cost (does it fit?).
* :func:`full_training_seconds`: the floor of the budget's unit (one full training): the
  fastest measured training growing as the square root of the rows. The unit is the
  largest measured training scaled linearly (:meth:`TimeModel.linear_from_largest`), never
  below that floor; a measured full training replaces both. The budget is re-resolved
  before every step.
* :data:`COST_MODELS`: how a method's reduction time grows with the rows and the kept
  fraction, used with one timed probe on a small subsample.
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np

#: A model whose full training takes less than this (seconds) gets the ``min_budget``
#: floor: its fixed costs (scoring, a selection space per reducer run) dominate.
CHEAP_SECONDS = 1.0

__all__ = ["COST_MODELS", "LARGE_ROWS", "Clock", "TimeModel", "full_training_seconds",
           "parse_budget", "reduction_cost", "time_saving"]

#: From this many rows on a table is "large": ``baseline="auto"`` extrapolates the full
#: training set's score unless measuring it is cheap, and the answer's check runs each
#: extra draw on one split.
LARGE_ROWS = 50_000

#: Reduction time ~ ``n ** a * keep ** b`` for ``n`` rows kept at fraction ``keep``.
#: Methods not listed get the conservative ``(2, 1)``.
COST_MODELS = {
    "random": (1.0, 0.0), "srs": (1.0, 0.0), "nrmd": (1.0, 0.0), "flow": (1.0, 0.0),
    "fes": (1.0, 0.0), "phl": (1.5, 0.0), "clc": (2.0, 1.0), "mms": (2.0, 1.0),
    "des": (2.0, 1.0), "prd": (2.0, 1.0), "vq": (2.0, 1.0),
}
DEFAULT_COST = (2.0, 1.0)


def parse_budget(budget):
    """``(seconds, None)``, ``(None, multiple)`` or ``(None, None)`` for no limit.

    Examples
    --------
    >>> parse_budget("3x"), parse_budget(60), parse_budget(None)
    ((None, 3.0), (60.0, None), (None, None))
    """
    message = (f"budget={budget!r}: give seconds (a positive number), a multiple of one "
               "full training such as '3x', or None.")
    if budget is None:
        return None, None
    if isinstance(budget, str):
        text = budget.strip().lower()
        if text.endswith("x"):
            try:
                value = float(text[:-1])
            except ValueError:
                value = -1.0
            if 0 < value < math.inf:
                return None, value
        raise ValueError(message)
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not \
            0 < budget < math.inf:
        raise ValueError(message)
    return float(budget), None


class Clock:
    """Wall time since ``start`` against a limit in seconds (None: no limit)."""

    def __init__(self, start=None):
        self.start = time.perf_counter() if start is None else start
        self.limit = None
        self.reserve = 0.0  # seconds held back (the check of the answer found so far)

    def spent(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return math.inf if self.limit is None else self.limit - self.spent()

    def fits(self, seconds: float) -> bool:
        """``seconds`` (plus the reserve) fit in what is left."""
        return seconds + self.reserve <= self.left()


class TimeModel:
    """Training seconds against training rows, to predict what one more evaluation costs.

    Within the measured sizes: ``t(m) = alpha + beta * m`` with ``alpha, beta >= 0``
    (non-negative least squares). Beyond the largest measured size ``m1`` (time ``t1``):
    ``t1 * (m / m1) ** g``, ``g`` the slope (log-log) between the two largest sizes bounded
    to ``[0.5, 1]``: tiny trainings are dominated by fixed overheads, and a straight line
    through two noisy ones can predict anything from free to absurd.

    Examples
    --------
    >>> tm = TimeModel(); tm.add(1000, 0.15); tm.add(2000, 0.25)
    >>> round(tm.predict(1500), 3), round(tm.predict(8000), 3)
    (0.2, 0.694)
    """

    def __init__(self):
        self.rows, self.seconds = [], []

    def add(self, rows, seconds):
        self.rows.append(float(rows))
        self.seconds.append(float(seconds))

    def linear_from_largest(self, rows) -> float:
        """The largest measured training scaled linearly to ``rows`` (no fixed overhead
        taken out: an upper estimate for most models once ``rows`` is large)."""
        if not self.rows:
            return math.nan
        m = np.asarray(self.rows)
        t1 = float(np.median(np.asarray(self.seconds)[m == m.max()]))
        return t1 * float(rows) / float(m.max())

    def growth(self) -> float:
        """The log-log slope between the two largest measured sizes, bounded to
        ``[0.5, 1]`` (1 with fewer than two sizes): how a training grows beyond them."""
        sizes = np.unique(np.asarray(self.rows))
        if len(sizes) < 2:
            return 1.0
        m, t = np.asarray(self.rows), np.asarray(self.seconds)
        t1 = float(np.median(t[m == sizes[-1]]))
        t0 = float(np.median(t[m == sizes[-2]]))
        g = math.log(max(t1, 1e-9) / max(t0, 1e-9)) / math.log(sizes[-1] / sizes[-2])
        return min(max(g, 0.5), 1.0)

    def predict(self, rows) -> float:
        from scipy.optimize import nnls

        if not self.rows:
            return math.nan
        m = np.asarray(self.rows)
        t = np.asarray(self.seconds)
        sizes = np.unique(m)
        if len(sizes) < 2:
            return float(np.median(t)) * math.sqrt(max(float(rows) / sizes[0], 1.0))
        if rows > sizes[-1]:
            t1 = float(np.median(t[m == sizes[-1]]))
            return float(t1 * (float(rows) / sizes[-1]) ** self.growth())
        A = np.column_stack([np.ones_like(m), m / m.max()])
        (alpha, beta), _ = nnls(A, t)
        return float(alpha + beta * float(rows) / m.max())


def full_training_seconds(rows, seconds, n):
    """Floor of the budget unit: one training on ``n`` rows from the **fastest** measured
    training ``(rows[i], seconds[i])``, growing as the square root of the rows.

    Deliberately low (small trainings are dominated by fixed overheads). Alone it is too
    low on large tables: at 10^6 rows it predicted 9 s for a 46 s gradient-boosting
    training, a "3x" budget of 0.6 true trainings that could not answer; so is a growth
    fitted between the two largest small trainings (16 s predicted, 37 CPU s measured).

    Examples
    --------
    >>> full_training_seconds([100, 400], [0.02, 0.05], 10_000)
    0.2
    """
    if not len(rows):
        return math.nan
    i = int(np.argmin(seconds))
    return float(seconds[i]) * math.sqrt(max(float(n) / float(rows[i]), 1.0))


def time_saving(seconds, full_seconds):
    """The training-time saving of a training that takes ``seconds`` against one full
    training (``full_seconds``): ``1 - seconds / full_seconds``, negative when it costs more
    (NaN when either is unknown). The one formula of the search's measured saving (the
    refit's timing) and its predicted one (``Evaluator.refit_seconds``), both of a training
    done as the refit does it: the shared preprocessing on all rows, the model on the kept.

    Examples
    --------
    >>> time_saving(0.25, 1.0), time_saving(1.5, 1.0)
    (0.75, -0.5)
    """
    seconds, full_seconds = float(seconds), float(full_seconds)
    if not (math.isfinite(seconds) and math.isfinite(full_seconds)) or full_seconds <= 0:
        return math.nan
    return 1.0 - seconds / full_seconds


def reduction_cost(label, probe, rows, keep):
    """Predicted reduction seconds on ``rows`` at ``keep`` from two timed probes.

    ``probe = (t1, t2, n1, n2, k)``: seconds on ``n1`` and ``n2`` rows at fraction ``k``. With
    the method's cost model ``(a, b)`` they separate a fixed overhead ``c`` from the part
    ``v`` that grows: ``t(n, keep) = c + v * (n / n2) ** a * (keep / k) ** b``.
    """
    a, b = COST_MODELS.get(label, DEFAULT_COST)
    t1, t2, n1, n2, k = probe
    growth = (n2 / n1) ** a - 1
    v = max(t2 - t1, 0.0) / growth if growth > 0 else t2
    c = max(t2 - v, 0.0)
    return c + v * (rows / n2) ** a * (keep / k) ** b
