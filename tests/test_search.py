"""ReductionSearchCV: safe answers, the learning curve, racing, no peeking, budget, API, tuning."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from datareduce import get_reducer
from datareduce.base import BaseReducer, Selection
from datareduce.search import (
    ReductionSearchCV,
    fit_learning_curve,
    fit_power_law,
    search_table,
    tune_halving,
    tune_on_subset,
)
from datareduce.search._budget import TimeModel, parse_budget
from datareduce.search._stats import paired_interval


# ------------------------------------------------------------------ planted case
def noisy_labels(n=600, noise=0.3, seed=0):
    """y = (x0 > 0) with a share ``noise`` of labels flipped; column 2 flags flipped rows
    (scaled so small that it does not change distances)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int)
    flipped = rng.random(n) < noise
    y[flipped] = 1 - y[flipped]
    X[:, 2] = flipped * 1e-9
    return X, y


class CleanRows(BaseReducer):
    """Keeps rows whose label was not flipped (it reads the flag column): clearly best."""

    def __init__(self, keep=0.1, stratify=True, random_state=None):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state

    def _select(self, X, n_select, rng):
        order = np.argsort(X[:, 2] > 0, kind="stable")  # clean rows first
        return Selection(indices=rng.permutation(order[:max(n_select, 1)])[:n_select])


class FlippedRows(CleanRows):
    """Keeps the flipped rows first: clearly worst."""

    def _select(self, X, n_select, rng):
        order = np.argsort(X[:, 2] == 0, kind="stable")
        return Selection(indices=order[:n_select])


def test_planted_method_is_found_at_the_smallest_fraction():
    X, y = noisy_labels()
    methods = {"srs": get_reducer("srs"), "flipped": FlippedRows(), "clean": CleanRows(),
               "random": get_reducer("random")}
    search = ReductionSearchCV(KNeighborsClassifier(1), methods=methods,
                               keeps=(0.05, 0.1, 0.3), scoring="accuracy", tolerance=0.0,
                               budget=None, min_rows=5, random_state=0).fit(X, y)
    assert search.best_method_ == "clean" and search.best_keep_ == 0.05
    assert search.within_tolerance_ and search.baseline_kind_ == "measured"
    res = search.results_frame().set_index(["method", "keep"])
    assert res.loc[("clean", 0.05), "mean_test_score"] > res.loc[("full", 1.0),
                                                                 "mean_test_score"]
    assert isinstance(search.best_reducer_, CleanRows)
    assert len(search.best_reducer_.sample_indices_) == round(0.05 * len(y))
    assert not (X[search.best_reducer_.sample_indices_, 2] > 0).any()
    assert "flipped" not in {search.best_method_}


# ------------------------------------------------------------ safe answers
@pytest.mark.filterwarnings("ignore:ReductionSearchCV:UserWarning")
@pytest.mark.parametrize("budget", [1e-3, 0.3, 2.0, None])
@pytest.mark.parametrize("seed", [0, 1])
def test_never_recommends_a_fraction_outside_the_tolerance(budget, seed):
    X, y = noisy_labels(n=1500, noise=0.2, seed=seed)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
                               tolerance=0.005, budget=budget, min_budget=0.0,
                               random_state=seed).fit(X, y)
    if search.within_tolerance_:
        res = search.results_frame().set_index(["method", "keep"])
        row = res.loc[(search.best_method_, search.best_keep_)]
        assert row["mean_test_score"] >= search.threshold_
        assert np.isfinite(row.filter(like="split").astype(float)).all()  # every split
        assert search.best_keep_ < 1.0
    else:  # "no reduction": every row kept, never a failing subset
        assert search.best_method_ == "full" and search.best_keep_ == 1.0
        assert len(search.best_reducer_.sample_indices_) == len(y)
        assert "no reduction found within tolerance" in search.summary()


def test_budget_too_small_says_no_reduction_and_what_budget_would_answer():
    X, y = noisy_labels(n=1500, noise=0.2)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], tolerance=0.01,
                               budget=1e-3, min_budget=0.0, random_state=0)
    with pytest.warns(UserWarning, match="no reduction found within tolerance"):
        search.fit(X, y)
    assert search.budget_exhausted_ and not search.within_tolerance_
    assert (search.best_method_, search.best_keep_) == ("full", 1.0)
    assert search.budget_needed_seconds_ > search.budget_seconds_
    text = search.summary()
    assert "the budget ran out" in text and "a budget of at least" in text
    assert len(search.best_reducer_.sample_indices_) == len(y)


def test_a_large_tables_baseline_that_does_not_fit_is_anchored_on_one_split(monkeypatch):
    # from BASELINE_MAX_ROWS rows the baseline is measured only when that looks cheap; when
    # the first split shows the others do not fit, that split anchors the baseline (paired
    # gap to SRS's largest fraction) and the search goes on instead of giving up
    import datareduce.search._base as base_module
    from datareduce.search._evaluate import FULL

    monkeypatch.setattr(base_module, "BASELINE_MAX_ROWS", 1000)
    refused, real = [], ReductionSearchCV._fits

    def fits(self, ev, seconds):
        if len(ev.cells.get((FULL, 1.0), {})) == 1 and not refused:
            refused.append(seconds)  # the other splits of the full training
            return False
        return real(self, ev, seconds)

    monkeypatch.setattr(ReductionSearchCV, "_fits", fits)
    X, y = noisy_labels(n=3000, noise=0.1)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], tolerance=0.02,
                               budget=None, random_state=0).fit(X, y)
    assert refused and search.baseline_kind_ == "measured on 1 of 3 splits"
    assert not search.budget_exhausted_ and search.within_tolerance_
    assert search.best_keep_ < 1.0 and search.best_score_ >= search.threshold_
    assert "measured on 1 of 3 splits" in search.summary()


