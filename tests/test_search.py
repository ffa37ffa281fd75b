"""ReductionSearchCV: planted winner, no peeking at held-out rows, budget, estimator API."""

import logging
import time
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
from datareduce.search import ReductionSearchCV, RowReducer, search_table


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


def test_planted_method_is_found():
    X, y = noisy_labels()
    methods = {"srs": get_reducer("srs"), "flipped": FlippedRows(), "clean": CleanRows(),
               "random": get_reducer("random")}
    search = ReductionSearchCV(KNeighborsClassifier(1), methods=methods, keeps=(0.05, 0.1, 0.3),
                               scoring="accuracy", tolerance=0.0, budget=None, min_rows=5,
                               random_state=0).fit(X, y)
    # a 1-NN on 30 % flipped labels: only the clean rows match the full set, at 5 % already
    assert search.best_method_ == "clean" and search.best_keep_ == 0.05
    assert search.within_tolerance_
    res = search.results_frame().set_index("method").mean_test_score
    assert res["clean"] > res["srs"] + 0.05 > res["flipped"] + 0.15
    assert res["clean"] >= res["full"]
    # the refit reducer is the planted one, fitted on all rows
    assert isinstance(search.best_reducer_, CleanRows)
    assert len(search.best_reducer_.sample_indices_) == round(0.05 * len(y))
    assert not (X[search.best_reducer_.sample_indices_, 2] > 0).any()


def test_successive_halving_keeps_the_best_half_and_the_reference():
    X, y = noisy_labels(noise=0.0)
    methods = {"srs": get_reducer("srs"), "flipped": FlippedRows(), "clean": CleanRows(),
               "mms": get_reducer("mms")}
    search = ReductionSearchCV(KNeighborsClassifier(1), methods=methods, keeps=(0.02, 0.05, 0.1),
                               scoring="accuracy", tolerance=0.0, budget=None, min_rows=5,
                               random_state=0)
    with pytest.warns(UserWarning, match="no kept fraction"):
        search.fit(X, y)  # nothing at 10 % matches a 1-NN on all rows of noise-free data
    res = search.results_frame()
    first = res[res.keep == 0.02].set_index("method").mean_test_score
    second = set(res.loc[res.keep == 0.05, "method"])
    assert second == set(first.nlargest(2).index) | {"srs"}
    third = res[res.keep == 0.1]
    assert len(third) <= len(second) and "srs" in set(third.method)
    assert search.best_keep_ == 0.1 and not search.within_tolerance_


def test_stops_at_the_smallest_fraction_within_tolerance():
    X, y = noisy_labels(noise=0.0)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
                               keeps=(0.05, 0.2, 0.5), scoring="accuracy", tolerance=0.05,
                               budget=None, random_state=0).fit(X, y)
    assert search.within_tolerance_ and search.best_keep_ == 0.05
    assert search.best_score_ >= search.baseline_score_ - 0.05
    res = search.results_frame()
    assert set(res.keep) == {1.0, 0.05}  # nothing beyond the first fraction was run
    full = res[res.method == "full"].iloc[0]
    assert full.n_kept == pytest.approx(len(y) * 2 / 3, abs=1)


def test_reference_preferred_within_one_standard_error():
    X, y = noisy_labels(noise=0.0, seed=3)
    # two copies of SRS with different seeds: equal in expectation, one is best by chance
    other = get_reducer("srs", random_state=123)
    search = ReductionSearchCV(LogisticRegression(), methods={"srs": get_reducer("srs"),
                                                              "other": other},
                               keeps=(0.1,), scoring="accuracy", tolerance=0.2, budget=None,
                               random_state=0).fit(X, y)
    res = search.results_frame().set_index("method")
    d = np.array([res.loc["other", f"split{i}_test_score"] - res.loc["srs",
                  f"split{i}_test_score"] for i in range(3)])
    if d.mean() > d.std(ddof=1) / np.sqrt(3):
        assert search.best_method_ == "other"
    else:
        assert search.best_method_ == "srs"
    none = clone(search).set_params(reference=None).fit(X, y)
    assert none.best_method_ == res.mean_test_score.drop("full").idxmax()


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
    assert len(SEEN_BY_REDUCER) - len(cv_fits) == 1
    # probes see subsamples of the first training fold; CV runs see whole training folds
    for s in cv_fits:
        assert any(s.isdisjoint(v) for v in validations)
    full_folds = [s for s in cv_fits if any(len(s) + len(v) == len(itr) and s.isdisjoint(v)
                                            for v in validations)]
    assert len(full_folds) >= 3 * 2  # 2 kept fractions x 3 folds


