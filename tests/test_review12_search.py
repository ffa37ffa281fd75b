"""review12/c: the search (ReductionSearchCV, tune_on_subset, search_table, the CLI)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from datareduce import ReductionSearchCV


def _mixed(n=240, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "c": rng.choice(["x", "y", "z"], n)})
    y = np.where(df.a + (df.c == "x") + rng.normal(0, .5, n) > 0.5, "yes", "no")
    return df, y


def _by_name():
    return make_pipeline(make_column_transformer((OneHotEncoder(), ["c"]),
                                                 (StandardScaler(), ["a", "b"])),
                         LogisticRegression())


# ------------------------------------------- 01 polars / pyarrow tables keep their columns
@pytest.mark.parametrize("library", ["polars", "pyarrow"])
@pytest.mark.parametrize("share", [True, False])
def test_a_polars_or_pyarrow_table_reaches_the_estimator_with_its_columns(library, share):
    lib = pytest.importorskip(library)
    df, y = _mixed()
    X = lib.from_pandas(df) if library == "polars" else lib.Table.from_pandas(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(_by_name(), methods=["srs"], keeps=(0.3, 0.5), budget=None,
                              n_draws=2, share_preprocessing=share,
                              random_state=0).fit(X, y)
    # the ColumnTransformer selected its columns by name on the folds and at the refit
    assert list(s.best_estimator_.feature_names_in_) == ["a", "b", "c"]
    assert len(s.predict(X)) == len(df)


# ------------------------------------------- 02 search_table reads Parquet, polars, pyarrow
def test_search_table_reads_parquet_paths_and_polars_tables_and_names_data(tmp_path):
    from datareduce.search import search_table

    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    df, y = _mixed()
    df["t"] = y
    path = tmp_path / "train.parquet"
    df.to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data in (path, str(path), pl.from_pandas(df)):
            s = search_table(data, "t", budget=None, methods=["srs"], keeps=(0.3, 0.5))
            assert s.n_samples_in_ == len(df)
    with pytest.raises(TypeError, match="data is a ndarray: give a table"):
        search_table(df.to_numpy(), "t")


# ------------------------------------------- 03 an unknown gain interval is said in words
def test_an_unknown_interval_of_the_gain_is_said_in_words_not_nan(monkeypatch):
    import datareduce.search._base as base_module
    from datareduce.search._evaluate import FULL

    monkeypatch.setattr(base_module, "BASELINE_MAX_ROWS", 1000)
    refused, real = [], ReductionSearchCV._fits

    def fits(self, ev, seconds):  # the full training's other splits do not fit
        if len(ev.cells.get((FULL, 1.0), {})) == 1 and not refused:
            refused.append(seconds)
            return False
        return real(self, ev, seconds)

    monkeypatch.setattr(ReductionSearchCV, "_fits", fits)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 4))
    y = (X[:, 0] + rng.normal(0, 1, 1500) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.05, 0.1, 0.2),
                              tolerance=0.03, budget=None, random_state=0).fit(X, y)
    assert s.baseline_kind_ == "measured on 1 of 3 splits" and s.within_tolerance_
    assert not np.isfinite(s.all_rows_gain_[1])
    line = next(v for v in s.summary().splitlines() if v.startswith("checked"))
    assert "nan" not in line and "95% interval unknown" in line


# ------------------------------------------- 04 a vanishing lower end is not "at least below"
def test_a_vanishing_lower_end_with_no_upper_end_is_not_at_least_below():
    import copy
    import math

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2, 0.5),
                                   tolerance=0.05, budget=None, n_draws=1,
                                   random_state=0).fit(X, y)
    s = copy.copy(search)
    s.predicted_keep_ = (0.079, 3.6e-5, math.inf)  # seen with 20 classes of 25 rows
    s.predicted_saving_ = (0.13, math.nan, 0.13)
    line = next(ln for ln in s.summary().splitlines()
                if ln.startswith("learning curve predicts"))
    assert "at least below" not in line
    assert "from below 0.001, no upper end within the table" in line


# ------------------------------------------- 05 a class missing from a side of a split
def _one_group_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 3))
    g = np.repeat(np.arange(24), 10)
    y = np.where(g == 0, 2, (X[:, 0] > 0).astype(int))  # class 2 lives in group 0 only
    return X, y, g


def test_a_class_missing_from_a_fold_warns_and_an_unscorable_split_is_named():
    from sklearn.model_selection import GroupKFold

    X, y, g = _one_group_class()
    with pytest.warns(UserWarning, match=r"class\(es\) \[2\] have no row in the training "
                                         r"fold of split\(s\) \[\d\].*too few groups"):
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.3, 0.5),
                          budget=None, n_draws=1, cv=GroupKFold(3),
                          random_state=0).fit(X, y, groups=g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"scoring='neg_log_loss' cannot score split "
                                             r"\d: its (training|validation) fold has no "
                                             r"row of class\(es\) \[2\]"):
            ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.3, 0.5),
                              scoring="neg_log_loss", budget=None, cv=3,
                              random_state=0).fit(X, y, groups=g)


def test_stratified_folds_without_groups_do_not_warn_about_missing_classes():
    X, y, _ = _one_group_class()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.3, 0.5),
                          budget=None, n_draws=1, random_state=0).fit(X, y)
    assert not [w for w in seen if "no row in the" in str(w.message)]


# ------------------------------------------- 06 a scorer of probabilities without predict_proba
def test_a_scorer_of_probabilities_is_refused_before_training_without_predict_proba():
    from sklearn.metrics import get_scorer
    from sklearn.svm import LinearSVC

    from datareduce.search._base import check_scorer_response

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    for est, name in ((LinearSVC(), "LinearSVC"),
                      (make_pipeline(StandardScaler(), LinearSVC()),
                       r"Pipeline \(ending in LinearSVC\)")):
        with pytest.raises(ValueError, match=rf"scoring='neg_log_loss' reads the "
                                             rf"estimator's predict_proba, which {name}"):
            ReductionSearchCV(est, methods=["srs"], scoring="neg_log_loss",
                              budget=None).fit(X, y)
    # decision values serve roc_auc; labels serve f1_macro
    for scoring in ("roc_auc", "f1_macro"):
        check_scorer_response(get_scorer(scoring), scoring, LinearSVC())


# ------------------------------------------- 07 another reference is named, not "SRS"
def test_the_summary_and_log_name_the_reference_not_srs(monkeypatch, caplog):
    import logging

    import datareduce.search._base as base_module
    from datareduce.search._evaluate import FULL

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 4))
    y = (X[:, 0] + rng.normal(0, 1, 1200) > 0).astype(int)
    real = ReductionSearchCV._fits
    monkeypatch.setattr(base_module, "BASELINE_MAX_ROWS", 1000)
    refused = []

    def fits(self, ev, seconds):  # the full training measured on one split only
        if len(ev.cells.get((FULL, 1.0), {})) == 1 and not refused:
            refused.append(seconds)
            return False
        return real(self, ev, seconds)

    monkeypatch.setattr(ReductionSearchCV, "_fits", fits)
    kw = dict(methods=["srs", "mms"], reference="mms", keeps=(0.05, 0.1, 0.2), n_draws=1,
              budget=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(LogisticRegression(), tolerance=0.03, **kw).fit(X, y)
    line = next(v for v in s.summary().splitlines() if v.startswith("full training set"))
    assert "largest mms fraction" in line and "SRS" not in line

    monkeypatch.setattr(base_module, "BASELINE_MAX_ROWS", 50_000)
    monkeypatch.setattr(ReductionSearchCV, "_fits", lambda self, ev, seconds: real(
        self, ev, seconds) if not ev.complete(FULL, 1.0) else False)  # no climb fits
    with caplog.at_level(logging.WARNING, logger="datareduce.search"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ReductionSearchCV(LogisticRegression(), tolerance=0.0, **kw).fit(X, y)
    said = [r.getMessage() for r in caplog.records if "budget exhausted" in r.getMessage()]
    assert said and all("before mms at keep=" in m for m in said)


# ------------------------------------------- 08 the fitted curve over the measured fractions
def test_the_fitted_curve_is_drawn_over_the_measured_fractions_only():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3))
    y = np.where(X[:, 0] + (X[:, 1] > 1) + rng.normal(0, .5, 500) > 0.5, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(LogisticRegression(), methods=["srs"], n_draws=1, budget=None,
                              random_state=0).fit(X, y)
    measured = s.results_frame().query("method != 'full'")["keep"]
    assert min(s.keeps) < measured.min()  # 0.01 and 0.02 keep fewer than min_rows rows
    assert s.learning_curve_ is not None
    ax = s.plot()
    curve = next(ln for ln in ax.get_lines() if ln.get_label() == "fitted learning curve")
    assert curve.get_xdata().min() == pytest.approx(measured.min())
    assert 0 <= curve.get_ydata().min() and curve.get_ydata().max() <= 1  # macro-F1's range
    plt.close(ax.figure)


# ------------------------------------------- 09 tuning: a reducer of classes before a regressor
def test_tuning_refuses_a_reducer_that_needs_classes_before_a_regressor():
    from sklearn.tree import DecisionTreeRegressor

    from datareduce.search import tune_halving, tune_on_subset

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1, 2, 0] + rng.normal(size=200)
    est = DecisionTreeRegressor(random_state=0)
    with pytest.raises(ValueError, match="reducer='des' needs class labels, and the "
                                         "estimator DecisionTreeRegressor is a regressor"):
        tune_on_subset(est, {"max_depth": [2, 4]}, X, y, reducer="des", keep=0.3, n_iter=2)
    with pytest.raises(ValueError, match="reducer='des' needs class labels"):
        tune_halving(est, {"max_depth": [2, 4]}, X, y, reducer="des", n_candidates=2,
                     factor=2, max_keep=0.5)


def test_a_class_missing_from_a_sampled_validation_fold_names_max_val_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int)
    y[:4] = 2  # 4 rows: stratified folds hold it, a validation sample of 30 rows may not
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2, 0.5),
                          budget=None, n_draws=1, max_val_rows=30,
                          random_state=0).fit(X, y)
    said = [str(w.message) for w in seen if "no row in the" in str(w.message)]
    assert said and "validation fold" in said[0] and "training fold" not in said[0]
    assert "sampled to max_val_rows=30" in said[0] and "does not put" not in said[0]


# ------------------------------------------- 10 the CLI's "no reduction" writes the table as is
@pytest.mark.filterwarnings("ignore:ReductionSearchCV:UserWarning")
def test_cli_no_reduction_writes_every_row_in_the_inputs_order(tmp_path):
    from test_cli_errors import cli

    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame(rng.normal(size=(n, 3)).round(4), columns=["a", "b", "c"])
    df.insert(0, "rowid", np.arange(1000, 1000 + n))
    df["label"] = np.where(df["a"] + 0.5 * df["b"] > 0, "p", "q")
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    res = cli("search", path, "--target", "label", "--id", "rowid", "--methods", "srs",
              "--keeps", "0.1", "0.3", "--budget", "0.001", "-q", "--no-plot",
              "-o", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    assert "(full at keep=1.0)" in res.stdout
    assert (tmp_path / "out" / "kept.csv").read_text() == path.read_text()


# ------------------------------------------- 11 a scoring that is not one name: what to give
def test_a_scoring_that_is_not_one_name_is_refused_with_names_to_give():
    from sklearn.metrics import log_loss, make_scorer

    X = np.random.default_rng(0).normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    for sc, what in ((["f1_macro"], "a list of scorers"),
                     ({"a": "f1_macro"}, "a dict of scorers")):
        with pytest.raises(ValueError, match=rf"is {what}: give one scorer, a scikit-learn "
                                             r"scorer name such as 'f1_macro'"):
            ReductionSearchCV(LogisticRegression(), methods=["srs"], scoring=sc,
                              budget=None).fit(X, y)
    # one callable is one scorer (session 13): accepted
    ll = make_scorer(log_loss, greater_is_better=False, response_method="predict_proba")
    s = ReductionSearchCV(LogisticRegression(), methods=["srs"], scoring=ll, keeps=(0.5,),
                          budget=None).fit(X, y)
    assert s.score(X, y) == pytest.approx(ll(s.best_estimator_, X, y))


# ------------------------------------------- 12 a scorer's own error is not its own cause
def test_a_scorer_error_without_a_missing_class_is_raised_as_it_was(monkeypatch):
    from datareduce.search import _evaluate

    def failing_scorer(est, X, y):
        raise ValueError("the scorer's own error")

    real = _evaluate.Evaluator.__init__

    def init(self, search, X, y, splits, candidates, scorer, *a, **k):
        real(self, search, X, y, splits, candidates, failing_scorer, *a, **k)

    monkeypatch.setattr(_evaluate.Evaluator, "__init__", init)
    X = np.random.default_rng(0).normal(size=(120, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="the scorer's own error") as info:
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.3, 0.5),
                          budget=None).fit(X, y)
    assert info.value.__cause__ is not info.value