def _every_row_counts():
    """Labels that depend on every row (1-NN, no noise): any subset loses accuracy, and with
    tolerance 0 the answer is "no reduction". ``(search, X, y)``, not fitted."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = (np.sin(4 * X[:, 0]) * np.cos(4 * X[:, 1]) > 0).astype(int)
    search = ReductionSearchCV(KNeighborsClassifier(1), methods=["srs"], keeps=(0.05, 0.1),
                               scoring="accuracy", tolerance=0.0, budget=None, min_rows=5,
                               random_state=0)
    return search, X, y


def test_no_fraction_within_tolerance_keeps_everything():
    search, X, y = _every_row_counts()
    with pytest.warns(UserWarning, match="no kept fraction's lower bound cleared the thr"):
        search.fit(X, y)
    assert search.best_keep_ == 1.0 and not search.budget_exhausted_
    assert (search.results_frame().query("method == 'srs'").mean_test_score
            < search.threshold_).all()
    # nothing is saved when every row is kept (it was 1 - ratio of two timings of one
    # training: 0.89 in one run, -1.1 in another)
    assert search.training_time_saving_ == 0.0 and search.total_time_saving_ == 0.0
    assert "training-time saving: none (every row is kept)" in search.summary()


def test_no_reduction_gives_one_true_reason_in_every_view():
    """The summary (and warning) said "no kept fraction tried scored within tolerance" while
    the plot said "the check ... failed" and the table listed fractions within tolerance
    (hpc, srs / mms / kt / herding: mms at 0.5 failed its check, the other fractions within
    tolerance were of methods that did not beat srs)."""
    pytest.importorskip("matplotlib")
    from datareduce.search._plot import _title

    search, X, y = _every_row_counts()
    with pytest.warns(UserWarning):
        search.fit(X, y)

    def views():
        choice = [ln for ln in search.summary().splitlines() if ln.startswith("choice")][0]
        return search.no_reduction_reason(), choice, _title(search)

    reason, choice, title = views()
    assert reason == "no kept fraction's lower bound cleared the threshold"
    assert reason in choice and reason in title
    # the hpc case: a candidate failed its check, another pair was within tolerance
    res = search.cv_results_  # (relabelled: two rows of another method within tolerance)
    rows = [i for i, m in enumerate(res["method"]) if m == "srs"][:2]
    for i in rows:
        res["method"][i], res["within_tolerance"][i] = "mms", True
    failed = ("mms", float(res["keep"][rows[1]]))
    search.checks_ = {failed: (np.zeros((3, 3)), False)}
    reason, choice, title = views()
    assert reason == (f"the check over several draws of the subset failed (mms at "
                      f"{failed[1]:g}); 1 other (method, fraction) pair(s) within tolerance "
                      "did not beat srs at the racing level, which a method other than srs "
                      "must")
    assert reason in choice and reason in title
    search.checks_ = {}
    reason, choice, title = views()
    assert reason.startswith("srs was within tolerance at no kept fraction tried, and 2 other")
    assert reason in choice and reason in title


# ------------------------------------------------------------- learning curve
def test_power_law_recovers_known_parameters():
    m = np.array([50, 100, 200, 400, 800, 1600])
    law = fit_power_law(m, 0.85 - 1.5 * m ** -0.6)
    assert law.a == pytest.approx(0.85, abs=1e-4)
    assert law.c == pytest.approx(0.6, abs=1e-3)
    assert float(law.predict(5000)) == pytest.approx(0.85 - 1.5 * 5000 ** -0.6, abs=1e-4)
    target = 0.85 - 1.5 * 3000 ** -0.6
    assert law.rows_for(target) == pytest.approx(3000, rel=1e-2)
    assert law.rows_for(0.9) == np.inf  # above the asymptote: never
    assert fit_power_law([10, 20], [0.5, 0.6]) is None  # three sizes needed


def test_learning_curve_bootstrap_covers_the_truth_most_of_the_time():
    m = np.array([100, 200, 400, 800, 1600])
    truth = 0.9 - 2.0 * m ** -0.5
    true_at = 0.9 - 2.0 * 10_000 ** -0.5
    covered = []
    for seed in range(10):  # 10 splits; the percentile bootstrap over splits undercovers a bit
        rng = np.random.default_rng(seed)
        scores = truth[:, None] + rng.normal(scale=0.004, size=(len(m), 10))
        curve = fit_learning_curve(m, scores, n_boot=60, random_state=0)
        point, lo, hi = curve.predict(10_000)
        covered.append(lo <= true_at <= hi)
        assert lo <= point <= hi and hi - lo < 0.05
        rows, rlo, rhi = curve.rows_for(0.9 - 2.0 * 3000 ** -0.5)
        assert rlo <= rows <= rhi
    assert np.mean(covered) >= 0.7
    assert fit_learning_curve(m[:2], scores[:2]) is None


def test_time_model_and_budget_parsing():
    tm = TimeModel()
    for rows, sec in ((100, 0.05), (200, 0.06), (400, 0.08)):
        tm.add(rows, sec)
    assert tm.predict(300) == pytest.approx(0.04 + 1e-4 * 300, rel=1e-6)  # within: NNLS
    # beyond: from the largest size, slope log(0.08/0.06)/log(2) = 0.42 bounded to 0.5
    assert tm.predict(4000) == pytest.approx(0.08 * 10 ** 0.5, rel=1e-6)
    tm.add(800, 0.32)  # slope 2 between 400 and 800: bounded to 1 (linear)
    assert tm.predict(8000) == pytest.approx(3.2, rel=1e-6)
    assert parse_budget("2.5x") == (None, 2.5) and parse_budget(10) == (10.0, None)
    for bad in ("fast", "0x", -1, True, float("inf")):
        with pytest.raises(ValueError, match="budget"):
            parse_budget(bad)


# -------------------------------------------------------------------- racing
def test_racing_drops_a_clearly_worse_method_and_keeps_the_close_one():
    from datareduce.search._evaluate import Evaluator

    splits = [(np.arange(10), np.arange(10, 15))] * 3
    ev = Evaluator(None, None, np.zeros(15), splits, {}, None, 0, "srs", [0.1], None)
    ref = [0.80, 0.82, 0.81]
    cells = {"srs": ref, "bad": [s - 0.2 for s in ref],
             "close": [0.81, 0.80, 0.815]}
    for m, sc in cells.items():
        ev.cells[(m, 0.1)] = {i: (s, 0.0, 0.0, 1) for i, s in enumerate(sc)}
    alive = ev.race_elimination(["srs", "bad", "close"], 0.1, 0.9)
    assert alive == ["srs", "close"] and "bad" in ev.eliminated
    assert "against srs" in ev.eliminated["bad"]
    d, lo, hi = paired_interval(cells["close"], ref)
    assert lo < 0 < hi  # not clearly worse: stays


def test_a_clearly_worse_method_is_raced_out_of_a_search():
    X, y = noisy_labels(n=900, noise=0.2)
    search = ReductionSearchCV(KNeighborsClassifier(5), methods={"srs": get_reducer("srs"),
                                                                 "flipped": FlippedRows()},
                               keeps=(0.1, 0.2, 0.3), scoring="accuracy", tolerance=0.03,
                               cv=5, budget=None, random_state=0).fit(X, y)
    assert "flipped" in search.eliminated_
    keep = float(search.eliminated_["flipped"].split(":")[0].removeprefix("at keep="))
    row = search.results_frame().set_index(["method", "keep"]).loc[("flipped", keep)]
    assert row.filter(like="split").isna().any()  # stopped before the last split


# -------------------------------------------------------------- large tables
class CountingModel(ClassifierMixin, BaseEstimator):
    """Logistic regression recording the number of rows of each training."""

    sizes = []

    def fit(self, X, y, sample_weight=None):
        CountingModel.sizes.append(len(X))
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def test_extrapolated_baseline_never_trains_on_the_full_table():
    CountingModel.sizes = []
    X, y = noisy_labels(n=6000, noise=0.1)
    search = ReductionSearchCV(CountingModel(), methods=["srs"], tolerance=0.02,
                               baseline="extrapolate", budget=None,
                               random_state=0).fit(X, y)
    assert search.baseline_kind_ == "extrapolated" and "full" not in set(
        search.results_frame().method)
    lo, hi = search.baseline_interval_
    assert lo <= search.baseline_score_ <= hi
    *cv_fits, refit = CountingModel.sizes
    assert max(cv_fits) <= 0.5 * 4000 + 1  # the training folds have 4000 rows
    assert refit == len(search.best_reducer_.sample_indices_)
    assert "extrapolated from the learning curve" in search.summary()
    assert "learning curve predicts keep=" in search.summary()


# ------------------------------------------------------------- no peeking (spies)
SEEN_BY_REDUCER = []
FITS = []  # (ids fitted on, [ids predicted])


class SpyReducer(BaseReducer):
    def __init__(self, keep=0.1, stratify=True, random_state=None):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state

    def _select(self, X, n_select, rng):
        return Selection(indices=rng.choice(len(X), n_select, replace=False))

    def fit(self, X, y=None):
        SEEN_BY_REDUCER.append(frozenset(np.asarray(X)[:, 0].astype(int).tolist()))
        return super().fit(X, y)


class SpyModel(ClassifierMixin, BaseEstimator):
    """1-NN on every column but the first (the row id), recording the ids it sees."""

    def fit(self, X, y):
        X = np.asarray(X)
        self.record_ = (frozenset(X[:, 0].astype(int).tolist()), [])
        FITS.append(self.record_)
        self.model_ = KNeighborsClassifier(1).fit(X[:, 1:], y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        X = np.asarray(X)
        self.record_[1].append(frozenset(X[:, 0].astype(int).tolist()))
        return self.model_.predict(X[:, 1:])


def test_never_reads_held_out_rows_and_reducers_never_see_validation_folds():
    SEEN_BY_REDUCER.clear()
    FITS.clear()
    Xf, y = noisy_labels(n=400, noise=0.1)
    X = np.column_stack([np.arange(len(y)), Xf])  # column 0: the row id
    itr, ite = train_test_split(np.arange(len(y)), test_size=0.25, random_state=0, stratify=y)
    test_ids = set(ite.tolist())
    search = ReductionSearchCV(SpyModel(), methods={"spy": SpyReducer()}, keeps=(0.1, 0.3),
                               tolerance=0.0, budget=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # whether a fraction is within tolerance does not matter
        search.fit(X[itr], y[itr])
    train_ids = frozenset(itr.tolist())
    seen = set().union(*SEEN_BY_REDUCER, *(f for f, _ in FITS), *(p for _, ps in FITS for p in ps))
    assert seen and not seen & test_ids  # the held-out split is never touched
    validations = {p for _, ps in FITS for p in ps}
    assert len(validations) == 3  # one validation fold per split
    for fit_ids, predicted in FITS:  # a model never predicts rows it was trained on
        assert all(fit_ids.isdisjoint(p) for p in predicted)
    cv_fits = [s for s in SEEN_BY_REDUCER if s != train_ids]  # the refit sees all rows
    assert len(SEEN_BY_REDUCER) - len(cv_fits) <= 1  # none when the answer is "no reduction"
    # probes see subsamples of the first training fold; CV runs see whole training folds
    for s in cv_fits:
        assert any(s.isdisjoint(v) for v in validations)
    full_folds = [s for s in cv_fits if any(len(s) + len(v) == len(itr) and s.isdisjoint(v)
                                            for v in validations)]
    assert len(full_folds) >= 3  # a kept fraction on each of the 3 folds


def test_space_goes_to_the_reducers_which_fit_it_on_training_folds_only():
    seen = []

    class SpySpace(BaseEstimator):
        def fit(self, X, y=None):
            seen.append(len(X))
            return self

        def transform(self, X):
            return np.asarray(X, dtype=float)

        def fit_transform(self, X, y=None):
            return self.fit(X, y).transform(X)

    X, y = noisy_labels(n=300, noise=0.0)
    search = ReductionSearchCV(LogisticRegression(), methods=["mms"], keeps=(0.2,),
                               tolerance=0.5, budget=None, space=SpySpace(), reference="mms",
                               random_state=0).fit(X, y)
    assert set(seen) <= {200, 300}  # training folds, the refit
    assert seen.count(200) >= 3 and seen[-1] == 300
    assert isinstance(search.best_reducer_.space, SpySpace)  # the reducer resolves it


# ------------------------------------------------------------- estimator API
def test_clone_get_params_pipeline_and_summary():
    search = ReductionSearchCV(LogisticRegression(C=2.0), methods=["srs"], keeps=(0.2,),
                               tolerance=0.3, budget=None, random_state=0)
    params = search.get_params()
    assert params["estimator__C"] == 2.0 and params["tolerance"] == 0.3
    twin = clone(search)
    assert twin.get_params()["estimator__C"] == 2.0 and twin is not search
    assert "ReductionSearchCV(" in repr(search)
    X, y = noisy_labels(n=300, noise=0.0)
    search.fit(X, y)
    assert "best_method_='srs'" in repr(search)
    assert search.predict(X).shape == (300,)
    assert 0 <= search.score(X, y) <= 1
    pipe = search.best_pipeline_.fit(X, y)
    assert len(pipe.steps[0][1].sample_indices_) == 60 and pipe.predict(X).shape == (300,)
    text = search.summary()
    assert "choice: srs at keep=0.2" in text and "| full |" in text
    assert "search cost:" in text and "x one full training" in text
    with pytest.raises(ValueError, match="baseline"):
        clone(search).set_params(baseline="guess").fit(X, y)
    with pytest.raises(ValueError, match="keeps"):
        clone(search).set_params(keeps=(0.1, 1.0)).fit(X, y)
    with pytest.raises(ValueError, match="tolerance"):
        clone(search).set_params(tolerance=-0.1).fit(X, y)


def test_plot():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = noisy_labels(n=2000, noise=0.1)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], tolerance=0.01,
                               budget=None, random_state=0).fit(X, y)
    ax = search.plot()
    labelled = [ln.get_label() for ln in ax.lines if not ln.get_label().startswith("_")]
    assert labelled[0] == "srs" and "fitted learning curve" in labelled
    curves = search.learning_curves()
    assert (curves.low <= curves.y).all() and (curves.y <= curves.high).all()
    plt.close("all")


def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, datareduce.search; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'torch'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


# ---------------------------------------------------------------- regression
def test_regression_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.5, size=1200)
    search = ReductionSearchCV(Ridge(), methods=["srs", "des", "clc"], tolerance=0.01,
                               budget=None, random_state=0).fit(X, y)
    assert search.task_ == "regression" and search.scoring_ == "r2"
    assert "des" in search.skipped_ and "class labels" in search.skipped_["des"]
    assert search.within_tolerance_ and search.best_keep_ < 1.0
    assert search.best_score_ >= search.baseline_score_ - 0.01
    mae = clone(search).set_params(scoring="mae", methods=["srs"]).fit(X, y)
    assert mae.scoring_ == "neg_mean_absolute_error" and mae.best_score_ < 0


def test_search_table_mixed_types_returns_original_rows(tmp_path):
    rng = np.random.default_rng(1)
    n = 600
    df = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(["a", "b", "c"], n),
                       "label": rng.choice(["x", "y"], n)})
    df.loc[df.cat == "a", "label"] = "x"
    df.loc[::17, "num"] = np.nan
    df.loc[::23, "cat"] = None
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    search = search_table(path, "label", methods=["srs", "mms"], keeps=(0.1, 0.2, 0.3),
                          tolerance=0.5, budget=None)
    idx = search.best_reducer_.sample_indices_
    Xr, yr = search.best_reducer_.fit_resample(df.drop(columns="label"), df["label"])
    pd.testing.assert_frame_equal(Xr, df.drop(columns="label").iloc[idx])  # NaN included
    assert "choice:" in search.summary()
    with pytest.raises(ValueError, match="target='nope'"):
        search_table(df, "nope")
    bad = df.copy()
    bad.loc[[3, 5], "label"] = None
    with pytest.raises(ValueError, match="missing in 2 row"):
        search_table(bad, "label")


def test_a_count_target_taken_for_classes_gets_an_error_naming_task():
    # 2,000 rows of whole numbers with 60 distinct values are classes by the package's rule
    # (at most max(50, n // 20) distinct); one of them appears once: the error says how to
    # declare a numeric target
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = np.r_[rng.integers(0, 59, size=1999), 59]
    with pytest.raises(ValueError, match="task='regression'"):
        ReductionSearchCV(LogisticRegression(), methods=["srs"], budget=None).fit(X, y)
    with pytest.raises(ValueError, match="fewer folds") as err:
        ReductionSearchCV(LogisticRegression(), methods=["srs"], budget=None,
                          task="classification").fit(X, y)
    assert "task=" not in str(err.value)  # the caller said classes


# ------------------------------------------------------ reduce once, train many
def test_tune_on_subset_tunes_on_the_kept_rows_and_refits_once_on_all():
    CountingModel.sizes = []

    class Tunable(CountingModel):
        def __init__(self, C=1.0):
            self.C = C

    X, y = noisy_labels(n=2000, noise=0.1)
    res = tune_on_subset(Tunable(), {"C": [0.1, 1.0, 10.0]}, X, y, keep=0.1, n_iter=3, cv=3,
                         random_state=0)
    *tuning, refit = CountingModel.sizes
    assert res.n_tuned == 200 and max(tuning) <= 200 and refit == 2000
    assert len(tuning) == 3 * 3 and res.best_params["C"] in (0.1, 1.0, 10.0)
    assert res.predict(X).shape == (2000,) and res.total_seconds > 0
    CountingModel.sizes = []
    sub = tune_on_subset(Tunable(), {"C": [0.1, 1.0]}, X, y, keep=0.1, n_iter=2,
                         refit="subset", random_state=0)
    assert max(CountingModel.sizes) == 200 and sub.refit_seconds < 1
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], tolerance=0.02,
                               budget=None, random_state=0).fit(X, y)
    from_search = tune_on_subset(LogisticRegression(), {"C": [0.1, 1.0]}, X, y,
                                 reducer=search, n_iter=2, random_state=0)
    assert from_search.n_tuned == len(search.best_reducer_.sample_indices_)
    with pytest.raises(ValueError, match="refit"):
        tune_on_subset(Tunable(), {"C": [1.0]}, X, y, refit="never")


def test_tune_on_subset_cross_validates_the_kept_rows_in_their_row_order():
    # SRS returns a regression target's rows grouped by quantile bin; cv=3 is an unshuffled
    # KFold for a regressor, so in that order each fold is validated on target values the
    # other folds never saw, and a tree scores far below zero
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=3000)
    res = tune_on_subset(DecisionTreeRegressor(random_state=0), {"max_depth": [3, 5]}, X, y,
                         keep=0.2, n_iter=2, cv=3, scoring="r2", random_state=0)
    assert res.search.cv_results_["mean_test_score"].min() > 0.8
    # synthetic rows (cluster centroids, asked for: a regression target gets medoids by
    # default) have no row order: they are shuffled
    with pytest.warns(UserWarning, match="output='centroids' on a regression target"):
        clc = tune_on_subset(DecisionTreeRegressor(random_state=0), {"max_depth": [3, 5]}, X,
                             y, reducer=get_reducer("clc", keep=0.1, output="centroids",
                                                    random_state=0),
                             n_iter=2, cv=3, scoring="r2", random_state=0)
    assert clc.reducer.synthetic_ is not None
    assert clc.search.cv_results_["mean_test_score"].min() > 0.8
    Xr, yr = get_reducer("srs", keep=0.2, random_state=0).fit_resample(X, y)
    rows = [np.flatnonzero((X == r).all(axis=1))[0] for r in Xr]
    assert rows != sorted(rows)  # the reducer's own order is not the rows' order
    from sklearn.model_selection import cross_val_score

    assert cross_val_score(DecisionTreeRegressor(max_depth=3, random_state=0), Xr, yr, cv=3,
                           scoring="r2").mean() < 0


class SizeDependent(CountingModel):
    """A model whose best setting depends on the rows it trains on: ``regime="small"``
    learns only from at most 500 rows, ``"large"`` only from more (else it predicts one
    class), so a search on a 10 % subset ranks them the other way round."""

    def __init__(self, regime="small"):
        self.regime = regime

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y)
        self.works_ = (len(X) <= 500) == (self.regime == "small")
        return self

    def predict(self, X):
        return self.model_.predict(X) if self.works_ else np.zeros(len(X), dtype=int)


def test_shortlist_reranks_the_subsets_best_on_all_rows():
    X, y = noisy_labels(n=2000, noise=0.1)
    grid = {"regime": ["small", "large"]}
    plain = tune_on_subset(SizeDependent(), grid, X, y, keep=0.1, n_iter=2, cv=3,
                           random_state=0)
    assert plain.best_params == {"regime": "small"} and plain.shortlist is None
    CountingModel.sizes = []
    res = tune_on_subset(SizeDependent(), grid, X, y, keep=0.1, n_iter=2, cv=3,
                         shortlist=2, holdout=0.25, random_state=0)
    *tuning, first, second, refit = CountingModel.sizes
    assert max(tuning) <= 200 and (first, second, refit) == (1500, 1500, 2000)
    assert [p["regime"] for p, _ in res.shortlist] == ["small", "large"]  # the subset's order
    assert res.shortlist[1][1] > res.shortlist[0][1] + 0.3
    assert res.best_params == {"regime": "large"} and res.best_estimator.works_
    assert res.shortlist_seconds > 0 and res.total_seconds >= res.shortlist_seconds
    with pytest.raises(ValueError, match="shortlist"):
        tune_on_subset(SizeDependent(), grid, X, y, shortlist=2, refit="subset")
    with pytest.raises(ValueError, match="shortlist=0"):
        tune_on_subset(SizeDependent(), grid, X, y, shortlist=0)
    with pytest.raises(ValueError, match="holdout"):
        tune_on_subset(SizeDependent(), grid, X, y, shortlist=2, holdout=1.5)


def test_untuned_estimator_joins_the_reranking_and_is_refit_when_it_wins():
    # the search space holds only the setting that fails on all rows; the estimator as
    # given holds the one that works there: tuning on the subset alone is worse than not
    # tuning at all, and untuned=True catches it on the holdout
    X, y = noisy_labels(n=2000, noise=0.1)
    given = SizeDependent(regime="large")
    plain = tune_on_subset(given, {"regime": ["small"]}, X, y, keep=0.1, n_iter=1, cv=3,
                           shortlist=2, random_state=0)
    assert plain.best_params == {"regime": "small"} and not plain.untuned_chosen
    CountingModel.sizes = []
    with pytest.warns(UserWarning, match="as given .* did not carry"):
        res = tune_on_subset(given, {"regime": ["small"]}, X, y, keep=0.1, n_iter=1, cv=3,
                             untuned=True, holdout=0.25, random_state=0)
    *tuning, first, second, refit = CountingModel.sizes
    assert max(tuning) <= 200 and (first, second, refit) == (1500, 1500, 2000)
    assert [p for p, _ in res.shortlist] == [{"regime": "small"}, {"regime": "large"}]
    assert res.untuned_chosen and res.best_params == {"regime": "large"}
    assert res.best_estimator.works_ and given.get_params() == {"regime": "large"}
    # a tie goes to the subset's configuration: no warning, not "untuned chosen"; the
    # estimator as given is one of the configurations, so it is not trained twice
    import warnings

    CountingModel.sizes = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tie = tune_on_subset(SizeDependent(regime="small"), {"regime": ["small"]}, X, y,
                             keep=0.1, n_iter=1, untuned=True, random_state=0)
    assert tie.shortlist[0][1] == tie.shortlist[1][1] and not tie.untuned_chosen
    assert CountingModel.sizes[-3] <= 200 and CountingModel.sizes[-2:] == [1600, 2000]
    with pytest.raises(ValueError, match="untuned=True re-ranks on all rows"):
        tune_on_subset(given, {"regime": ["small"]}, X, y, untuned=True, refit="subset")


def test_untuned_compares_values_by_type_and_never_fits_the_users_objects():
    import warnings

    from sklearn.datasets import make_regression
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import Pipeline as SkPipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    # max_features=1 (one feature) is not the default 1.0 (all of them): both are trained
    Xr, yr = make_regression(1500, 8, n_informative=2, noise=1, random_state=0)
    with pytest.warns(UserWarning, match="as given"):
        res = tune_on_subset(ExtraTreesRegressor(n_estimators=10, random_state=0),
                             {"max_features": [1]}, Xr, yr, keep=0.2, n_iter=1, untuned=True,
                             random_state=0)
    assert res.untuned_chosen and res.shortlist[1][1] > res.shortlist[0][1] + 0.1
    assert res.best_estimator.max_features == 1.0
    # array-valued parameters are compared whole (a plain == raised in the shortlist)
    X, y = noisy_labels(n=600, noise=0.1)
    grid = {"priors": [np.array([0.3, 0.7]), np.array([0.5, 0.5]), np.array([0.7, 0.3])]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = tune_on_subset(GaussianNB(priors=np.array([0.5, 0.5])), grid, X, y, keep=0.5,
                             n_iter=3, shortlist=2, untuned=True, random_state=0)
    assert len(arr.shortlist) == 3
    # estimator-valued parameters, and the user's own step, are cloned before fitting
    own = DecisionTreeClassifier(max_depth=1, random_state=0)
    candidate = LogisticRegression()
    pipe = SkPipeline([("sc", StandardScaler()), ("model", own)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        piped = tune_on_subset(pipe, {"model": [candidate]}, X, y, keep=0.5, n_iter=1,
                               untuned=True, random_state=0)
    assert not hasattr(own, "tree_") and not hasattr(candidate, "coef_")
    assert piped.best_estimator.named_steps["model"] is not own
    assert piped.best_estimator.named_steps["model"] is not candidate
    # tune_halving on a scikit-learn pipeline whose model takes weights (the reducer's
    # weights must reach it as "<last>__sample_weight"), with an estimator-valued grid
    from datareduce.search import tune_halving

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        halved = tune_halving(SkPipeline([("sc", StandardScaler()), ("model", own)]),
                              {"model": [candidate, LogisticRegression(C=0.1)]}, X, y,
                              n_candidates=2, factor=2, max_keep=0.5, random_state=0)
    assert halved.rungs[-1][0] == 1 and not hasattr(candidate, "coef_")
    assert halved.best_estimator.named_steps["model"] is not candidate

class LabelSpy(CountingModel):
    """Records the class counts of every training."""

    counts = []

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        LabelSpy.counts.append(np.bincount(np.asarray(y)))
        return super().fit(X, y)


def test_shortlist_edge_cases_do_not_break_the_tuning():
    X, y = noisy_labels(n=1000, noise=0.1)
    y = np.where(np.arange(1000) < 20, 2, y)  # a minority class of 20 rows (2 %)
    # the holdout is stratified: the shortlist's trainings keep 16 of the 20 minority rows
    LabelSpy.counts = []
    tune_on_subset(LabelSpy(), {"C": [0.1, 1.0]}, X, y, keep=0.5, n_iter=2, shortlist=2,
                   random_state=3)
    *_, first, second, refit = LabelSpy.counts
    assert first[2] == second[2] == 16 and refit[2] == 20
    # a class of one row cannot be stratified: a plain random holdout instead
    y1 = np.where(np.arange(1000) == 0, 2, noisy_labels(n=1000, noise=0.1)[1])
    res = tune_on_subset(LogisticRegression(), {"C": [0.1, 1.0]}, X, y1, n_iter=2,
                         shortlist=2, reducer=get_reducer("srs", keep=0.5, random_state=0),
                         random_state=0)
    assert len(res.shortlist) == 2
    # a configuration whose fits fail on the subset is never shortlisted
    from sklearn.tree import DecisionTreeClassifier

    with pytest.warns(UserWarning):  # scikit-learn: some fits failed
        bad = tune_on_subset(DecisionTreeClassifier(random_state=0),
                             {"max_depth": [2, -1]}, X, y, n_iter=2, shortlist=2,
                             random_state=0)
    assert [p["max_depth"] for p, _ in bad.shortlist] == [2] and bad.best_params == {
        "max_depth": 2}
    # lists with synthetic rows, and a sampler that does not say which rows it kept
    lists = tune_on_subset(LogisticRegression(), {"C": [0.1, 1.0]}, X.tolist(), y.tolist(),
                           reducer="clc", keep=0.2, n_iter=2, random_state=0)
    assert lists.n_tuned == 200

    class EveryOther:
        def fit_resample(self, X, y):
            return X[::2], y[::2]

        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

    plain = tune_on_subset(LogisticRegression(), {"C": [0.1, 1.0]}, X, y,
                           reducer=EveryOther(), n_iter=2, random_state=0)
    assert plain.n_tuned == 500
    with pytest.raises(ValueError, match="one scorer"):
        tune_on_subset(LogisticRegression(), {"C": [1.0]}, X, y, scoring=["accuracy", "f1"])


class HalvingSpy(CountingModel):
    """Records each training (rows, whether a flipped row is among them) and each prediction's
    rows."""

    fits, predicts = [], []

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        HalvingSpy.fits.append((len(X), bool((X[:, 2] > 0).any())))
        return super().fit(X, y)

    def predict(self, X):
        HalvingSpy.predicts.append(len(X))
        return super().predict(X)


class CountedCleanRows(CleanRows):
    """CleanRows counting its fits (across the clones the search makes)."""

    n_fits = 0

    def _select(self, X, n_select, rng):
        CountedCleanRows.n_fits += 1
        return super()._select(X, n_select, rng)


def test_tune_halving_trains_rungs_on_the_reducers_rows_and_refits_once_on_all():
    HalvingSpy.fits, HalvingSpy.predicts = [], []
    X, y = noisy_labels(n=1200, noise=0.1)
    res = tune_halving(HalvingSpy(), {"C": np.logspace(-3, 3, 20)}, X, y, reducer=CleanRows(),
                       n_candidates=9, factor=3, max_keep=450, cv=3, random_state=0)
    assert res.rungs == [(9, 50), (3, 150), (1, 450)]  # keep grows by factor, 1/3 go on
    assert list(res.search.cv_results_["n_resources"]) == [50] * 9 + [150] * 3 + [450]
    *tuning, refit = HalvingSpy.fits
    assert [n for n, _ in tuning] == [50] * 27 + [150] * 9 + [450] * 3
    # the reducer's rows: CleanRows keeps no flipped row, a random subsample of 50 would
    assert not any(flipped for _, flipped in tuning)
    assert set(HalvingSpy.predicts) == {400}  # validation folds are whole
    # one final training on every row, of the estimator alone, without the resource
    assert refit == (1200, True) and type(res.best_estimator) is HalvingSpy
    assert set(res.best_params) == {"C"} and res.best_estimator.C == res.best_params["C"]
    assert res.n_tuned == 450 and res.n_rows == 1200 and res.reduce_seconds == 0.0
    assert res.predict(X).shape == (1200,) and res.total_seconds > 0


@pytest.mark.parametrize("cache, n_fits", [(True, 3 * 2), (False, 3 * (4 + 2))])
def test_tune_halving_fits_the_reducer_once_per_fold_and_rung(cache, n_fits):
    CountedCleanRows.n_fits = 0
    X, y = noisy_labels(n=600, noise=0.1)
    res = tune_halving(LogisticRegression(), {"C": np.logspace(-3, 3, 20)}, X, y,
                       reducer=CountedCleanRows(stratify=False), n_candidates=4, factor=3, max_keep=0.5,
                       cache_reducer=cache, random_state=0)
    assert [c for c, _ in res.rungs] == [4, 2] and CountedCleanRows.n_fits == n_fits


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_keep": 5000}, ValueError, "max_keep=5000"),  # more than a training fold
    ({"max_keep": 0.0}, ValueError, "max_keep"),
    ({"min_keep": 300, "max_keep": 100}, ValueError, "min_keep=300"),
    ({"min_keep": 0}, ValueError, "min_keep"),
    ({"n_candidates": 0}, ValueError, "n_candidates"),
    ({"reducer": 42}, TypeError, "reducer=42"),
    ({"factor": -1}, ValueError, "factor"),
])
def test_tune_halving_refuses_bad_arguments(kwargs, error, match):
    X, y = noisy_labels(n=600)
    with pytest.raises(error, match=match):
        tune_halving(LogisticRegression(), {"C": [0.1, 1.0]}, X, y, **kwargs)


def test_within_tolerance_needs_the_lower_confidence_bound():
    from datareduce.search._evaluate import FULL, Evaluator

    class Tol:
        tolerance = 0.01

    splits = [(np.arange(10), np.arange(10, 15))] * 3
    ev = Evaluator(Tol(), None, np.zeros(15), splits, {}, None, 0, "srs", [0.1], None)
    full = [0.80, 0.80, 0.80]
    for label, keep, sc in ((FULL, 1.0, full), ("srs", 0.1, [0.80, 0.795, 0.80]),
                            ("srs", 0.2, [0.87, 0.73, 0.80])):
        ev.cells[(label, keep)] = {i: (s, 0.0, 0.0, 1) for i, s in enumerate(sc)}
    ev.measure_baseline()
    assert ev.threshold == pytest.approx(0.79)
    assert ev.within("srs", 0.1)  # steady, 0.5 point below
    assert ev.mean("srs", 0.2) >= ev.threshold and not ev.within("srs", 0.2)  # scattered
    # mean - one SE clears the threshold, the one-sided 90 % bound (t = 1.89) does not
    ev.cells[("srs", 0.3)] = {i: (s, 0.0, 0.0, 1) for i, s in enumerate([0.802, 0.795, 0.788])}
    d = np.array([0.002, -0.005, -0.012])
    assert 0.795 - d.std(ddof=1) / np.sqrt(3) > ev.threshold
    assert not ev.within("srs", 0.3)


# ------------------------------------------------ issue 22: safe and cheap
def test_a_method_replaces_srs_only_when_its_lower_bound_is_above_zero():
    """The old rule (mean paired difference > one standard error) took this method: its
    one-sided 90 % lower bound is below zero, so SRS stays."""
    from datareduce.search._evaluate import Evaluator
    from datareduce.search._stats import paired_lower_bound

    splits = [(np.arange(10), np.arange(10, 15))] * 3
    ev = Evaluator(None, None, np.zeros(15), splits, {}, None, 0, "srs", [0.1], None)
    srs = np.array([0.80, 0.81, 0.80])
    lucky = srs + np.array([0.04, -0.01, 0.02])  # mean +0.017, one SE 0.0145
    steady = srs + np.array([0.02, 0.025, 0.02])
    for m, sc in (("srs", srs), ("lucky", lucky), ("steady", steady)):
        ev.cells[(m, 0.1)] = {i: (s, 0.0, 0.0, 1) for i, s in enumerate(sc)}
    d = lucky - srs
    assert d.mean() > d.std(ddof=1) / np.sqrt(3)  # what the old rule accepted
    assert paired_lower_bound(lucky, srs, 0.9) < 0 and not ev.beats_reference("lucky", 0.1)
    assert ev.beats_reference("steady", 0.1) and not ev.beats_reference("srs", 0.1)


def test_the_replacement_bound_holds_for_the_raced_methods_together():
    """A method whose paired bound clears zero at 90 % replaces SRS when it is the only
    one raced, but not when three were raced (Bonferroni: 1 - 0.1 / 3 each), the rule that
    stopped most false replacements on the held-out tables (docs/search.md)."""
    from types import SimpleNamespace

    from datareduce.search._stats import paired_lower_bound

    srs = np.array([0.80, 0.81, 0.80])
    scores = {"srs": srs, "a": srs + [0.02, 0.03, 0.01], "b": srs - 0.05, "c": srs - 0.04}
    assert paired_lower_bound(scores["a"], srs, 0.9) > 0
    assert paired_lower_bound(scores["a"], srs, 1 - 0.1 / 3) < 0

    def evaluator(methods):
        return SimpleNamespace(
            reference="srs", candidates=["srs", *methods], keeps=[0.1],
            clock=SimpleNamespace(reserve=0.0), check_cost=lambda *a: 0.0,
            complete=lambda m, k: True, within=lambda m, k: True,
            mean=lambda m, k: float(np.mean(scores[m])),
            beats_reference=lambda m, k, level: m != "srs" and paired_lower_bound(
                scores[m], srs, level) > 0)

    search = ReductionSearchCV(LogisticRegression(), racing_level=0.9)
    search._ordered = lambda ev, others: list(others)
    search._race = lambda ev, keep, methods: list(methods)
    assert search._race_down(evaluator(["a"]), 0.1, 0.1) == [("a", 0.1)]
    assert search._race_down(evaluator(["a", "b", "c"]), 0.1, 0.1) == []


class MostlyFlipped(CleanRows):
    """Random rows, but the flipped-label rows first for a third of the quota: worse than
    SRS."""

    def _select(self, X, n_select, rng):
        flipped = np.flatnonzero(X[:, 2] > 0)
        bad = rng.permutation(flipped)[:n_select // 3]
        rest = rng.permutation(np.setdiff1d(np.arange(len(X)), bad))[:n_select - len(bad)]
        return Selection(indices=np.concatenate([bad, rest]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_method_worse_than_srs_is_never_answered(seed):
    X, y = noisy_labels(n=1200, noise=0.2, seed=seed)
    search = ReductionSearchCV(LogisticRegression(), methods={"srs": get_reducer("srs"),
                                                              "worse": MostlyFlipped()},
                               keeps=(0.05, 0.1, 0.2), tolerance=0.5, budget=None,
                               random_state=seed).fit(X, y)
    assert search.within_tolerance_ and search.best_method_ == "srs"


class LuckySeed(CleanRows):
    """Clean rows for the search's own seed, flipped rows for every other draw: it wins
    the race, and only the check over several draws shows it is not safe."""

    lucky = None

    def _select(self, X, n_select, rng):
        cls = CleanRows if self.random_state == LuckySeed.lucky else FlippedRows
        return cls._select(self, X, n_select, rng)


def test_the_check_over_draws_rejects_a_subset_that_only_one_draw_makes_good():
    X, y = noisy_labels(n=900, noise=0.25)
    search = ReductionSearchCV(KNeighborsClassifier(5), methods={"srs": get_reducer("srs"),
                                                                 "lucky": LuckySeed()},
                               keeps=(0.1, 0.2, 0.3), scoring="accuracy", tolerance=0.05,
                               budget=None, random_state=0)
    rng = np.random.default_rng(0)  # the search's seed, as fit draws it
    from datareduce._core.validation import draw_seed

    LuckySeed.lucky = draw_seed(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    lucky = [k for (m, k) in search.checks_ if m == "lucky"]
    assert lucky, "the lucky method should have won a race and been checked"
    assert all(not search.checks_[("lucky", k)][1] for k in lucky)
    assert search.best_method_ != "lucky"
    if search.within_tolerance_:
        scores = search.check_scores_
        assert scores.shape == (3, 3) and scores.mean() - 0 >= search.threshold_ - 0.05


def test_fractions_are_of_the_whole_training_set_and_the_gain_is_reported():
    X, y = noisy_labels(n=1500, noise=0.1)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.1, 0.2, 0.5),
                               tolerance=0.05, budget=None, random_state=0).fit(X, y)
    res = search.results_frame()
    for _, row in res[res.method == "srs"].iterrows():
        assert row.n_kept == round(row.keep * 1500)  # not of a fold's 1000 rows
    assert search.within_tolerance_
    assert len(search.best_reducer_.sample_indices_) == round(search.best_keep_ * 1500)
    gain, lo, hi = search.all_rows_gain_
    assert lo <= gain <= hi and gain >= -0.05
    assert search.check_scores_.shape == (3, 3)
    full = res.set_index(["method", "keep"]).loc[("full", 1.0)].filter(like="split")
    assert gain == pytest.approx(float(np.mean(search.check_scores_.mean(axis=0)
                                               - full.to_numpy(float))) - search.baseline_gain_)
    assert search.threshold_ == pytest.approx(search.baseline_score_ + search.baseline_gain_
                                              - 0.05)
    assert "checked: 3 draws" in search.summary()


@pytest.mark.filterwarnings("ignore:ReductionSearchCV:UserWarning")
@pytest.mark.parametrize("budget", ["1x", "2x", 0.5])
def test_a_tight_budget_never_returns_a_failing_fraction(budget):
    # gradient-free, slowish model; tolerance tight: the budget runs out in many places
    X, y = noisy_labels(n=3000, noise=0.15, seed=3)
    search = ReductionSearchCV(KNeighborsClassifier(15), methods=["srs", "nrmd"],
                               tolerance=0.003, budget=budget, min_budget=0.0,
                               random_state=0).fit(X, y)
    assert search.baseline_kind_ in (None, "measured")  # < 50,000 rows: never extrapolated
    if search.within_tolerance_:
        scores, passed = search.checks_[(search.best_method_, search.best_keep_)]
        assert passed and scores.mean() >= search.threshold_
    else:
        assert search.best_keep_ == 1.0
        assert len(search.best_reducer_.sample_indices_) == len(y)


class CurveModel(ClassifierMixin, BaseEstimator):
    """Accuracy a known function of the training rows: column 0 is the label, column 1 a
    uniform number; the model answers the label where column 1 < f(rows). f saturates
    early and keeps rising slowly: a power law through its first points flattens too soon
    (too low an extrapolated baseline)."""

    def fit(self, X, y):
        m = len(X)
        self.acc_ = 0.80 - 0.10 * (m / 600) ** -1.5 + 0.004 * np.log2(m / 600)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        X = np.asarray(X)
        return np.where(X[:, 1] < self.acc_, X[:, 0], 1 - X[:, 0])


def test_large_table_extrapolates_anchors_the_curve_above_the_answer_and_checks_cheaply():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60_000)
    X = np.column_stack([y, rng.random(60_000)])
    search = ReductionSearchCV(CurveModel(), methods=["srs"], scoring="accuracy",
                               keeps=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3), tolerance=0.01,
                               budget=None, baseline="extrapolate", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    assert search.baseline_kind_ == "extrapolated"
    res = search.results_frame()
    # a curve through 0.01, 0.02, 0.05 alone answers 0.05 (2.5 points below all rows)
    assert search.best_keep_ >= 0.1
    if search.within_tolerance_:
        assert (res[res.method == "srs"].keep > search.best_keep_).any()  # anchored above
        scores = search.check_scores_
        assert scores.shape == (3, 3) and np.isfinite(scores[0]).all()
        assert np.isfinite(scores[1:]).sum(axis=1).tolist() == [1, 1]  # one split per draw


def test_the_budget_floor_applies_to_cheap_models_only():
    from types import SimpleNamespace

    from datareduce.search._budget import Clock, TimeModel
    from datareduce.search._evaluate import FULL

    search = ReductionSearchCV(LogisticRegression(), budget="3x", min_budget=8.0)
    for fit_s, limit in ((0.1, 8.0), (2.0, 6.0)):  # one full training: 0.1 s, 2 s
        ev = SimpleNamespace(budget=(None, 3.0), clock=Clock(), n=300, n_train=300,
                             cells={(FULL, 1.0): {0: (0.9, 0.0, fit_s, 300)}},
                             times=TimeModel())
        assert search.resolve_budget(ev) == pytest.approx(limit)


# ------------------------------------------------------- shared preprocessing
class CountingScaler(BaseEstimator):
    """A scaler that records the rows of every fit (row ids in column 0, left unscaled)."""

    fits = []

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        CountingScaler.fits.append(frozenset(X[:, 0].astype(int).tolist()))
        self.mean_, self.scale_ = X[:, 1:].mean(axis=0), X[:, 1:].std(axis=0) + 1e-12
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=float)
        return np.column_stack([X[:, 0], (X[:, 1:] - self.mean_) / self.scale_])


class IdBlindLogistic(LogisticRegression):
    """Logistic regression that ignores column 0 (the row id)."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(np.asarray(X)[:, 1:], y, sample_weight=sample_weight)

    def predict(self, X):
        return super().predict(np.asarray(X)[:, 1:])


