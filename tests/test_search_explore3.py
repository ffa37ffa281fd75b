"""Tester's report explore3/search (fourth round of use): one test per fixed defect."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from datareduce import ReductionSearchCV


def _fit(search, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return search.fit(X, y, **kw)


def _data(n=600, seed=0):
    return make_classification(n, 6, n_informative=4, random_state=seed)


# ---------------------------------------------------------------- 02: keeps beyond a fold
def test_02_fractions_that_reach_a_training_fold_are_refused_naming_keeps_and_cv():
    X, y = _data(1000)
    with pytest.raises(ValueError, match=r"keeps=\(0\.7, 0\.8\) with cv=3") as err:
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.7, 0.8),
                          budget=None, random_state=0).fit(X, y)
    text = str(err.value)
    assert "largest usable fraction is 0.66" in text and "cv=6" in text


def test_02_a_fraction_beyond_the_fold_is_left_out_never_measured_as_a_subset(caplog):
    X, y = _data(600)
    with caplog.at_level(logging.WARNING, logger="datareduce.search"):
        s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.3, 0.5, 0.8),
                                   budget=None, random_state=0), X, y)
    assert 0.8 not in set(s.cv_results_["keep"].tolist())
    assert any("[0.8]" in r.getMessage() and "training fold" in r.getMessage()
               for r in caplog.records)


# ------------------------------------------------------------- 01: groups and fit params
def test_01_groups_reach_a_group_splitter_and_no_group_is_on_both_sides(monkeypatch):
    from sklearn.model_selection import GroupKFold

    from datareduce.search._base import BaseReductionSearch

    X, y = _data(600)
    groups = np.arange(len(y)) % 20
    seen, real = [], BaseReductionSearch._splits

    def spy(self, *a, **kw):
        seen.extend(real(self, *a, **kw))
        return seen[-3:]

    monkeypatch.setattr(BaseReductionSearch, "_splits", spy)
    for cv in (GroupKFold(3), 3):
        seen.clear()
        s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], cv=cv, budget=None,
                                   keeps=(0.1, 0.2, 0.3), random_state=0), X, y, groups=groups)
        assert len(seen) == 3 and s.best_estimator_ is not None
        for tr, te in seen:
            assert not set(groups[tr]) & set(groups[te])
    monkeypatch.undo()
    with pytest.raises(ValueError, match=r"splits by groups: pass them as fit\(X, y, groups"):
        ReductionSearchCV(LogisticRegression(), cv=GroupKFold(3), budget=None).fit(X, y)


def test_01_fit_params_are_refused_by_name():
    X, y = _data(300)
    s = ReductionSearchCV(LogisticRegression(), methods=["srs"], budget=None)
    with pytest.raises(TypeError, match="does not take sample_weight"):
        s.fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="one group label per row"):
        s.fit(X, y, groups=np.arange(10))


# ------------------------------------------------- 06: predict_proba and friends delegated
def test_06_probabilities_decision_function_and_classes_are_delegated():
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import LinearSVC

    X, y = _data(400)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], tolerance=0.03,
                               keeps=(0.2, 0.3, 0.5), budget=None, random_state=0), X, y)
    best = s.best_estimator_
    np.testing.assert_array_equal(s.predict_proba(X[:5]), best.predict_proba(X[:5]))
    np.testing.assert_array_equal(s.predict_log_proba(X[:5]), best.predict_log_proba(X[:5]))
    np.testing.assert_array_equal(s.decision_function(X[:5]), best.decision_function(X[:5]))
    np.testing.assert_array_equal(s.classes_, best.classes_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auc = cross_val_score(s, X, y, cv=2, scoring="roc_auc")
    assert np.isfinite(auc).all()
    # a model without probabilities: the search has none either (available_if)
    svc = ReductionSearchCV(LinearSVC(), methods=["srs"], budget=None)
    assert not hasattr(svc, "predict_proba") and hasattr(svc, "decision_function")
    assert not hasattr(ReductionSearchCV(LogisticRegression()), "classes_")


# --------------------------------------------------- 07: a scorer of the other task, early
def test_07_a_scorer_of_the_other_task_is_refused_before_any_training(monkeypatch):
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge

    from datareduce.search._base import BaseReductionSearch

    def no_training(*a, **kw):
        raise AssertionError("a training ran")

    monkeypatch.setattr(BaseReductionSearch, "_fit_estimator", no_training)
    Xr, yr = make_regression(200, 4, random_state=0)
    Xc, yc = _data(200)
    cases = [(Ridge(), Xr, yr, "accuracy",
              "scoring='accuracy' is a classification scorer and y is a regression target: "
              "use scoring='r2' or scoring='neg_mean_absolute_error', or "
              "task='classification'."),
             (LogisticRegression(), Xc, yc, "r2",
              "scoring='r2' is a regression scorer and y is a classification target: "
              "use e.g. scoring='f1_macro', or task='regression'."),
             (LogisticRegression(), Xc, np.where(yc == 1, "yes", "no"), "f1",
              "scoring='f1' needs two classes labelled 0/1 (or -1/1) and y has no, yes: use "
              "scoring='f1_macro' or scoring='f1_weighted'.")]
    for est, X, y, scoring, message in cases:
        with pytest.raises(ValueError) as err:
            ReductionSearchCV(est, methods=["srs"], scoring=scoring, budget=None).fit(X, y)
        assert str(err.value) == message


def test_07_the_cli_words_come_from_the_same_check():
    from datareduce.cli import CLIError
    from datareduce.cli.search import _check_scoring_for_task

    with pytest.raises(CLIError, match=r"^--scoring f1 needs two classes labelled 0/1 \(or "
                                       r"-1/1\) and --target has a, b, c: use --scoring "
                                       r"f1_macro or --scoring f1_weighted\.$"):
        _check_scoring_for_task("f1", "classification", np.array(["a", "b", "c"]))
    with pytest.raises(CLIError, match=r"^--scoring accuracy is a classification scorer and "
                                       r"--target is a regression target: use --scoring r2 or "
                                       r"--scoring neg_mean_absolute_error, or "
                                       r"--task classification\.$"):
        _check_scoring_for_task("accuracy", "regression", np.arange(10.0))


# ------------------------------------------------------------- 05: numpy integer n_draws
def test_05_n_draws_takes_numpy_integers_not_bools():
    X, y = _data(300)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], n_draws=np.int64(2),
                               keeps=(0.2, 0.3, 0.5), budget=None, random_state=0), X, y)
    assert s.best_estimator_ is not None
    for bad in (True, np.True_, 0, 2.0):
        with pytest.raises(ValueError, match="n_draws="):
            _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], n_draws=bad,
                                   budget=None), X, y)


# ------------------------------------------ 04: one full training predicted, not measured
def test_04_an_unmeasured_full_training_is_not_a_tiny_training_scaled_linearly():
    from types import SimpleNamespace

    from datareduce.search._budget import TimeModel

    times = TimeModel()  # trainings of 30 and 60 rows, all fixed cost (0.1 s)
    for rows in (30, 30, 30, 60, 60, 60):
        times.add(rows, 0.1)
    ev = SimpleNamespace(cells={}, times=times, n=3000, n_train=2000)
    full = ReductionSearchCV(LogisticRegression())._full_seconds(ev)
    # the square-root floor (0.1 s grown from 30 to 3,000 rows: 1 s), not 0.1 * 3000 / 60
    assert full == pytest.approx(1.0)


def test_04_a_seconds_budget_times_one_full_training_fold_after_the_first_curve_point():
    X, y = _data(900)
    for budget in (60.0, 1e-4):  # whatever is left
        s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"],
                                   keeps=(0.05, 0.1, 0.2), tolerance=0.02, budget=budget,
                                   random_state=0), X, y)
        assert list(s.cv_results_["method"][:2]) == ["srs", "full"]
        assert s.full_fit_measured_ and "predicted" not in s.summary()


def test_04_the_summary_says_predicted_and_gives_no_multiple_of_a_predicted_unit():
    X, y = _data(300)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2, 0.3, 0.5),
                               budget=None, random_state=0), X, y)
    s.within_tolerance_, s.budget_exhausted_, s.budget_needed_seconds_ = False, True, 5.0
    s.full_fit_measured_ = False
    text = s.summary()
    assert "a budget of at least 5 s would answer the question (predicted" in text
    assert "budget='" not in text and "predicted: not measured" in text



# ------------------------------------------- 03: the min_budget floor, said where it applies
def _cost_line(s):
    return next(ln for ln in s.summary().splitlines() if ln.startswith("search cost"))


def test_03_the_floor_is_said_only_for_a_multiple_it_raised():
    X, y = _data(300)
    kw = dict(methods=["srs"], keeps=(0.2, 0.3, 0.5), random_state=0)
    seconds = _fit(ReductionSearchCV(LogisticRegression(), budget=30.0, **kw), X, y)
    assert seconds.budget_seconds_ == 30.0 and not seconds.budget_floor_applied_
    assert "at least 8 s" not in _cost_line(seconds)
    multiple = _fit(ReductionSearchCV(LogisticRegression(), budget="1x", **kw), X, y)
    assert multiple.budget_floor_applied_ and multiple.budget_seconds_ == 8.0
    assert "at least 8 s (one training under 1 s)" in _cost_line(multiple)


def test_03_the_advised_multiple_takes_the_floor_into_account():
    X, y = _data(300)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2, 0.3, 0.5),
                               budget=None, random_state=0), X, y)
    assert getattr(s, "full_fit_measured_", True) and s.full_fit_seconds_ < 1.0
    s.within_tolerance_, s.budget_exhausted_ = False, True
    s.budget_needed_seconds_ = 3.0  # below the 8 s floor: '1x' answers
    assert "a budget of at least 3 s (budget='1x'" in s.summary()
    s.budget_needed_seconds_ = 100 * s.full_fit_seconds_ + 9.0  # above the floor: the ratio
    ratio = s.budget_needed_seconds_ / s.full_fit_seconds_
    assert f"budget='{np.ceil(10 * ratio) / 10:g}x'" in s.summary()



# --------------------------------------- 08: the predicted kept fraction is within the table
def test_08_predicted_keep_beyond_the_table_is_no_upper_end_within_the_table():
    import copy
    import math

    from datareduce.search._evaluate import table_fractions

    # the curve reaches the threshold at 300 rows (60 to 19,000) of a 1,500-row table
    assert table_fractions((300.0, 60.0, 19_000.0), 1500) == (0.2, 0.04, math.inf)
    assert table_fractions((1600.0, 300.0, math.inf), 1500) == (math.inf, 0.2, math.inf)
    assert math.isnan(table_fractions((math.nan,), 1500)[0])
    X, y = _data(300)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"],
                               keeps=(0.05, 0.1, 0.2, 0.3, 0.5), budget=None,
                               random_state=0), X, y)
    s = copy.copy(s)
    s.predicted_keep_ = (0.2, 0.04, math.inf)
    line = next(ln for ln in s.summary().splitlines() if ln.startswith("learning curve"))
    assert "no upper end within the table" in line
    s.predicted_keep_ = (math.inf, 0.5, math.inf)
    assert "learning curve predicts no kept fraction of the table within tolerance" \
        in s.summary()


def test_08_a_fitted_search_keeps_predicted_keep_within_the_table(monkeypatch):
    """review3/r1 05: the fitted search's own predicted_keep_, not a hand-set one."""
    import math

    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge

    from datareduce.search._stats import LearningCurve

    def within_the_table(s):
        finite = [v for v in s.predicted_keep_ if math.isfinite(v)]
        assert finite and max(finite) <= 1, s.predicted_keep_
        line = next(ln for ln in s.summary().splitlines() if ln.startswith("learning curve"))
        return line

    # the tester's case (explore3/search 08): the interval's upper end crosses at 12.7x
    # the table's rows with a small tolerance
    X, y = make_regression(1500, 6, noise=20, random_state=0)
    s = _fit(ReductionSearchCV(Ridge(), methods=["srs"], tolerance=0.0005, budget=None,
                               random_state=0), X, y)
    assert s.predicted_keep_[2] == math.inf
    assert "no upper end within the table" in within_the_table(s)
    # the same whatever the curve: every end beyond the table's rows is no end within it
    rows_for = LearningCurve.rows_for

    def beyond(self, score):
        point, lo, hi = rows_for(self, score)
        return point, lo, 40.0 * self.law.rows_for(score) + 1e6  # far beyond any table

    monkeypatch.setattr(LearningCurve, "rows_for", beyond)
    s = _fit(ReductionSearchCV(Ridge(), methods=["srs"], tolerance=0.01, budget=None,
                               random_state=0), X[:600], y[:600])
    assert s.predicted_keep_[2] == math.inf
    within_the_table(s)


