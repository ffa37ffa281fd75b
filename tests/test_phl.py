"""PHL: outlier scores vs a plain per-point implementation of Stolz's definition."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ripser import ripser
from scipy.spatial import KDTree

from datareduce import get_reducer
from datareduce.reducers.phl import (
    PHLandmarksReducer,
    auto_radius,
    landmark_order,
    neighbourhood_score,
    phl_outlier_scores,
)


def plain_scores(X, radius, dimension, scoring):
    """Per point: drop it, rebuild a KD-tree, ball query, ripser (the reference's loop)."""
    out = np.empty(len(X))
    for i in range(len(X)):
        rest = np.delete(X, i, axis=0)
        idx = KDTree(rest).query_ball_point(X[i], r=radius)
        if len(idx) < 2:
            out[i] = np.inf
            continue
        with warnings.catch_warnings():  # a square neighbourhood looks like a matrix
            warnings.simplefilter("ignore", UserWarning)
            dgms = ripser(rest[idx], maxdim=dimension)["dgms"]

        def maxpers(d):
            d = d[np.isfinite(d[:, 1])] if d.size else d
            return float((d[:, 1] - d[:, 0]).max()) if d.size else 0.0

        dims = [dimension] if scoring == "restricted" else range(dimension + 1)
        out[i] = max(maxpers(dgms[k]) for k in dims)
    return out


def circle_with_noise(seed=0, n_circle=120, n_noise=6):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n_circle)
    circle = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.03, (n_circle, 2))
    noise = np.array([[0.0, 0.0], [0.1, 0.3], [2.5, 2.5], [-2.2, 1.9], [0.3, -0.2],
                      [-0.3, 0.05]])[:n_noise]
    return np.vstack([circle, noise])


@pytest.mark.parametrize("dimension, scoring", [(1, "multi"), (1, "restricted"), (0, "multi"),
                                                (2, "restricted")])
def test_scores_equal_plain_per_point_implementation(dimension, scoring):
    X = circle_with_noise(1)
    X = np.vstack([X, np.random.default_rng(2).uniform(-1.5, 1.5, (20, 2))])
    r = auto_radius(X, k=8)
    ours, counts = phl_outlier_scores(X, r, dimension=dimension, scoring=scoring,
                                      max_neighbors=10**6)
    ref = plain_scores(X, r, dimension, scoring)
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(ours[fin], ref[fin], rtol=1e-6, atol=1e-7)
    assert np.all((counts < 2) == np.isinf(ours))


def test_circle_noise_scored_as_outliers_and_picked_last():
    X = circle_with_noise(0)
    n_circle = 120
    r = PHLandmarksReducer(keep=n_circle, selection="reference", radius=0.3, random_state=0).fit(X)
    # all noise rows are super-outliers or score above every circle row
    noise = r.outlier_scores_[n_circle:]
    assert np.all(noise > np.max(r.outlier_scores_[:n_circle]))
    assert set(r.sample_indices_) == set(range(n_circle))
    # vital landmarks take them first
    v = PHLandmarksReducer(keep=6, selection="reference", radius=0.3, landmark_type="vital", random_state=0).fit(X)
    assert set(v.sample_indices_) == set(range(n_circle, n_circle + 6))


def test_hand_checked_square_neighbourhood():
    # unit square: H0 deaths 1, 1, 1; H1 born at 1, dies at sqrt(2)
    sq = np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])
    assert neighbourhood_score(sq, 1, "restricted") == pytest.approx(np.sqrt(2) - 1, rel=1e-6)
    assert neighbourhood_score(sq, 1, "multi") == pytest.approx(1.0, rel=1e-6)
    assert neighbourhood_score(sq, 0, "restricted") == pytest.approx(1.0, rel=1e-6)