def test_pipeline_preprocessing_is_fitted_once_per_fold_and_once_on_all_rows():
    from sklearn.pipeline import Pipeline, make_pipeline

    Xf, y = noisy_labels(n=600, noise=0.1)
    X = np.column_stack([np.arange(len(y)), Xf])
    CountingScaler.fits = []
    search = ReductionSearchCV(make_pipeline(CountingScaler(), IdBlindLogistic()),
                               methods=["srs"], keeps=(0.05, 0.1, 0.2, 0.3), tolerance=0.05,
                               budget=None, random_state=0).fit(X, y)
    fits = CountingScaler.fits
    assert len(fits) == 4  # one per training fold, then all rows at the refit
    assert all(len(f) == 400 for f in fits[:3]) and fits[3] == frozenset(range(600))
    assert isinstance(search.best_estimator_, Pipeline)
    assert search.best_estimator_.predict(X).shape == (600,)
    if search.within_tolerance_:  # the last step saw the kept rows only
        assert search.best_estimator_.steps[-1][1].n_features_in_ == 3
    CountingScaler.fits = []
    ReductionSearchCV(make_pipeline(CountingScaler(), IdBlindLogistic()), methods=["srs"],
                      keeps=(0.05, 0.1, 0.2, 0.3), tolerance=0.05, budget=None,
                      share_preprocessing=False, random_state=0).fit(X, y)
    assert len(CountingScaler.fits) > 4  # the whole pipeline on every candidate's rows
    with pytest.raises(ValueError, match="share_preprocessing"):
        ReductionSearchCV(LogisticRegression(), share_preprocessing="yes").fit(Xf, y)