# ------------------------- review3/r1 01: the scorer check refuses only what cannot score
def test_r1_01_scorers_scikit_learn_computes_are_not_refused():
    from sklearn.datasets import make_regression

    from datareduce.search._base import check_scoring_for_task

    yes_no = np.array(["no", "yes"] * 30)
    three = np.array(["a", "b", "c"] * 20)
    for scoring, y in [("roc_auc", yes_no), ("roc_auc", np.array([1, 2] * 30)),
                       ("d2_log_loss_score", yes_no), ("d2_log_loss_score", three),
                       ("d2_brier_score", np.array([0, 1] * 30)), ("d2_brier_score", three),
                       ("average_precision", three), ("roc_auc_ovr", three)]:
        check_scoring_for_task(scoring, "classification", y)  # no refusal
    yr = make_regression(60, 3, random_state=0)[1]
    check_scoring_for_task("d2_absolute_error_score", "regression", yr)
    for scoring in ("d2_log_loss_score", "d2_brier_score"):
        with pytest.raises(ValueError, match="is a classification scorer"):
            check_scoring_for_task(scoring, "regression", yr)
    with pytest.raises(ValueError, match="is a regression scorer"):
        check_scoring_for_task("d2_absolute_error_score", "classification", yes_no)
    with pytest.raises(ValueError, match=r"^scoring='roc_auc' needs two classes and y has a, "
                                         r"b, c: use scoring='roc_auc_ovr' or "
                                         r"scoring='roc_auc_ovr_weighted'\.$"):
        check_scoring_for_task("roc_auc", "classification", three)
    # a search with roc_auc on two text classes runs and answers (as at ebd6d9e)
    X, y = _data(300)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], scoring="roc_auc",
                               keeps=(0.2, 0.5), budget=None, random_state=0),
             X, np.where(y == 1, "yes", "no"))
    assert s.scoring_ == "roc_auc" and 0.5 < s.baseline_score_ <= 1


