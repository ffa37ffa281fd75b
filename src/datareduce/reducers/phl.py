"""PHL: persistent-homology landmarks (Stolz, "Outlier-robust subsampling techniques for
persistent homology", JMLR 24(90), 2023).

For every row ``x`` its ``radius``-neighbourhood ``N(x)`` (the other rows within distance
``radius``, ``x`` itself excluded) is a small point cloud. A row with fewer than two
neighbours is a *super-outlier*. Otherwise its outlier score is the largest finite
persistence (death - birth) of the Vietoris-Rips diagram of ``N(x)``: in homology dimension
``dimension`` only (``scoring="restricted"``) or the maximum over dimensions
``0..dimension`` (``scoring="multi"``). Representative landmarks are the rows with the
lowest scores (super-outliers last); vital landmarks the highest. That is the reference
rule (``selection="reference"``); the default ``selection="coverage"`` drops the most
outlying rows and spreads the kept rows over outlier-score strata instead.

Unlike the reference implementation, which rebuilds a KD-tree without the row for every row
(``O(n^2 log n)``), one KD-tree is built per pool and queried in blocks of rows. H0 comes
from minimum spanning trees, an exact bound settles most rows without ripser, and the
remaining neighbourhoods go to ripser's C++ core together, as one disjoint union per batch
(see :func:`_batch_scores` and docs/prototypes.md). The scores equal the per-row
definition.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseReducer, Selection
from ._coverage import COVERAGE_CONSTRAINTS, CoverageSelectionMixin
from ._phl_scoring import (
    auto_radius,
    landmark_order,
    neighbourhood_score,
    phl_outlier_scores,
)

__all__ = ["PHLandmarksReducer", "landmark_order", "neighbourhood_score", "phl_outlier_scores"]


class PHLandmarksReducer(CoverageSelectionMixin, BaseReducer):
    """PHL: outlier-robust persistent-homology landmarks (Stolz, JMLR 2023).

    Scores the rows of each class by the persistence of their neighbourhood's Vietoris-Rips
    diagram (see the module docstring; rows with fewer than two neighbours are
    super-outliers, score ``inf``). Two rules choose the kept rows:

    * ``selection="coverage"`` (default): drop the ``drop_hardest`` fraction of highest
      outlier scores (super-outliers first), then spread the quota over ``n_strata``
      equal-width outlier-score strata (super-outliers left over form one stratum of their
      own); coverage-centric selection, Zheng et al., ICLR 2023
      (:func:`~datareduce.reducers._coverage.coverage_choose`). ``landmark_type`` and
      ``super_outliers`` are not used.
    * ``selection="reference"``: Stolz's landmarks: the lowest (``representative``) or
      highest (``vital``) scores first. Super-outliers come last for representative
      landmarks; their order is a seeded random permutation, as in the reference.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    radius : None or float > 0, default=None
        Neighbourhood radius. ``None``: the median over the pool's rows of the distance to
        their ``radius_k``-th nearest neighbour (computed per pool); reported as ``radius_``.
    radius_k : int >= 1, default=10
        Neighbour rank used by the automatic radius.
    dimension : int >= 0, default=1
        Homology dimension (``restricted``) or the largest dimension (``multi``).
    scoring : {"multi", "restricted"}, default="multi"
        ``multi``: maximum finite persistence over dimensions ``0..dimension``;
        ``restricted``: in ``dimension`` only.
    landmark_type : {"representative", "vital"}, default="representative"
        ``selection="reference"``: lowest or highest outlier scores first.
    super_outliers : {"auto", "last", "first"}, default="auto"
        Where super-outliers go in the ranking. ``auto`` = last for representative and first
        for vital landmarks (the opposite of the representative order). Stolz's own code
        puts them last for both: use ``"last"`` to reproduce it.
    max_neighbors : int >= 2, default=64
        Cap on the neighbourhood size passed to ripser: a larger neighbourhood is replaced
        by a uniform random subset of this size, seeded per row (``numpy.random.
        default_rng((seed, row))`` with ``seed`` drawn from ``random_state``), so the
        result does not depend on ``n_jobs``.
    stratify : bool, default=True
        Per-class quotas and per-class neighbourhoods (as the reference).
    selection : {"coverage", "reference"}, default="coverage"
        Coverage-centric choice, or Stolz's landmark order.
    drop_hardest : float in [0, 1), default=0.1
        ``selection="coverage"``: fraction of each pool's most outlying rows dropped first.
    n_strata : int >= 1, default=1
        ``selection="coverage"``: number of equal-width outlier-score strata. The default,
        1, keeps a uniform random sample of the rows left after the drop: more strata
        over-sample the outlying tail and measured worse (docs/quality-defaults.md).
    random_state : None, int or numpy Generator, default=None
        Seed of the super-outlier order and of the neighbourhood subsampling.
    n_jobs : None or int, default=None
        joblib worker processes for the diagrams (``-1`` = all cores).
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        ``selection="reference"`` only: keep priority in landmark order (higher is kept first; ``-inf`` for rows of a class
        that keeps no rows).
    outlier_scores_ : ndarray of shape (n_samples,)
        Outlier scores (lower = more representative); ``inf`` for super-outliers, NaN for
        rows of a class that keeps no rows.
    radius_ : float or ndarray
        Radius used (one per pool when stratifying).
    n_neighbors_ : ndarray of shape (n_samples,)
        Neighbourhood sizes (before the ``max_neighbors`` cap); -1 for rows of a class that
        keeps no rows.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import get_reducer
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 2 * np.pi, 200)
    >>> X = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.02, (200, 2))
    >>> X = np.vstack([X, [[3.0, 3.0], [-3.0, 2.0]]])   # two far outliers
    >>> r = get_reducer("phl", keep=0.5, random_state=0).fit(X)
    >>> bool(np.isinf(r.outlier_scores_[200:]).all())
    True
    >>> bool(np.isin([200, 201], r.sample_indices_).any())
    False
    """

    _selection = "score"
    _parameter_constraints = {
        **BaseReducer._parameter_constraints,
        "radius": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "radius_k": [Interval(numbers.Integral, 1, None, closed="left")],
        "dimension": [Interval(numbers.Integral, 0, None, closed="left")],
        "scoring": [StrOptions({"multi", "restricted"})],
        "landmark_type": [StrOptions({"representative", "vital"})],
        "super_outliers": [StrOptions({"auto", "last", "first"})],
        "max_neighbors": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_jobs": [None, Interval(numbers.Integral, None, -1, closed="right"),
                   Interval(numbers.Integral, 1, None, closed="left")],
        **COVERAGE_CONSTRAINTS,
    }

    def __init__(self, keep=0.1, *, radius=None, radius_k=10, dimension=1, scoring="multi",
                 landmark_type="representative", super_outliers="auto", max_neighbors=64,
                 stratify=True, selection="coverage", drop_hardest=0.1, n_strata=1,
                 random_state=None, n_jobs=None, space="auto", reweight=None):
        self.keep = keep
        self.radius = radius
        self.radius_k = radius_k
        self.dimension = dimension
        self.scoring = scoring
        self.landmark_type = landmark_type
        self.super_outliers = super_outliers
        self.max_neighbors = max_neighbors
        self.stratify = stratify
        self.selection = selection
        self.drop_hardest = drop_hardest
        self.n_strata = n_strata
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.space = space
        self.reweight = reweight

    def _score(self, X, y, rng):
        n = X.shape[0]
        radius = float(self.radius) if self.radius is not None else auto_radius(X, self.radius_k)
        seed = int(rng.integers(2**63 - 1))
        outlier, counts = phl_outlier_scores(
            X, radius, dimension=self.dimension, scoring=self.scoring,
            max_neighbors=self.max_neighbors, seed=seed, n_jobs=self.n_jobs)
        order = landmark_order(outlier, self.landmark_type, self.super_outliers, rng)
        priority = np.empty(n)
        priority[order] = np.arange(n, 0, -1, dtype=np.float64)  # first in order = highest
        scores = priority if self.selection == "reference" else outlier
        return Selection(scores=scores, info={"radius": radius, "counts": counts,
                                              "outlier_scores": outlier, "priority": priority})

    def _store_info(self, infos):
        n = self.n_samples_in_
        radii = [info["radius"] for _, info in infos]
        self.radius_ = radii[0] if len(radii) == 1 else np.array(radii)
        self.n_neighbors_ = np.full(n, -1, dtype=np.int64)
        self.outlier_scores_ = np.full(n, np.nan)
        for _, info in infos:
            rows = info.get("rows", slice(None))
            self.n_neighbors_[rows] = info["counts"]
            self.outlier_scores_[rows] = info["outlier_scores"]
        self._set_reference_scores(infos)