def second_column(X):
    return np.asarray(X, dtype=float)[:, [1]]


def test_a_space_shared_per_fold_selects_the_same_rows_as_each_reducer_fitting_it():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X, y = noisy_labels(n=450, noise=0.2)
    space = make_pipeline(FunctionTransformer(second_column), StandardScaler())  # it matters
    res = []
    for share in (True, False):
        search = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
                                   keeps=(0.1, 0.2, 0.3), tolerance=0.02, budget=None,
                                   space=space, share_preprocessing=share,
                                   random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res.append(search.fit(X, y).results_frame())
    mms = [r[r.method == "mms"].set_index("keep").filter(like="split") for r in res]
    assert len(mms[0]) and mms[0].equals(mms[1])


def _stub_evaluator(n, splits):
    """An Evaluator over ``n`` rows and ``splits`` for a search with tolerance 0.01 and
    racing level 0.9 (no estimator: the tests fill its cells by hand)."""
    from datareduce.search._evaluate import Evaluator

    class Search:
        tolerance = 0.01
        racing_level = 0.9

    return Evaluator(Search(), None, np.zeros(n), splits, {}, None, 0, "srs", [0.1], None)


def test_the_check_needs_one_draw_on_new_data_within_tolerance_not_only_the_mean():
    """Draws whose mean clears the old rules but whose (draw, split) differences to the
    full training scatter by more than the tolerance: one subset scored on new data is
    outside the tolerance too often, so the check fails; a steady one passes."""
    from datareduce.search._evaluate import FULL

    splits = [(np.arange(10), np.arange(10, 15))] * 3
    ev = _stub_evaluator(15, splits)
    ev.cells[(FULL, 1.0)] = {i: (0.80, 0.0, 0.0, 1) for i in range(3)}
    ev.measure_baseline()
    cases = {0.1: [[0.80, 0.799, 0.802], [0.801, 0.798, 0.80], [0.799, 0.80, 0.801]],
             0.2: [[0.81, 0.80, 0.805], [0.84, 0.765, 0.80], [0.83, 0.77, 0.81]]}
    for keep, rows in cases.items():
        ev.cells[("srs", keep)] = {i: (s, 0.0, 0.0, 1) for i, s in enumerate(rows[0])}
        ev.draws[("srs", keep)] = {d: {i: (s, 0.0, 0.0, 1) for i, s in enumerate(rows[d])}
                                   for d in (1, 2)}
    assert ev.check("srs", 0.1, 3) and ev.check_bounds[("srs", 0.1)] > -0.01
    scattered = np.array(cases[0.2])
    assert ev.within("srs", 0.2) and ev._passes(scattered)  # the mean's lower bound passes
    assert scattered.mean(axis=1).min() >= ev.threshold - 0.01  # no draw far below
    assert not ev.check("srs", 0.2, 3) and ev.check_bounds[("srs", 0.2)] < -0.01


