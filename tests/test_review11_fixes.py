"""Second-pass review of the review-10 fixes (notes/review11/a): each test fails before its
fix."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest


# 01_column_labels_other_type.py
def test_column_labels_that_are_not_names_are_taken_by_position():
    from datareduce.metrics import coverage_curve, epsilon_representativeness, get_metric, mmd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)))
    buf = io.StringIO()
    X.iloc[:20].to_csv(buf, index=False)
    buf.seek(0)
    back = pd.read_csv(buf)  # '0', '1', '2': X's labels as text, in X's order
    named = pd.DataFrame(X.to_numpy(), columns=["a", "b", "c"])
    unnamed = pd.DataFrame(X.to_numpy()[:20])  # 0, 1, 2: no names
    expected = float(epsilon_representativeness(X.to_numpy(), X.to_numpy()[:20]).value)
    for full, red in ((X, back), (named, unnamed)):
        assert float(epsilon_representativeness(full, red).value) == expected
        mmd(full, red)
        coverage_curve(full, red)
        get_metric("coverage").prepare(full).score(red)
    # names (text) in another order, or other names, are still refused
    with pytest.raises(ValueError, match="another order"):
        epsilon_representativeness(named, named.iloc[:20][["c", "a", "b"]])
    with pytest.raises(ValueError, match="another order"):
        epsilon_representativeness(X, X.iloc[:20][[2, 0, 1]])
    with pytest.raises(ValueError, match="columns are not X's"):
        epsilon_representativeness(named, back)


# 02_calibrate_subset_messages.py
def test_calibrate_names_the_subset_in_its_refusals():
    from datareduce.metrics import calibrate

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    Z = X[:30].copy()
    Z[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"^X_subset contains NaN"):
        calibrate(X, X_subset=Z, n_draws=5)
    with pytest.raises(ValueError, match=r"^the subset has 0 rows: calibration needs 1 to 300"):
        calibrate(X, X_subset=X[:0], n_draws=5)


# 03_groups_count_above_training_split.py
def test_a_count_above_a_group_training_split_is_refused_before_training():
    from sklearn.linear_model import LogisticRegression

    from datareduce.evaluation import compare

    rng = np.random.default_rng(0)
    n = 400
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] > 0).astype(int)
    groups = rng.integers(0, 40, n)
    trained = []

    class Spy(LogisticRegression):
        def fit(self, X, y, **kw):
            trained.append(len(X))
            return super().fit(X, y, **kw)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"keeps: 300 rows is more than the training "
                                             r"split of repeat 0 \(294 of the 400 rows"):
            compare(X, y, methods=["srs"], keeps=(300,), repeats=3, estimator=Spy(),
                    groups=groups, random_state=3, metrics=("coverage",))
        assert trained == []
        # the largest count allowed runs, on the same splits as before
        res = compare(X, y, methods=["srs"], keeps=(294,), repeats=3,
                      estimator=LogisticRegression(), groups=groups, random_state=3,
                      metrics=("coverage",))
    assert set(res.loc[res["method"] == "srs", "n_kept"]) == {294}


# 04_differences_lower_is_better.py
def test_differences_count_wins_the_right_way_for_distances_and_renamed_mae():
    from sklearn.linear_model import Ridge

    from datareduce.evaluation import compare, differences

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = X[:, 0] * 2 + rng.normal(size=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare(X, y, methods=["srs", "mms", "random"], keeps=(0.1,), repeats=3,
                      estimator=Ridge(), random_state=0, metrics=("mmd",),
                      scoring={"r2": "r2", "mae": "mae", "abs_err": "mae"})
    assert res.attrs["lower_is_better"] == ["mae", "abs_err"]
    raw = res.set_index(["method", "repeat"])
    for column in ("mmd", "mae", "abs_err", "total_seconds", "r2"):
        d = differences(res, "srs", column).set_index("method")
        lower = column != "r2"
        for m in ("mms", "random"):
            better = (raw.loc[m, column] < raw.loc["srs", column]) if lower else (
                raw.loc[m, column] > raw.loc["srs", column])
            assert d.loc[m, "wins"] == int(better.sum()), (column, m)


# 05_mmd_estimate_copies_x.py
def test_an_estimated_mmd_score_does_not_copy_x():
    import tracemalloc

    from datareduce.metrics import energy_distance, mmd, mmd_reference

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 20))
    Z = X[rng.choice(len(X), 1000, replace=False)]
    reference = mmd_reference(X)
    assert not reference.exact
    value = mmd(X, Z, reference=reference).value
    tracemalloc.start()
    try:
        mmd(X, Z, reference=reference, working_memory=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * X.nbytes
    # still measured from X's mean: no shift changes the estimate or the energy distance
    assert mmd(X + 1e6, Z + 1e6).value == pytest.approx(value, rel=1e-6)
    small = X[:30_000]
    e = energy_distance(small, Z).value
    assert energy_distance(small + 1e6, Z + 1e6).value == pytest.approx(e, rel=1e-6)


# 07_scorer_space_checked_late.py
def test_scorer_checks_its_space_when_built():
    from datareduce.metrics import representativeness_scorer

    with pytest.raises(ValueError, match=r"space='minmaxx' is not supported"):
        representativeness_scorer(space="minmaxx")
    with pytest.raises(TypeError, match="is not a transformer"):
        representativeness_scorer(space=object())
    for space in ("auto", "standard", "minmax", "passthrough", None):
        representativeness_scorer(space=space)


# 08_add_note_python310.py
def test_a_failing_run_keeps_its_error_without_add_note():
    from sklearn.linear_model import LogisticRegression

    from datareduce.evaluation import compare

    class Py310Error(ValueError):  # Python 3.10's exceptions have no add_note
        def __getattribute__(self, name):
            if name == "add_note":
                raise AttributeError(name)
            return super().__getattribute__(name)

    class Failing(LogisticRegression):
        def fit(self, X, y, **kw):
            if len(X) < 100:
                raise Py310Error("the estimator's own message")
            return super().fit(X, y, **kw)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Py310Error, match="the estimator's own message") as info:
            compare(X, y, methods=["srs"], keeps=(0.2,), repeats=1, estimator=Failing(),
                    metrics=("coverage",))
    assert info.value.__notes__ == ["compare: the run of 'srs' at keep=0.2, repeat 0 failed; "
                                    "on_error='warn' leaves failing runs out of the table."]


# 09_scoring_resolved_twice.py
def test_scoring_is_resolved_once():
    from sklearn.linear_model import LogisticRegression

    from datareduce.evaluation import compare

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare(X, y, methods=["srs"], keeps=(0.2,), repeats=1,
                      estimator=LogisticRegression(),
                      scoring=(s for s in ["accuracy", "f1"]), metrics=("coverage",))
    assert res.attrs["scoring"] == ["accuracy", "f1"]
    assert res[["accuracy", "f1"]].notna().all().all()


# 10_cli_group_count_message.py
def test_cli_names_keep_for_a_count_above_a_group_training_split(tmp_path, capsys):
    from datareduce.cli import main

    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    df["y"] = np.where(df["a"] > 0.3, "yes", "no")
    df["grp"] = rng.integers(0, 30, n)
    src = tmp_path / "t.csv"
    df.to_csv(src, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["compare", str(src), "--target", "y", "--group", "grp", "--methods",
                     "srs", "--keep", "440", "--repeats", "3", "--estimator", "logistic",
                     "--no-plots", "-q", "--seed", "1", "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--keep 440 rows is more than the training split of repeat 1 (438 of the 600" in err
    assert "--test-size" in err and "keeps:" not in err and "test_size" not in err


# 11_cli_medians_warning_repeated.py
def test_cli_says_once_which_medians_are_over_fewer_repeats(tmp_path):
    from test_cli_errors import cli

    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    df["y"] = np.where(df["a"] > 0.3, "yes", "no")
    src = tmp_path / "t.csv"
    df.to_csv(src, index=False)
    r = cli("compare", src, "--target", "y", "--methods", "srs", "random", "--keep", "2", "5",
            "--repeats", "4", "--estimator", "logistic", "--on-error", "warn", "--no-plots",
            "--output", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "fewer repeats" in ln]
    assert len(lines) == 1, lines
    assert "'random' at keep 2: " in lines[0] and "in 'accuracy', 'f1_macro', 'mmd'" in lines[0]
    assert "--on-error warn" in lines[0] and "on_error=" not in lines[0]


def test_groups_warn_when_a_class_is_on_one_side_of_every_split():
    """review11/a (reported): with groups, a class living in one group fell wholly on one
    side of each split, silently; now one warning names the class and the repeats."""
    from sklearn.linear_model import LogisticRegression

    from datareduce.evaluation import compare

    rng = np.random.default_rng(0)
    n = 200
    X = rng.normal(size=(n, 3))
    groups = rng.integers(0, 20, n)
    y = np.where(groups == 3, "rare", rng.choice(["a", "b"], n))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare(X, y, methods=["srs"], keeps=(0.5,), estimator=LogisticRegression(),
                repeats=3, groups=groups, metrics=("mmd",), random_state=0)
    texts = [str(w.message) for w in caught if str(w.message).startswith("groups:")]
    assert len(texts) == 1
    assert "['rare'] have no row in the training split of repeat(s) [0, 1, 2]" in texts[0]
    y2 = rng.choice(["a", "b"], n)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare(X, y2, methods=["srs"], keeps=(0.5,), estimator=LogisticRegression(),
                repeats=2, groups=groups, metrics=("mmd",), random_state=0)
    assert not [w for w in caught if str(w.message).startswith("groups:")]


def test_scorer_takes_the_task_for_its_refit_and_its_measure():
    """review11/a (reported): the scorer's refit dropped fit parameters such as task=, and
    a continuous y gave -inf (epsilon per distinct value); task= is the scorer's own."""
    from sklearn.model_selection import cross_val_score

    from datareduce import get_reducer
    from datareduce.metrics import epsilon_representativeness, representativeness_scorer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    rows = np.arange(200)
    y = X[:, 0] * 3 + rng.normal(size=200)
    got = cross_val_score(get_reducer("mms", keep=0.2, random_state=0), X, y,
                          scoring=representativeness_scorer(), cv=[(rows, rows)])[0]
    red = get_reducer("mms", keep=0.2, random_state=0).fit(X, y)
    want = epsilon_representativeness(X, X[red.sample_indices_]).value
    assert np.isfinite(got) and got == pytest.approx(-want)
    whole = rng.integers(0, 4, 200).astype(float)  # classes by the rule, declared regression
    got = cross_val_score(get_reducer("srs", keep=0.2, random_state=0), X, whole,
                          scoring=representativeness_scorer(task="regression"),
                          cv=[(rows, rows)])[0]
    red = get_reducer("srs", keep=0.2, random_state=0).fit(X, whole, task="regression")
    want = epsilon_representativeness(X, X[red.sample_indices_]).value
    assert got == pytest.approx(-want)
    with pytest.raises(ValueError, match="task='x'"):
        representativeness_scorer(task="x")
