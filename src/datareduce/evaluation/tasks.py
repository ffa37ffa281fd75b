"""What the protocol and the search share: the task, regression strata, scorers, reduced rows.

* :func:`infer_task` tells classification from regression: the package's one rule,
  :func:`datareduce._core.strata.target_kind`.
* :func:`quantile_strata` is a deprecated alias of :func:`datareduce.base.quantile_strata`
  (the one binning of a regression target).
* :func:`get_scorers` resolves scorer names; ``"mae"`` is the mean absolute error itself
  (lower is better), next to scikit-learn's ``"neg_mean_absolute_error"``.
* :func:`reduce_rows` reduces a training set for training: it tells the reducer the task
  (the reducer bins a regression target itself and resolves its selection space) and returns
  the reduced set and its weights. Reducers that emit synthetic rows (``output="centroids"``)
  are switched to real rows (``output="medoids"``) for a regression target, where a
  synthetic row has no target.
"""

from __future__ import annotations

import numpy as np

from .._core.strata import TASKS, target_kind
from .._core.strata import quantile_strata as _quantile_strata

__all__ = ["TASKS", "get_scorers", "infer_task", "needs_classes", "quantile_strata", "reduce_rows"]


def infer_task(y, task: str = "auto") -> str:
    """``"classification"`` or ``"regression"`` for the target ``y``.

    The package's one rule for the target type,
    :func:`datareduce._core.strata.target_kind` (the reducers and the CLI use it too).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"``: regression when scikit-learn's ``type_of_target`` says "continuous"
        (floats that are not all integers), or for whole numbers with more than
        ``max(50, n_samples // 20)`` distinct values (integer prices, counts);
        classification otherwise (text, booleans, categoricals, few whole numbers).

    Examples
    --------
    >>> infer_task([0.5, 1.25, 3.0]), infer_task(["a", "b"]), infer_task([1.0, 2.0, 1.0])
    ('regression', 'classification', 'classification')
    >>> infer_task(list(range(1000, 1100)))   # 100 distinct integers
    'regression'

    """
    return target_kind(y, task)


def quantile_strata(y, n_bins: int = 5) -> np.ndarray:
    """Deprecated: use :func:`datareduce.base.quantile_strata` (codes and edges).

    Returns the codes of ``datareduce.base.quantile_strata(y, n_bins)[0]``; removed in 0.3.
    """
    import warnings

    warnings.warn("datareduce.evaluation.quantile_strata is deprecated and will be removed in "
                  "0.3: use datareduce.base.quantile_strata(y, n_bins), which returns the codes "
                  "and the bin edges (codes, edges = ...).", FutureWarning, stacklevel=2)
    return _quantile_strata(y, n_bins)[0]


def needs_classes(reducer) -> bool:
    """Whether the reducer's definition needs class labels (it cannot run on a continuous y)."""
    from ..base import reducer_tags

    return bool(reducer_tags(reducer).requires_classes)


def _mae(estimator, X, y):
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(y, estimator.predict(X)))


def get_scorers(scoring, task: str) -> dict:
    """``{name: scorer(estimator, X, y)}``; default ``accuracy, f1_macro`` or ``r2, mae``."""
    from sklearn.metrics import get_scorer

    if scoring is None:
        scoring = ("accuracy", "f1_macro") if task == "classification" else ("r2", "mae")
    if isinstance(scoring, str):
        scoring = (scoring,)
    scoring = tuple(scoring)
    if not scoring:
        raise ValueError("scoring must name at least one scorer, e.g. scoring=('accuracy',).")
    out = {}
    for name in scoring:
        if name == "mae":
            out[name] = _mae
            continue
        try:
            out[name] = get_scorer(name)
        except ValueError as exc:
            raise ValueError(f"scoring: unknown scorer {name!r} ({exc})") from None
    return out


def real_rows_reducer(reducer):
    """A clone asking for real rows when the reducer can emit synthetic ones."""
    from sklearn.base import clone

    red = clone(reducer)
    if red.get_params(deep=False).get("output") == "centroids":
        red.set_params(output="medoids")
    return red


def reduce_rows(reducer, X, y, *, task: str = "auto"):
    """Fit ``reducer`` (in place) on a training set; return ``(X_kept, y_kept, sample_weight)``.

    The reducer decides the selection space (its ``space``) and bins a regression target
    (its ``stratify``: ``True`` for the default number of bins, an int for that many); this
    function only tells it the ``task`` and takes the reduced set through the package's one
    path (:func:`datareduce._core.output.reduced_data`).

    Parameters
    ----------
    reducer : datareduce reducer, unfitted
        Fitted here. For regression, pass it through :func:`real_rows_reducer` first if it
        may emit synthetic rows.
    X, y : training rows and targets.
    task : {"auto", "classification", "regression"}, default="auto"
        Passed to the reducer's ``fit``; a regression target keeps its values on the kept
        rows.

    Returns
    -------
    ReducedSet
        ``(X, y, sample_weight)``: rows of ``X`` and ``y`` (same containers), or the
        reducer's synthetic rows when it emits them (classification only), and the weights.
    """
    from .._core.output import reduced_data

    reducer.fit(X, y, task=task)
    if task == "regression" and reducer.synthetic_ is not None:
        raise ValueError(f"{type(reducer).__name__} emitted synthetic rows, which have no "
                         "continuous target: ask it for real rows (e.g. output='medoids').")
    return reduced_data(reducer, X, y)