def test_super_outliers_order_is_seeded_and_last():
    s = np.array([0.2, np.inf, 0.1, np.inf, np.inf, 0.3])
    a = landmark_order(s, rng=np.random.default_rng(5))
    b = landmark_order(s, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a[:3].tolist() == [2, 0, 5] and set(a[3:]) == {1, 3, 4}
    v = landmark_order(s, "vital", rng=np.random.default_rng(5))
    assert set(v[:3]) == {1, 3, 4} and v[3:].tolist() == [5, 0, 2]
    last = landmark_order(s, "vital", "last", rng=np.random.default_rng(5))
    assert last[:3].tolist() == [5, 0, 2]


def test_max_neighbors_cap_is_seeded_and_job_independent(monkeypatch):
    import joblib

    from datareduce.reducers import _phl_scoring as phl

    X = np.random.default_rng(3).normal(size=(200, 2))
    kw = dict(radius=0.6, max_neighbors=8, random_state=7)
    a = PHLandmarksReducer(keep=50, selection="reference", **kw).fit(X)
    monkeypatch.setattr(phl, "_CHUNK", 64)  # several blocks, spread over the workers
    monkeypatch.setattr(phl, "_MAX_PAIRS", 500)
    with joblib.parallel_config(backend="threading"):  # no process start-up in the tests
        b = PHLandmarksReducer(keep=50, selection="reference", n_jobs=2, **kw).fit(X)
    np.testing.assert_array_equal(a.scores_, b.scores_)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert a.n_neighbors_.max() > 8
    c = PHLandmarksReducer(keep=50, selection="reference", radius=0.6, max_neighbors=8, random_state=8).fit(X)
    assert not np.array_equal(a.scores_, c.scores_)
    uncapped, _ = phl_outlier_scores(X, 0.6, max_neighbors=10**6)
    assert not np.array_equal(a.scores_, uncapped)


def test_auto_radius_reported_per_class():
    X = np.vstack([np.random.default_rng(0).normal(0, 1, (50, 2)),
                   np.random.default_rng(1).normal(0, 5, (30, 2))])
    y = np.repeat([0, 1], [50, 30])
    r = get_reducer("phl", keep=0.2, selection="reference", random_state=0).fit(X, y)
    assert r.radius_.shape == (2,) and r.radius_[1] > r.radius_[0]
    assert r.radius_[0] == pytest.approx(auto_radius(X[:50]))
    assert np.bincount(y[r.sample_indices_]).tolist() == [10, 6]
    assert r.n_neighbors_.shape == (80,) and r.scores_.shape == (80,)


def test_auto_radius_hand_checked():
    assert auto_radius(np.array([[0.0], [1.0], [3.0]]), k=1) == pytest.approx(1.0)


@pytest.mark.parametrize("param, value", [("radius", 0), ("radius", -1.0), ("dimension", -1),
                                          ("scoring", "max"), ("landmark_type", "x"),
                                          ("max_neighbors", 1), ("super_outliers", "middle"),
                                          ("radius_k", 0), ("n_jobs", 0)])
def test_bad_params(param, value, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=param):
        PHLandmarksReducer(keep=5, **{param: value}).fit(X, y)


def test_batching_does_not_change_scores(monkeypatch):
    """Many small ripser batches (disjoint unions) give the same scores as one per row."""
    from datareduce.reducers import _phl_scoring as phl

    X = circle_with_noise(4)
    r = auto_radius(X, k=8)
    one_batch, _ = phl_outlier_scores(X, r, dimension=2, max_neighbors=10**6)
    monkeypatch.setattr(phl, "_batch_cap", lambda dimension: 12)
    small, _ = phl_outlier_scores(X, r, dimension=2, max_neighbors=10**6)
    single = np.array([neighbourhood_score(X[np.flatnonzero(
        (np.linalg.norm(X - x, axis=1) <= r) & (np.arange(len(X)) != i))], 2, "multi")
        if np.isfinite(one_batch[i]) else np.inf for i, x in enumerate(X)])
    np.testing.assert_array_equal(one_batch, small)
    np.testing.assert_allclose(one_batch, single, rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([(1, "multi"), (1, "restricted"),
                                                (2, "multi"), (2, "restricted")]))
def test_bounds_and_union_equal_single_ripser_calls(seed, case):
    """The MST / cone bounds and the disjoint-union ripser call never change a score."""
    from datareduce.reducers._phl_scoring import _batch_scores

    dimension, scoring = case
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3)) * rng.uniform(0.2, 2, 3)
    X[:5] = X[5:10]  # some exact duplicates
    hoods = [rng.choice(60, size=int(rng.integers(2, 14)), replace=False) for _ in range(25)]
    got = _batch_scores(X, hoods, dimension, scoring)
    ref = [neighbourhood_score(X[h], dimension, scoring) for h in hoods]
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 12), st.sampled_from([0.25, 0.5, 0.9]),
       st.booleans())
