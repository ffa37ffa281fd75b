"""The reducer contract: validation, quotas, stratification and output containers.

A method subclasses :class:`BaseReducer` and implements :meth:`BaseReducer._select`, the
selection on ONE pool of rows. Everything else (checking the input, turning ``keep`` into
per-class quotas, splitting by class, packaging numpy / pandas output, sample weights) lives
here, once.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from ._validation import (
    check_keep,
    check_random_generator,
    check_X,
    check_y,
    is_dataframe,
    is_series,
    warn_if_duplicates,
)

__all__ = ["BaseReducer", "Selection", "allocate_quotas"]


@dataclass
class Selection:
    """What a method returns for one pool.

    Attributes
    ----------
    indices : ndarray of int
        Positions into the pool of the kept rows, in selection order (no duplicates).
    weights : ndarray of float, optional
        How many pool rows each kept row stands for; summing to the pool size. When omitted
        every kept row stands for ``pool_size / n_kept`` rows.
    scores : ndarray of float, optional
        One score per pool row (higher is kept first, for ranking methods).
    synthetic : ndarray, optional
        Synthetic rows (e.g. cluster centroids), one per kept index, emitted instead of the
        real rows when the method's ``output`` asks for them.
    """

    indices: np.ndarray
    weights: np.ndarray | None = None
    scores: np.ndarray | None = None
    synthetic: np.ndarray | None = None


def allocate_quotas(counts, total: int, *, min_one: bool = True) -> np.ndarray:
    """Split ``total`` rows over groups proportionally to ``counts`` (largest remainder).

    The result sums to ``total`` exactly and never exceeds a group's size. With
    ``min_one=True`` every group keeps at least one row whenever ``total >= len(counts)``;
    the rows needed for that are taken from the groups furthest above their ideal share.
    Ties are broken by group order, so the result is deterministic.

    Examples
    --------
    >>> allocate_quotas([50, 30, 20], 10).tolist()
    [5, 3, 2]
    >>> allocate_quotas([97, 2, 1], 10).tolist()
    [8, 1, 1]
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError("counts must be a 1-D array of non-negative group sizes.")
    n = int(counts.sum())
    total = int(total)
    if total < 0 or total > n:
        raise ValueError(f"total={total} must be between 0 and the number of rows ({n}).")
    if n == 0:
        return np.zeros_like(counts)
    ideal = total * counts / n
    quotas = np.floor(ideal).astype(np.int64)
    remainder = total - int(quotas.sum())
    if remainder:
        frac = ideal - quotas
        # largest fractional part first; stable sort keeps group order for ties
        order = np.argsort(-frac, kind="stable")
        order = [g for g in order if quotas[g] < counts[g]]
        for g in order[:remainder]:
            quotas[g] += 1
    if min_one and total >= int((counts > 0).sum()):
        for g in np.flatnonzero((quotas == 0) & (counts > 0)):
            # take one row from the group that is furthest above its ideal share
            surplus = np.where(quotas > 1, quotas - ideal, -np.inf)
            donor = int(np.argmax(surplus))
            quotas[donor] -= 1
            quotas[g] += 1
    return quotas


