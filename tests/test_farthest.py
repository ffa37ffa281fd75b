"""The farthest-point core shared by MMS and the metrics' greedy permutation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from datareduce._geometry.farthest import farthest_point_order

SCIPY_NAME = {"euclidean": "euclidean", "chebyshev": "chebyshev", "manhattan": "cityblock"}


def naive(X, k, start, metric):
    """The definition: one full pass per pick, ties to the lowest row position."""
    D = cdist(X, X, SCIPY_NAME[metric])
    picks, radii = [start], [np.inf]
    mind = D[start].copy()
    mind[start] = -1
    for _ in range(1, k):
        p = int(np.argmax(mind))
        picks.append(p)
        radii.append(mind[p])
        mind = np.minimum(mind, D[p])
        mind[picks] = -1
    return np.array(picks), np.array(radii)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 80), st.integers(1, 5), st.integers(0, 10_000),
       st.sampled_from(["euclidean", "chebyshev", "manhattan"]), st.integers(1, 40),
       st.booleans())
def test_matches_the_definition(n, d, seed, metric, block, grid):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if grid:  # exact ties between distances
        X = np.round(X * 2)
    k = int(rng.integers(1, n + 1))
    start = int(rng.integers(n))
    picks, radii, dist, cell = farthest_point_order(X, k, start=start, metric=metric,
                                                    block_size=block, return_distances=True)
    ref_picks, ref_radii = naive(X, k, start, metric)
    assert picks.tolist() == ref_picks.tolist()
    np.testing.assert_allclose(radii[1:], ref_radii[1:], rtol=1e-12, atol=1e-12)
    D = cdist(X, X[picks], SCIPY_NAME[metric])
    np.testing.assert_allclose(dist, D.min(axis=1), rtol=1e-12, atol=1e-12)
    # nearest pick, ties to the earlier pick
    assert np.all(D[np.arange(n), cell] <= D.min(axis=1) + 1e-12)
    assert cell[picks].tolist() == list(range(k))


def test_by_hand_every_metric():
    X = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
    for metric, r in [("euclidean", 5.0), ("chebyshev", 4.0), ("manhattan", 7.0)]:
        picks, radii = farthest_point_order(X, 3, metric=metric)
        assert picks.tolist() == [0, 1, 2]
        assert radii[1] == r


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="n_select"):
        farthest_point_order(np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match="start"):
        farthest_point_order(np.zeros((3, 2)), 2, start=3)
    with pytest.raises(ValueError, match="metric"):
        farthest_point_order(np.zeros((3, 2)), 2, metric="cosine")
    with pytest.raises(ValueError, match="NaN"):
        farthest_point_order([[0.0], [np.nan]], 1)
