"""ReductionSearchCV and tune_on_subset: what the inputs and arguments may be (the tester's
report on the search: task, sparse X, budget of the probes, plot, argument checks)."""

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from datareduce import get_reducer
from datareduce.base import BaseReducer, Selection
from datareduce.search import ReductionSearchCV, search_table


def quiet_fit(search, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return search.fit(X, y)


def test_task_auto_follows_the_estimators_type_before_the_target_rule():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    # counts 0..12: few whole numbers, which the target rule alone takes for classes
    counts = np.clip(np.round(5 + 2 * X[:, 0] + rng.normal(size=300)), 0, 12).astype(int)
    for est in (Ridge(), make_pipeline(StandardScaler(), Ridge())):
        s = quiet_fit(ReductionSearchCV(est, methods=["srs"], keeps=(0.2, 0.3, 0.5),
                                        budget=None, random_state=0), X, counts)
        assert (s.task_, s.scoring_) == ("regression", "r2")
    # the table's call with an estimator given: the same rule
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(n=counts)
    s = search_table(df, "n", model=Ridge(), methods=["srs"], keeps=(0.2, 0.3, 0.5),
                     budget=None)
    assert s.task_ == "regression"
    # a classifier of 60 whole-number classes (the rule alone: a regression target)
    classes = np.repeat(np.arange(60), 5)
    Xc = classes[:, None] + rng.normal(scale=0.1, size=(300, 2))
    s = quiet_fit(ReductionSearchCV(KNeighborsClassifier(1), methods=["srs"],
                                    keeps=(0.5, 0.6, 0.7), budget=None, random_state=0),
                  Xc, classes)
    assert (s.task_, s.scoring_) == ("classification", "f1_macro")
    # a regressor needs numbers
    with pytest.raises(ValueError, match=r"y holds class labels .*is a regressor: pass a classifier"):
        ReductionSearchCV(Ridge(), methods=["srs"], budget=None).fit(
            X, np.where(counts > 5, "a", "b"))


def test_a_sparse_X_is_searched_and_methods_that_need_dense_rows_are_skipped():
    import scipy.sparse as sp
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 5, random_state=0)
    for Xs in (sp.csr_matrix(X), sp.coo_matrix(X)):
        s = quiet_fit(ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
                                        keeps=(0.2, 0.3, 0.5), budget=None, random_state=0),
                      Xs, y)
        assert "mms" in s.skipped_ and "sparse" in s.skipped_["mms"]
        # the reason is a clause of the log line "skipping ...: <reason>." (no "..")
        assert not s.skipped_["mms"].endswith(".")
        assert s.best_estimator_.predict(Xs.tocsr()[:5]).shape == (5,)
        assert s.n_samples_in_ == 300


def test_an_X_of_another_length_than_y_is_refused_by_name():
    X, y = np.random.default_rng(0).normal(size=(300, 3)), np.repeat([0, 1], 150)
    for X_bad in (X[:299].tolist(), X[:299]):
        with pytest.raises(ValueError, match="X has 299 rows but y has 300"):
            ReductionSearchCV(LogisticRegression(), methods=["srs"], budget=None).fit(X_bad, y)


class SlowRows(BaseReducer):
    """Random rows, 0.3 s per fit (one stratum): a probe (two fits) costs 0.6 s."""

    def __init__(self, keep=0.1, stratify=False, random_state=None):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state

    def _select(self, X, n_select, rng):
        time.sleep(0.3)
        return Selection(indices=rng.permutation(len(X))[:n_select])


def test_the_probes_stop_when_the_budget_is_spent():
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 5, random_state=0)
    methods = {"srs": get_reducer("srs"), **{f"slow{i}": SlowRows() for i in range(8)}}
    s = quiet_fit(ReductionSearchCV(GaussianNB(), methods=methods,  # a cheap model
                                    keeps=(0.2, 0.3, 0.5), tolerance=0.5, budget=2.0,
                                    min_budget=0.0, random_state=0), X, y)
    # 8 probes were 4.8 s; now at most one probe (0.6 s) runs past the budget
    assert s.search_seconds_ < 2.0 + 0.6 + 0.6
    # not probed, or (9fc34a3) stopped after the first fit when the second would not fit
    not_probed = [m for m, why in s.skipped_.items()
                  if why.startswith(("not probed", "probe stopped"))]
    assert len(not_probed) >= 3 and all("budget" in s.skipped_[m] for m in not_probed)


