"""Uniform random reduction; with ``stratify=True`` this is the paper's SRS."""

from __future__ import annotations

from ..base import BaseReducer, Selection


class RandomReducer(BaseReducer):
    """Keep a uniform random sample of the rows.

    With ``stratify=True`` and labels, each class keeps a uniform sample of its quota: the
    stratified random sampling (SRS) of Perera-Lago et al. (2024).

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    stratify : bool, default=True
        Per-class quotas proportional to class sizes when ``y`` is given.
    random_state : None, int or numpy Generator, default=None
        Seed; the same int gives the same selection.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Positions of the kept rows in X.
    sample_weight_ : ndarray of shape (n_kept,)
        Rows each kept row stands for (class size / class quota); sums to n.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import RandomReducer
    >>> X = np.arange(20.0).reshape(10, 2); y = np.array([0] * 6 + [1] * 4)
    >>> Xr, yr = RandomReducer(keep=0.5, random_state=0).fit_resample(X, y)
    >>> Xr.shape, np.bincount(yr).tolist()
    ((5, 2), [3, 2])
    """

    def __init__(self, keep=0.1, *, stratify=True, random_state=None):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state

    def _select(self, X, n_select, rng):
        return Selection(indices=rng.choice(X.shape[0], size=n_select, replace=False))


class StratifiedRandomReducer(RandomReducer):
    """SRS: :class:`RandomReducer` that always stratifies when labels are given.

    Registered as ``"srs"``; identical to ``RandomReducer(stratify=True)``.
    """

    def __init__(self, keep=0.1, *, random_state=None):
        self.keep = keep
        self.random_state = random_state

    def _stratify_enabled(self) -> bool:
        return True
