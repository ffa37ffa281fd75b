"""Quota allocation, keep resolution and the base machinery."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datareduce
from datareduce import MaxMinReducer, RandomReducer, allocate_quotas
from datareduce._core.validation import check_keep


def test_quota_examples():
    assert allocate_quotas([50, 30, 20], 10).tolist() == [5, 3, 2]
    assert allocate_quotas([97, 2, 1], 10).tolist() == [8, 1, 1]
    # largest remainder: ideal 3.33/3.33/3.33 -> first groups win ties
    assert allocate_quotas([10, 10, 10], 10).tolist() == [4, 3, 3]
    # fewer rows than classes: largest shares first, the rest get 0
    assert allocate_quotas([5, 90, 5], 2).tolist() == [1, 1, 0] or \
        allocate_quotas([5, 90, 5], 2).sum() == 2
    assert allocate_quotas([3, 3], 6).tolist() == [3, 3]
    # the leftover row goes to the largest fractional part (1.4, 3.15, 2.45 -> 0.45), not by
    # group order ([2, 3, 2])
    assert allocate_quotas([20, 45, 35], 7).tolist() == [1, 3, 3]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=1, max_size=8), st.data())
def test_quota_leftovers_go_to_the_largest_remainders(counts, data):
    """Without the one-row floor: a group rounded up has a fractional share at least as large
    as that of any group left at its floor that had room for one more row."""
    counts = np.array(counts)
    total = data.draw(st.integers(0, int(counts.sum())))
    q = allocate_quotas(counts, total, min_one=False)
    if counts.sum() == 0:
        return
    ideal = total * counts / counts.sum()
    floor = np.floor(ideal)
    up, left = q > floor, (q == floor) & (q < counts)
    if up.any() and left.any():
        assert (ideal - floor)[up].min() >= (ideal - floor)[left].max() - 1e-12


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=12), st.data())
def test_quota_properties(counts, data):
    counts = np.array(counts)
    total = data.draw(st.integers(0, int(counts.sum())))
    q = allocate_quotas(counts, total)
    assert q.sum() == total
    assert (q >= 0).all() and (q <= counts).all()
    nonempty = counts > 0
    if total >= nonempty.sum():
        assert (q[nonempty] >= 1).all()
    ideal = total * counts / max(counts.sum(), 1)
    if (ideal[nonempty] >= 1).all():  # no bump to one needed: within one of the ideal share
        assert (np.abs(q - ideal) < 1 + 1e-9).all()


def test_keep_resolution():
    assert check_keep(0.25, 10) == 3  # 2.5 rounds half up
    assert check_keep(0.24, 10) == 2
    assert check_keep(0.001, 10) == 1  # at least one row
    assert check_keep(1.0, 7) == 7
    assert check_keep(np.int64(4), 7) == 4
    with pytest.raises(ValueError, match="larger than the data"):
        check_keep(8, 7)


def test_stratified_counts_and_weights(blobs):
    X, y = blobs
    r = RandomReducer(keep=0.5, stratify=True, random_state=0).fit(X, y)
    kept = y[r.sample_indices_]
    assert np.bincount(kept).tolist() == [15, 10, 5]
    # each kept row stands for class size / quota rows
    np.testing.assert_allclose(r.sample_weight_, 2.0)
    assert r.class_quotas_ == {0: 15, 1: 10, 2: 5}


def test_unstratified_random_is_uniform(blobs):
    X, y = blobs
    r = RandomReducer(keep=6, stratify=False, random_state=0).fit(X, y)
    assert len(r.sample_indices_) == 6 and not hasattr(r, "class_quotas_")
    counts = np.zeros(60)
    for seed in range(600):
        counts[RandomReducer(keep=6, stratify=False, random_state=seed).fit(X).sample_indices_] += 1
    # each row is kept with probability 0.1: 60 times in expectation
    assert counts.min() > 25 and counts.max() < 100


def test_warns_when_classes_get_no_rows():
    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0] * 8 + [1, 2])
    with pytest.warns(UserWarning, match="keep no rows"):
        RandomReducer(keep=2, stratify=True, random_state=0).fit(X, y)


def test_warns_on_duplicates():
    X = np.zeros((10, 2))
    with pytest.warns(UserWarning, match="duplicate"):
        MaxMinReducer(keep=2).fit(X)  # random sampling never reads the values


def test_refit_resets_state(blobs):
    X, y = blobs
    r = RandomReducer(keep=0.5, random_state=0).fit(X, y)
    r.set_params(stratify=False).fit(X)
    assert not hasattr(r, "class_quotas_")


def test_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RandomReducer().get_support()


def test_registry():
    assert {"random", "srs"} <= set(datareduce.available_reducers())
    with pytest.raises(ValueError, match="Unknown method 'nope'"):
        datareduce.get_reducer("nope")
    assert datareduce.get_reducer("SRS", keep=3).keep == 3


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, time; t = time.perf_counter(); import datareduce; "
            "dt = time.perf_counter() - t; "
            "heavy = [m for m in ('torch', 'ultralytics', 'matplotlib', 'dask', "
            "'datareduce.detection') if m in sys.modules]; print(dt, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=1)
    assert out[1].strip() == "[]"


def test_missing_extra_is_named_before_fitting(monkeypatch):
    from datareduce import _registry

    monkeypatch.setattr(_registry, "_importable", lambda module: module != "torch")
    with pytest.raises(ImportError, match=r"'flow' extra: pip install 'datareduce\[flow\]' "
                                          r"\(missing: torch\)"):
        datareduce.get_reducer("flow")
    assert datareduce.get_reducer("srs").keep == 0.1  # core methods unaffected


# ------------------------------------------------- one target rule, one path, one policy
def test_target_kind_rule_on_hand_checkable_cases():
    from datareduce._core.strata import target_kind

    n = 2000  # threshold max(50, n // 20) = 100 distinct whole numbers
    assert target_kind(np.arange(n) % 100) == "classification"  # 100 values: classes
    # above it, classes only when the values repeat: >= 16 rows per value on average and
    # at most 5 % of the values seen once
    assert target_kind(np.arange(n) % 101) == "classification"  # 19.8 rows per value
    assert target_kind(np.arange(n) % 125) == "classification"  # 16.0 rows per value
    assert target_kind(np.arange(n) % 126) == "regression"  # 15.9 rows per value
    assert target_kind((np.arange(n) % 126).astype(float)) == "regression"
    singles = np.r_[np.arange(n - 11) % 90, 1000 + np.arange(11)]  # 101 values, 11 seen once
    assert target_kind(singles) == "regression"  # 11 > 5 % of 101
    assert target_kind(np.r_[np.arange(n - 5) % 96, 1000 + np.arange(5)]) == "classification"
    assert target_kind(np.arange(200) % 50) == "classification"  # the floor of 50 values
    assert target_kind(np.arange(200) % 51) == "regression"
    assert target_kind([0.5, 1.0, 2.0]) == "regression"  # not all whole: continuous
    assert target_kind(np.array([True, False])) == "classification"
    assert target_kind(np.array(["a", "b"] * 100)) == "classification"
    import pandas as pd

    codes = pd.Series(np.arange(n) % 500)
    assert target_kind(codes) == "regression"
    assert target_kind(codes.astype("category")) == "classification"
    # overrides
    assert target_kind(codes, "classification") == "classification"
    assert target_kind([0, 1, 0], "regression") == "regression"
    with pytest.raises(ValueError, match="task='regression' needs a numeric y"):
        target_kind(["a", "b"], "regression")
    with pytest.raises(ValueError, match="task='ranking'"):
        target_kind([0, 1], "ranking")
    with pytest.raises(ValueError, match="multilabel"):
        target_kind(np.array([[0, 1], [1, 1]]))


def test_reducer_follows_the_rule_and_task_overrides_it():
    X = np.random.default_rng(0).normal(size=(400, 2))
    price = np.random.default_rng(1).integers(100, 10_000, 400)  # whole numbers, many values
    with pytest.warns(UserWarning, match=r"distinct whole numbers.*task='classification'"):
        r = RandomReducer(keep=0.1, stratify=True, random_state=0).fit(X, price)
    assert r.target_type_ == "continuous" and len(r.strata_edges_) == 11
    # a quota per quantile bin: 4 rows in each of the 10 bins
    codes = np.searchsorted(r.strata_edges_[1:-1], price, side="right")
    assert np.bincount(codes[r.sample_indices_], minlength=10).tolist() == [4] * 10
    r = RandomReducer(keep=0.5, stratify=True, random_state=0).fit(X, price,
                                                                   task="classification")
    assert r.target_type_ == "multiclass" and len(r.classes_) == len(np.unique(price))
    few = np.arange(400) % 4
    r = RandomReducer(keep=0.1, stratify=5, random_state=0).fit(X, few, task="regression")
    assert r.target_type_ == "continuous"
    Xr, yr = RandomReducer(keep=0.5, random_state=0).fit_resample(X, price, task="regression")
    assert len(yr) == 200
    with pytest.raises(ValueError, match="task='nope'"):
        RandomReducer(keep=0.5).fit(X, price, task="nope")


def test_lost_class_warning_names_a_handful_of_values():
    X = np.zeros((1000, 1))
    y = np.repeat(np.array([f"c{i}" for i in range(50)]), 20)  # 50 classes of text
    with pytest.warns(UserWarning, match=r"kept no row of \d+ of 50") as seen:
        RandomReducer(keep=5, stratify=False, random_state=0).fit(X, y)
    msg = str(seen[0].message)
    assert "more)" in msg and msg.count("'c") == 5


def test_check_keep_is_the_one_keep_rule():
    from datareduce._core.validation import check_keeps

    assert check_keep(0.5) == 0.5 and check_keep(3) == 3 and check_keep(0.25, 10) == 3
    with pytest.raises(ValueError, match=r"keep=1.0.*baseline"):
        check_keep(1.0, allow_all=False)
    assert check_keeps(0.1) == [0.1] and check_keeps([0.1, 20]) == [0.1, 20]
    for bad in ([], [1.0], [0.0], ["a"], [True]):
        with pytest.raises(ValueError, match="keeps"):
            check_keeps(bad)


def test_seeded_clone_sets_a_missing_seed_only():
    from sklearn.linear_model import SGDClassifier

    from datareduce._core.validation import seeded_clone

    assert seeded_clone(SGDClassifier(), 5).random_state == 5
    assert seeded_clone(SGDClassifier(random_state=1), 5).random_state == 1
    assert seeded_clone(SGDClassifier(random_state=1), 5, overwrite=True).random_state == 5
    r = seeded_clone(RandomReducer(keep=0.2), 3, keep=7)
    assert (r.keep, r.random_state) == (7, 3)
    from sklearn.neighbors import KNeighborsClassifier

    assert seeded_clone(KNeighborsClassifier(), 3, n_neighbors=2).n_neighbors == 2


def test_reduced_data_and_the_weight_policy():
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline as sk_make_pipeline
    from sklearn.preprocessing import StandardScaler

    from datareduce._core.output import accepts_sample_weight, reduced_data, sample_weight_params

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    y = pd.Series(np.repeat([0, 1], [15, 5]), name="t")
    r = RandomReducer(keep=0.2, stratify=True, random_state=0).fit(X, y)
    Xr, yr, w = reduced_data(r, X, y)
    assert list(Xr.index) == list(r.sample_indices_) and yr.name == "t"
    assert w.sum() == pytest.approx(20) and w[yr.to_numpy() == 1].sum() == pytest.approx(5)
    clc = datareduce.get_reducer("clc", keep=0.2, random_state=0).fit(X, y)
    assert reduced_data(clc, X, y).X.index.tolist() != list(clc.sample_indices_)  # centroids
    assert reduced_data(clc, X, y, real_rows=True).X.index.tolist() == \
        list(clc.sample_indices_)
    # the one policy: weights reach a fit that takes sample_weight, unless switched off
    assert accepts_sample_weight(LogisticRegression())
    assert not accepts_sample_weight(KNeighborsClassifier())
    assert sample_weight_params(LogisticRegression(), w) == {"sample_weight": w}
    assert sample_weight_params(LogisticRegression(), w, pass_sample_weight=False) == {}
    assert sample_weight_params(KNeighborsClassifier(), w) == {}
    assert sample_weight_params(LogisticRegression(), None) == {}
    pipe = sk_make_pipeline(StandardScaler(), LogisticRegression())
    assert list(sample_weight_params(pipe, w)) == ["logisticregression__sample_weight"]
    assert sample_weight_params(sk_make_pipeline(StandardScaler(), KNeighborsClassifier()),
                                w) == {}


def test_complex_target_is_refused():
    from datareduce._core.strata import target_kind

    with pytest.raises(ValueError, match="Complex data not supported"):
        target_kind(np.arange(4) + 1j)
