"""Uniform random reduction (``random``) and stratified random sampling (``srs``)."""

from __future__ import annotations

from ..base import BaseReducer, Selection


class RandomReducer(BaseReducer):
    """Keep a uniform random sample of the rows.

    With ``stratify=True`` and labels, each class (or quantile bin of a continuous target)
    keeps a uniform sample of its proportional quota: the stratified random sampling (SRS)
    of Perera-Lago et al. (2024), also registered as ``"srs"``.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    stratify : bool or int >= 2, default=False
        Per-stratum quotas when ``y`` is given (classes, or that many quantile bins of a
        continuous target; ``True`` = 10 bins).
    random_state : None, int or numpy Generator, default=None
        Seed; the same int gives the same selection.
    space : str, None or transformer, default="auto"
        Unused by the selection (it never reads the values); with ``reweight``, the space
        the weights are fitted in.
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Positions of the kept rows in X.
    sample_weight_ : ndarray of shape (n_kept,)
        Rows each kept row stands for (class size / kept rows of the class); sums to n.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import RandomReducer
    >>> X = np.arange(20.0).reshape(10, 2); y = np.array([0] * 6 + [1] * 4)
    >>> Xr, yr = RandomReducer(keep=0.5, stratify=True, random_state=0).fit_resample(X, y)
    >>> Xr.shape, np.bincount(yr).tolist()
    ((5, 2), [3, 2])
    """

    _accepts_sparse = True
    _reads_X = False

    def __init__(self, keep=0.1, *, stratify=False, random_state=None, space="auto", reweight=None):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state
        self.space = space
        self.reweight = reweight

    def _select(self, X, n_select, rng):
        return Selection(indices=rng.choice(X.shape[0], size=n_select, replace=False))


class StratifiedRandomReducer(RandomReducer):
    """SRS: :class:`RandomReducer` with ``stratify=True`` by default.

    Registered as ``"srs"``.
    """

    def __init__(self, keep=0.1, *, stratify=True, random_state=None, space="auto", reweight=None):
        super().__init__(keep, stratify=stratify, random_state=random_state, space=space,
                         reweight=reweight)
