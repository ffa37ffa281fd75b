"""Reducers on every kind of table (tester's report explore3/tables): scale invariance of the
float32 paths (herding, PHL), CLC's centroid rule whatever X's container, numpy float keeps."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datareduce
from datareduce._geometry.kernels import median_heuristic, power_of_two_scale, rbf_mean_embedding
from datareduce.reducers.herding import kernel_herding


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:3] *= 4  # a few outlying rows
    y = np.repeat(["a", "b", "c"], [n // 2, n // 3, n - n // 2 - n // 3])
    return X, y


def _fit(name, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow / underflow on the way
        return datareduce.get_reducer(name, keep=0.2, random_state=0, **kw).fit(X, y)


# ---------------------------------------------------------------- 01: herding at any scale

@pytest.mark.parametrize("scale", [1e20, 1e-20, 6e23, 1e100, 1e-100, 1e140, 1e-140])
def test_herding_same_rows_at_every_scale(scale):
    # the Gaussian kernel with the median-heuristic width depends on X / scale only
    X, y = _data()
    ref = _fit("herding", X, y).sample_indices_
    assert _fit("herding", X * scale, y).sample_indices_.tolist() == ref.tolist()


@settings(max_examples=15, deadline=None)
@given(e=st.integers(-460, 460))
def test_herding_power_of_two_scale_gives_the_same_rows(e):
    # multiplying by a power of two is exact: the same rows, whatever the exponent
    X, y = _data(60, seed=1)
    ref = _fit("herding", X, y).sample_indices_
    assert _fit("herding", np.ldexp(X, e), y).sample_indices_.tolist() == ref.tolist()


def test_herding_large_unit_column_is_not_head_of_each_class():
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"mass": rng.normal(size=n),
                       "molecules": 6e23 * (1 + 0.1 * rng.normal(size=n)),
                       "x": rng.normal(size=n)})
    y = np.repeat(["a", "b"], [80, 40])
    scaled = df / 2.0**77  # the same table in other units (exact)
    kept = _fit("herding", df, y).sample_indices_
    assert sorted(kept.tolist()) != list(range(16)) + list(range(80, 88))
    assert kept.tolist() == _fit("herding", scaled, y).sample_indices_.tolist()


def test_rbf_mean_embedding_float32_matches_float64_at_extreme_scales():
    X, _ = _data(50)
    for scale in (1e25, 1e-25):
        Xs = X * scale
        gamma = 1.0 / (2 * median_heuristic(Xs) ** 2)
        exact = rbf_mean_embedding(Xs, Xs, gamma, dtype=np.float64)
        fast = rbf_mean_embedding(Xs, Xs, gamma, dtype=np.float32)
        assert np.all(np.isfinite(fast))
        np.testing.assert_allclose(fast, exact, rtol=1e-4)
    # rows 1e20 bandwidths apart: float32 exponents would overflow, float64 is used
    X = np.array([[0.0], [1.0], [2.0], [1e20]])
    fast = rbf_mean_embedding(X, X, 0.5, dtype=np.float32)
    np.testing.assert_allclose(fast, rbf_mean_embedding(X, X, 0.5), rtol=1e-6)
    assert kernel_herding(X, 2, bandwidth=1.0)[0].tolist() == [1, 3]


def test_median_heuristic_scales_with_the_data():
    X, _ = _data(40)
    m = median_heuristic(X)
    for e in (-600, 600):  # squared distances would underflow / overflow float64
        assert median_heuristic(np.ldexp(X, e)) == np.ldexp(m, e)


def test_values_too_small_for_squared_distances_are_refused_by_name():
    X, y = _data(30)
    with pytest.raises(ValueError, match="underflow"):
        datareduce.get_reducer("herding", keep=0.2).fit(X * 1e-200, y)
    # an all-zero X is constant, not tiny: still accepted
    datareduce.get_reducer("herding", keep=0.2).fit(np.zeros((30, 2)), y)


# ---------------------------------------------------------------- 02: PHL at any scale

@pytest.mark.parametrize("e", [140, 330, -170, -330])
def test_phl_scores_scale_with_the_data(e):
    # a power of two is exact: the same rows, and the scores times the scale, bit for bit
    X, y = _data()
    ref = _fit("phl", X, y)
    r = _fit("phl", np.ldexp(X, e), y)
    assert r.sample_indices_.tolist() == ref.sample_indices_.tolist()
    assert np.array_equal(r.outlier_scores_, np.ldexp(ref.outlier_scores_, e))


@pytest.mark.parametrize("scale", [1e40, 1e100, 1e-50, 1e-100])
def test_phl_same_rows_at_decimal_scales(scale):
    X, y = _data()
    ref = _fit("phl", X, y)
    r = _fit("phl", X * scale, y)
    assert r.sample_indices_.tolist() == ref.sample_indices_.tolist()
    fin = np.isfinite(ref.outlier_scores_)
    assert np.array_equal(np.isfinite(r.outlier_scores_), fin)
    # rounding may move a neighbour across the radius of a row or two; not more
    close = np.isclose(r.outlier_scores_[fin], ref.outlier_scores_[fin] * scale, rtol=1e-5)
    assert close.mean() > 0.95


# ---------------------------------------------------------------- 03: CLC centroid rule

def _clc_cases():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 10, 60)
    flags = rng.random(60) < 0.5
    return {
        "object ints and bools": np.array([[int(c), bool(f)] for c, f in zip(counts, flags, strict=True)],
                                          dtype=object),
        "object ints": np.array([[int(c), int(c) + 1] for c in counts], dtype=object),
        "str of ints": np.c_[counts, flags.astype(int)].astype(str),
        "str of floats": (np.c_[counts, counts] + 0.5).astype(str),
        "list of ints": np.c_[counts, counts + 1].tolist(),
    }


@pytest.mark.parametrize("case", list(_clc_cases()))
def test_clc_centroids_fall_back_to_medoids_whatever_the_container(case):
    X = _clc_cases()[case]
    y = np.repeat([0, 1], [40, 20])
    r = datareduce.get_reducer("clc", keep=0.2, random_state=0)
    with pytest.warns(UserWarning, match="centroids cannot"):
        Xr, _ = r.fit_resample(X, y)
    assert r.output_ == "medoids" and r.synthetic_ is None
    Xa = np.asarray(X) if isinstance(X, list) else X
    if isinstance(Xr, np.ndarray):
        assert Xr.dtype == Xa.dtype
    assert np.array_equal(np.asarray(Xr), Xa[r.sample_indices_])


def test_clc_object_array_of_floats_still_gets_centroids():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype(object)
    y = np.repeat([0, 1], [40, 20])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        r = datareduce.get_reducer("clc", keep=0.2, random_state=0)
        r.fit_resample(X, y)
    assert r.output_ == "centroids"


# ---------------------------------------------------------------- 05: numpy float keeps

@pytest.mark.parametrize("keep", [np.float32(0.1), np.float16(0.1), np.longdouble(0.1),
                                  np.float32(1.0)])
@pytest.mark.parametrize("name", ["srs", "herding", "clc"])
def test_numpy_floating_keep_is_a_fraction(name, keep):
    X = np.random.default_rng(0).normal(size=(100, 3))
    r = datareduce.get_reducer(name, keep=keep, random_state=0).fit(X, np.arange(100) % 2)
    ref = datareduce.get_reducer(name, keep=float(keep), random_state=0).fit(
        X, np.arange(100) % 2)
    assert r.sample_indices_.tolist() == ref.sample_indices_.tolist()
    assert len(r.sample_indices_) == round(float(keep) * 100)


@pytest.mark.parametrize("keep", [np.float32(1.5), np.float32(0.0), np.float32("nan")])
def test_numpy_floating_keep_out_of_range_is_refused(keep):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="keep"):
        datareduce.get_reducer("srs", keep=keep).fit(np.ones((10, 2)))


def test_clc_list_of_float_rows_with_a_whole_number_written_as_int_gets_centroids():
    """review3/r2 04: JSON writers drop '.0'; the list was typed value by value, so one int
    in a float column sent CLC to medoids, while np.asarray(list) (float64) got centroids."""
    rng = np.random.default_rng(0)
    rows = np.round(rng.normal(size=(60, 2)), 1).tolist()
    rows[5][0] = 0
    y = np.repeat([0, 1], [40, 20])
    got = {}
    for name, X in (("list", rows), ("array", np.asarray(rows))):
        r = datareduce.get_reducer("clc", keep=0.2, random_state=0).fit(X, y)
        got[name] = (r.output_, np.round(r.synthetic_, 12).tolist())
    assert got["list"] == got["array"] and got["list"][0] == "centroids"


def test_median_heuristic_at_the_top_of_float64():
    """review3/r2 01: max |X| >= 2**1023 raised OverflowError (math.ldexp(1, 1024))."""
    assert median_heuristic(np.array([[0.0], [1e308]])) == 1e308
    assert power_of_two_scale([[1.5e308]]) == 2.0**1023