@pytest.mark.parametrize("cli", [False, True])
def test_r1_01_every_advised_scorer_is_a_scikit_learn_scorer(cli):
    import re

    from sklearn.datasets import make_regression
    from sklearn.metrics import get_scorer_names

    from datareduce.search._base import check_scoring_for_task

    names = set(get_scorer_names())
    targets = {"classification": [np.array(["no", "yes"] * 30), np.array(["a", "b", "c"] * 20),
                                  np.array([1, 2] * 30), np.array([0, 1] * 30),
                                  np.arange(60) % 5],
               "regression": [make_regression(60, 3, random_state=0)[1]]}
    refusals = 0
    for scoring in [*sorted(names), "mae"]:
        for task, ys in targets.items():
            for y in ys:
                try:
                    check_scoring_for_task(scoring, task, y, cli=cli)
                except ValueError as exc:
                    refusals += 1
                    text = str(exc)
                    said = (re.findall(r"--scoring (\w+)", text) if cli
                            else re.findall(r"scoring='(\w+)'", text))
                    assert said[0] == scoring and len(said) >= 2, text
                    assert set(said[1:]) <= names, text
    assert refusals >= 40


def test_r1_01_compare_takes_the_one_list_and_advises_real_scorers():
    import argparse

    from sklearn.metrics import get_scorer_names

    from datareduce.cli import CLIError
    from datareduce.cli.compare import _labels

    three = np.array(["a", "b", "c"] * 20)
    args = argparse.Namespace(scoring=["average_precision"], pos_label=None, quiet=True)
    assert _labels(args, three) is three  # averaged over the classes by scikit-learn
    args.scoring = ["f1"]
    with pytest.raises(CLIError, match=r"use --scoring f1_macro or --scoring f1_weighted\.$"):
        _labels(args, three)
    args.scoring = ["average_precision"]
    with pytest.raises(CLIError, match=r"or use --scoring (\w+)\.$") as err:
        _labels(args, np.array(["no", "yes"] * 30))
    assert err.value.args[0].split()[-1].rstrip(".") in get_scorer_names()


