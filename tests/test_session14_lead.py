"""The lead's mends of the eighth session (8 December): one refusal of a repeated kept value
for every caller, one rounding of the training split."""

from __future__ import annotations

import numpy as np
import pytest

from datareduce._core.validation import check_keeps
from datareduce.cli import main
from datareduce.evaluation.protocol import check_counts_fit, training_rows


@pytest.mark.parametrize("keeps", [[0.1, 0.1], [5, 0.2, 5], (0.3, 0.2, 0.30)])
def test_check_keeps_refuses_a_repeated_value(keeps):
    with pytest.raises(ValueError, match=r"keeps: .* is given twice .* give distinct values"):
        check_keeps(keeps)
    assert check_keeps(keeps, distinct=False) == [*keeps]


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--keep", "0.1", "0.10"],
        ["demo", "--methods", "srs", "--keep", "3", "3"],
        ["search", "--keeps", "0.2", "0.20"],
    ],
)
def test_every_command_words_the_repeat_alike(argv, tmp_path, capsys):
    # compare and search refuse before reading the table: the file need not exist
    extra = {
        "compare": [str(tmp_path / "t.csv"), "--target", "y"],
        "search": [str(tmp_path / "t.csv"), "--target", "y"],
    }.get(argv[0], [])
    assert main(argv[:1] + extra + argv[1:] + ["-q"]) == 2
    err = capsys.readouterr().err
    assert "is given twice" in err and "give distinct values" in err, err


def test_the_search_still_merges_repeated_fractions():
    from datareduce.search._base import check_fractions

    assert check_fractions([0.2, 0.1, 0.2]) == [0.1, 0.2]


@pytest.mark.parametrize("n, test_size", [(1797, 0.25), (10, 0.3), (100, 30), (7, 0.5)])
def test_training_rows_is_scikit_learns_split(n, test_size):
    from sklearn.model_selection import train_test_split

    train, _ = train_test_split(np.arange(n), test_size=test_size, random_state=0)
    assert training_rows(n, test_size) == len(train)


def test_training_rows_leaves_bad_test_sizes_to_scikit_learn():
    assert training_rows(10, 1.5) is None and training_rows(10, True) is None
    assert training_rows(10, 10) is None and training_rows(10, "a") is None
    check_counts_fit([10_000], 10, 1.5)  # no refusal of its own: the splitter names it
    with pytest.raises(ValueError, match="more than the training split"):
        check_counts_fit([8], 10, 0.3)


def test_one_rule_for_the_same_row():
    import pandas as pd

    from datareduce.metrics.leakage import _float32_columns, _row_hashes

    a = pd.DataFrame({"x": np.array([0.1, 0.2], dtype=np.float32),
                      "t": pd.array(["u", None], dtype="string"), "k": [1, 2]})
    # the same rows as a CSV reads them back: float64 in shortest float32 form, NaN, floats
    b = pd.DataFrame({"x": [float(str(v)) for v in a["x"].to_numpy()], "t": ["u", np.nan],
                      "k": [1.0, 2.0]})
    single = _float32_columns(a, b, a.columns)
    assert single == {"x"}
    np.testing.assert_array_equal(_row_hashes(a, single), _row_hashes(b, single))
    assert _row_hashes(a)[0] != _row_hashes(b)[0]  # float64(float32(0.1)) != 0.1
    b.loc[1, "t"] = "nan"  # a text "nan" is not a missing value
    assert _row_hashes(a, single)[1] != _row_hashes(b, single)[1]