def test_space_is_fitted_on_training_folds_only():
    seen = []

    class SpySpace(BaseEstimator):
        def fit(self, X, y=None):
            seen.append(len(X))
            return self

        def transform(self, X):
            return np.asarray(X, dtype=float)

    X, y = noisy_labels(n=300, noise=0.0)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2,),
                               tolerance=0.5, budget=None, space=SpySpace(),
                               random_state=0).fit(X, y)
    assert seen[:3] == [200, 200, 200] and seen[-1] == 300  # folds, then the refit
    assert isinstance(search.best_reducer_, RowReducer)


# -------------------------------------------------------------------- budget
class SlowReducer(CleanRows):
    """Sleeps 1 ms per row: its cost grows with the rows."""

    def _select(self, X, n_select, rng):
        time.sleep(1e-3 * len(X))
        return Selection(indices=np.arange(n_select))


def test_budget_skips_methods_with_a_line(caplog):
    X, y = noisy_labels(n=1200, noise=0.0)
    search = ReductionSearchCV(LogisticRegression(), methods={"srs": get_reducer("srs"),
                                                              "slow": SlowReducer()},
                               keeps=(0.05,), tolerance=0.5, budget=2.0, n_probe=100,
                               random_state=0)
    with caplog.at_level(logging.WARNING, logger="datareduce.search"):
        search.fit(X, y)
    assert "slow" in search.skipped_ and "predicted" in search.skipped_["slow"]
    assert any("skipping 'slow'" in r.getMessage() for r in caplog.records)
    assert set(search.results_frame().method) == {"full", "srs"}
    assert search.predicted_seconds_["slow"] > 1.0  # ~800 rows x 1 ms x 3 folds, at least
    # without a budget it runs
    free = clone(search).set_params(budget=None, keeps=(0.05,)).fit(X[:300], y[:300])
    assert "slow" in set(free.results_frame().method)


def test_budget_as_multiple_and_bad_values():
    X, y = noisy_labels(n=300, noise=0.0)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2,),
                               tolerance=0.5, budget="50x", min_budget=0.0,
                               random_state=0).fit(X, y)
    assert search.budget_seconds_ == pytest.approx(50 * search.full_fit_seconds_)
    floor = clone(search).set_params(budget="1x", min_budget=30.0).fit(X, y)
    assert floor.budget_seconds_ == 30.0
    assert search.cost_ratio_ == pytest.approx(search.search_seconds_
                                               / search.full_fit_seconds_)
    with pytest.raises(ValueError, match="n_repeats"):
        clone(search).set_params(n_repeats=0).fit(X, y)
    for bad in ("fast", "0x", -1, True):
        with pytest.raises(ValueError, match="budget"):
            clone(search).set_params(budget=bad).fit(X, y)
    with pytest.raises(ValueError, match="tolerance"):
        clone(search).set_params(tolerance=-0.1).fit(X, y)
    with pytest.raises(ValueError, match="keeps"):
        clone(search).set_params(keeps=(0.1, 1.0)).fit(X, y)
    with pytest.raises(ValueError, match="Unknown method"):
        clone(search).set_params(methods=["nope"]).fit(X, y)