# ------------------ review3/r1 03: the keeps refusal advises only what holds, on one line
def test_r1_03_no_cv_advice_with_groups_and_a_row_count_below_one_percent():
    from sklearn.model_selection import StratifiedShuffleSplit

    X, y = make_classification(300, 4, random_state=0)
    groups = np.r_[np.zeros(120, int), np.arange(1, 181)]  # one site holds 120 of 300 rows
    for cv in (3, 4):
        with pytest.raises(ValueError) as err:
            ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.7,), cv=cv,
                              budget=None, random_state=0).fit(X, y, groups=groups)
        text = str(err.value)
        assert "holds" not in text and "more folds" not in text, text
        assert "smallest training fold's rows (180 of 300; the groups decide" in text
        assert text.endswith("The largest usable fraction is 0.59: give keeps of at most 0.59.")
    # without groups the advised cv holds the fraction (StratifiedKFold)
    with pytest.raises(ValueError, match=r"use more folds \(cv=4 holds keep=0\.7\)\.$"):
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.7,), cv=3,
                          budget=None, random_state=0).fit(X, y)
    s = _fit(ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.7,), cv=4,
                               budget=None, random_state=0), X, y)
    assert s.best_keep_ in (0.7, 1.0)
    # a splitter's small training folds: a row count, the repr on one line
    X, y = make_classification(1000, 4, random_state=0)
    cv = StratifiedShuffleSplit(3, train_size=0.009, random_state=0)
    with pytest.raises(ValueError) as err:
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.05,), cv=cv,
                          budget=None, random_state=0).fit(X, y)
    text = str(err.value)
    assert "\n" not in text and "holds" not in text
    assert text.endswith("The largest usable subset is 8 rows of 1000: give keeps of at most "
                         "0.008."), text


