"""Exact minimum spanning tree lengths (H0) on the cell index, against a dense MST."""

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from datareduce.metrics import minimum_spanning_tree_lengths

SCIPY_NAME = {"euclidean": "euclidean", "chebyshev": "chebyshev", "manhattan": "cityblock"}


def dense_mst(X, metric="euclidean"):
    # every pair as an explicit sparse entry: a dense input would drop lengths below 1e-8
    # (scipy reads a dense graph through np.ma.masked_values, whose atol is 1e-8)
    U = np.unique(X, axis=0)
    i, j = np.triu_indices(len(U), 1)
    D = cdist(U, U, SCIPY_NAME[metric])
    graph = coo_matrix((D[i, j], (i, j)), shape=D.shape).tocsr()
    return np.sort(minimum_spanning_tree(graph).data)


def clusters(n, d, k, seed, sd=1.0, spread=10.0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, spread, size=(k, d))
    return centres[rng.integers(k, size=n)] + sd * rng.normal(size=(n, d))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 150), st.integers(1, 8), st.integers(0, 10_000),
       st.sampled_from(["euclidean", "chebyshev", "manhattan"]), st.booleans(),
       st.integers(1, 40), st.integers(1, 6), st.integers(1, 300), st.integers(1, 100))
def test_equals_dense_mst_for_any_index_settings(n, d, seed, metric, ties, cell_size, k, batch,
                                                 tile):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.01, 100)
    if ties:  # a grid: many equal lengths and duplicate rows
        X = np.round(X / X.std() * 2) / 2 if X.std() > 0 else X
    got = minimum_spanning_tree_lengths(X, metric=metric, n_neighbors=k, cell_size=cell_size,
                                        batch=batch, tile=tile, engine="cells")
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


# --- the symmetric Euclidean k-NN pass (issue 26) -------------------------------------

def brute_knn_keys(U, k):
    D = cdist(U, U, "sqeuclidean")
    np.fill_diagonal(D, np.inf)
    return np.sort(D, axis=1)[:, :k]


def pair_index(X, cell_size=512, tile=512, k=10, n_jobs=1):
    from threadpoolctl import threadpool_limits

    from datareduce.metrics.mst import _CellIndex

    with threadpool_limits(limits=1, user_api="blas"):
        index = _CellIndex(np.unique(X, axis=0), "euclidean", cell_size, 4096)
        keys, nbr = index.knn_pairs(min(k, index.X.shape[0] - 1), n_jobs, tile)
    return index, keys, nbr


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 300), st.integers(1, 16), st.integers(0, 10_000), st.integers(1, 60),
       st.integers(1, 80), st.integers(1, 12), st.sampled_from(["uniform", "clusters", "grid"]))
@example(n=2, d=1, seed=1, cell_size=1, tile=1, k=1, kind="grid")  # one distinct row
def test_pair_knn_equals_brute_force(n, d, seed, cell_size, tile, k, kind):
    # every row's list holds its k nearest other rows (keys from coordinate differences)
    rng = np.random.default_rng(seed)
    X = (rng.uniform(size=(n, d)) if kind == "uniform" else clusters(n, d, 3, seed, sd=0.1)
         if kind == "clusters" else rng.integers(0, 3, size=(n, d)).astype(float))
    # one distinct row has no neighbour list (mst_lengths returns before building one)
    assume(len(np.unique(X, axis=0)) >= 2)
    index, keys, nbr = pair_index(X, cell_size, tile, k)
    U = index.X
    ref = brute_knn_keys(U, keys.shape[1])
    np.testing.assert_allclose(keys, ref, rtol=1e-12, atol=1e-300)
    rows = np.arange(U.shape[0])[:, None]
    assert np.all(nbr != rows), "a row is listed as its own neighbour"
    np.testing.assert_allclose(((U[nbr] - U[rows]) ** 2).sum(axis=2), keys, rtol=1e-12)