def test_the_threshold_is_against_a_training_on_all_rows_not_on_a_fold():
    """A measured baseline trains on 2/3 of the rows; on a rising learning curve the
    training on all rows scores higher, and the threshold follows the curve up to it."""
    from datareduce.search._evaluate import FULL

    n = 1500
    splits = [(np.arange(1000), np.arange(1000, 1500))] * 3

    def law(m):
        return 0.9 - 2.0 * m ** -0.5

    ev = _stub_evaluator(n, splits)
    ev.cells[(FULL, 1.0)] = {i: (law(1000) + e, 0.0, 0.0, 1000)
                             for i, e in enumerate((0.001, -0.001, 0.0))}
    ev.measure_baseline()
    for keep in (0.05, 0.1, 0.2, 0.4):
        ev.cells[("srs", keep)] = {i: (law(keep * n) + e, 0.0, 0.0, 1)
                                   for i, e in enumerate((0.001, -0.001, 0.0))}
    assert ev.fit_curve("srs") is not None
    assert ev.baseline_gain == pytest.approx(law(n) - law(1000), abs=2e-3)
    assert ev.threshold == pytest.approx(ev.baseline_score + ev.baseline_gain - 0.01)
    assert ev.baseline_gain > 0.008  # most of the tolerance: a fold's baseline is too low


