"""What a consumer of a fitted reducer receives: the reduced set in the container it came in
(numpy, pandas, lists, sparse), its weights, and the one policy deciding whether the weights
reach an estimator.

* :func:`reduced_data` is the one path from a fitted reducer to ``(X, y, sample_weight)``
  (the pipeline, the evaluation, the CLI and the search use it, through
  :func:`reduced_set` or directly);
* :func:`passes_weights` is the one weight policy and :func:`sample_weight_params` applies
  it: the reducer's ``sample_weight_`` reaches an estimator's ``fit`` when that ``fit`` takes
  ``sample_weight`` (scikit-learn's ``has_fit_parameter``; a pipeline's final step) and the
  policy says so. The default, ``"auto"``, follows the quality benchmark
  (``docs/quality.md``): weights help linear and kernel models at small kept fractions and
  do nothing or harm tree ensembles, so they are passed except to tree models, unless the
  reducer fitted them on request (``reweight=``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .validation import is_dataframe, is_series, library_of

__all__ = ["ReducedSet", "accepts_sample_weight", "passes_weights", "reduced_data",
           "reduced_set", "sample_weight_params"]

#: Modules of the tree models to which ``pass_sample_weight="auto"`` gives no weights.
_TREE_MODULES = ("sklearn.tree", "sklearn.ensemble._forest", "sklearn.ensemble._gb",
                 "sklearn.ensemble._hist_gradient_boosting", "xgboost", "lightgbm", "catboost")


class ReducedSet(NamedTuple):
    """The reduced training set of a fitted reducer."""

    X: object
    y: object
    sample_weight: np.ndarray


def reduced_data(reducer, X, y=None, *, real_rows: bool = False) -> ReducedSet:
    """``(X_reduced, y_reduced, sample_weight)`` of a reducer fitted on ``(X, y)``.

    The one path every consumer takes. ``X`` may be any table with the fitted rows (e.g. the
    whole input table with its id and target columns: only its rows are taken).
    ``real_rows=True`` takes the real rows ``sample_indices_`` even when the reducer emitted
    synthetic ones (centroids), for outputs that need every column of a real row.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import get_reducer
    >>> X, y = np.arange(20.0).reshape(10, 2), np.repeat([0, 1], 5)
    >>> r = get_reducer("srs", keep=0.4, random_state=0).fit(X, y)
    >>> Xr, yr, w = reduced_data(r, X, y)
    >>> Xr.shape, sorted(yr.tolist()), w.tolist()
    ((4, 2), [0, 0, 1, 1], [2.5, 2.5, 2.5, 2.5])
    """
    if real_rows and getattr(reducer, "synthetic_", None) is not None:
        Xr, yr = _rows(reducer, X, y)
    else:
        Xr, yr = reduced_set(reducer, X, y)
    return ReducedSet(Xr, yr, np.asarray(reducer.sample_weight_, dtype=np.float64))


def _rows(reducer, X, y):
    idx = reducer.sample_indices_
    take = (lambda d: d.iloc[idx]) if hasattr(X, "iloc") else (lambda d: _as_rows(d)[idx])
    return take(X), (None if y is None else (y.iloc[idx] if hasattr(y, "iloc")
                                             else _as_rows(y)[idx]))


def accepts_sample_weight(estimator, method: str = "fit") -> bool:
    """Whether ``estimator.<method>`` takes ``sample_weight`` (scikit-learn's
    ``has_fit_parameter`` for ``fit``; a pipeline asks its final step; a meta-estimator whose
    ``fit`` forwards its keyword arguments to the model it wraps, such as
    ``TransformedTargetRegressor`` or ``GridSearchCV``, asks that model, every model its
    grid can swap in; a voting or stacking ensemble asks its members).

    A scikit-learn or imbalanced-learn pipeline with a resampling step before its model does
    not: its ``<last step>__sample_weight`` would reach the model one weight per row of its
    input, not of the resampled rows (``datareduce.pipeline.Pipeline`` slices them itself)."""
    if method == "fit" and _routing_on():
        routes = _routes_sample_weight(estimator)
        if routes is not None:
            return routes
        if _declines_sample_weight(estimator):
            return False
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        final = steps[-1][1]
        if method == "fit" and not hasattr(type(estimator), "_route_weights") and any(
                hasattr(step, "fit_resample") for _, step in steps[:-1]):
            return False
        return final not in (None, "passthrough") and accepts_sample_weight(final, method)
    import inspect

    func = getattr(estimator, method, None)
    try:
        params = {} if func is None else inspect.signature(func).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    if method != "fit":
        return "sample_weight" in params
    members = _ensemble_members(estimator)
    if members is not None:  # fit(X, y, **fit_params) in recent releases: every member
        return bool(members) and all(accepts_sample_weight(m) for m in members)
    if "sample_weight" in params:
        return True
    inner = _forwarded_models(estimator)
    return bool(inner) and all(accepts_sample_weight(m) for m in inner) and len(
        {weight_key(m) for m in inner}) == 1


def _routes_sample_weight(estimator):
    """With metadata routing on: whether a router (a pipeline, a search, any meta-estimator)
    routes ``sample_weight`` from its ``fit`` to a step that requested it; None for a plain
    consumer, which the caller asks by its signature (it is called directly).

    A router whose models did not request ``sample_weight`` would refuse the weights (or
    drop them), so the reducer's weights are not offered; once a model requested them, they
    are, and scikit-learn's own error names any other step that must say whether it wants
    them."""
    from sklearn.utils.metadata_routing import MetadataRouter, get_routing_for_object

    try:
        routing = get_routing_for_object(estimator)
    except Exception:  # noqa: BLE001 - an estimator that does not describe its routing
        return None
    if not isinstance(routing, MetadataRouter) or not hasattr(routing, "consumes"):
        return None
    return "sample_weight" in routing.consumes(method="fit", params={"sample_weight"})


def _declines_sample_weight(estimator) -> bool:
    """With metadata routing on: whether a plain consumer said it takes no
    ``sample_weight`` in ``fit`` (``set_fit_request(sample_weight=False)``), which the
    reducers' weights respect as scikit-learn's routing would; an unset request leaves the
    decision to ``fit``'s signature (the consumer is called directly)."""
    from sklearn.utils.metadata_routing import get_routing_for_object

    try:
        fit = get_routing_for_object(estimator).fit
    except Exception:  # noqa: BLE001 - an estimator that does not describe its routing
        return False
    return getattr(fit, "requests", {}).get("sample_weight", None) is False


