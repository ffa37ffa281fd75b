"""The quality benchmarks' one standard protocol (issue 21): preprocessing, models, split, score.

- Preprocessing (fitted on the rows the model is trained on): numeric columns imputed with
  the median plus missing-value indicators, then standardised; every other column imputed
  with a constant "missing" level and one-hot encoded (unknown levels ignored at test time).
  One scikit-learn ``ColumnTransformer``, the same for every method and model.
- Models: ``"logistic"`` (``LogisticRegression``; ``Ridge`` for a regression target) and
  ``"hgb"`` (``HistGradientBoostingClassifier`` / ``Regressor``), both behind that
  preprocessing.
- :func:`protocol_pipeline` puts a reducer in front, fed the raw table (its default
  ``space``), with ``datareduce.make_pipeline`` so that the reducer's ``sample_weight_``
  reaches the model (``weighted=False`` turns that off).
- Split: 25% test, stratified by class (by target quintile for regression).
- Score: macro-F1 for classes, R² for regression.

The benchmark fits each reducer once and trains several models on its rows;
:func:`fit_on_rows` is that path and gives the same model as :func:`protocol_pipeline`
(``tests/test_quality_regression.py`` checks it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MODELS", "make_model", "make_preprocessing", "protocol_pipeline", "fit_on_rows",
           "score", "split"]

MODELS = ("logistic", "hgb")


def make_preprocessing(X: pd.DataFrame):
    """Impute + one-hot + scale for the columns of ``X`` (a ColumnTransformer, unfitted)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline as sk_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
               and not pd.api.types.is_bool_dtype(X[c])]
    other = [c for c in X.columns if c not in numeric]
    parts = []
    if numeric:
        parts.append(("num", sk_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                                       keep_empty_features=True),
                                         StandardScaler()), numeric))
    if other:
        parts.append(("cat", sk_pipeline(SimpleImputer(strategy="constant", fill_value="missing",
                                                       keep_empty_features=True),
                                         OneHotEncoder(handle_unknown="ignore",
                                                       sparse_output=False)), other))
    return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)


def make_model(family: str, task: str, X: pd.DataFrame, random_state=0):
    """Preprocessing + model (a scikit-learn Pipeline, unfitted)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline

    reg = task == "regression"
    if family == "logistic":
        model = Ridge() if reg else LogisticRegression(max_iter=2000)
    elif family == "hgb":
        cls = HistGradientBoostingRegressor if reg else HistGradientBoostingClassifier
        model = cls(random_state=random_state)
    else:
        raise ValueError(f"model family {family!r}: choose one of {MODELS}.")
    return Pipeline([("prep", make_preprocessing(X)), ("model", model)])


def protocol_pipeline(reducer, family: str, task: str, X: pd.DataFrame, *, weighted=True,
                      random_state=0):
    """``datareduce.make_pipeline(reducer, preprocessing, model)``: what a user would run."""
    from datareduce import make_pipeline

    model = make_model(family, task, X, random_state=random_state)
    return make_pipeline(reducer, model.named_steps["prep"], model.named_steps["model"],
                         pass_sample_weight=weighted)


def fit_on_rows(family, task, X, y, rows, weights=None, random_state=0):
    """Preprocessing + model fitted on ``X.iloc[rows]`` with ``sample_weight=weights``."""
    model = make_model(family, task, X, random_state=random_state)
    Xr, yr = X.iloc[rows], y.iloc[rows]
    if task == "classification" and yr.nunique() < 2:
        return _Constant(yr.iloc[0])
    params = {} if weights is None else {"model__sample_weight": np.asarray(weights, float)}
    return model.fit(Xr, yr, **params)


class _Constant:
    """What any model learns from one class: predict it everywhere."""

    def __init__(self, label):
        self.label = label

    def predict(self, X):
        return np.full(len(X), self.label, dtype=object)


def split(y: pd.Series, task: str, seed: int, test_size=0.25):
    """Train and test positions: stratified by class, or by target quintile for regression."""
    from sklearn.model_selection import train_test_split

    if task == "regression":
        strata = pd.qcut(y.rank(method="first"), 5, labels=False)
    else:
        counts = y.value_counts()
        strata = y if counts.min() >= 2 else None
    return train_test_split(np.arange(len(y)), test_size=test_size, random_state=seed,
                            stratify=strata)


def score(model, X_test, y_test, task: str) -> float:
    """Macro-F1 for classes, R² for regression."""
    from sklearn.metrics import f1_score, r2_score

    pred = model.predict(X_test)
    if task == "regression":
        return float(r2_score(y_test, pred))
    return float(f1_score(np.asarray(y_test, dtype=object), np.asarray(pred, dtype=object),
                          average="macro", zero_division=0))