def test_no_self_neighbour_in_tiny_cells_and_tiles():
    # regression: with cells and tiles of one or two rows a row could list itself (key 0)
    X = np.random.default_rng(4).uniform(size=(40, 3))
    for cell_size, tile in ((1, 1), (2, 1), (2, 2), (3, 2)):
        index, keys, nbr = pair_index(X, cell_size, tile, k=5)
        assert np.all(nbr != np.arange(40)[:, None])
        assert np.all(keys > 0)
        got = minimum_spanning_tree_lengths(X, cell_size=cell_size, tile=tile, engine="cells")
        np.testing.assert_allclose(got, dense_mst(X), rtol=1e-12)


@pytest.mark.parametrize("scale", [1e18, 1e20, 1e30])
def test_large_float32_input_falls_back_to_float64(scale):
    # regression: |x|^2 overflows float32 (inf - inf = nan keys screened nothing out)
    X = (clusters(300, 6, 3, seed=5) * scale).astype(np.float32)
    got = minimum_spanning_tree_lengths(X, engine="cells", tile=64)
    np.testing.assert_allclose(got, dense_mst(X.astype(np.float64)), rtol=1e-12)


def test_near_duplicates_far_from_the_origin():
    # regression: the float32 expansion cancels. Groups of 12 near-copies (more than
    # n_neighbors) make the k-th keys ~1e-18, far below float32's rounding: the lists and
    # the tree must still be exact
    rng = np.random.default_rng(6)
    base = rng.uniform(size=(300, 8))
    copies = np.repeat(base[:20], 12, axis=0) + 1e-9 * rng.normal(size=(240, 8))
    X = np.vstack([base[20:], copies]) + 1e3
    # tiles of 5 rows split the groups: their pairs meet in the float32-screened blocks
    got = minimum_spanning_tree_lengths(X, engine="cells", cell_size=64, tile=5)
    ref = dense_mst(X)
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    assert got[20 * 11 - 1] < 1e-7 < got[20 * 11]  # 11 tiny lengths per group
    index, keys, nbr = pair_index(X, 64, 5, 10)
    np.testing.assert_allclose(keys, brute_knn_keys(index.X, 10), rtol=1e-6)


def test_uniform_16d_with_float32_screening():
    # the float32 screen is used here (well-scaled data); exact against the dense tree
    from datareduce.metrics.mst import _CellIndex

    X = np.random.default_rng(7).uniform(size=(1500, 16))
    assert _CellIndex(X, "euclidean", 64, 4096).fits32
    got = minimum_spanning_tree_lengths(X, engine="cells", cell_size=64, tile=64)
    np.testing.assert_allclose(got, dense_mst(X), rtol=1e-12)


@pytest.mark.parametrize("kind", ["grid", "uniform"])
def test_pair_knn_and_tree_do_not_depend_on_threads(kind):
    # the waves merge the hits in pair order: same lists, ties included, for any n_jobs
    rng = np.random.default_rng(8)
    X = (rng.integers(0, 4, size=(600, 5)).astype(float) if kind == "grid"
         else rng.uniform(size=(600, 5)))
    _, k1, j1 = pair_index(X, 32, 24, 6, n_jobs=1)
    _, k2, j2 = pair_index(X, 32, 24, 6, n_jobs=2)
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(j1, j2)
    one = minimum_spanning_tree_lengths(X, engine="cells", cell_size=32, tile=24, n_jobs=1)
    two = minimum_spanning_tree_lengths(X, engine="cells", cell_size=32, tile=24, n_jobs=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one[one > 0], dense_mst(X), rtol=1e-12)


def test_one_and_two_points_and_bad_tile():
    assert minimum_spanning_tree_lengths([[0.0, 1.0]], engine="cells").tolist() == []
    assert minimum_spanning_tree_lengths([[0.0, 0.0], [3.0, 4.0]], engine="cells").tolist() == [5.0]
    with pytest.raises(ValueError, match="tile"):
        minimum_spanning_tree_lengths(np.zeros((3, 2)), tile=0)
