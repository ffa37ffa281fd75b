"""The reducer contract of DESIGN.md, checked for every registered reducer.

A method registered in ``datareduce._registry`` gets these tests for free. Per-method
parameters that keep the tests fast live in ``FAST_PARAMS``.
"""

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import datareduce
from datareduce._registry import _REGISTRY

# parameters that make a method quick on 60 rows (e.g. fewer epochs)
FAST_PARAMS = {
    "flow": {"max_epochs": 3},
    "fes": {"epochs": 3},
}


def _available(name):
    extra = _REGISTRY[name].extra
    if extra is None:
        return True
    module = {"flow": "torch", "detection": "ultralytics", "dask": "dask"}.get(extra, extra)
    return importlib.util.find_spec(module) is not None


METHODS = [pytest.param(m, marks=pytest.mark.skipif(not _available(m), reason="extra missing"))
           for m in datareduce.available_reducers()]


def make(name, **params):
    p = {"random_state": 0, **FAST_PARAMS.get(name, {}), **params}
    return datareduce.get_reducer(name, **p)


def fit_quiet(reducer, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reducer.fit(X, y)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("keep, expected", [(0.25, 15), (0.5, 30), (7, 7), (60, 60)])
def test_exact_kept_counts(method, keep, expected, blobs):
    X, y = blobs
    r = fit_quiet(make(method, keep=keep), X, y)
    assert r.sample_indices_.shape == (expected,)
    assert len(np.unique(r.sample_indices_)) == expected
    assert r.sample_indices_.min() >= 0 and r.sample_indices_.max() < len(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = make(method, keep=keep).fit_resample(X, y)
    assert len(Xr) == expected and len(yr) == expected


@pytest.mark.parametrize("method", METHODS)
def test_per_class_quotas(method, blobs):
    X, y = blobs
    r = make(method, keep=0.5)
    if "stratify" in r.get_params():
        r.set_params(stratify=True)
    elif r._global_selection:
        pytest.skip("method allocates rows over classes by its own definition")
    fit_quiet(r, X, y)
    counts = np.bincount(y[r.sample_indices_], minlength=3)
    assert counts.tolist() == [15, 10, 5]


@pytest.mark.parametrize("method", METHODS)
def test_deterministic_under_seed(method, blobs):
    X, y = blobs
    a = fit_quiet(make(method, keep=0.3, random_state=42), X, y)
    b = fit_quiet(make(method, keep=0.3, random_state=42), X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    np.testing.assert_allclose(a.sample_weight_, b.sample_weight_)


@pytest.mark.parametrize("method", METHODS)
def test_X_not_modified(method, blobs):
    X, y = blobs
    X_copy, y_copy = X.copy(), y.copy()
    X.setflags(write=False)  # any in-place write raises
    fit_quiet(make(method, keep=0.3), X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


@pytest.mark.parametrize("method", METHODS)
def test_dataframe_round_trip(method, blobs):
    X, y = blobs
    index = pd.Index(np.arange(len(X)) * 10 + 7, name="row")
    df = pd.DataFrame(X, columns=list("abcd"), index=index)
    s = pd.Series(y, index=index, name="label")
    r = make(method, keep=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = r.fit_resample(df, s)
    assert isinstance(Xr, pd.DataFrame) and isinstance(yr, pd.Series)
    assert list(Xr.columns) == list("abcd")
    assert list(r.feature_names_in_) == list("abcd")
    assert yr.name == "label"
    if getattr(r, "output", "medoids") != "centroids":
        assert Xr.index.equals(index[r.sample_indices_])
        assert yr.index.equals(Xr.index)
        np.testing.assert_array_equal(Xr.to_numpy(), X[r.sample_indices_])


@pytest.mark.parametrize("method", METHODS)
def test_numpy_lists_and_float32(method, blobs):
    X, y = blobs
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = make(method, keep=0.3).fit_resample(X32, y)
        assert isinstance(Xr, np.ndarray) and Xr.dtype == np.float32
        Xl, yl = make(method, keep=0.3).fit_resample(X.tolist(), y.tolist())
    assert Xl.shape == (18, 4) and len(yl) == 18


@pytest.mark.parametrize("method", METHODS)
def test_clone_and_params(method):
    r = make(method, keep=0.2)
    params = r.get_params()
    assert params["keep"] == 0.2
    c = clone(r)
    assert c.get_params() == params
    c.set_params(keep=5)
    assert c.keep == 5 and r.keep == 0.2
    assert "sample_indices_" not in vars(c)


@pytest.mark.parametrize("method", METHODS)
def test_sample_weight_and_support(method, blobs):
    X, y = blobs
    r = fit_quiet(make(method, keep=0.3), X, y)
    assert r.sample_weight_.shape == r.sample_indices_.shape
    assert np.all(r.sample_weight_ > 0)
    assert r.sample_weight_.sum() == pytest.approx(len(X))
    mask = r.get_support()
    assert mask.dtype == bool and mask.sum() == len(r.sample_indices_)
    np.testing.assert_array_equal(np.flatnonzero(mask), np.sort(r.sample_indices_))
    np.testing.assert_array_equal(r.get_support(indices=True), r.sample_indices_)
    assert r.n_samples_in_ == 60 and r.n_features_in_ == 4
    if hasattr(r, "scores_"):
        assert r.scores_.shape == (60,)


@pytest.mark.parametrize("method", METHODS)
def test_without_y(method, blobs):
    X, _ = blobs
    r = make(method, keep=0.25)
    if r._requires_y:
        with pytest.raises(ValueError, match="needs class labels"):
            r.fit(X)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr = r.fit_transform(X)
    assert Xr.shape == (15, 4)
    Xr2, yr2 = make(method, keep=0.25).fit_resample(X)
    assert yr2 is None and Xr2.shape == (15, 4)


@pytest.mark.parametrize("method", METHODS)
def test_fit_transform_with_y_returns_pair(method, blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = make(method, keep=0.25).fit_transform(X, y)
    assert isinstance(out, tuple) and out[0].shape == (15, 4) and out[1].shape == (15,)


BAD_INPUTS = [
    ("nan", lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y),
     ValueError, "NaN"),
    ("inf", lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), y),
     ValueError, "infinite"),
    ("strings", lambda X, y: (pd.DataFrame({"a": ["x"] * len(X), "b": X[:, 0]}), y),
     TypeError, "non-numeric"),
    ("y-length", lambda X, y: (X, y[:-1]), ValueError, "labels but X has"),
    ("empty", lambda X, y: (X[:0], y[:0]), ValueError, "empty"),
    ("1d", lambda X, y: (X[:, 0], y), ValueError, "1-D"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case, mutate, exc, match", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_errors(method, case, mutate, exc, match, blobs):
    X, y = mutate(*blobs)
    with pytest.raises(exc, match=match):
        make(method, keep=0.3).fit(X, y)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("keep, exc", [(0.0, ValueError), (1.5, ValueError), (-3, ValueError),
                                       (61, ValueError), (True, TypeError), ("half", TypeError)])
def test_bad_keep(method, keep, exc, blobs):
    X, y = blobs
    with pytest.raises(exc, match="keep"):
        make(method, keep=keep).fit(X, y)


@pytest.mark.parametrize("method", METHODS)
def test_transform_refuses(method, blobs):
    X, y = blobs
    r = fit_quiet(make(method, keep=0.3), X, y)
    with pytest.raises(TypeError, match="make_pipeline"):
        r.transform(X)


@pytest.mark.parametrize("method", METHODS)
def test_in_datareduce_pipeline(method, blobs):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = blobs
    pipe = datareduce.make_pipeline(make(method, keep=0.5), KNeighborsClassifier(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    assert pipe.predict(X).shape == (60,)
    assert pipe[-1].n_samples_fit_ == 30
