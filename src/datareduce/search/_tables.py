"""Table input: the models behind ``--model`` and :func:`search_table` (the CLI's call)."""

from __future__ import annotations

import numpy as np

from .._core.strata import N_BINS, target_kind
from ._base import search_task
from ._frugal import ReductionSearchCV

__all__ = ["MODELS", "make_model", "search_table"]

MODELS = ("logistic", "knn", "forest", "hgb", "mlp")


def make_model(name: str, task: str, X, random_state=None):
    """The estimator behind ``--model``: the default preparation + a model.

    The preparation is :func:`datareduce.preprocessing.make_selection_space` of ``X``
    (numeric columns imputed with missing indicators and scaled, the others one-hot
    encoded), fitted with the model on the training rows.

    ``name`` is one of ``logistic`` (logistic regression / ridge for regression), ``knn``,
    ``forest`` (random forest), ``hgb`` (histogram gradient boosting), ``mlp`` (the
    reference paper's network).
    """
    from sklearn import ensemble, linear_model, neighbors
    from sklearn.pipeline import make_pipeline as sk_pipeline

    from ..evaluation import paper_mlp
    from ..preprocessing import make_selection_space

    reg = task == "regression"
    if name == "logistic":
        model = linear_model.Ridge() if reg else linear_model.LogisticRegression(max_iter=1000)
    elif name == "knn":
        model = neighbors.KNeighborsRegressor() if reg else neighbors.KNeighborsClassifier()
    elif name == "forest":
        cls = ensemble.RandomForestRegressor if reg else ensemble.RandomForestClassifier
        model = cls(n_estimators=100, random_state=random_state)
    elif name == "hgb":
        cls = ensemble.HistGradientBoostingRegressor if reg \
            else ensemble.HistGradientBoostingClassifier
        model = cls(random_state=random_state)
    elif name == "mlp":
        model = paper_mlp(random_state=random_state, regression=reg)
    else:
        raise ValueError(f"model={name!r}: choose one of {', '.join(MODELS)}.")
    return sk_pipeline(make_selection_space(X), model)


def _as_frame(data):
    """``data`` as a pandas DataFrame: a DataFrame as it is, a polars or pyarrow table
    through ``to_pandas()``, a path read as Parquet (``.parquet``, ``.pq``, as ``datareduce
    search`` reads it) or CSV (any other path or a text buffer); anything else is refused
    naming ``data``."""
    import os

    import pandas as pd

    from .._core.validation import library_of

    if isinstance(data, pd.DataFrame):
        return data
    if library_of(data) in ("polars", "pyarrow") and hasattr(data, "to_pandas") and \
            len(getattr(data, "shape", ())) == 2:
        return data.to_pandas()
    if isinstance(data, (str, os.PathLike)):
        if os.fspath(data).lower().endswith((".parquet", ".pq")):
            return pd.read_parquet(data)
        return pd.read_csv(data)
    if hasattr(data, "read"):  # an open text buffer
        return pd.read_csv(data)
    raise TypeError(f"data is a {type(data).__name__}: give a table with named columns (a "
                    "pandas DataFrame, a polars or pyarrow table) or the path of a CSV or "
                    "Parquet file; for arrays use ReductionSearchCV(...).fit(X, y).")


def search_table(data, target: str, *, model="logistic", scoring=None, tolerance=0.01,
                 budget="3x", keeps=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5), methods="auto", cv=3,
                 task="auto", n_bins=N_BINS, baseline="auto", random_state=0, verbose=False,
                 groups=None):
    """Search a table (DataFrame or CSV / Parquet path) for its smallest training set: the CLI's call.

    ``datareduce search DATA.csv --target COL --model logistic --scoring f1_macro
    --tolerance 0.01 --budget 3x`` is ``search_table("DATA.csv", "COL", model="logistic",
    scoring="f1_macro", tolerance=0.01, budget="3x")``. Non-numeric columns are one-hot
    encoded and missing values imputed
    (:func:`datareduce.preprocessing.make_selection_space`), both for the model and for the
    selection space; the kept rows are the table's own rows.

    Parameters
    ----------
    data : pandas.DataFrame, polars or pyarrow table, or path
        The training table (keep your test rows out of it): a polars or pyarrow table is
        read with ``to_pandas()``, a path ending in ``.parquet`` or ``.pq`` as Parquet, any
        other path as CSV.
    target : str
        The target column. Rows with a missing target are an error.
    model : str or estimator, default="logistic"
        A name of :func:`make_model` or any scikit-learn estimator (then it gets the
        table's columns as they are).
    scoring, tolerance, budget, keeps, methods, cv, task, n_bins, baseline, random_state, verbose
        As in :class:`ReductionSearchCV`.
    groups : str or array-like, optional
        The name of a group column (patient, site ...; then not a feature) or one group id
        per row: rows of one group stay in one fold (``fit(X, y, groups=)``; with an int
        ``cv``, scikit-learn's ``StratifiedGroupKFold``).

    Returns
    -------
    ReductionSearchCV
        Fitted; ``.summary()`` is the text to print, ``.best_reducer_.sample_indices_``
        the kept rows (positions in the table).
    """
    from ..preprocessing import make_selection_space

    df = _as_frame(data)
    if target not in df.columns:
        raise ValueError(f"target={target!r} is not a column; columns: {list(df.columns)}.")
    missing = df[target].isna()
    if missing.any():
        rows = np.flatnonzero(missing.to_numpy())
        raise ValueError(f"target column {target!r} is missing in {len(rows)} row(s) (first: "
                         f"{rows[:5].tolist()}); drop those rows first.")
    if isinstance(groups, str):
        if groups not in df.columns or groups == target:
            raise ValueError(f"groups={groups!r} is not a feature column; columns: "
                             f"{list(df.columns)}.")
        if df[groups].isna().any():
            raise ValueError(f"group column {groups!r} is missing in "
                             f"{int(df[groups].isna().sum())} row(s): give every row a group.")
        groups, df = df[groups].to_numpy(), df.drop(columns=[groups])
    X = df.drop(columns=[target])
    y = df[target]
    # the Series itself, as the reducers get it: a categorical column keeps its dtype (its
    # values are classes by the target rule, whatever they are; review6/r3 08)
    if isinstance(model, str):
        task = target_kind(y, task)
        est = make_model(model, task, X, random_state)
    else:  # the estimator's own type decides under task="auto", as in the search
        est, task = model, search_task(y, task, model)
    search = ReductionSearchCV(est, methods=methods, keeps=keeps, scoring=scoring,
                               tolerance=tolerance, budget=budget, cv=cv, task=task,
                               n_bins=n_bins, space=make_selection_space(X), baseline=baseline,
                               random_state=random_state, verbose=verbose)
    return search.fit(X, y, groups=groups)