def test_score_matches_reduced_rows_across_formats(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 120
    full = pd.DataFrame({"a": rng.normal(size=n).astype(np.float32),
                         "c": pd.array(rng.choice(["x", "y", None], size=n), dtype="string"),
                         "d": rng.choice(["u", None], size=n), "y": rng.integers(0, 2, n)})
    full.to_parquet(tmp_path / "full.parquet")
    red = full.sample(30, random_state=0)
    red.to_csv(tmp_path / "red.csv", index=False)
    red.to_parquet(tmp_path / "red.parquet")
    for name in ("red.csv", "red.parquet"):
        assert main(["score", str(tmp_path / "full.parquet"), str(tmp_path / name),
                     "--target", "y", "-q", "--json", str(tmp_path / f"{name}.json")]) == 0


def _numbers_with_a_marker(n, rng):
    col = rng.normal(size=n).astype(object)
    col[5] = "?"
    return col


def test_numbers_with_a_marker_are_no_free_text(tmp_path, capsys):
    """A numeric column with one '?' (UCI's missing marker) was dropped as "an id or free
    text" (a different text on every row), with no word of --na-values."""
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": _numbers_with_a_marker(100, rng), "b": rng.normal(size=100),
                       "y": rng.integers(0, 2, 100)})
    df.to_csv(tmp_path / "t.csv", index=False)
    assert main(["reduce", str(tmp_path / "t.csv"), "-o", str(tmp_path / "r.csv"),
                 "--target", "y", "--keep", "0.3"]) == 0
    err = capsys.readouterr().err
    assert "warning: column 'a' is numbers except '?' (1 row)" in err
    assert "pass --na-values '?'" in err
    assert "2 feature column(s): a, b" in err and "free text" not in err, err


def test_audit_keeps_trains_numbers_when_test_has_a_marker(tmp_path, capsys):
    """A '?' in TEST alone makes the column text in both splits (read_tables): TRAIN's
    numbers then looked like a different text on every row, and the feature was dropped
    with no warning."""
    import pandas as pd

    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100),
                  "y": rng.integers(0, 2, 100)}).to_csv(tmp_path / "tr.csv", index=False)
    pd.DataFrame({"a": _numbers_with_a_marker(40, rng), "b": rng.normal(size=40),
                  "y": rng.integers(0, 2, 40)}).to_csv(tmp_path / "te.csv", index=False)
    assert main(["audit", str(tmp_path / "tr.csv"), str(tmp_path / "te.csv"),
                 "--target", "y", "--draws", "5"]) == 0
    err = capsys.readouterr().err
    assert "warning: column 'a' is numbers except '?' (1 row)" in err
    assert "2 feature column(s): a, b" in err and "free text" not in err, err


def test_ids_and_free_text_are_still_left_out():
    import pandas as pd

    from datareduce.cli._columns import _distinct_text

    n = 50
    assert _distinct_text(pd.Series([f"user{i}" for i in range(n)], dtype=object))
    assert _distinct_text(pd.Series([f"a note {i}" for i in range(n - 1)] + ["?"], dtype=object))
    assert not _distinct_text(pd.Series([str(i * 0.37) for i in range(n)], dtype=object))


def test_non_numeric_columns_are_the_spaces_categorical_and_dates():
    """The passthrough space's message names the default space's categorical columns and
    dates (one reading of a column's kind), by position where names repeat."""
    import pandas as pd

    from datareduce.base import _non_numeric_columns

    df = pd.DataFrame({"a": [1.0, 2, 3], "t": ["x", "y", "z"], "b": [True, False, True],
                       "c": pd.Categorical([1, 2, 1]), "d": pd.to_datetime(["2020-01-01"] * 3),
                       "o": np.array([1, 2.5, None], dtype=object),
                       "s": ["2020-01-01", "2020-01-02", "2020-01-03"],
                       "i": pd.array([1, None, 3], dtype="Int64")})
    assert _non_numeric_columns(df) == ["t", "c", "d", "s"]
    assert _non_numeric_columns(df[["a", "t", "t"]]) == ["t", "t"]
    assert _non_numeric_columns(np.array([[1, "x"], [2, "y"]], dtype=object)) == [1]


def test_audit_of_polars_rows_says_why_they_are_new_rows():
    pl = pytest.importorskip("polars")
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(0)
    X = pl.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = np.repeat([0, 1], 30)
    with pytest.raises(ValueError, match=r"a polars table's rows are read as new rows: it has "
                       r"no index .* pass a reducer, or rows of X \(positions, a boolean mask"):
        audit_subset(X, X[::5], y, n_draws=3)
    # positions are matched (the fix the message names)
    assert audit_subset(X, np.arange(0, 60, 5), y, n_draws=3).n_kept == 12


