"""Exact minimum spanning tree lengths (H0) on the cell index, against a dense MST."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from datareduce.metrics import minimum_spanning_tree_lengths

SCIPY_NAME = {"euclidean": "euclidean", "chebyshev": "chebyshev", "manhattan": "cityblock"}


def dense_mst(X, metric="euclidean"):
    U = np.unique(X, axis=0)
    return np.sort(minimum_spanning_tree(cdist(U, U, SCIPY_NAME[metric])).data)


def clusters(n, d, k, seed, sd=1.0, spread=10.0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, spread, size=(k, d))
    return centres[rng.integers(k, size=n)] + sd * rng.normal(size=(n, d))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 150), st.integers(1, 8), st.integers(0, 10_000),
       st.sampled_from(["euclidean", "chebyshev", "manhattan"]), st.booleans(),
       st.integers(1, 40), st.integers(1, 6), st.integers(1, 300))
def test_equals_dense_mst_for_any_index_settings(n, d, seed, metric, ties, cell_size, k, batch):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.01, 100)
    if ties:  # a grid: many equal lengths and duplicate rows
        X = np.round(X / X.std() * 2) / 2 if X.std() > 0 else X
    got = minimum_spanning_tree_lengths(X, metric=metric, n_neighbors=k, cell_size=cell_size,
                                        batch=batch, engine="cells")
    ref = dense_mst(X, metric)
    assert got.shape == (n - 1,)
    assert np.all(np.diff(got) >= 0)
    np.testing.assert_allclose(got[got > 0], ref, rtol=1e-12, atol=0)
    assert np.count_nonzero(got == 0) == n - len(np.unique(X, axis=0))


@pytest.mark.parametrize("metric", ["euclidean", "chebyshev", "manhattan"])
def test_separated_clusters_in_16d(metric):
    # whole clusters become components: the late rounds search across clusters
    X = clusters(1200, 16, 8, seed=1)
    got = minimum_spanning_tree_lengths(X, metric=metric, cell_size=48)
    np.testing.assert_allclose(got, dense_mst(X, metric), rtol=1e-12, atol=0)


def test_far_from_the_origin_and_tiny_scale():
    # large offsets: the search's dot-product expansion must not decide the lengths
    X = clusters(600, 5, 4, seed=2) * 1e-3 + 1e4
    got = minimum_spanning_tree_lengths(X, cell_size=32, engine="cells")
    np.testing.assert_allclose(got, dense_mst(X), rtol=1e-9, atol=0)


def test_hand_example_and_duplicates():
    # a 3-4-5 right triangle plus a duplicate of a corner: lengths 0, 3, 4
    X = [[0.0, 0.0], [3.0, 0.0], [3.0, 4.0], [0.0, 0.0]]
    assert minimum_spanning_tree_lengths(X).tolist() == [0.0, 3.0, 4.0]
    assert minimum_spanning_tree_lengths(X, metric="manhattan").tolist() == [0.0, 3.0, 4.0]
    assert minimum_spanning_tree_lengths([[1.0, 2.0]] * 4).tolist() == [0.0, 0.0, 0.0]
    assert minimum_spanning_tree_lengths([[1.0]]).tolist() == []


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_neighbors"):
        minimum_spanning_tree_lengths(np.zeros((3, 2)), n_neighbors=0)
    with pytest.raises(ValueError, match="cell_size"):
        minimum_spanning_tree_lengths(np.zeros((3, 2)), cell_size=0)
    with pytest.raises(ValueError, match="metric"):
        minimum_spanning_tree_lengths(np.zeros((3, 2)), metric="cosine")


@pytest.mark.parametrize("d", [2, 4])
def test_mlpack_engine_equals_cells(d):
    pytest.importorskip("mlpack")
    X = np.round(clusters(800, d, 5, seed=3), 1)  # duplicates and ties too
    ref = dense_mst(X)
    for engine in ("mlpack", "auto", "cells"):
        got = minimum_spanning_tree_lengths(X, engine=engine)
        assert got.shape == (799,)
        np.testing.assert_allclose(got[got > 0], ref, rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match="engine="):
        minimum_spanning_tree_lengths(X, engine="boruvka")
    with pytest.raises(ValueError, match="Euclidean"):
        minimum_spanning_tree_lengths(X, metric="manhattan", engine="mlpack")


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 400), st.integers(1, 16), st.integers(0, 10_000), st.integers(1, 60))
def test_threads_do_not_change_the_tree(n, d, seed, cell_size):
    # the k-NN search shares the cells among threads; each cell writes only its own rows
    X = np.random.default_rng(seed).uniform(size=(n, d))
    one = minimum_spanning_tree_lengths(X, engine="cells", cell_size=cell_size, n_jobs=1)
    two = minimum_spanning_tree_lengths(X, engine="cells", cell_size=cell_size, n_jobs=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one[one > 0], dense_mst(X), rtol=1e-12, atol=0)


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5])
def test_bad_n_jobs_is_named(n_jobs):
    with pytest.raises(ValueError, match="n_jobs"):
        minimum_spanning_tree_lengths(np.eye(3), n_jobs=n_jobs)