@pytest.mark.filterwarnings("ignore:ReductionSearchCV:UserWarning")
def test_the_budget_unit_is_measured_first_when_the_baseline_will_be_measured():
    """Tiny trainings are dominated by fixed overheads: scaled to all rows they predict a
    full training many times too slow (and no min_budget floor). When the baseline will be
    measured anyway and the budget is a multiple of one training, one full training fold
    is the first evaluation."""
    X, y = noisy_labels(n=900, noise=0.2)
    first = {}
    for budget in ("3x", None, 30.0):
        search = ReductionSearchCV(LogisticRegression(), methods=["srs"],
                                   keeps=(0.05, 0.1, 0.2, 0.3), tolerance=0.02,
                                   budget=budget, random_state=0).fit(X, y)
        first[budget] = search.cv_results_["method"][0]
    assert first == {"3x": "full", None: "srs", 30.0: "srs"}


def test_the_prediction_bound_widens_where_a_fold_shares_more_rows_with_its_full_training():
    """keep 0.5 of 1,500 rows is 750 rows: 75 % of a 1,000-row fold but 50 % of all rows:
    the spread of the differences is scaled by sqrt(0.5 / 0.25); at keep 0.02 barely."""
    from datareduce.search._evaluate import FULL

    splits = [(np.arange(1000), np.arange(1000, 1500))] * 3
    ev = _stub_evaluator(1500, splits)
    ev.cells[(FULL, 1.0)] = {i: (0.80, 0.0, 0.0, 1000) for i in range(3)}
    ev.measure_baseline()
    scores = np.array([[0.81, 0.80, 0.79], [0.805, 0.795, 0.80], [0.80, 0.81, 0.79]])
    mean = scores.mean() - 0.80
    plain = mean - ev.prediction_bound(scores)
    assert mean - ev.prediction_bound(scores, 0.5) == pytest.approx(np.sqrt(2) * plain)
    assert mean - ev.prediction_bound(scores, 0.02) == pytest.approx(
        np.sqrt(0.98 / 0.97) * plain)