def test_a_seeded_search_of_an_unseeded_model_gives_one_answer():
    """ReductionSearchCV(RandomForestClassifier(), random_state=0) answered srs at 0.5, no
    reduction twice and mms at 0.5 in four runs: the forest was cloned unseeded."""
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from datareduce.search import ReductionSearchCV

    X, y = make_classification(300, 6, n_informative=4, n_classes=3, random_state=0)
    runs = []
    for _ in range(2):
        model = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=5))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = ReductionSearchCV(model, methods=["srs", "mms"], keeps=(0.1, 0.3), cv=2,
                                  n_draws=2, budget=None, random_state=0).fit(X, y)
        runs.append(s)
    a, b = runs
    assert a.best_score_ == b.best_score_
    np.testing.assert_array_equal(np.asarray(a.cv_results_["mean_test_score"], dtype=float),
                                  np.asarray(b.cv_results_["mean_test_score"], dtype=float))
    forest = a.best_estimator_[-1]
    assert forest.random_state == a.seed_
    assert a.best_pipeline_[-1][-1].random_state == a.seed_
    # a value set by the user is kept
    s = ReductionSearchCV(RandomForestClassifier(n_estimators=5, random_state=7),
                          methods=["srs"], keeps=(0.3,), cv=2, budget=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert s.fit(X, y).best_estimator_.random_state == 7


def test_tuning_with_an_int_seed_gives_one_answer():
    """tune_on_subset / tune_halving of an unseeded forest with random_state=0 gave other best
    parameters from run to run (2 of 3 runs agreed on 1,500 rows)."""
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    from datareduce.search import tune_halving, tune_on_subset

    X, y = make_classification(400, 6, n_informative=4, random_state=0)
    dist = {"max_depth": [2, 3, 4, None], "min_samples_leaf": [1, 2, 5, 10]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [tune_on_subset(RandomForestClassifier(n_estimators=4), dist, X, y, keep=0.3,
                               n_iter=5, random_state=0) for _ in range(2)]
        halv = tune_halving(RandomForestClassifier(n_estimators=4), dist, X, y,
                            n_candidates=4, random_state=0)
        own = tune_on_subset(RandomForestClassifier(n_estimators=4, random_state=5), dist, X,
                             y, keep=0.3, n_iter=2, random_state=0)
    a, b = (np.asarray(r.search.cv_results_["mean_test_score"]) for r in runs)
    np.testing.assert_array_equal(a, b)
    assert runs[0].best_estimator.random_state == 0
    assert halv.best_estimator.random_state == 0
    assert own.best_estimator.random_state == 5  # the user's value is kept


def test_the_search_names_a_reference_it_cannot_use():
    """reference='nope' (a typo) or a method not searched fell back to srs with an INFO log
    line only (review15/a design 6)."""
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import ReductionSearchCV

    X, y = make_classification(300, 5, random_state=0)

    def search(**kw):
        return ReductionSearchCV(LogisticRegression(), keeps=(0.2,), cv=2, budget=None,
                                 random_state=0, **kw)

    with pytest.raises(ValueError, match=r"reference='knn' is neither a method .* \('srs', "
                       r"'mms'"):
        search(methods=["srs", "mms"], reference="knn").fit(X, y)
    with pytest.warns(UserWarning, match=r"reference='kt' is not searched \(not among the "
                      r"methods\): the learning curve uses srs"):
        assert search(methods=["mms"], reference="kt").fit(X, y).reference_ == "srs"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # the default reference added to methods that lack it is the documented case
        try:
            search(methods=["mms"]).fit(X, y)
        except UserWarning as w:
            assert "reference" not in str(w), w


def test_asking_for_weights_a_model_cannot_take_is_said():
    """use_weights=True / pass_sample_weight=True with a model whose fit takes no
    sample_weight (KNN) trained unweighted without a word (review15/a design 7)."""
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    import datareduce
    from datareduce.search import ReductionSearchCV

    X, y = make_classification(300, 5, random_state=0)
    pipe = datareduce.make_pipeline(datareduce.get_reducer("kt", keep=0.3, random_state=0),
                                    KNeighborsClassifier(), pass_sample_weight=True)
    with pytest.warns(UserWarning, match=r"pass_sample_weight=True has no effect: step "
                      r"'kneighborsclassifier' \(KNeighborsClassifier\) takes no sample_weight"):
        pipe.fit(X, y)
    search = ReductionSearchCV(KNeighborsClassifier(), use_weights=True, keeps=(0.2,), cv=2,
                               budget=None, random_state=0)
    with pytest.warns(UserWarning, match=r"use_weights=True has no effect: "
                      r"KNeighborsClassifier.fit takes no sample_weight"):
        search.fit(X, y)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        datareduce.make_pipeline(datareduce.get_reducer("kt", keep=0.3, random_state=0),
                                 LogisticRegression(), pass_sample_weight=True).fit(X, y)
        datareduce.make_pipeline(datareduce.get_reducer("kt", keep=0.3, random_state=0),
                                 KNeighborsClassifier()).fit(X, y)  # "auto": nothing asked
    assert not [w for w in seen if "has no effect" in str(w.message)]


@pytest.mark.parametrize("method", ["srs", "random", "kt"])
def test_repeated_column_names_are_refused_in_the_packages_words(method):
    """srs and random (which read no values) failed in narwhals' words ("DuplicateError:
    Expected unique column names") where the others named the columns and the fix."""
    import pandas as pd

    import datareduce

    df = pd.DataFrame(np.random.default_rng(0).random((20, 3)), columns=["a", "a", "b"])
    with pytest.raises(ValueError, match=r"X has duplicate column names \['a'\].*rename them"):
        datareduce.get_reducer(method, keep=0.5, random_state=0).fit_resample(
            df, np.arange(20) % 2)


def test_lost_target_bins_are_said_with_their_ranges(tmp_path, capsys):
    """An unstratified reduction of a regression target warned "kept no row of 2 of 5
    classes (or target bins) [0, 4]: a model trained on the subset cannot learn them. Pass
    stratify=True to keep every class." (review15/b design 1): internal codes, a class's
    words."""
    import pandas as pd

    import datareduce

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.gamma(2.0, 300.0, 200)
    reducer = datareduce.get_reducer("random", keep=5, random_state=1)
    with pytest.warns(UserWarning, match=r"RandomReducer kept no row of 2 of 5 target bins "
                      r"\[0, 1\] \(y in \[\S+, \S+\) and \[\S+, \S+\)\): the subset has no "
                      r"target values there\. Pass stratify=True to keep every bin\."):
        reducer.fit(X, y)
    lo, hi = reducer.strata_edges_[0], reducer.strata_edges_[1]
    kept = y[reducer.sample_indices_]
    assert not ((kept >= lo) & (kept < hi)).any()  # the first range said holds no kept row
    with pytest.warns(UserWarning, match=r"kept no row of 20 of 30 classes \[0, 1, 2, 8, 9, "
                      r"\.\.\. \(\+15 more\)\]: a model trained on the subset cannot learn"):
        datareduce.get_reducer("random", keep=10, random_state=1).fit(
            X, rng.integers(0, 30, 200))
    # the CLI names the target column and its option
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "price": y}).to_csv(tmp_path / "t.csv",
                                                                  index=False)
    assert main(["reduce", str(tmp_path / "t.csv"), "-o", str(tmp_path / "r.csv"), "--target",
                 "price", "--method", "random", "--keep", "5", "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert "target bins" in err and "(price in [" in err, err
    assert "Pass --param stratify=true to keep every bin." in err, err


def test_cv_results_has_scikit_learns_params_and_the_answers():
    """search.cv_results_["params"] (what a GridSearchCV user reads first) was a KeyError
    (review15/a design 2)."""
    import warnings

    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import ReductionSearchCV

    X, y = make_classification(600, 5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"], keeps=(0.1, 0.3),
                              tolerance=0.05, cv=2, budget=None, random_state=0).fit(X, y)
    res = s.cv_results_
    assert isinstance(res["params"], list) and len(res["params"]) == len(res["method"])
    assert res["params"] == [{"method": m, "keep": float(k)}
                             for m, k in zip(res["method"], res["keep"], strict=True)]
    assert s.best_params_ == {"method": s.best_method_, "keep": float(s.best_keep_)}
    if s.within_tolerance_:
        assert s.best_params_ in res["params"]
    assert "params" in s.results_frame().columns
    pd.DataFrame(res)  # scikit-learn's way of reading it


def test_tuning_takes_groups_for_its_folds_and_holdout():
    """tune_on_subset and tune_halving had no groups=: cv=GroupKFold(3) failed inside
    scikit-learn ("The 'groups' parameter should not be None"), and an int cv mixed a
    patient's rows between folds (review15/a design 4)."""
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    from datareduce.search import tune_halving, tune_on_subset

    class Spy(GroupKFold):
        seen = []

        def split(self, X, y=None, groups=None):
            Spy.seen.append(None if groups is None else np.asarray(groups))
            return super().split(X, y, groups)

    X, y = make_classification(600, 5, random_state=0)
    g = np.repeat(np.arange(60), 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = tune_on_subset(LogisticRegression(), {"C": [0.1, 1, 10]}, X, y, keep=0.5,
                             n_iter=3, cv=Spy(3), groups=g, shortlist=2, random_state=0)
        kept = np.sort(res.reducer.sample_indices_)
        assert Spy.seen and all(s is not None for s in Spy.seen)
        np.testing.assert_array_equal(Spy.seen[0], g[kept])  # the kept rows' groups
        res = tune_on_subset(LogisticRegression(), {"C": [0.1, 1]}, X, y, keep=0.5,
                             n_iter=2, cv=3, groups=g, random_state=0)
        assert isinstance(res.search.cv, StratifiedGroupKFold)
        halv = tune_halving(LogisticRegression(), {"C": [0.1, 1, 10, 100]}, X, y,
                            n_candidates=4, cv=3, groups=g, random_state=0)
        assert isinstance(halv.search.cv, StratifiedGroupKFold)
    with pytest.raises(ValueError, match=r"groups has shape \(10,\) but y has 600 rows"):
        tune_on_subset(LogisticRegression(), {"C": [1]}, X, y, groups=g[:10])
    with pytest.raises(ValueError, match=r"groups= needs the kept rows of X, but "
                       r"ClusterCentroidsReducer made synthetic rows"):
        import datareduce

        tune_on_subset(LogisticRegression(), {"C": [1]}, X, y, groups=g,
                       reducer=datareduce.get_reducer("clc", keep=0.2, output="centroids",
                                                      random_state=0))


def test_tune_halving_says_what_to_pass_for_a_fitted_search():
    """tune_halving(reducer=<fitted ReductionSearchCV>) was refused as 'give a method name
    or an unfitted reducer' with no word of the search (review15/a design 13)."""
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import ReductionSearchCV, tune_halving

    X, y = make_classification(400, 5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2,), cv=2,
                              budget=None, tolerance=0.05, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match=r"fitted ReductionSearchCV.*reducer=search\."
                       r"best_method_.*tune_on_subset\(\.\.\., reducer=search\)"):
        tune_halving(LogisticRegression(), {"C": [1, 10]}, X, y, reducer=s)


def test_a_saving_of_minus_a_fraction_of_a_percent_is_zero():
    from datareduce.search._report import _pct

    assert (_pct(-0.004), _pct(0.0), _pct(0.456), _pct(-0.2)) == ("0%", "0%", "46%",
                                                                   "20% more time")


def test_a_subclass_of_the_packages_pipeline_is_the_packages():
    """MyPipe(datareduce.Pipeline) ending in a reducer: fit_transform said "has no attribute
    'fit_transform'" (a foreign pipeline, by the module of its class; review15/b design 11)."""
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    import datareduce

    class MyPipe(datareduce.Pipeline):
        pass

    X, y = make_classification(100, 4, random_state=0)
    steps = [("s", StandardScaler()), ("r", datareduce.get_reducer("srs", keep=0.3,
                                                                    random_state=0))]
    ours = datareduce.Pipeline(steps).fit_transform(X, y)
    theirs = MyPipe(steps).fit_transform(X, y)
    assert len(theirs) == len(ours) == 2
    np.testing.assert_array_equal(theirs[0], ours[0])


def test_one_class_is_refused_before_any_training():
    """fit(X, zeros) ended in the estimator's "This solver needs samples of at least 2
    classes" after the splits and a first training (tune_on_subset: "All the 3 fits
    failed"; review15/a design 12)."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import ReductionSearchCV, tune_halving, tune_on_subset

    X, _ = make_classification(200, 4, random_state=0)
    y = np.zeros(200, dtype=int)
    for call in (lambda: ReductionSearchCV(LogisticRegression(), task="classification",
                                           budget=None).fit(X, y),
                 lambda: tune_on_subset(LogisticRegression(), {"C": [1]}, X, y),
                 lambda: tune_halving(LogisticRegression(), {"C": [1]}, X, y)):
        with pytest.raises(ValueError, match=r"y holds one class \(0\) in all its 200 rows: "
                           r"a classifier needs two or more"):
            call()


def test_a_checks_numbers_say_one_split_per_extra_draw_on_large_tables():
    """The check line's "(one split per extra draw)" (3298e3c) was never asserted; the
    answer's line and a failed check's line share one wording."""
    from datareduce.search._report import _check_text

    full = np.array([[0.9, 0.8, 0.85], [0.7, 0.75, 0.8]])
    assert _check_text(full, 0.8, " of the subset") == (
        "2 draws of the subset x 3 splits, mean 0.8000, worst draw 0.7500 (threshold 0.8000)")
    large = np.array([[0.9, 0.8, 0.85], [0.7, np.nan, np.nan]])
    assert _check_text(large, 0.8) == ("2 draws x 3 splits (one split per extra draw), mean "
                                       "0.8125, worst draw 0.7000 (threshold 0.8000)")


def test_compare_warns_once_of_duplicates_in_an_encoded_space():
    """069a572 reworded the reducers' warning ("X in the selection space (...) has N") and
    compare's once-per-call filter, which read "X has N", let 9 through (the re-read)."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    from datareduce.evaluation import compare

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    X[:10] = X[10:20]  # 10 duplicate rows
    y = np.arange(120) % 2
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        compare(X, y, methods=["mms", "kt"], keeps=(0.2, 0.4), repeats=2,
                estimator=LogisticRegression(),
                method_params={"mms": {"space": "standard"}, "kt": {"space": "standard"}},
                random_state=0)
    dup = [w for w in seen if "duplicate row" in str(w.message)]
    assert len(dup) == 1, [str(w.message) for w in dup]


def test_reference_in_capitals_and_numpy_bools():
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    from datareduce.search import ReductionSearchCV

    X, y = make_classification(300, 5, random_state=0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        s = ReductionSearchCV(LogisticRegression(), methods=["MMS", "srs"], reference="MMS",
                              keeps=(0.2,), cv=2, budget=None, random_state=0).fit(X, y)
    assert s.reference_ == "mms"
    assert not [w for w in seen if "not searched" in str(w.message)]
    with pytest.warns(UserWarning, match="use_weights=True has no effect"):
        ReductionSearchCV(KNeighborsClassifier(), use_weights=np.True_, keeps=(0.2,), cv=2,
                          budget=None, random_state=0).fit(X, y)


def test_repeated_names_of_a_pyarrow_table_are_refused_in_the_packages_words():
    pa = pytest.importorskip("pyarrow")
    import datareduce

    t = pa.table([np.arange(20.0), np.arange(20.0)], names=["x", "x"])
    with pytest.raises(ValueError, match=r"X has duplicate column names \['x'\]"):
        datareduce.get_reducer("srs", keep=0.5).fit(t)


def test_keep_with_a_sampler_of_another_package_is_said_as_such():
    """tune_on_subset(reducer=RandomUnderSampler(), keep=0.3) warned "... which keeps None.
    Set keep on the reducer (get_reducer(name, keep=...))" (the re-read of 0a499be)."""
    from imblearn.under_sampling import RandomUnderSampler
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from datareduce.search import tune_on_subset

    X, y = make_classification(300, 5, random_state=0)
    with pytest.warns(UserWarning, match=r"keep=0.3 is not used: reducer is "
                      r"RandomUnderSampler, which sets its own size \(it has no keep\)"):
        tune_on_subset(LogisticRegression(), {"C": [1]}, X, y, reducer=RandomUnderSampler(),
                       keep=0.3)


def test_index_labels_one_rule_for_x_and_y():
    import pandas as pd

    from datareduce._core.input import _index_labels
    from datareduce._core.validation import index_labels, label_rows_note

    rows = np.array([1, 3])
    assert index_labels(pd.RangeIndex(5), rows) is None
    assert index_labels(pd.Index([10, 11, 12, 13, 14]), rows) == [11, 13]
    assert _index_labels(rows, pd.Index(list("abcde"))) == "; positions in X, index labels " \
        "['b', 'd']"
    y = pd.Series([0.0, np.nan, 1.0, np.nan], index=[7, 8, 9, 10])
    assert "index labels [8, 10]" in label_rows_note(y, np.array([1, 3]))


def test_small_argument_checks_of_the_parquet_path(tmp_path):
    """review15/d design 7: reduce_parquet(id_column=target) was accepted (the column is the
    target and "kept"), weight_column='' wrote a column named '', stratified_sample(
    floor=np.int64(32)) was refused as not an integer."""
    pytest.importorskip("dask")
    import dask.dataframe as dd
    import pandas as pd

    from datareduce.distributed import reduce_parquet, stratified_sample

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "y": np.arange(60) % 2, "id": np.arange(60)})
    df.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(ValueError, match=r"id_column='y' is also the target: give different"):
        reduce_parquet(tmp_path / "t.parquet", "srs", 0.2, target="y", id_column="y")
    with pytest.raises(TypeError, match=r"weight_column='' must be a column name \(a non-empty"):
        reduce_parquet(tmp_path / "t.parquet", "srs", 0.2, target="y", weight_column="")
    sample = stratified_sample(dd.from_pandas(df, npartitions=2), "y", 0.2,
                               floor=np.int64(32))
    assert len(sample) == 12


@pytest.mark.parametrize("which", ["epsilon", "mmd", "energy", "coverage", "topology"])
def test_bare_per_class_metrics_say_when_y_is_a_regression_target(which):
    """The bare metrics took 200 distinct floats as 200 classes: epsilon inf, MMD inf for 180
    "classes", without a word (review15/e design 7); the report and the audit bin them."""
    import warnings

    from datareduce import metrics

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 2)), rng.normal(size=200)
    idx = np.arange(20)
    call = {"epsilon": lambda a, b: metrics.epsilon_representativeness(X, X[idx], a, b),
            "mmd": lambda a, b: metrics.mmd(X, X[idx], y=a, y_reduced=b),
            "energy": lambda a, b: metrics.energy_distance(X, X[idx], y=a, y_reduced=b),
            "coverage": lambda a, b: metrics.coverage_curve(X, X[idx], a, b),
            "topology": lambda a, b: metrics.topological_distance(
                X, X[idx], a, b, homology_dimensions=(0,))}[which]
    with pytest.warns(UserWarning, match=r"y looks like a regression target \(200 distinct "
                      r"numbers\): each value is taken as a class"):
        call(y, y[idx])
    labels = np.arange(200) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        try:
            call(labels, labels[idx])
        except UserWarning as w:  # another warning may come; not this one
            assert "regression target" not in str(w), w


def test_a_csv_with_unquoted_commas_on_some_rows_is_named(tmp_path, capsys):
    """A text field with an unquoted comma on the first row (and some others) made pandas
    read the first column as an index: the other rows were padded and the CLI said
    "--target 'label' is missing in 150 row(s)" (review15/f design 2)."""
    lines = ["a,b,name,label"]
    for i in range(40):
        name = "Smith, John" if i % 4 == 0 else "Doe"
        lines.append(f"{i / 40:.3f},{i % 7},{name},{i % 2}")
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    assert main(["reduce", str(tmp_path / "t.csv"), "-o", str(tmp_path / "r.csv"),
                 "--target", "label", "--keep", "0.2"]) == 2
    err = capsys.readouterr().err
    assert "data row 1 has 5 fields and data row 2 has 4, under a header of 4 names" in err
    assert "missing" not in err
    # an unnamed row-number column on every row (R's write.table) is still an index
    rows = ["a,b,label"] + [f"{i},{i / 40:.3f},{i % 7},{i % 2}" for i in range(40)]
    (tmp_path / "r_table.csv").write_text("\n".join(rows) + "\n")
    assert main(["reduce", str(tmp_path / "r_table.csv"), "-o", str(tmp_path / "k.csv"),
                 "--target", "label", "--keep", "0.25"]) == 0
