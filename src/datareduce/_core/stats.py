"""Small statistics shared by the search and the evaluation."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["t_interval"]


def t_interval(values, level: float = 0.95):
    """``(mean, sd, low, high)``: mean and two-sided Student-t interval of ``values``.

    NaN values are left out; fewer than two values give NaN for ``sd, low, high``.

    Examples
    --------
    >>> mean, sd, lo, hi = t_interval([1.0, 2.0, 3.0])
    >>> mean, sd, round(lo, 3), round(hi, 3)
    (2.0, 1.0, -0.484, 4.484)
    """
    from scipy.stats import t

    s = np.asarray(values, dtype=float)
    s = s[np.isfinite(s)]
    if len(s) == 0:
        return np.nan, np.nan, np.nan, np.nan
    mean = float(s.mean())
    if len(s) < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(s.std(ddof=1))
    half = float(t.ppf(0.5 + level / 2, len(s) - 1)) * sd / math.sqrt(len(s))
    return mean, sd, mean - half, mean + half