# ------------------------------------------------------------- estimator API
def test_clone_get_params_and_pipeline():
    search = ReductionSearchCV(LogisticRegression(C=2.0), methods=["srs"], keeps=(0.2,),
                               tolerance=0.3, budget=None, random_state=0)
    params = search.get_params()
    assert params["estimator__C"] == 2.0 and params["tolerance"] == 0.3
    twin = clone(search)
    assert twin.get_params()["estimator__C"] == 2.0 and twin is not search
    search.set_params(estimator__C=0.5, tolerance=0.4)
    assert search.estimator.C == 0.5
    assert "ReductionSearchCV(" in repr(search)

    X, y = noisy_labels(n=300, noise=0.0)
    search.fit(X, y)
    assert "best_method_='srs'" in repr(search)
    assert search.predict(X).shape == (300,)
    assert 0 <= search.score(X, y) <= 1
    pipe = search.best_pipeline_.fit(X, y)
    reducer = pipe.steps[0][1]
    assert len(reducer.sample_indices_) == 60 and pipe.predict(X).shape == (300,)
    text = search.summary()
    assert "choice: srs at keep=0.2" in text and "| full |" in text


def test_plot():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = noisy_labels(n=300, noise=0.0)
    search = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
                               keeps=(0.05, 0.2), tolerance=0.0, budget=None,
                               random_state=0)
    with pytest.warns(UserWarning):
        search.fit(X, y)
    ax = search.plot()
    labelled = [ln.get_label() for ln in ax.lines if not ln.get_label().startswith("_")]
    assert labelled == ["srs", "mms", "full training set"]
    curves = search.learning_curves()
    assert set(curves.method) == {"srs", "mms"}
    assert (curves.low <= curves.y).all() and (curves.y <= curves.high).all()
    plt.close("all")


# ---------------------------------------------------------------- regression
def test_regression_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.1, size=400)
    search = ReductionSearchCV(Ridge(), methods=["srs", "des", "clc"], keeps=(0.05, 0.2),
                               tolerance=0.05, budget=None, random_state=0).fit(X, y)
    assert search.task_ == "regression" and search.scoring_ == "r2"
    assert "des" in search.skipped_ and "class labels" in search.skipped_["des"]
    assert set(search.results_frame().method) == {"full", "srs", "clc"}
    red = search.best_reducer_
    assert isinstance(red, RowReducer)
    kept = red.sample_indices_
    # each quantile bin keeps its share of rows
    from datareduce.evaluation import quantile_strata

    bins = quantile_strata(y, 5)
    np.testing.assert_array_equal(np.bincount(bins[kept]), np.bincount(bins) * len(kept)
                                  // len(y))
    mae = clone(search).set_params(scoring="mae", methods=["srs"]).fit(X, y)
    assert mae.scoring_ == "neg_mean_absolute_error" and mae.best_score_ < 0


def test_search_table_mixed_types_returns_original_rows(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(["a", "b", "c"], n),
                       "label": rng.choice(["x", "y"], n)})
    df.loc[df.cat == "a", "label"] = "x"
    df.loc[::17, "num"] = np.nan
    df.loc[::23, "cat"] = None
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    search = search_table(path, "label", methods=["srs", "mms"], keeps=(0.1,), tolerance=0.5,
                          budget=None)
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


def test_credibility_rule_by_hand():
    # paired fold differences vs the reference: mean 0.02, SE = std(ddof=1) / sqrt(3)
    search = ReductionSearchCV(LogisticRegression())
    ref = np.array([0.70, 0.80, 0.75])
    results = {("srs", 0.1): (ref,), ("steady", 0.1): (ref + [0.02, 0.021, 0.019],),
               ("lucky", 0.1): (ref + [0.10, -0.05, 0.01],)}
    assert search._credible(results, "srs", 0.1)
    assert search._credible(results, "steady", 0.1)  # 0.02 > 0.0006
    d = np.array([0.10, -0.05, 0.01])
    assert d.mean() < d.std(ddof=1) / np.sqrt(3)
    assert not search._credible(results, "lucky", 0.1)
    assert search._credible(results, "lucky", 0.2) is True  # no reference run there
    assert search.set_params(reference=None)._credible(results, "lucky", 0.1)