def _sweep_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    return X, {"binary 0/1": ("classification", (X[:, 0] > 0).astype(int)),
               "binary text": ("classification", np.where(X[:, 0] > 0, "yes", "no")),
               "multiclass": ("classification", np.digitize(X[:, 0], [-0.5, 0.5])),
               "regression": ("regression", X[:, 0] * 3 + 10 + rng.normal(size=120))}


@pytest.mark.parametrize("target", ["binary 0/1", "binary text", "multiclass", "regression"])
def test_r4_01_the_check_refuses_exactly_what_scikit_learn_cannot_score(target):
    """review3/r4 01: every scikit-learn scorer on four kinds of target; the check must refuse
    each one that scikit-learn cannot compute there (the search failed inside its first
    training: *_samples on one label per row, likelihood ratios on three classes, Brier
    scores on two text classes). The converse (accepting what it computes) holds except by
    design: positive-class scorers on labels other than 0/1, regression scorers on classes."""
    import warnings

    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import get_scorer, get_scorer_names

    from datareduce.search._base import (
        BINARY_SCORERS,
        REGRESSION_SCORERS,
        check_scoring_for_task,
    )

    X, targets = _sweep_targets()
    task, y = targets[target]
    model = (LogisticRegression() if task == "classification" else DummyRegressor()).fit(X, y)
    missed, wrong = [], []
    for name in get_scorer_names():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                get_scorer(name)(model, X, y)
            computes = True
        except (ValueError, TypeError, AttributeError):
            computes = False
        try:
            check_scoring_for_task(name, task, y)
            refused = False
        except ValueError:
            refused = True
        if not computes and not refused:
            missed.append(name)
        # by design: positive-class scorers on labels other than 0/1, a regression scorer
        # of numeric class labels, and anything but a regression scorer on a regression
        # target (clustering scorers: computable, meaningless; review5/r1 02)
        designed = (name in BINARY_SCORERS
                    or name.startswith(tuple(f"{b}_" for b in BINARY_SCORERS))
                    or (task == "classification" and name.startswith(REGRESSION_SCORERS))
                    or (task == "regression" and not name.startswith(REGRESSION_SCORERS)))
        if computes and refused and not designed:
            wrong.append(name)
    assert missed == [], f"accepted but scikit-learn cannot score them: {missed}"
    assert wrong == [], f"refused but scikit-learn scores them: {wrong}"
