"""Reduce once, train many: hyperparameter search on the reduced rows, one refit on all rows.

:func:`tune_on_subset` reduces the training set once (a named method at a kept fraction, a
reducer, or the answer of a fitted :class:`ReductionSearchCV`), runs scikit-learn's
:class:`~sklearn.model_selection.RandomizedSearchCV` on the kept rows only, and trains the
best configuration once on all rows. The search's many trainings then cost a fraction
``keep`` each; only the last one sees every row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sklearn.base import clone

__all__ = ["SubsetTuning", "tune_on_subset"]


@dataclass
class SubsetTuning:
    """What :func:`tune_on_subset` returns.

    Attributes
    ----------
    best_estimator : estimator
        The best configuration trained on all rows (or on the kept rows, ``refit="subset"``).
    best_params : dict
    search : RandomizedSearchCV
        Fitted on the kept rows (``cv_results_`` etc.), with ``refit=False``.
    reducer : reducer
        Fitted on all rows; ``reducer.sample_indices_`` are the rows tuned on.
    n_rows, n_tuned : int
    reduce_seconds, tune_seconds, refit_seconds : float
    """

    best_estimator: object
    best_params: dict
    search: object
    reducer: object
    n_rows: int
    n_tuned: int
    reduce_seconds: float
    tune_seconds: float
    refit_seconds: float

    @property
    def total_seconds(self) -> float:
        return self.reduce_seconds + self.tune_seconds + self.refit_seconds

    def predict(self, X):
        return self.best_estimator.predict(X)


def tune_on_subset(estimator, param_distributions, X, y, *, reducer="srs", keep=0.1,
                   n_iter=10, cv=3, scoring=None, refit="all", random_state=None,
                   n_jobs=None) -> SubsetTuning:
    """Tune ``estimator`` on a reduced training set, then refit the best on all rows.

    Parameters
    ----------
    estimator : scikit-learn estimator
    param_distributions : dict or list of dicts
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`.
    X, y : the training data.
    reducer : str, reducer or fitted ReductionSearchCV, default="srs"
        A method name (with ``keep`` and ``random_state``), an unfitted reducer (its own
        ``keep``), or a fitted search whose ``best_reducer_`` rows are used (then ``keep``
        is ignored; a search that answered "no reduction" tunes on every row).
    keep : float or int, default=0.1
    n_iter, cv, scoring, random_state, n_jobs
        Passed to RandomizedSearchCV.
    refit : {"all", "subset"}, default="all"
        Train the best configuration on all rows (one training) or keep the one trained
        on the kept rows (no full training at all).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(2000, 6, random_state=0)
    >>> res = tune_on_subset(DecisionTreeClassifier(random_state=0),
    ...                      {"max_depth": [2, 4, 8]}, X, y, keep=0.2, n_iter=3,
    ...                      random_state=0)
    >>> res.n_tuned, res.best_params["max_depth"] in (2, 4, 8)
    (400, True)
    """
    from sklearn.model_selection import RandomizedSearchCV

    from .. import get_reducer
    from .._core.output import reduced_set

    if refit not in ("all", "subset"):
        raise ValueError(f"refit={refit!r}: choose 'all' (one training on every row) or "
                         "'subset'.")
    t0 = time.perf_counter()
    if hasattr(reducer, "best_reducer_"):  # a fitted ReductionSearchCV
        red = reducer.best_reducer_
        Xr, yr = reduced_set(red, X, y)
    else:
        if isinstance(reducer, str):
            red = get_reducer(reducer, keep=keep, random_state=random_state)
        elif hasattr(reducer, "fit_resample"):
            red = clone(reducer)
        else:
            raise TypeError(f"reducer={reducer!r}: give a method name, a reducer, or a fitted "
                            "ReductionSearchCV.")
        Xr, yr = red.fit_resample(X, y)
    reduce_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    search = RandomizedSearchCV(estimator, param_distributions, n_iter=n_iter, cv=cv,
                                scoring=scoring, refit=refit == "subset",
                                random_state=random_state, n_jobs=n_jobs).fit(Xr, yr)
    tune_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if refit == "all":
        best = clone(estimator).set_params(**search.best_params_).fit(X, y)
    else:
        best = search.best_estimator_
    refit_s = time.perf_counter() - t0
    return SubsetTuning(best, dict(search.best_params_), search, red, len(y), len(yr),
                        reduce_s, tune_s, refit_s)
