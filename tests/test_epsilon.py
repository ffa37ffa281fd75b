"""Epsilon representativeness against its definition and brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist

from datareduce import RandomReducer
from datareduce.metrics import epsilon_representativeness
from datareduce.metrics.epsilon import directed_hausdorff

CDIST = {"chebyshev": "chebyshev", "euclidean": "euclidean", "manhattan": "cityblock"}


def brute(X, Xr, y=None, yr=None, metric="chebyshev"):
    if y is None:
        return cdist(X, Xr, CDIST[metric]).min(axis=1).max()
    return max(cdist(X[y == c], Xr[yr == c], CDIST[metric]).min(axis=1).max()
               for c in np.unique(y))


def test_hand_example():
    X = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 10.0], [11.0, 10.0]])
    y = np.array([0, 0, 1, 1])
    keep = [0, 2]
    res = epsilon_representativeness(X, X[keep], y, y[keep], metric="euclidean")
    assert res.per_class == {0: 5.0, 1: 1.0}
    assert res.value == 5.0 and res.worst_index == 1
    cheb = epsilon_representativeness(X, X[keep], y, y[keep])
    assert cheb.per_class == {0: 4.0, 1: 1.0} and cheb.metric == "chebyshev"
    assert float(cheb) == 4.0


def test_missing_class_is_infinite():
    X = np.array([[0.0], [1.0], [5.0]])
    y = np.array([0, 0, 1])
    res = epsilon_representativeness(X, X[[0]], y, y[[0]])
    assert res.per_class[1] == np.inf and res.value == np.inf


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean", "manhattan"])
@pytest.mark.parametrize("d", [3, 24])  # KD-tree path and early-break path
def test_matches_brute_force(metric, d):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(3000, d)) * rng.uniform(0.5, 2, size=d)
    y = rng.integers(0, 3, size=3000)
    idx = rng.choice(3000, 200, replace=False)
    res = epsilon_representativeness(X, X[idx], y, y[idx], metric=metric)
    assert res.value == pytest.approx(brute(X, X[idx], y, y[idx], metric), rel=1e-12)
    for c, v in res.per_class.items():
        assert v == pytest.approx(brute(X[y == c], X[idx][y[idx] == c], metric=metric), rel=1e-12)
    # the reported worst row really is that far from the kept rows of its class
    w = res.worst_index
    assert cdist(X[[w]], X[idx][y[idx] == y[w]], CDIST[metric]).min() == pytest.approx(res.value)


def test_small_working_memory_gives_same_value():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 20))
    Xr = X[:50]
    a = directed_hausdorff(X, Xr, working_memory=0.01)[0]
    b = directed_hausdorff(X, Xr, working_memory=64)[0]
    assert a == b == pytest.approx(brute(X, Xr))


def test_reducer_argument():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 12))
    y = rng.integers(0, 2, 500)
    r = RandomReducer(keep=0.2, random_state=0).fit(X, y)
    res = epsilon_representativeness(X, reducer=r, y=y)
    direct = epsilon_representativeness(X, X[r.sample_indices_], y, y[r.sample_indices_])
    assert res.value == direct.value and res.per_class == direct.per_class
    with pytest.raises(ValueError, match="not fitted"):
        epsilon_representativeness(X, reducer=RandomReducer(), y=y)
    with pytest.raises(ValueError, match="fitted on 500 rows"):
        epsilon_representativeness(X[:10], reducer=r)


def test_errors():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match="y_reduced"):
        epsilon_representativeness(X, X, y=np.zeros(5))
    with pytest.raises(ValueError, match="features"):
        epsilon_representativeness(X, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="metric"):
        epsilon_representativeness(X, X, metric="cosine")
    with pytest.raises(ValueError, match="X_reduced"):
        epsilon_representativeness(X)


clouds = st.integers(1, 6).flatmap(
    lambda d: st.tuples(
        arrays(np.float64, st.tuples(st.integers(2, 40), st.just(d)),
               elements=st.floats(-100, 100, allow_nan=False, width=32)),
        st.integers(0, 2**31 - 1),
    )
)


@settings(max_examples=60, deadline=None)
@given(clouds, st.sampled_from(["chebyshev", "euclidean"]))
def test_properties(cloud, metric):
    X, seed = cloud
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    y = rng.integers(0, 2, n)
    # every class present in the reduced set
    first = [np.flatnonzero(y == c)[0] for c in np.unique(y)]
    extra = rng.choice(n, size=rng.integers(0, n), replace=False)
    idx = np.unique(np.concatenate([first, extra])).astype(int)
    full = epsilon_representativeness(X, X, y, y, metric=metric)
    assert full.value == 0.0  # the full set represents itself exactly
    res = epsilon_representativeness(X, X[idx], y, y[idx], metric=metric)
    assert res.value == pytest.approx(brute(X, X[idx], y, y[idx], metric), rel=1e-9, abs=1e-9)
    assert res.value == max(res.per_class.values())
    # adding rows never increases epsilon
    more = np.unique(np.concatenate([idx, rng.choice(n, size=3)]))
    assert epsilon_representativeness(X, X[more], y, y[more], metric=metric).value <= res.value
    # without labels it is at most the per-class value
    assert epsilon_representativeness(X, X[idx], metric=metric).value <= res.value + 1e-12


def test_worst_index_is_minus_one_when_epsilon_is_infinite():
    """A class with no kept row makes epsilon inf; worst_index then named a row of a later,
    finite class (4 here) instead of -1 as documented."""
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    y = np.array([0, 0, 0, 1, 1])
    r = epsilon_representativeness(X, X[[3]], y, y[[3]])
    assert r.value == np.inf and r.per_class == {0: np.inf, 1: 1.0} and r.worst_index == -1
    r = epsilon_representativeness(X, X[[0]], y, y[[0]])  # the empty class comes last
    assert r.value == np.inf and r.worst_index == -1
    r = epsilon_representativeness(X, X[[0, 3]], y, y[[0, 3]])
    assert r.value == 2.0 and r.worst_index == 2
