"""A representativeness measure as a scikit-learn scorer, for model selection of reducers."""

from __future__ import annotations

import numpy as np

from .._core.validation import check_X
from .._geometry.neighbors import check_metric
from .epsilon import epsilon_representativeness
from .topology import TopologicalDistance, topological_distance

__all__ = ["representativeness_scorer"]


def representativeness_scorer(score: str = "epsilon", *, metric: str = "chebyshev",
                              homology_dimensions=(0, 1), max_points: int | None = None,
                              space="auto", task: str = "auto"):
    """A scorer ``scorer(reducer, X, y) -> float`` for scikit-learn model selection.

    Greater is better (scikit-learn's convention), so the scorer returns the *negative*
    of the measure. The scorer fits a clone of the reducer on the data it scores: a fitted
    reducer's kept rows are positions in the rows it was fitted on, and nothing tells them
    apart from another fold of the same size (a two-fold split scored the training fold's
    positions on the test fold's rows). Use ``cv=[(all_rows, all_rows)]`` to score the
    selection made on the whole data; with a seeded reducer the refit selects the same rows.

    Parameters
    ----------
    score : {"epsilon", "bottleneck", "wasserstein"}, default="epsilon"
        ``"epsilon"``: minus epsilon (per-class, maximum over classes). ``"bottleneck"`` /
        ``"wasserstein"``: minus the largest distance over ``homology_dimensions`` between
        the diagrams of the full and the reduced data.
    metric : str, default="chebyshev"
        Metric of epsilon, or of the Rips filtrations.
    homology_dimensions : tuple of int, default=(0, 1)
    max_points : int or None
        Diagram subsampling threshold.
    space : "auto", "standard", "minmax", "passthrough" or a transformer, default="auto"
        The space the measure is taken in, as :func:`representativeness_report`'s: with
        "auto" a numeric and complete X is used as given, and a table with text, categorical
        or missing values (which the reducers accept) is put in the default selection
        space; such a table was refused ("X has non-numeric columns").
    task : {"auto", "classification", "regression"}, default="auto"
        What y is, by the package's target rule (``"auto"``) or as declared: the refit
        gets it (``fit(X, y, task=...)``, as a search's ``fit`` parameters do not reach a
        scorer), and epsilon is taken per class of a classification target, over all rows
        for a regression target (per distinct value it was infinite for any subset).

    Returns
    -------
    callable

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from datareduce import RandomReducer
    >>> X = np.random.default_rng(0).normal(size=(120, 3)); rows = np.arange(120)
    >>> search = GridSearchCV(RandomReducer(keep=0.2), {"random_state": [0, 1, 2, 3]},
    ...                       scoring=representativeness_scorer("epsilon"), cv=[(rows, rows)])
    >>> best = search.fit(X).best_params_["random_state"]
    >>> bool(search.best_score_ == max(search.cv_results_["mean_test_score"]))
    True
    """
    if score not in ("epsilon", "bottleneck", "wasserstein"):
        raise ValueError(f"score={score!r} is not supported; use 'epsilon', 'bottleneck' "
                         "or 'wasserstein'.")
    metric = check_metric(metric)
    from ..preprocessing import resolve_space

    # checked here, as score= and metric= are: at scoring time a bad space became NaN
    # scores in a search ("Scoring failed"), split after split (review11/a 07)
    resolve_space(space, np.zeros((1, 1)))
    from .._core.strata import TASKS

    if task not in TASKS:
        raise ValueError(f"task={task!r}: give one of {', '.join(map(repr, TASKS))}.")

    def scorer(estimator, X, y=None):
        from sklearn.base import clone

        from .audit import audit_space

        Xa, transformer, _ = audit_space(X, space=space)
        kind = None
        if y is not None:
            from .._core.strata import target_kind

            kind = target_kind(y, task)
        # always refitted: positions from a fold of the same size passed for these rows
        estimator = clone(estimator)
        if kind is not None and _takes_task(estimator):
            estimator.fit(X, y, task=kind)
        else:
            estimator.fit(X, y)
        idx = estimator.sample_indices_
        syn = getattr(estimator, "synthetic_", None)
        if syn is not None and transformer is not None:
            from .._core.output import _synthetic_like

            syn = transformer.transform(_synthetic_like(X, syn))
        Xr = Xa[idx] if syn is None else np.asarray(check_X(syn), dtype=np.float64)
        yr = None if y is None else np.asarray(y)[idx]
        if score == "epsilon":
            labels = (None, None) if kind == "regression" else (y, yr)
            return -float(epsilon_representativeness(Xa, Xr, *labels, metric=metric).value)
        res: TopologicalDistance = topological_distance(
            Xa, Xr, distance=score, homology_dimensions=homology_dimensions, metric=metric,
            per_class=False, max_points=max_points)
        return -float(res.max)

    scorer.__name__ = f"neg_{score}"
    return scorer


def _takes_task(estimator) -> bool:
    """Whether ``estimator.fit`` takes ``task=`` (the package's reducers do)."""
    import inspect

    try:
        return "task" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):  # pragma: no cover - a builtin fit
        return False