def test_a_measured_split_replaces_the_probe_in_the_cost_of_the_splits_left():
    """A probe of a few hundred rows can be all fixed overhead (MMS on 15,000 rows: probes
    of 0.04 s predicted 0.04 s per split, a split took 2 s): once a method ran on a split at
    a fraction, its measured reduction time predicts the other splits."""
    from datareduce.search._evaluate import Evaluator

    splits = [(np.arange(1000), np.arange(1000, 1500))] * 3
    ev = Evaluator(None, None, np.zeros(1500), splits, {}, None, 0, "srs", [0.1], None)
    ev.probes["mms"] = (0.046, 0.043, 150, 300, 0.027)  # t(300) < t(150): overhead only
    before = ev.reduction_seconds("mms", 0.5)
    assert before < 0.1
    ev.cells[("mms", 0.5)] = {0: (0.8, 2.1, 0.3, 750)}
    assert ev.reduction_seconds("mms", 0.5) == pytest.approx(2.1)
    assert ev.unit_cost("mms", 0.5) >= 2.1
    assert ev.reduction_seconds("mms", 0.2) == pytest.approx(before)  # another fraction


def test_search_trains_a_nested_pipeline_with_the_reducers_weights():
    # the estimator's last step is itself a pipeline (shared preprocessing splits off the
    # outer one): the weights go to "<last>__sample_weight", a bare sample_weight is refused
    from sklearn.pipeline import Pipeline as SkPipeline
    from sklearn.preprocessing import StandardScaler

    class WeightSpy(LogisticRegression):
        seen = []

        def fit(self, X, y, sample_weight=None):
            WeightSpy.seen.append(sample_weight is not None)
            return super().fit(X, y, sample_weight=sample_weight)

    X, y = noisy_labels(n=1500, noise=0.1)
    inner = SkPipeline([("sc", StandardScaler()), ("m", WeightSpy())])
    for share in (True, False):
        WeightSpy.seen = []
        est = SkPipeline([("sc", StandardScaler()), ("model", inner)])
        search = ReductionSearchCV(est, methods=["srs"], keeps=(0.1, 0.3), budget=None,
                                   share_preprocessing=share, random_state=0).fit(X, y)
        assert search.best_keep_ in (0.1, 0.3, 1.0) and any(WeightSpy.seen)