def _routing_on() -> bool:
    import sklearn

    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def _ensemble_members(estimator):
    """The models a voting or stacking ensemble passes ``sample_weight`` to (its members but
    the dropped, and a stacking ensemble's ``final_estimator`` when set), or None for other
    estimators and under metadata routing."""
    from sklearn.ensemble._base import _BaseHeterogeneousEnsemble

    if not isinstance(estimator, _BaseHeterogeneousEnsemble) or _routing_on():
        return None
    members = [m for _, m in getattr(estimator, "estimators", None) or []
               if m not in (None, "drop")]
    final = getattr(estimator, "final_estimator", None)
    return members + ([final] if final is not None and members else [])


def _forwarded_models(estimator) -> list:
    """The models to which a meta-estimator's ``fit`` forwards its keyword arguments (every
    one it may train), or ``[]``.

    With scikit-learn's metadata routing off, ``TransformedTargetRegressor`` (to
    ``regressor``, LinearRegression when unset) and the hyperparameter searches
    (``GridSearchCV``, ``RandomizedSearchCV``, the halving searches: to ``estimator``, and to
    each estimator their grid swaps in, see :func:`_search_variants`) pass ``**fit_params``
    on unchanged. Other meta-estimators either name ``sample_weight`` in their ``fit``
    (bagging, boosting, calibration) or refuse keyword arguments without routing
    (one-vs-rest), so they are not unwrapped. With routing on, a meta-estimator forwards only
    what its model requested, which it checks itself."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection._search import BaseSearchCV

    if _routing_on():
        return []
    if isinstance(estimator, TransformedTargetRegressor):
        if estimator.regressor is None:
            from sklearn.linear_model import LinearRegression

            return [LinearRegression()]
        return [estimator.regressor]
    if isinstance(estimator, BaseSearchCV):
        return _search_variants(estimator)
    return []


def _search_variants(search) -> list:
    """The search's ``estimator`` and, for every estimator its grid (``param_grid`` or the
    lists of ``param_distributions``) puts at a parameter, the estimator with that one swapped
    in: the models whose fit parameters, weights and tree-ness the search's candidates have
    (``[]`` when a swap cannot be made, so that nothing is assumed)."""
    from collections.abc import Mapping

    from sklearn.base import clone

    base = search.estimator
    grids = getattr(search, "param_grid", None)
    if grids is None:
        grids = getattr(search, "param_distributions", None)
    if grids is None:
        return [base]
    variants = [base]
    for grid in [grids] if isinstance(grids, Mapping) else list(grids):
        if not isinstance(grid, Mapping):
            return []
        for key, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                continue  # a distribution: numbers, not estimators
            for value in values:
                if not hasattr(value, "fit"):
                    continue
                try:
                    variants.append(clone(base).set_params(**{key: value}))
                except Exception:  # noqa: BLE001 - a key the search itself will refuse
                    return []
    return variants


def weight_key(estimator) -> str:
    """The fit parameter that carries ``sample_weight`` to ``estimator``'s model:
    ``"sample_weight"``, or ``"<last step>__..."`` down nested pipelines (a scikit-learn
    pipeline takes no bare ``sample_weight``), also inside a meta-estimator that forwards its
    fit keyword arguments (``GridSearchCV(pipeline)``), except with scikit-learn's metadata
    routing on, where a pipeline takes ``sample_weight`` and routes it to the steps that
    request it (and refuses the ``step__`` form)."""
    if _routing_on():
        return "sample_weight"
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        return f"{steps[-1][0]}__{weight_key(steps[-1][1])}"
    inner = _forwarded_models(estimator)
    return weight_key(inner[0]) if inner else "sample_weight"


def _final_step(estimator):
    """The model at the end of ``estimator``, down nested pipelines and through the
    meta-estimators that wrap one model (calibration, bagging, boosting,
    ``TransformedTargetRegressor``); a hyperparameter search is returned as it is (its grid
    may swap the model: :func:`_search_variants`)."""
    from sklearn.model_selection._search import BaseSearchCV

    for _ in range(32):  # nesting depth; a cycle cannot occur in an estimator tree
        steps = getattr(estimator, "steps", None)
        if isinstance(steps, list) and steps:
            estimator = steps[-1][1]
            continue
        if isinstance(estimator, BaseSearchCV):
            return estimator
        params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
        attr = next((a for a in ("regressor", "estimator", "base_estimator")
                     if a in params and hasattr(params[a], "fit")), None)
        if attr is None:
            return estimator
        estimator = params[attr]
    return estimator


#: Meta-estimators whose unset ``estimator`` is a decision tree (bagging, AdaBoost).
_TREE_BY_DEFAULT = ("sklearn.ensemble._bagging", "sklearn.ensemble._weight_boosting")


def is_tree_model(estimator) -> bool:
    """Whether ``estimator`` is a tree or tree ensemble: a pipeline's final step, the model
    a meta-estimator wraps (``CalibratedClassifierCV(RandomForestClassifier())``,
    ``GridSearchCV(HistGradientBoostingClassifier(), ...)``: every model its grid swaps in),
    bagging or AdaBoost of their default trees, and a voting or stacking ensemble all of
    whose members are trees."""
    from sklearn.model_selection._search import BaseSearchCV

    model = _final_step(estimator)
    if isinstance(model, BaseSearchCV):
        variants = _search_variants(model)
        return bool(variants) and all(is_tree_model(v) for v in variants)
    members = getattr(model, "estimators", None)
    if isinstance(members, list) and members and all(
            isinstance(m, tuple) and len(m) == 2 for m in members):
        fitted = [m for _, m in members if m not in (None, "drop")]
        return bool(fitted) and all(is_tree_model(m) for m in fitted)
    mro = type(model).__mro__
    if any(cls.__module__.startswith(_TREE_BY_DEFAULT) for cls in mro) and getattr(
            model, "estimator", None) is None:
        return True
    return any(cls.__module__.startswith(_TREE_MODULES)  # a user's subclass too
               for cls in mro)


def passes_weights(estimator, pass_sample_weight="auto", reducers=()) -> bool:
    """The one weight policy: whether reducer weights go to ``estimator.fit``.

    ``True`` / ``False`` decide; ``"auto"`` (the default everywhere) passes them unless the
    estimator is a tree model (scikit-learn's trees, forests and gradient boosting, xgboost,
    lightgbm, catboost), and always when a reducer fitted its weights on request
    (``reweight=`` set). Measured in ``docs/quality.md``: at keep 0.1 the weights gain up to
    2.7 points of macro-F1 with logistic regression and change HistGradientBoosting by at
    most 0.6 points, more often down than up. Nothing is passed to an estimator whose ``fit``
    does not take ``sample_weight``.
    """
    if not accepts_sample_weight(estimator):
        return False
    if pass_sample_weight != "auto":
        return bool(pass_sample_weight)
    if any(getattr(r, "reweight", None) is not None for r in reducers):
        return True
    return not is_tree_model(estimator)


def sample_weight_params(estimator, sample_weight, *, pass_sample_weight="auto",
                         reducer=None) -> dict:
    """The fit parameters that give a reducer's weights to ``estimator`` under the one weight
    policy (:func:`passes_weights`).

    ``{"sample_weight": w}`` when there are weights and the policy passes them
    (``{"<last step>__sample_weight": w}`` for a scikit-learn or imbalanced-learn pipeline);
    ``{}`` otherwise. The weights are passed as the reducer gives them: each kept row stands
    for that many training rows, so they sum to the number of training rows.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> w = np.array([2.0, 3.0])
    >>> list(sample_weight_params(LogisticRegression(), w)), sample_weight_params(
    ...     KNeighborsClassifier(), w), sample_weight_params(HistGradientBoostingClassifier(), w)
    (['sample_weight'], {}, {})
    """
    if sample_weight is None or not passes_weights(
            estimator, pass_sample_weight, () if reducer is None else (reducer,)):
        return {}
    return {weight_key(estimator): sample_weight}


def reduced_set(reducer, X, y=None):
    """``(X_reduced, y_reduced)`` of a reducer fitted on ``(X, y)``.

    Synthetic rows (``synthetic_``, e.g. cluster centroids) replace the real rows when the
    reducer emitted them; containers come back as they went in (a DataFrame keeps the kept
    rows' original index and columns, a Series its name).
    """
    reducer._check_fitted()
    if isinstance(X, list) or isinstance(y, list):
        Xr, yr = reduced_set(reducer, _as_rows(X) if isinstance(X, list) else X,
                             _as_rows(y) if isinstance(y, list) else y)
        return (Xr.tolist() if isinstance(X, list) else Xr,
                yr.tolist() if isinstance(y, list) else yr)
    idx = reducer.sample_indices_
    synthetic = getattr(reducer, "synthetic_", None)
    if synthetic is not None:
        Xr = _synthetic_like(X, synthetic)
    elif is_dataframe(X):
        Xr = X.iloc[idx]
    elif hasattr(X, "tocsr"):  # scipy.sparse
        Xr = X.tocsr()[idx]
    elif _other_frame(X):  # polars, pyarrow: scikit-learn's own row indexing
        from sklearn.utils import _safe_indexing

        Xr = _safe_indexing(X, idx)
    else:
        Xr = _as_rows(X)[idx] if not isinstance(X, np.ndarray) else X[idx]
    if y is None:
        return Xr, None
    if is_series(y) or is_dataframe(y):
        if synthetic is not None:  # the fresh RangeIndex of the synthetic rows, y's dtypes
            return Xr, y.iloc[idx].reset_index(drop=True)
        return Xr, y.iloc[idx]
    if _other_frame(y):
        from sklearn.utils import _safe_indexing

        return Xr, _safe_indexing(y, idx)
    return Xr, _as_rows(y)[idx]


def _as_rows(obj) -> np.ndarray:
    """A sequence (list, tuple, nested lists) as an array whose rows can be taken: numpy's
    own conversion, except that values that numpy would turn into text (numbers beside text
    in one table) are kept as the objects they are, so the kept rows are X's rows (numpy
    made ``[[1.5, "a", 8]]`` a string array: the numbers came back as ``'1.5'``, ``'8'``)."""
    arr = np.asarray(obj)
    if arr.dtype.kind in "US" and not isinstance(obj, np.ndarray):
        arr = np.asarray(obj, dtype=object)
    return arr


def _other_frame(obj) -> bool:
    """A polars or pyarrow table or series (not pandas): containers scikit-learn indexes
    by rows and its transformers read by column name."""
    return library_of(obj) in ("polars", "pyarrow") and \
        hasattr(obj, "__len__") and not isinstance(obj, np.ndarray)


def _synthetic_like(X, synthetic: np.ndarray):
    """Synthetic rows in X's container and dtype (DataFrames get a fresh RangeIndex)."""
    if is_dataframe(X):
        import pandas as pd

        out = pd.DataFrame(synthetic, columns=X.columns)
        for i, dt in enumerate(X.dtypes):
            if getattr(dt, "kind", None) == "f":
                out.isetitem(i, out.iloc[:, i].astype(dt))
        return out
    if library_of(X) == "polars" and hasattr(X, "schema"):
        import polars as pl

        # X's float types (Float32 stays Float32), as a DataFrame's columns
        schema = {c: dt if dt.is_float() else pl.Float64 for c, dt in X.schema.items()}
        return pl.DataFrame(np.asarray(synthetic, dtype=np.float64), schema=list(schema),
                            orient="row").cast(schema)
    if library_of(X) == "pyarrow" and hasattr(X, "column_names"):
        import pyarrow as pa

        values = np.asarray(synthetic, dtype=np.float64)
        return pa.table([pa.array(values[:, j]).cast(
            f.type if pa.types.is_floating(f.type) else pa.float64())
            for j, f in enumerate(X.schema)], names=X.column_names)
    arr = np.asarray(X)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    return np.asarray(synthetic, dtype=dtype)
