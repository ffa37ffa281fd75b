"""review8/c: ReductionSearchCV / tune_halving / plot defects (findings 01-06)."""

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from datareduce import ReductionSearchCV
from datareduce._core.validation import check_keep


def _classes(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _search(est, **kw):
    kw.setdefault("budget", None)
    kw.setdefault("methods", ["srs"])
    return ReductionSearchCV(est, **kw)


# -------------------------------------------------------------- 01 labels
@pytest.mark.parametrize("case", ["text None", "text NaN", "float NaN", "float inf"])
def test_missing_or_infinite_labels_are_refused_naming_the_rows(case):
    X, y = _classes(120)
    rows = np.arange(len(y))
    if case == "text None":
        yy = pd.Series(np.where(rows == 3, None, np.array([f"c{v}" for v in y], dtype=object)))
    elif case == "text NaN":
        yy = pd.Series([f"c{v}" for v in y]).where(rows != 3)
    elif case == "float NaN":
        yy = np.where(rows == 3, np.nan, y.astype(float))
    else:
        yy = np.where(rows == 3, np.inf, y.astype(float))
    with pytest.raises(ValueError, match=r"drop or fill those rows.*at row 3\b"):
        _search(LogisticRegression(max_iter=50)).fit(X, yy)


# -------------------------------------------------------------- 02 rounding
def test_cv_keeps_the_rows_the_final_reduction_keeps_at_half_rows():
    # 301 rows, keep=0.5: the reducers keep floor(150.5 + 0.5) = 151, round() gives 150
    X, y = _classes(301)
    s = _search(Ridge(), keeps=(0.3, 0.5), tolerance=0.5, task="regression")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(X, y.astype(float) + np.random.default_rng(1).normal(size=len(y)))
    res = s.results_frame()
    half = res[(res["method"] == "srs") & (res["keep"] == 0.5)]
    assert len(half) == 1
    assert half["n_kept"].iloc[0] == check_keep(0.5, 301) == 151


# -------------------------------------------------------------- 03 predicted saving
class _SlowPrep(TransformerMixin, BaseEstimator):
    """A preprocessing whose fit takes 40 ms whatever the rows (most of a training)."""

    def fit(self, X, y=None):
        time.sleep(0.04)
        self.fitted_ = True
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float)


def test_predicted_saving_includes_the_shared_preprocessing_the_refit_pays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 4))
    y = X @ [1.0, 2.0, 0.5, 0.0] + rng.normal(size=1500)
    s = _search(make_pipeline(_SlowPrep(), Ridge()), tolerance=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(X, y)
    assert np.isfinite(s.predicted_keep_[0])
    # the refit pays the 40 ms preprocessing on all rows: a ~1 ms Ridge saves little;
    # before the fix the prediction compared the Ridge alone with a full training (~97 %)
    assert s.predicted_saving_[0] < 0.5, s.predicted_saving_
    assert abs(s.predicted_saving_[0] - s.training_time_saving_) < 0.45
