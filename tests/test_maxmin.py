"""MMS: exact greedy farthest-point selection."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from datareduce._geometry.neighbors import nearest
from datareduce.reducers import MaxMinReducer
from datareduce.reducers.maxmin import farthest_point_order


def brute_fps(X, k, start, metric="euclidean"):
    """The definition, written plainly (float64, direct differences)."""
    def dist(i):
        diff = X - X[i]
        return np.sqrt((diff**2).sum(1)) if metric == "euclidean" else np.abs(diff).max(1)

    picks, radii = [start], [np.inf]
    mind = dist(start)
    for _ in range(k - 1):
        avail = np.where(np.isin(np.arange(len(X)), picks), -1.0, mind)  # never pick twice
        p = int(np.argmax(avail))
        picks.append(p)
        radii.append(mind[p])
        mind = np.minimum(mind, dist(p))
    return np.array(picks), np.array(radii), mind


def test_hand_example():
    X = np.array([[0.0], [1.0], [2.0], [10.0], [4.0]])
    picks, radii = farthest_point_order(X, 4, start=0)
    # 0 -> 10 (dist 10) -> 4 (dist 4: min(4, 6)) -> 2 (min(2, 8, 2) = 2)
    assert picks.tolist() == [0, 3, 4, 2]
    assert radii.tolist() == [np.inf, 10.0, 4.0, 2.0]


@pytest.mark.parametrize("start", [0, 17, 399])
def test_identical_to_gudhi_exact(start):
    gs = pytest.importorskip("gudhi.subsampling")
    rng = np.random.default_rng(start)
    X = rng.standard_normal((400, 6))
    picks, _ = farthest_point_order(X, 150, start=start, block_size=32)
    ref = np.asarray(gs.choose_n_farthest_points(points=X, nb_points=150, starting_point=start,
                                                 fast=False))
    np.testing.assert_array_equal(X[picks], ref)


def test_identical_to_gudhi_float32_input():
    gs = pytest.importorskip("gudhi.subsampling")
    X = np.random.default_rng(5).random((300, 3)).astype(np.float32)
    picks, _ = farthest_point_order(X, 120, start=3, block_size=16)
    X64 = X.astype(np.float64)
    ref = np.asarray(gs.choose_n_farthest_points(points=X64, nb_points=120, starting_point=3,
                                                 fast=False))
    np.testing.assert_array_equal(X64[picks], ref)


@pytest.mark.parametrize("metric", ["euclidean", "chebyshev"])
def test_matches_definition_and_radii(metric):
    X = np.random.default_rng(1).normal(size=(500, 4))
    picks, radii, dist, cell = farthest_point_order(X, 60, start=11, metric=metric,
                                                    block_size=50, return_distances=True)
    ref_p, ref_r, ref_d = brute_fps(X, 60, 11, metric)
    np.testing.assert_array_equal(picks, ref_p)
    np.testing.assert_allclose(radii, ref_r, rtol=1e-12)
    np.testing.assert_allclose(dist, ref_d, atol=1e-12)
    assert np.all(np.diff(radii[1:]) <= 1e-12)  # covering radii never grow
    idx, _ = nearest(X, X[picks], metric=metric)
    np.testing.assert_array_equal(cell, idx)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 80), d=st.integers(1, 4), frac=st.floats(0.05, 1.0),
       block=st.integers(1, 40), seed=st.integers(0, 10_000))
def test_block_size_never_changes_picks(n, d, frac, block, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(n, d)).astype(float)  # many ties and duplicates
    k = max(1, int(frac * n))
    a, ra = farthest_point_order(X, k, start=0, block_size=block)
    ref, rr, _ = brute_fps(X, k, 0)
    np.testing.assert_array_equal(a, ref)  # ties go to the lower row position, as argmax
    np.testing.assert_allclose(ra[1:], rr[1:], atol=1e-9)
    assert len(np.unique(a)) == k


def test_prefix_is_a_maxmin_selection():
    X = np.random.default_rng(2).normal(size=(300, 3))
    long = MaxMinReducer(keep=40, selection="reference", start="first").fit(X).sample_indices_
    short = MaxMinReducer(keep=12, selection="reference", start="first").fit(X).sample_indices_
    np.testing.assert_array_equal(long[:12], short)


def test_scores_epsilon_and_weights():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 5))
    r = MaxMinReducer(keep=30, selection="reference", random_state=0).fit(X)
    kept = r.sample_indices_
    _, d = nearest(X, X[kept])
    eps = d.max()
    assert r.covering_radius_[None] == pytest.approx(eps, rel=1e-12)
    rest = np.delete(r.scores_, kept)
    np.testing.assert_allclose(rest, np.delete(d, kept), atol=1e-12)
    # picked rows outrank the others; the best other row is the next greedy pick
    assert r.scores_[kept].min() >= rest.max()
    assert np.isinf(r.scores_[kept[0]])
    nxt = MaxMinReducer(keep=31, selection="reference", random_state=0).fit(X).sample_indices_[-1]
    assert nxt == np.delete(np.arange(400), kept)[np.argmax(rest)]
    # weights: Voronoi cell sizes
    idx, _ = nearest(X, X[kept])
    np.testing.assert_allclose(r.sample_weight_, np.bincount(idx, minlength=30))


def test_stratified_blocks_are_per_class_orders():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3))
    y = np.repeat(["a", "b"], [120, 80])
    r = MaxMinReducer(keep=0.25, selection="reference", start="first").fit(X, y)
    first = r.sample_indices_[:30]
    second = r.sample_indices_[30:]
    assert (y[first] == "a").all() and (y[second] == "b").all()
    pa, _ = farthest_point_order(X[:120], 30, start=0)
    pb, _ = farthest_point_order(X[120:], 20, start=0)
    np.testing.assert_array_equal(first, pa)
    np.testing.assert_array_equal(second, 120 + pb)
    assert set(r.covering_radius_) == {"a", "b"}


def test_starts():
    # the mean (2, 0.8) is nearest row 1 alone (with [9, 0] rows 1 and 2 had tied exactly
    # in real numbers, and rounding picked one)
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [-1.0, 1.0], [8.0, 0.0]])
    assert MaxMinReducer(keep=1, start="medoid", selection="reference").fit(X).sample_indices_.tolist() == [1]
    assert MaxMinReducer(keep=1, start=3).fit(X).sample_indices_.tolist() == [3]
    seeded = [MaxMinReducer(keep=2, random_state=7).fit(X).sample_indices_[0] for _ in range(2)]
    assert seeded[0] == seeded[1]


def test_duplicates_more_picks_than_distinct_rows():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0]]), 10, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = MaxMinReducer(keep=7, selection="reference", start="first").fit(X)
    kept = r.sample_indices_
    assert len(np.unique(kept)) == 7
    assert {tuple(X[i]) for i in kept[:3]} == {(0.0, 0.0), (1.0, 0.0), (0.0, 3.0)}
    assert r.covering_radius_[None] == 0.0
    assert r.sample_weight_.sum() == pytest.approx(30) and (r.sample_weight_ > 0).all()


@pytest.mark.parametrize("params, match", [
    ({"metric": "cosine"}, "metric"),
    ({"start": "middle"}, "start"),
    ({"start": 99}, "start"),
    ({"block_size": 0}, "block_size"),
])
def test_bad_params(params, match):
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match=match):
        MaxMinReducer(keep=3, **params).fit(X)


def test_int_start_needs_single_pool():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match="stratify=False"):
        MaxMinReducer(keep=4, start=2).fit(X, y)
    r = MaxMinReducer(keep=4, start=2, stratify=False).fit(X, y)
    assert r.sample_indices_[0] == 2


def test_manhattan_picks_match_brute_force():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    r = MaxMinReducer(keep=6, selection="reference", metric="manhattan", start="first", stratify=False).fit(X)
    picks, dist = [0], np.abs(X - X[0]).sum(axis=1)
    for _ in range(5):
        j = int(np.argmax(dist))
        picks.append(j)
        dist = np.minimum(dist, np.abs(X - X[j]).sum(axis=1))
    assert r.sample_indices_.tolist() == picks


# ------------------------------------------------------------ random_share (issue 21)
# sample_indices_ before random_share existed (commit 0017749), keep=0.1, random_state=4
_GOLDEN_MMS = [107, 139, 6, 68, 85, 110, 114, 76, 133, 24, 69, 77, 132, 136, 142, 193, 248, 177, 215, 229, 221, 204, 186, 192, 211, 282, 292, 297, 257, 278]


def _share_data():
    rng = np.random.default_rng(21)
    return rng.normal(size=(300, 3)), np.repeat([0, 1, 2], [150, 100, 50])


def test_random_share_zero_keeps_the_old_rows():
    from datareduce import get_reducer

    X, y = _share_data()
    r = get_reducer("mms", keep=0.1, random_state=4).fit(X, y)
    assert r.sample_indices_.tolist() == _GOLDEN_MMS
    r0 = get_reducer("mms", keep=0.1, random_state=4, random_share=0.0).fit(X, y)
    assert r0.sample_indices_.tolist() == _GOLDEN_MMS


@pytest.mark.parametrize("share", [0.3, 0.5, 1.0])
def test_random_share_draws_that_share_per_class(share):
    from datareduce import get_reducer

    X, y = _share_data()
    r = get_reducer("mms", keep=0.1, random_state=4, random_share=share).fit(X, y)
    idx = r.sample_indices_
    assert len(idx) == 30 and len(set(idx.tolist())) == 30
    assert np.bincount(y[idx]).tolist() == [15, 10, 5]  # the quotas, as without the share
    assert np.isclose(r.sample_weight_.sum(), 300)
    # each class's block starts with its random draw (round(share * quota) rows)
    for c, q in zip((0, 1, 2), (15, 10, 5), strict=True):
        n_random = int(np.floor(share * q + 0.5))
        first = idx[y[idx] == c][:n_random]
        assert np.all(np.diff(first) > 0)  # the draw comes sorted, before the method's picks
    if share == 1.0:  # all random: a stratified random sample, none of the method's picks
        again = get_reducer("mms", keep=0.1, random_state=5, random_share=1.0).fit(X, y)
        assert set(again.sample_indices_.tolist()) != set(idx.tolist())


def test_random_share_is_validated():
    from datareduce import get_reducer

    X, y = _share_data()
    with pytest.raises(ValueError, match="random_share"):
        get_reducer("mms", keep=0.1, random_share=1.5).fit(X, y)


def test_random_share_needs_the_coverage_rule():
    X, y = _share_data()
    with pytest.raises(ValueError, match="random_share"):
        MaxMinReducer(keep=0.1, selection="reference", random_share=0.5).fit(X, y)
    with pytest.raises(ValueError, match="random_share"):
        MaxMinReducer(keep=0.1, start=3, stratify=False, random_share=0.5).fit(X)


def _brute_outliers(X, k, frac):
    """The coverage rule's exact outliers, written plainly: the ``frac`` largest distances
    to the k-th nearest other row (ties: lower position)."""
    n = len(X)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    kth = np.sort(D, axis=1)[:, min(k, n - 1) - 1]
    mask = np.zeros(n, dtype=bool)
    mask[np.lexsort((np.arange(n), -kth))[:int(np.floor(frac * n))]] = True
    return mask


def test_outlier_search_is_bounded_by_the_sample(monkeypatch):
    """The outlier ranks of a class larger than OUTLIER_SAMPLE are searched among a sample of
    OUTLIER_SAMPLE rows: the neighbour index never holds more (it held every row of the
    class, O(n_c^2 d) whatever keep: 8.3 CPU s at 10^5 rows, keep 0.01)."""
    from sklearn.neighbors import NearestNeighbors

    from datareduce.reducers import maxmin

    assert maxmin.OUTLIER_SAMPLE == 4096
    sizes = []
    fit = NearestNeighbors.fit

    def spy(self, X, y=None):
        sizes.append(len(X))
        return fit(self, X, y)

    monkeypatch.setattr(NearestNeighbors, "fit", spy)
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [5000, 3000])
    X = rng.normal(size=(8000, 4)) + 5.0 * y[:, None]
    r = MaxMinReducer(keep=0.01, random_state=0).fit(X, y)
    assert sorted(sizes) == [3000, 4096]  # the class of 3000 rows stays exact
    assert r.outliers_.sum() == 1500 + 900  # drop_hardest of each class, as before
    again = MaxMinReducer(keep=0.01, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.outliers_, r.outliers_)  # the sample is seeded
    np.testing.assert_array_equal(again.sample_indices_, r.sample_indices_)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 120), d=st.integers(1, 5), k=st.integers(1, 12),
       frac=st.sampled_from([0.1, 0.3, 0.5]), seed=st.integers(0, 10_000))
def test_outliers_below_the_sample_size_are_exact(n, d, k, frac, seed):
    """Classes of at most OUTLIER_SAMPLE rows keep the exact ranks (and draw nothing more
    from the seed, so their selection is unchanged: the golden rows above)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    # a cut that falls between equal k-th distances (3 rows on a line: both ends are the
    # span from each other) is decided by rounding (the index's distances are computed
    # otherwise than these): only clean cuts are compared
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    kth = np.sort(np.sort(D, axis=1)[:, min(k, n - 1) - 1])[::-1]
    cut = int(np.floor(frac * n))
    assume(cut == 0 or cut >= n or kth[cut - 1] - kth[cut] > 1e-9 * (1 + kth[cut - 1]))
    r = MaxMinReducer(keep=0.2, n_neighbors=k, drop_hardest=frac, random_state=seed,
                      stratify=False).fit(X)
    expect = _brute_outliers(X, k, frac) if n >= 3 else np.zeros(n, dtype=bool)
    np.testing.assert_array_equal(r.outliers_, expect)


def test_sampled_outliers_agree_with_the_exact_ones(monkeypatch):
    """Above the sample size the ranks are the k-th neighbour among a sample: rows planted
    far from a Gaussian blob are all outliers, and the outlier set overlaps the exact one
    (Jaccard 0.73-0.79 over seeds 0-5 with a sample of 500 of 3,030 rows in 8-D; a random
    set of the same size would give about 0.18)."""
    from datareduce.reducers import maxmin

    rng = np.random.default_rng(0)
    far = rng.normal(size=(30, 8))
    far *= 12.0 / np.linalg.norm(far, axis=1, keepdims=True)  # the blob's rows: |x| ~ 2.8
    X = np.vstack([rng.normal(size=(3000, 8)), far])
    exact = _brute_outliers(X, 10, 0.3)
    monkeypatch.setattr(maxmin, "OUTLIER_SAMPLE", 500)
    r = MaxMinReducer(keep=0.02, random_state=0).fit(X)
    assert r.outliers_[3000:].all()
    assert r.outliers_.sum() == exact.sum() == 909
    assert (r.outliers_ & exact).sum() / (r.outliers_ | exact).sum() >= 0.7