def test_search_follows_the_weight_policy_of_reweighted_reducers_and_use_weights():
    from sklearn.tree import DecisionTreeClassifier

    class TreeSpy(DecisionTreeClassifier):
        seen = []

        def fit(self, X, y, sample_weight=None, check_input=True):
            TreeSpy.seen.append(sample_weight is not None)
            return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)

    X, y = noisy_labels(n=1200, noise=0.1)
    # a tree gets no weights under "auto", unless a reducer fitted its weights on request
    TreeSpy.seen = []
    ReductionSearchCV(TreeSpy(max_depth=3, random_state=0),
                      methods={"srs": get_reducer("srs", reweight="mmd", random_state=0)},
                      keeps=(0.1, 0.3), budget=None, random_state=0).fit(X, y)
    assert any(TreeSpy.seen)
    TreeSpy.seen = []
    plain = ReductionSearchCV(TreeSpy(max_depth=3, random_state=0), methods=["srs"],
                              keeps=(0.1, 0.3), budget=None, random_state=0).fit(X, y)
    assert not any(TreeSpy.seen)
    # best_pipeline_ trains as the search did
    off = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.1, 0.3),
                            budget=None, use_weights=False, random_state=0).fit(X, y)
    assert off.best_pipeline_.pass_sample_weight is False
    assert plain.best_pipeline_.pass_sample_weight == "auto"


def test_tune_on_subset_trains_with_the_kept_rows_weights_in_their_row_order():
    class WeightLog(LogisticRegression):
        log = []

        def fit(self, X, y, sample_weight=None):
            WeightLog.log.append((np.asarray(X).copy(), sample_weight))
            return super().fit(X, y, sample_weight=sample_weight)

    X, y = noisy_labels(n=1200, noise=0.1)
    for method in ("clc", "kt"):  # synthetic rows (shuffled), real rows (row order)
        WeightLog.log = []
        res = tune_on_subset(WeightLog(), {"C": [0.1, 1.0]}, X, y, n_iter=2, cv=3,
                             reducer=get_reducer(method, keep=0.1, random_state=0),
                             refit="subset", random_state=0)
        red = res.reducer
        Xk = red.synthetic_ if red.synthetic_ is not None else X[red.sample_indices_]
        assert all(w is not None for _, w in WeightLog.log)
        Xs, ws = WeightLog.log[-1]  # the refit on the whole subset
        for row, weight in zip(Xs, ws, strict=True):
            match = np.flatnonzero((Xk == row).all(axis=1))
            assert weight in red.sample_weight_[match]


def test_random_sampling_in_a_fold_gets_the_folds_shape_not_a_copy_and_the_same_rows():
    """SRS reads only the fold's shape and its target: the search hands it a zero-stride
    stand-in instead of copying the training fold (on a 10^6-row table, 0.27 s and 107 MB per
    evaluation), and it keeps exactly the rows it keeps when it reads the real fold."""
    from datareduce.reducers.random import StratifiedRandomReducer

    seen = []

    class SpySRS(StratifiedRandomReducer):
        def fit(self, X, y=None):
            seen.append((len(X), np.asarray(X).strides[0] == 0))
            return super().fit(X, y)

    class ReadingSRS(SpySRS):
        _reads_X = True  # the path of every reducer that reads the values

    X, y = noisy_labels(n=900, noise=0.2)
    res = []
    for cls in (SpySRS, ReadingSRS):
        search = ReductionSearchCV(LogisticRegression(), methods={"srs": cls()},
                                   keeps=(0.05, 0.1, 0.2, 0.3), tolerance=0.02, budget=None,
                                   random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X, y)
        res.append(search.results_frame().filter(like="split"))
        on_folds = [standin for n, standin in seen if n < len(X)]
        assert len(on_folds) >= 6 and all(on_folds) == (cls is SpySRS) == any(on_folds)
        assert not any(standin for n, standin in seen if n == len(X))  # the refit reads X
        seen.clear()
    pd.testing.assert_frame_equal(res[0], res[1])


def test_a_one_dimensional_X_is_refused_by_name():
    X, y = noisy_labels(n=300)
    with pytest.raises(ValueError, match=r"2-D table.*reshape\(-1, 1\)"):
        ReductionSearchCV(LogisticRegression(), methods=["srs"], budget=None).fit(X[:, 0], y)


def test_search_of_a_pipeline_under_metadata_routing():
    """With routing on, a pipeline whose steps requested nothing trains unweighted (before:
    UnsetMetadataPassedError on the reducers' weights, which the user never passed); one whose
    model requested sample_weight gets them."""
    import sklearn
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = noisy_labels(n=600)
    with sklearn.config_context(enable_metadata_routing=True):
        plain = make_pipeline(StandardScaler(), LogisticRegression())
        asked = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                              LogisticRegression().set_fit_request(sample_weight=True))
        for est in (plain, asked):
            search = ReductionSearchCV(est, methods=["srs", "herding"], keeps=(0.1, 0.3),
                                       tolerance=0.05, budget=None, share_preprocessing=False,
                                       random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                search.fit(X, y)
            assert search.best_keep_ in (0.1, 0.3, 1.0)
