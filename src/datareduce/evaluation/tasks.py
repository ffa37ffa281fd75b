"""What the protocol and the search share: the task, regression strata, scorers, reduced rows.

* :func:`infer_task` tells classification from regression (scikit-learn's
  ``type_of_target``: a float target with non-integer values is continuous).
* :func:`quantile_strata` turns a continuous target into ``n_bins`` quantile bins, used to
  stratify splits and reducers (each bin keeps its share of rows, as a class would).
* :func:`get_scorers` resolves scorer names; ``"mae"`` is the mean absolute error itself
  (lower is better), next to scikit-learn's ``"neg_mean_absolute_error"``.
* :func:`reduce_rows` reduces a training set for training: with a regression target the
  reducer is fitted on the quantile strata and the kept rows carry their original targets;
  with a selection ``space`` the reducer sees the transformed rows and the original rows
  come back. Reducers that emit synthetic rows (``output="centroids"``) are switched to real
  rows (``output="medoids"``) in those two cases, where a synthetic row has no target /
  no original values.
"""

from __future__ import annotations

import numpy as np

__all__ = ["get_scorers", "infer_task", "needs_classes", "quantile_strata", "reduce_rows"]

TASKS = ("auto", "classification", "regression")


def infer_task(y, task: str = "auto") -> str:
    """``"classification"`` or ``"regression"`` for the target ``y``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"``: regression when scikit-learn's ``type_of_target`` says "continuous"
        (floats that are not all integers), or for numbers with more than
        ``max(50, 5 % of the rows)`` distinct values (integer prices, counts);
        classification otherwise.

    Examples
    --------
    >>> infer_task([0.5, 1.25, 3.0]), infer_task(["a", "b"]), infer_task([1.0, 2.0, 1.0])
    ('regression', 'classification', 'classification')
    >>> infer_task(list(range(1000, 1100)))   # 100 distinct integers
    'regression'

    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    if task != "auto":
        return task
    from sklearn.utils.multiclass import type_of_target

    y = np.asarray(y)
    kind = type_of_target(y)
    if kind.startswith("continuous"):
        return "regression"
    if y.dtype.kind in "iuf" and y.ndim == 1:
        # integer-valued numbers with very many distinct values (prices, counts): regression
        n_values = len(np.unique(y))
        if n_values > max(50, 0.05 * len(y)):
            return "regression"
    return "classification"


def quantile_strata(y, n_bins: int = 5) -> np.ndarray:
    """Quantile bin (0 .. n_bins - 1) of each value of a continuous target.

    The codes of :func:`datareduce.base.quantile_strata` (the reducers' own strata): bin
    edges are the target's quantiles at ``1/n_bins, 2/n_bins, ...``; repeated edges (many
    equal values) merge bins, so fewer than ``n_bins`` strata can come back. Each bin holds
    about ``len(y) / n_bins`` rows.

    Examples
    --------
    Edges here: the 1/3 and 2/3 quantiles, 0.267 and 0.567; two rows per bin.

    >>> quantile_strata([0.1, 0.9, 0.5, 0.3, 0.7, 0.2], n_bins=3).tolist()
    [0, 2, 1, 1, 2, 0]
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}.")
    from .._core.strata import quantile_strata as _codes_and_edges

    return _codes_and_edges(np.asarray(y, dtype=np.float64).ravel(), n_bins)[0]


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


def _take(data, idx):
    if hasattr(data, "iloc"):
        return data.iloc[idx]
    return np.asarray(data)[idx]


def real_rows_reducer(reducer):
    """A clone asking for real rows when the reducer can emit synthetic ones."""
    from sklearn.base import clone

    red = clone(reducer)
    if red.get_params(deep=False).get("output") == "centroids":
        red.set_params(output="medoids")
    return red


def reduce_rows(reducer, X, y, *, task: str = "classification", n_bins: int = 5, space=None):
    """Fit ``reducer`` (in place) on a training set and return ``(X_kept, y_kept)``.

    Parameters
    ----------
    reducer : datareduce reducer, unfitted
        Fitted here. For regression or with a ``space``, pass it through
        :func:`real_rows_reducer` first if it may emit synthetic rows.
    X, y : training rows and targets.
    task : {"classification", "regression"}
        Regression: the reducer sees :func:`quantile_strata` of ``y`` as its labels; the kept
        rows keep their continuous targets.
    n_bins : int, default=5
        Number of quantile strata for regression.
    space : fitted transformer, optional
        The reducer selects in ``space.transform(X)``; the original rows come back.

    Returns
    -------
    (X_kept, y_kept)
        Rows of ``X`` and ``y`` (same containers), or the reducer's synthetic rows when it
        emits them (classification without a space only).
    """
    labels = quantile_strata(y, n_bins) if task == "regression" else y
    if space is None and task != "regression":
        return reducer.fit_resample(X, y)
    Xs = X if space is None else space.transform(X)
    reducer.fit(Xs, labels)
    if reducer.synthetic_ is not None:
        raise ValueError(f"{type(reducer).__name__} emitted synthetic rows, which have no "
                         "original values / continuous target here: ask it for real rows "
                         "(e.g. output='medoids').")
    idx = reducer.sample_indices_
    return _take(X, idx), _take(y, idx)
