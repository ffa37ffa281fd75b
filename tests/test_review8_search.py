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


# -------------------------------------------------------------- 04 refit warning
def _whole_number_target(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.round(40 * X[:, 0] + 10 * rng.normal(size=n)).astype(int) + 200  # ~150 values
    return X, y


def test_regression_search_does_not_pass_on_the_reducers_task_advice():
    X, y = _whole_number_target()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        _search(Ridge(), tolerance=0.05, random_state=0).fit(X, y)
    advice = [str(w.message) for w in rec if "task=" in str(w.message)]
    assert advice == []


def test_tune_on_subset_gives_the_regressors_task_to_the_reducer():
    from datareduce.search import tune_on_subset

    X, y = _whole_number_target()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tune_on_subset(Ridge(), {"alpha": [0.1, 1.0]}, X, y, keep=0.5, n_iter=2,
                       random_state=0)
    assert [str(w.message) for w in rec if "task=" in str(w.message)] == []


# -------------------------------------------------------------- 05 plot title
def test_a_long_no_reduction_reason_wraps_within_the_figure():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = _classes(200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = _search(LogisticRegression(max_iter=200), tolerance=0.0, keeps=(0.1, 0.2),
                    random_state=0).fit(X, y)
    reason = ("the check over several draws of the subset failed (srs at 0.3, srs at 0.5); "
              "2 other (method, fraction) pair(s) within tolerance did not beat srs at the "
              "racing level, which a method other than srs must")
    s.within_tolerance_ = False
    s.no_reduction_reason = lambda: reason
    for size in ((6.4, 4.8), (6, 4.2)):
        fig, ax = plt.subplots(figsize=size)
        s.plot(ax=ax)
        fig.canvas.draw()
        box = ax.title.get_window_extent(fig.canvas.get_renderer())
        assert box.x0 >= fig.bbox.x0 - 1 and box.x1 <= fig.bbox.x1 + 1, (box, fig.bbox)
        assert "must" in ax.get_title() and ax.get_title().count("\n") >= 2
        plt.close(fig)


# -------------------------------------------------------------- 06 halving first rung
def test_tune_halving_first_rung_holds_every_class():
    from sklearn.datasets import make_classification

    from datareduce.search import tune_halving

    X, y = make_classification(180, 5, n_informative=3, n_classes=3, random_state=0)
    grid = {"C": [0.001, 0.01, 0.1, 1, 10, 100, 1000, 0.3, 3, 30]}
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        r = tune_halving(LogisticRegression(max_iter=500), grid, X, y, random_state=0)
    # scikit-learn's floor in rows of each training fold: 2 * (3 splits - 1) * 3 classes
    assert r.rungs[0][1] >= 12, r.rungs
    assert r.rungs[-1][1] == check_keep(0.2, 120)  # the last rung still at max_keep
    assert not [w for w in rec if "Increase keep" in str(w.message)]


def test_tune_halving_warns_once_naming_min_keep():
    from sklearn.datasets import make_classification

    from datareduce.search import tune_halving

    X, y = make_classification(180, 5, n_informative=3, n_classes=3, random_state=0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tune_halving(LogisticRegression(max_iter=500), {"C": [0.1, 1, 10]}, X, y,
                     min_keep=3, max_keep=0.5, random_state=0)
    ours = [str(w.message) for w in rec if str(w.message).startswith("tune_halving")]
    assert len(ours) == 1 and "min_keep=3" in ours[0], ours


def test_tuning_refuses_missing_labels_by_row_before_training():
    """tune_halving crashed inside scikit-learn ('<' not supported between 'NoneType' and
    'str') on text labels with a missing one, and tune_on_subset's refusal named no row;
    both run the search's label check first."""
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import tune_halving, tune_on_subset

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = rng.choice(["a", "b"], 300).astype(object)
    y[5] = None
    for tune in (tune_on_subset, tune_halving):
        with pytest.raises(ValueError, match=r"missing labels.*at row 5"):
            tune(LogisticRegression(), {"C": [0.1, 1.0]}, X, y, random_state=0)