def test_brute_force_search_equals_the_tree(seed, k, quantile, grid):
    """Above _TREE_MAX_DIM dimensions the neighbours come from the BLAS search plus an exact
    re-check: radius and neighbour lists equal the KD-tree's, ties (grid data, duplicates,
    rows exactly at the radius) included."""
    from datareduce.reducers import _phl_scoring as phl

    rng = np.random.default_rng(seed)
    if grid:  # integer points: many distances tie, and the radius is one of them
        X = rng.integers(0, 3, size=(80, 10)).astype(float) * 0.5 + 1e3
    else:
        X = rng.normal(size=(80, 10)) * rng.uniform(0.1, 3, 10)
        X[:6] = X[6:12]  # exact duplicates
    assert X.shape[1] > phl._TREE_MAX_DIM  # the brute path
    r = auto_radius(X, k=k, quantile=quantile)
    kth = KDTree(X).query(X, k=k + 1)[0][:, k]
    want = float(np.quantile(kth, quantile)) or float(kth.max())
    assert r == pytest.approx(want, rel=1e-14)  # last-bit summation order only
    got = phl._radius_neighbors(X, r, 0, len(X), phl._brute_index(X))
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    for i, nb in enumerate(got):
        ref = set(np.flatnonzero(D[i] <= r).tolist()) - {i}
        # a pair can differ only at the radius itself, where summation order decides
        assert all(abs(D[i, j] - r) <= 1e-13 * r for j in ref ^ set(nb.tolist()))
        assert nb.size == len(set(nb.tolist()))
    # the row that defines the radius keeps its k-th neighbour
    counts = np.array([a.size for a in got])
    assert np.sum(counts >= k) >= np.ceil(quantile * len(X)) - 1


def test_brute_and_tree_paths_give_the_same_scores(monkeypatch):
    from datareduce.reducers import _phl_scoring as phl

    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(300, 4)), rng.normal(4, 1, (100, 4))])
    r = auto_radius(X, k=8)
    tree_scores, tree_counts = phl_outlier_scores(X, r, seed=1)
    monkeypatch.setattr(phl, "_TREE_MAX_DIM", 0)
    monkeypatch.setattr(phl, "_MAX_PAIRS", 3000)  # several blocks
    assert auto_radius(X, k=8) == r
    brute_scores, brute_counts = phl_outlier_scores(X, r, seed=1)
    np.testing.assert_array_equal(tree_counts, brute_counts)
    np.testing.assert_array_equal(tree_scores, brute_scores)


def test_coverage_does_not_spend_the_budget_on_super_outliers():
    """Issue 21: in 10 dimensions about 15% of rows have fewer than two neighbours within
    the automatic radius (super-outliers, score inf), more than ``drop_hardest`` removes.
    The super-outliers left over get their proportional share of the budget, not an equal
    share with the whole bulk (half the kept rows before the fix), and the isolated extreme
    rows are never kept."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(1000, 10)), rng.normal(size=(4, 10)) * 200])
    r = get_reducer("phl", keep=0.1, random_state=0, stratify=False).fit(X)
    s = r.outlier_scores_
    n, q = len(X), len(r.sample_indices_)
    n_inf = int(np.isinf(s).sum())
    survivors = n - int(0.1 * n)
    inf_left = n_inf - int(0.1 * n)
    assert inf_left > 0  # the case: more super-outliers than the drop removes
    kept_inf = int(np.isinf(s[r.sample_indices_]).sum())
    assert kept_inf <= round(q * inf_left / survivors) + 1
    assert not np.isin(np.arange(1000, 1004), r.sample_indices_).any()
    # the rest of the budget is a spread over the bulk's finite scores
    kept = s[r.sample_indices_]
    finite = s[np.isfinite(s)]
    med = np.median(finite)
    assert (kept[np.isfinite(kept)] < med).sum() >= 0.3 * q
    assert (kept[np.isfinite(kept)] > med).sum() >= 0.3 * q
