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