def test_plot_without_a_measured_baseline_draws_the_curve_and_says_so():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 5, random_state=0)
    s = quiet_fit(ReductionSearchCV(GaussianNB(), methods=["srs"], keeps=(0.2, 0.3, 0.5),
                                    budget=1e-4, random_state=0), X, y)
    assert s.baseline_score_ is None  # the budget ran out before the full training
    ax = s.plot()
    assert "not measured" in ax.get_title()
    assert ax.lines and not any("full training set" in str(line.get_label())
                                for line in ax.lines)
    plt.close(ax.figure)


def test_tune_on_subset_refuses_an_X_that_is_not_the_searched_table():
    from sklearn.datasets import make_classification

    from datareduce.search import tune_on_subset

    X, y = make_classification(600, 5, random_state=0)
    s = quiet_fit(ReductionSearchCV(GaussianNB(), methods=["srs"], keeps=(0.2, 0.3, 0.5),
                                    tolerance=0.1, budget=None, random_state=0),
                  X[:300], y[:300])
    for n in (600, 200):  # larger: silently the head's rows; smaller: an IndexError
        with pytest.raises(ValueError, match=f"fitted on 300 rows, but X has {n}"):
            tune_on_subset(GaussianNB(), {"var_smoothing": [1e-9, 1e-8]}, X[:n], y[:n],
                           reducer=s, n_iter=2, random_state=0)
    res = tune_on_subset(GaussianNB(), {"var_smoothing": [1e-9, 1e-8]}, X[:300], y[:300],
                         reducer=s, n_iter=2, random_state=0)
    assert res.n_rows == 300 and res.n_tuned == len(s.best_reducer_.sample_indices_)


@pytest.mark.parametrize("bad", ["false", "no", 0, 1, None])
def test_use_weights_other_than_auto_true_false_is_refused_by_name(bad):
    X, y = np.random.default_rng(0).normal(size=(300, 3)), np.repeat([0, 1], 150)
    with pytest.raises(ValueError, match=r"use_weights=.* must be 'auto', True or False"):
        ReductionSearchCV(GaussianNB(), methods=["srs"], use_weights=bad,
                          budget=None).fit(X, y)


@pytest.mark.parametrize("keeps, why", [((0.1, 1.0), "keeping every row is the baseline"),
                                        ((60, 120), "a row count is not accepted"),
                                        ((0.1, 2.0), "not in"), ((0.1, "a"), "not a number"),
                                        (None, "not a number")])
def test_keeps_refusals_agree_with_what_is_accepted(keeps, why):
    X, y = np.random.default_rng(0).normal(size=(300, 3)), np.repeat([0, 1], 150)
    with pytest.raises(ValueError, match="give fractions in \\(0, 1\\)") as err:
        ReductionSearchCV(GaussianNB(), methods=["srs"], keeps=keeps, budget=None).fit(X, y)
    # no advice to pass a number of rows ("pass an int", "or row counts >= 1")
    assert why in str(err.value) and "int" not in str(err.value) and ">= 1" not in str(err.value)


@pytest.mark.parametrize("cv", [True, False, np.True_])
def test_cv_of_a_bool_is_refused_by_name(cv):
    X, y = np.random.default_rng(0).normal(size=(300, 3)), np.repeat([0, 1], 150)
    with pytest.raises(ValueError, match=r"cv=.*: give a number of folds"):
        ReductionSearchCV(GaussianNB(), methods=["srs"], cv=cv, budget=None).fit(X, y)


class SlowerRows(SlowRows):
    """Random rows, 1.2 s per fit: one probe fit fits a 2 s budget, two do not."""

    fits = 0

    def _select(self, X, n_select, rng):
        SlowerRows.fits += 1
        time.sleep(1.2)
        return Selection(indices=rng.permutation(len(X))[:n_select])


def test_a_probe_stops_after_its_first_fit_when_the_second_would_overrun_the_budget():
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 5, random_state=0)
    SlowerRows.fits = 0
    s = quiet_fit(ReductionSearchCV(GaussianNB(), methods={"srs": get_reducer("srs"),
                                                           "slow": SlowerRows()},
                                    keeps=(0.2, 0.3, 0.5), tolerance=0.5, budget=2.0,
                                    min_budget=0.0, random_state=0), X, y)
    # both probe fits ran (2.4 s, past the budget); the second is now predicted and not run
    assert SlowerRows.fits == 1
    assert s.skipped_["slow"].startswith("probe stopped: one fit on 100 rows took 1.2 s")
    assert "no room for the second" in s.skipped_["slow"]