class BaseReducer(BaseEstimator):
    """Base class of every reducer: a scikit-learn estimator that selects rows.

    Subclasses define ``__init__`` (storing parameters only) and ``_select``. Class
    attributes tune the shared machinery:

    ``_requires_y``
        the method cannot run without labels;
    ``_ranking``
        the method sets ``scores_`` (one per row, higher kept first).
    ``_global_selection``
        the method's definition spans classes (it overrides ``_reduce`` without running
        ``_select`` per class pool), so it cannot be split into per-class pools, e.g. by
        :func:`datareduce.distributed.reduce_blocks`.

    Parameters common to all reducers
    ---------------------------------
    keep : float in (0, 1] or int >= 1
        Fraction of rows kept (``round(keep * n)``, at least one) or number of rows kept.
    stratify : bool
        With ``y`` given, per-class quotas proportional to class sizes (largest-remainder
        rounding, exact total, every class keeps at least one row when the total allows);
        the method then runs on each class separately.
    random_state : None, int or numpy Generator
        Seed of every random choice; the same int gives the same selection.
    """

    _requires_y = False
    _ranking = False
    _global_selection = False

    # ------------------------------------------------------------------ hooks
    def _validate_params_extra(self, X: np.ndarray, y) -> None:
        """Check method parameters; raise ValueError naming the parameter."""

    def _select(self, X: np.ndarray, n_select: int, rng: np.random.Generator) -> Selection:
        """Select ``n_select`` rows of one pool ``X``; return positions into ``X``."""
        raise NotImplementedError

    def _reduce(self, X: np.ndarray, y, n_keep: int, rng: np.random.Generator) -> Selection:
        """Select over the whole data. The default splits by class when stratifying.

        Methods whose definition is global (e.g. a ranking over all rows that uses the
        labels) override this instead of :meth:`_select`.
        """
        if y is None or not self._stratify_enabled():
            return self._select_checked(X, n_keep, rng)
        pools = self._class_pools(y)
        quotas = self._class_quotas(pools, n_keep)
        return self._select_pools(X, pools, quotas, rng)

    # --------------------------------------------------------------- machinery
    def _stratify_enabled(self) -> bool:
        return bool(getattr(self, "stratify", False))

    def _class_pools(self, y) -> list[np.ndarray]:
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        return [np.flatnonzero(y_enc == c) for c in range(len(self.classes_))]

    def _class_quotas(self, pools, n_keep: int) -> np.ndarray:
        counts = np.array([len(p) for p in pools])
        quotas = allocate_quotas(counts, n_keep)
        if (quotas == 0).any():
            missing = [self.classes_[i] for i in np.flatnonzero(quotas == 0)]
            warnings.warn(
                f"keep allows {n_keep} rows for {len(pools)} classes: classes {missing[:10]} "
                "keep no rows. Increase keep to keep every class.",
                UserWarning,
                stacklevel=4,
            )
        self.class_quotas_ = dict(zip(self.classes_.tolist(), quotas.tolist(), strict=True))
        return quotas

    def _select_pools(self, X, pools, quotas, rng) -> Selection:
        """Run ``_select`` on each pool and combine the results in global positions."""
        n = X.shape[0]
        indices, weights, synthetic = [], [], []
        scores = np.full(n, np.nan) if self._ranking else None
        for pool, q in zip(pools, quotas, strict=True):
            if q == 0:
                continue
            sel = self._select_checked(X[pool], int(q), rng)
            indices.append(pool[sel.indices])
            weights.append(sel.weights)  # _select_checked fills the default
            if scores is not None and sel.scores is not None:
                scores[pool] = sel.scores
            if sel.synthetic is not None:
                synthetic.append(sel.synthetic)
        return Selection(
            indices=np.concatenate(indices),
            weights=np.concatenate(weights),
            scores=scores,
            synthetic=np.concatenate(synthetic) if synthetic else None,
        )

    def _select_checked(self, X, n_select, rng) -> Selection:
        sel = self._select(X, n_select, rng)
        sel.indices = np.asarray(sel.indices, dtype=np.intp)
        if sel.indices.shape != (n_select,):
            raise RuntimeError(
                f"{type(self).__name__} selected {sel.indices.shape} rows instead of {n_select}"
            )
        if sel.weights is None:
            sel.weights = np.full(n_select, X.shape[0] / n_select)
        return sel

    # -------------------------------------------------------------- public API
    def fit(self, X, y=None):
        """Select the rows to keep.

        Sets ``sample_indices_`` (positions into X of the kept rows), ``sample_weight_``
        (how many original rows each kept row stands for; sums to n), ``n_samples_in_``,
        ``n_features_in_``, ``feature_names_in_`` (DataFrames), ``fit_time_`` and, for ranking
        methods, ``scores_``.
        """
        start = time.perf_counter()
        Xa = check_X(X)
        n = Xa.shape[0]
        if y is None:
            if self._requires_y:
                raise ValueError(
                    f"{type(self).__name__} needs class labels: call fit(X, y) with y."
                )
            ya = None
        else:
            ya = check_y(y, n)
        n_keep = check_keep(self.keep, n)
        if hasattr(self, "random_state"):
            rng = check_random_generator(self.random_state)
        else:
            rng = np.random.default_rng()
        self._validate_params_extra(Xa, ya)
        warn_if_duplicates(Xa)

        # reset fitted state from a previous fit
        for attr in ("classes_", "class_quotas_", "feature_names_in_", "scores_"):
            self.__dict__.pop(attr, None)
        if is_dataframe(X):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)

        sel = self._reduce(Xa, ya, n_keep, rng)
        indices = np.asarray(sel.indices, dtype=np.intp)
        if len(np.unique(indices)) != len(indices):
            raise RuntimeError(f"{type(self).__name__} selected a row twice")  # pragma: no cover
        self.sample_indices_ = indices
        weights = np.asarray(sel.weights, dtype=np.float64)
        # pools keep their exact mass; rescale away rounding so the total is exactly n
        self.sample_weight_ = weights * (n / weights.sum())
        if sel.scores is not None:
            self.scores_ = np.asarray(sel.scores, dtype=np.float64)
        self._synthetic = sel.synthetic
        self.n_samples_in_ = n
        self.n_features_in_ = Xa.shape[1]
        self.fit_time_ = time.perf_counter() - start
        return self

    def fit_resample(self, X, y=None, **params):
        """Fit and return ``(X_reduced, y_reduced)``: imbalanced-learn's sampler protocol.

        ``y_reduced`` is None when ``y`` is None. Containers come back as they went in.
        """
        self.fit(X, y)
        return self._package(X, y)

    def fit_transform(self, X, y=None, **params):
        """Fit and return ``X_reduced``, or ``(X_reduced, y_reduced)`` when ``y`` is given.

        This follows apricot's convention. Inside a pipeline use
        :func:`datareduce.make_pipeline`, which routes reducers through ``fit_resample``.
        """
        Xr, yr = self.fit_resample(X, y, **params)
        return Xr if y is None else (Xr, yr)

    def transform(self, X):
        """Reducers select rows of the data they were fitted on; there is no ``transform``.

        Raises
        ------
        TypeError
            Always. It exists so that imbalanced-learn's ``Pipeline`` recognises a reducer
            as implementing both ``transform`` and ``fit_resample`` and refuses it with an
            error instead of silently routing it through ``fit_transform``.
        """
        raise TypeError(
            f"{type(self).__name__} selects rows when fitted and has no transform for new "
            "data. Use fit_resample / fit_transform, and put reducers in "
            "datareduce.make_pipeline (not sklearn's or imblearn's Pipeline)."
        )

    def get_support(self, indices: bool = False):
        """Boolean mask over the input rows (or the kept positions with ``indices=True``)."""
        self._check_fitted()
        if indices:
            return self.sample_indices_.copy()
        mask = np.zeros(self.n_samples_in_, dtype=bool)
        mask[self.sample_indices_] = True
        return mask

    # ------------------------------------------------------------------ output
    def _check_fitted(self):
        if not hasattr(self, "sample_indices_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(X, y) first."
            )

    def _package(self, X, y):
        idx = self.sample_indices_
        synthetic = self._synthetic
        if synthetic is not None:
            Xr = _synthetic_like(X, synthetic)
        elif is_dataframe(X):
            Xr = X.iloc[idx]
        else:
            Xr = np.asarray(X)[idx]
        if y is None:
            return Xr, None
        if is_series(y):
            if synthetic is not None:
                import pandas as pd

                yr = pd.Series(np.asarray(y)[idx], name=y.name)
            else:
                yr = y.iloc[idx]
        elif is_dataframe(y):
            yr = y.iloc[idx]
        else:
            yr = np.asarray(y)[idx]
        return Xr, yr

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        if self._requires_y:
            tags.target_tags.required = True
        return tags


def _synthetic_like(X, synthetic: np.ndarray):
    """Synthetic rows in X's container and dtype (DataFrames get a fresh RangeIndex)."""
    if is_dataframe(X):
        import pandas as pd

        out = pd.DataFrame(synthetic, columns=X.columns)
        for col, dt in X.dtypes.items():
            if getattr(dt, "kind", None) == "f":
                out[col] = out[col].astype(dt)
        return out
    arr = np.asarray(X)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    return np.asarray(synthetic, dtype=dtype)
