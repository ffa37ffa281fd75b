"""review15/a: the search and the "reduce once, train many" tuning as a demanding user of
scikit-learn uses them (ReductionSearchCV, search_table, tune_on_subset, the CLI)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from datareduce import ReductionSearchCV


# --------------------------------------------------- 01 a table of 0 rows or 0 columns
@pytest.mark.parametrize("rows, cols, what", [(0, 4, "0 rows"), (300, 0, "0 columns")])
@pytest.mark.parametrize("estimator", [LogisticRegression(), Ridge()])
def test_an_empty_table_is_refused_naming_x_before_any_training(rows, cols, what, estimator):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(rows, cols)), (np.arange(rows) % 2).astype(float)
    with pytest.raises(ValueError, match=f"X has {what}"):
        ReductionSearchCV(estimator, methods=["srs"], budget=None).fit(X, y)


def test_search_table_of_no_rows_is_refused_naming_the_rows():
    from datareduce.search import search_table

    with pytest.raises(ValueError, match="X has 0 rows"):
        search_table(pd.DataFrame({"a": [], "t": []}), "t")


# ------------------------- 02 tune_on_subset: a kept class with fewer rows than the folds
def _rare(n=2000):
    from sklearn.datasets import make_classification

    return make_classification(n, 6, weights=[0.985], random_state=0)  # 36 rows of class 1


@pytest.mark.parametrize(
    "keep, what", [(0.02, "CV score on the 40 kept rows is NaN"), (0.0015, "no stratified split")]
)
def test_tune_on_subset_refuses_kept_rows_whose_class_is_short_of_the_folds(keep, what):
    from datareduce.search import tune_on_subset

    X, y = _rare()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=f"keep={keep}.*1 of class 1 .*3 folds.*{what}"):
            tune_on_subset(
                LogisticRegression(), {"C": [0.1, 1, 10]}, X, y, keep=keep, n_iter=3, random_state=0
            )


def test_tune_on_subset_with_two_rows_of_a_class_in_three_folds_still_tunes():
    from datareduce.search import tune_on_subset

    X, y = _rare()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's "least populated class" warning
        res = tune_on_subset(
            LogisticRegression(), {"C": [0.1, 1, 10]}, X, y, keep=0.05, n_iter=3, random_state=0
        )
    assert np.isfinite(res.search.cv_results_["mean_test_score"]).all()


# ---------------- 03 the summary names failed checks and the splits a stopped race scored
def test_summary_names_a_failed_check_and_the_splits_of_a_stopped_race():
    from sklearn.datasets import make_classification

    X, y = make_classification(900, 6, flip_y=0.1, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(
            LogisticRegression(),
            methods=["srs", "random", "mms", "clc", "herding"],
            budget=None,
            random_state=0,
        ).fit(X, y)
    text = s.summary()
    failed = [(m, k) for (m, k), (_, ok) in s.checks_.items() if not ok]
    assert failed and s.within_tolerance_  # an answer above a fraction whose check failed
    for m, k in failed:
        assert f"check failed: {m} at keep={k}: 3 draws x 3 splits" in text
    res = s.results_frame()
    scored = res.filter(like="split").notna().sum(axis=1)
    assert (scored < 3).any()
    rows = [r for r in text.splitlines() if r.startswith("| ") and "---" not in r][1:]
    for r, n in zip(rows, scored, strict=True):
        assert r.rstrip(" |").endswith("| 3" if n == 3 else f"| {n} of 3")


# ------------------------------- 04 tune_halving: factor and cache_reducer refused by name
@pytest.mark.parametrize(
    "kw", [{"factor": 1}, {"factor": 0.5}, {"factor": True}, {"cache_reducer": "false"}]
)
def test_tune_halving_refuses_a_factor_not_above_one_and_a_cache_word(kw):
    from sklearn.tree import DecisionTreeClassifier

    from datareduce.search import tune_halving

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 4)), np.arange(300) % 2
    ((name, value),) = kw.items()
    with pytest.raises(ValueError, match=f"^{name}={value!r} must be"):
        tune_halving(
            DecisionTreeClassifier(random_state=0),
            {"max_depth": [2, 4, 8, 16]},
            X,
            y,
            n_candidates=4,
            random_state=0,
            **kw,
        )


# ------------------------------------- 05 the search's arguments refused in their own names
@pytest.mark.parametrize(
    "kw, said",
    [
        ({"racing_level": "0.9"}, "racing_level='0.9' must be a number in"),
        ({"racing_level": None}, "racing_level=None must be a number in"),
        ({"method_params": {"mms": {"foo": 1}}}, r"method_params\['mms'\] names \['foo'\]"),
        ({"method_params": {"mms": 3}}, r"method_params\['mms'\]=3: give a dict"),
        ({"methods": {"a": "srs"}}, r"methods\['a'\] is 'srs': a dict of methods maps"),
        ({"methods": 3}, "methods=3: give 'auto'"),
        ({"min_budget": float("nan"), "budget": "2x"}, "min_budget=nan must be seconds"),
    ],
)
def test_search_arguments_are_refused_in_their_own_names(kw, said):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 4)), np.arange(300) % 2
    args = {"methods": ["srs", "mms"], "budget": None, "random_state": 0, **kw}
    with pytest.raises(ValueError, match=f"^{said}"):
        ReductionSearchCV(LogisticRegression(), **args).fit(X, y)


# ------------- 06 tune_halving: a factor that is not a whole number runs the rungs asked
@pytest.mark.parametrize(
    "factor, max_keep, rungs",
    [
        (2.5, 0.2, [(4, 53), (2, 132)]),
        (1.5, 0.6, [(4, 120), (3, 180), (2, 270), (2, 405)]),
        (3, 0.2, [(4, 53), (2, 159)]),
        (2, 0.2, [(4, 40), (2, 80), (1, 160)]),
    ],
)
def test_tune_halving_with_a_fractional_factor_runs_its_rungs_up_towards_max_keep(
    factor, max_keep, rungs
):
    from sklearn.datasets import make_classification
    from sklearn.tree import DecisionTreeClassifier

    from datareduce.search import tune_halving

    X, y = make_classification(1200, 6, random_state=0)  # training folds of 800 rows
    res = tune_halving(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": list(range(1, 20))},
        X,
        y,
        n_candidates=4,
        factor=factor,
        max_keep=max_keep,
        random_state=0,
    )
    assert res.rungs == rungs  # whole factors: scikit-learn's "exhaust", as before


# ------------------- 07 the budget's 8 s floor is said where it applies (cli.md, --help)
def test_the_budget_floor_is_said_only_for_trainings_under_a_second(capsys):
    from pathlib import Path

    from datareduce.cli import main
    from datareduce.search._budget import CHEAP_SECONDS, Clock

    s = ReductionSearchCV(LogisticRegression(), budget="3x")

    class Ev:
        budget, clock = (None, 3.0), Clock()

    s._full_seconds = lambda ev: 2 * CHEAP_SECONDS
    assert s.resolve_budget(Ev()) == pytest.approx(6 * CHEAP_SECONDS)  # no 8 s floor
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    for text in (help_text, page):
        assert "never under 8 s" not in text
        assert "at least 8 s when one" in text
    assert "with its stage: curve, baseline, race, check)" in page


# ------------------ 08 the plot clips an F-beta (callable scorer) band to the scorer's range
def test_plot_clips_the_band_of_an_fbeta_scorer_to_one():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from sklearn.datasets import make_classification
    from sklearn.metrics import fbeta_score, make_scorer

    from datareduce.search._plot import score_range

    X, y = make_classification(300, 6, class_sep=2.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(
            LogisticRegression(),
            methods=["srs"],
            budget=None,
            random_state=0,
            scoring=make_scorer(fbeta_score, beta=2),
        ).fit(X, y)
    assert np.nanmax(s.cv_results_["ci_high"]) > 1  # the 95 % t-interval passes 1.0
    ax = s.plot()
    bands = [
        p.get_paths()[0].vertices[:, 1]
        for p in ax.collections
        if isinstance(p, PolyCollection) and len(p.get_paths())
    ]
    plt.close("all")
    assert bands and max(float(np.max(b)) for b in bands) <= 1.0
    assert score_range("cohen_kappa_score") == (-1.0, 1.0)


# ---------------- 09 the tuning functions refuse param_distributions that are not dicts
@pytest.mark.parametrize("func", ["tune_halving", "tune_on_subset"])
@pytest.mark.parametrize("dists", [None, [("C", [1])], {"solver": "lbfgs"}])
def test_tuning_refuses_param_distributions_by_name(func, dists):
    import datareduce.search as search

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 4)), np.arange(300) % 2
    kw = {"n_candidates": 2} if func == "tune_halving" else {"n_iter": 2}
    with pytest.raises(ValueError, match=f"^{func}: param_distributions"):
        getattr(search, func)(LogisticRegression(), dists, X, y, random_state=0, **kw)


# ---------- 10 tune_on_subset under scikit-learn's metadata routing (weights routed)
class _WeightSpy(LogisticRegression):
    seen = []

    def fit(self, X, y, sample_weight=None):
        _WeightSpy.seen.append(sample_weight is not None)
        return super().fit(X, y, sample_weight=sample_weight)


def test_tune_on_subset_offers_weights_only_to_a_requesting_model_under_routing():
    import sklearn
    from sklearn.datasets import make_classification

    from datareduce.search import tune_on_subset

    X, y = make_classification(600, 6, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        res = tune_on_subset(
            LogisticRegression(), {"C": [0.1, 1]}, X, y, n_iter=2, random_state=0
        )  # was UnsetMetadataPassedError
        assert res.best_params["C"] in (0.1, 1)
        _WeightSpy.seen = []
        spy = _WeightSpy().set_fit_request(sample_weight=True)
        tune_on_subset(
            spy.set_score_request(sample_weight=False),
            {"C": [0.1, 1]},
            X,
            y,
            n_iter=2,
            random_state=0,
        )
        assert _WeightSpy.seen[:-1] and all(_WeightSpy.seen[:-1])  # the subset's fits
    _WeightSpy.seen = []
    tune_on_subset(_WeightSpy(), {"C": [0.1, 1]}, X, y, n_iter=2, random_state=0)
    assert all(_WeightSpy.seen[:-1]) and not _WeightSpy.seen[-1]  # routing off: unchanged


# --------------- 11 cv given as (train, test) index arrays is named, not printed whole
def test_a_cv_list_of_splits_is_named_by_its_length_in_messages():
    from sklearn.datasets import make_classification
    from sklearn.model_selection import KFold

    X, y = make_classification(600, 6, random_state=0)
    y = y.copy()
    y[:5] = 2  # a rare class, all in the first fold
    splits = list(KFold(3).split(X))
    with pytest.warns(UserWarning, match="cv=a list of 3 \\(train, test\\) splits does not") as rec:
        ReductionSearchCV(
            LogisticRegression(), methods=["srs"], budget=None, random_state=0, cv=splits
        ).fit(X, y)
    assert max(len(str(w.message)) for w in rec) < 1000  # 9,221 characters before
    with pytest.raises(ValueError, match="with cv=a list of 3 \\(train, test\\) splits:") as exc:
        ReductionSearchCV(
            LogisticRegression(), methods=["srs"], budget=None, cv=splits, keeps=[0.7, 0.8]
        ).fit(X, y)
    assert len(str(exc.value)) < 1000


# ------------- 12 tune_on_subset: a keep given with a reducer object is said to be unused
def test_tune_on_subset_warns_that_keep_is_not_used_with_a_reducer_object():
    from sklearn.datasets import make_classification

    from datareduce import get_reducer
    from datareduce.search import tune_on_subset

    X, y = make_classification(1000, 6, random_state=0)
    red = get_reducer("mms", space="minmax")
    with pytest.warns(
        UserWarning, match="keep=0.3 is not used: reducer is MaxMinReducer, which keeps 0.1"
    ):
        res = tune_on_subset(
            LogisticRegression(),
            {"C": [0.1, 1]},
            X,
            y,
            reducer=red,
            keep=0.3,
            n_iter=2,
            random_state=0,
        )
    assert res.n_tuned == 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default keep, or the reducer's own: no warning
        tune_on_subset(
            LogisticRegression(), {"C": [0.1, 1]}, X, y, reducer=red, n_iter=2, random_state=0
        )
        tune_on_subset(
            LogisticRegression(), {"C": [0.1, 1]}, X, y, keep=0.3, n_iter=2, random_state=0
        )


def test_tune_on_subset_does_not_call_a_plain_kfold_stratified():
    from sklearn.model_selection import KFold

    from datareduce.search import tune_on_subset

    X, y = _rare()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="1 of class 1 .*3 folds.*is NaN") as exc:
            tune_on_subset(
                LogisticRegression(),
                {"C": [0.1, 1, 10]},
                X,
                y,
                keep=0.0015,
                n_iter=3,
                cv=KFold(3),
                random_state=0,
            )
    assert "stratified" not in str(exc.value)


# ------------------------------------- 13 keeps given as a generator is read once
def test_keeps_given_as_a_generator_are_refused_by_name():
    """A generator was refused with the false reason "keeps must contain at least one kept
    fraction" (review15/a 13); reading it once then searched it, but a second fit and clone()
    failed (the re-read of 0c3f06a): an iterator is refused, naming the fix."""
    from sklearn.base import clone

    from datareduce.search._base import check_fractions

    with pytest.raises(ValueError, match=r"keeps is an iterator .* keeps=tuple"):
        check_fractions(k for k in [0.3, 0.1, 0.3])
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 4)), np.arange(300) % 2
    s = ReductionSearchCV(LogisticRegression(), methods=["srs"], budget=None,
                          keeps=(k for k in [0.1, 0.3]), random_state=0)
    with pytest.raises(ValueError, match=r"keeps is an iterator"):
        s.fit(X, y)
    assert check_fractions([0.3, 0.1]) == [0.1, 0.3]
    clone(ReductionSearchCV(LogisticRegression(), keeps=(0.1, 0.3)))
