"""Hartigan single-row moves after Lloyd in fit_kmeans."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from datareduce._geometry.kmeans import _hartigan_moves, _inertia, fit_kmeans


def test_hartigan_move_by_hand():
    # Lloyd fixed point: 2 is as close to mean 1 of {0, 2} as to 3. Moving it to {3} costs
    # 1/2 * 1 there and saves 2/1 * 1 here: inertia 2 -> 0.5
    X = np.array([[0.0], [2.0], [3.0]])
    labels = _hartigan_moves(X, np.array([[1.0], [3.0]]), np.array([0, 0, 1]), 2)
    assert labels.tolist() == [0, 1, 1]


def test_a_cluster_never_loses_its_last_row():
    X = np.array([[0.0], [1.0], [1.1]])
    labels = _hartigan_moves(X, np.array([[0.0], [1.05]]), np.array([0, 1, 1]), 2)
    assert sorted(np.bincount(labels, minlength=2)) == [1, 2]


@settings(max_examples=20, deadline=None)
@given(st.integers(20, 300), st.integers(1, 6), st.integers(0, 10_000), st.integers(2, 12))
def test_refine_never_raises_the_inertia(n, d, seed, k):
    X = np.random.default_rng(seed).normal(size=(n, d))
    plain = fit_kmeans(X, k, random_state=seed, refine=False, max_iter=5)
    refined = fit_kmeans(X, k, random_state=seed, max_iter=5)  # same Lloyd, then moves
    assert refined.inertia <= plain.inertia * (1 + 1e-12)
    assert np.bincount(refined.labels, minlength=k).min() >= 1
    # centres are the means of their rows and the inertia is theirs
    for c in range(k):
        np.testing.assert_allclose(refined.centers[c], X[refined.labels == c].mean(axis=0))
    assert refined.inertia == _inertia(X, refined.centers, refined.labels)


def test_refine_beats_kmeanspp_with_few_rows_per_cluster():
    from sklearn.cluster import KMeans

    X = np.random.default_rng(0).standard_normal((3000, 16))
    ours = fit_kmeans(X, 300, random_state=0)
    ref = KMeans(300, n_init=1, random_state=0).fit(X).inertia_
    assert ours.inertia < ref
    again = fit_kmeans(X, 300, random_state=0)
    assert np.array_equal(again.labels, ours.labels)  # deterministic given the seed


def test_threads_do_not_change_the_moves():
    # the rounds' evaluation and the candidate refresh are split over blocks of rows shared
    # by threads; each block writes only its own rows
    X = np.random.default_rng(5).normal(size=(3000, 4))
    res = fit_kmeans(X, 300, random_state=0, refine=False)
    one = _hartigan_moves(X, res.centers, res.labels, 300, chunk=256, n_threads=1)
    two = _hartigan_moves(X, res.centers, res.labels, 300, chunk=256, n_threads=2)
    np.testing.assert_array_equal(one, two)
    assert _inertia(X, *_means(X, two, 300)) < res.inertia


def _means(X, labels, k):
    from datareduce._geometry.kmeans import _cluster_means

    return _cluster_means(X, labels, k), labels
