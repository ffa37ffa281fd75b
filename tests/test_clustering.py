"""CLC and the shared fit_kmeans."""

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans

from datareduce._geometry.kmeans import fit_kmeans
from datareduce._geometry.neighbors import nearest
from datareduce.reducers import ClusterCentroidsReducer
from datareduce.reducers.clustering import unique_nearest_rows


def blobs(n=600, d=4, centers=6, seed=0):
    rng = np.random.default_rng(seed)
    C = rng.uniform(-10, 10, size=(centers, d))
    return C[rng.integers(centers, size=n)] + rng.normal(size=(n, d))


# ------------------------------------------------------------------ fit_kmeans
def test_kmeans_edge_cases():
    X = blobs(50)
    full = fit_kmeans(X, 50)
    np.testing.assert_array_equal(full.centers, X)
    assert full.inertia == 0.0 and sorted(full.labels.tolist()) == list(range(50))
    one = fit_kmeans(X, 1)
    np.testing.assert_allclose(one.centers[0], X.mean(0))
    assert one.inertia == pytest.approx(((X - X.mean(0)) ** 2).sum())
    with pytest.raises(ValueError, match="n_clusters"):
        fit_kmeans(X, 51)
    with pytest.raises(ValueError, match="engine"):
        fit_kmeans(X, 3, engine="gpu")


def test_kmeans_fewer_distinct_rows_than_clusters():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), [4, 1, 3], axis=0)
    res = fit_kmeans(X, 5, random_state=0)
    assert res.inertia == 0.0
    sizes = np.bincount(res.labels, minlength=5)
    assert (sizes > 0).all() and sizes.sum() == 8
    np.testing.assert_allclose(res.centers[res.labels], X)  # every row sits on its centre
    # and CLC medoids stay distinct real rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ClusterCentroidsReducer(keep=5, output="medoids", random_state=0).fit(X)
    assert len(np.unique(r.sample_indices_)) == 5


def test_kmeans_close_to_sklearn_kmeanspp():
    X = blobs(3000, d=8, centers=40, seed=1)
    ours = fit_kmeans(X, 200, random_state=0)
    ref = KMeans(200, random_state=0).fit(X)
    assert ours.inertia <= 1.05 * ref.inertia_
    # the reported inertia and labels are self-consistent, every cluster non-empty
    assert ours.inertia == pytest.approx(((X - ours.centers[ours.labels]) ** 2).sum())
    assert (np.bincount(ours.labels, minlength=200) > 0).all()
    # after convergence the labels are (up to float32 rounding) the nearest centres
    idx, _ = nearest(X, ours.centers)
    assert (idx == ours.labels).mean() > 0.99
    again = fit_kmeans(X, 200, random_state=0)
    np.testing.assert_array_equal(ours.labels, again.labels)


def test_kmeans_engine_sklearnpp_is_sklearn():
    X = blobs(300)
    ours = fit_kmeans(X, 5, random_state=3, engine="sklearn++")
    ref = KMeans(5, random_state=3, max_iter=100).fit(X)
    assert ours.inertia == pytest.approx(ref.inertia_)


@pytest.mark.skipif(importlib.util.find_spec("faiss") is None, reason="faiss not installed")
def test_kmeans_faiss_engine():
    # no well-separated blobs: random seeding (faiss) has no bad local minimum to fall in
    X = np.random.default_rng(0).normal(size=(2000, 4))
    res = fit_kmeans(X, 20, random_state=0, engine="faiss")
    ref = KMeans(20, random_state=0).fit(X)
    assert res.inertia <= 1.10 * ref.inertia_
    # labels: faiss's centroids' nearest rows; centres: then the float64 means of their rows
    for c in range(20):
        np.testing.assert_allclose(res.centers[c], X[res.labels == c].mean(0))
    assert res.inertia == pytest.approx(((X - res.centers[res.labels]) ** 2).sum())
    # auto uses faiss only from FAISS_MIN_CLUSTERS clusters on
    auto = fit_kmeans(X, 20, random_state=0)
    sk = fit_kmeans(X, 20, random_state=0, engine="sklearn")
    np.testing.assert_array_equal(auto.labels, sk.labels)


# ------------------------------------------------------------ unique nearest
def test_unique_nearest_rows_resolves_collisions():
    X = np.array([[0.0], [1.0], [5.0], [6.0]])
    # both first centres want row 0; centre 1 is nearer, centre 0 moves on to row 1
    rows = unique_nearest_rows(np.array([[0.3], [0.1], [5.9]]), X)
    assert rows.tolist() == [1, 0, 3]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), frac=st.floats(0.05, 1.0), seed=st.integers(0, 9999))
def test_unique_nearest_rows_properties(n, frac, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, 2)).astype(float)
    k = max(1, int(frac * n))
    C = rng.normal(1.5, 1.0, size=(k, 2))
    rows = unique_nearest_rows(C, X, n_candidates=2)
    assert len(np.unique(rows)) == k and rows.min() >= 0 and rows.max() < n
    # the globally nearest (centre, row) pair is always honoured
    D = np.sqrt(((C[:, None] - X[None]) ** 2).sum(-1))
    c, r = np.unravel_index(np.argmin(D), D.shape)
    assert D[c, rows[c]] == pytest.approx(D[c, r])


# ----------------------------------------------------------------------- CLC
def test_centroids_output_matches_kmeans_and_dtype():
    X = blobs(400).astype(np.float32)
    clc = ClusterCentroidsReducer(keep=12, random_state=0)
    Xr, _ = clc.fit_resample(X)
    assert Xr.dtype == np.float32 and Xr.shape == (12, 4)
    res = fit_kmeans(X, 12, random_state=np.random.default_rng(0))
    # same seed path: the reducer's centroids are fit_kmeans' centroids
    np.testing.assert_allclose(np.sort(Xr[:, 0]), np.sort(res.centers[:, 0].astype(np.float32)),
                               rtol=1e-5)
    np.testing.assert_allclose(clc.cluster_centers_.astype(np.float32), Xr)
    labels, _ = nearest(X, clc.cluster_centers_)
    np.testing.assert_allclose(clc.sample_weight_, np.bincount(labels, minlength=12))
    ref = KMeans(12, random_state=0).fit(X.astype(np.float64))
    assert clc.inertia_ <= 1.05 * ref.inertia_


def test_medoids_are_nearest_real_rows_within_class():
    rng = np.random.default_rng(2)
    X = np.vstack([blobs(300, seed=3), blobs(100, seed=4) + 30])
    y = np.repeat([0, 1], [300, 100])
    clc = ClusterCentroidsReducer(keep=0.1, output="medoids", random_state=0)
    Xr, yr = clc.fit_resample(X, y)
    idx = clc.sample_indices_
    np.testing.assert_array_equal(Xr, X[idx])
    assert np.bincount(yr).tolist() == [30, 10]
    assert len(np.unique(idx)) == 40
    # each medoid is the nearest row of its class to its centroid (no collisions here)
    for c, pool in ((0, np.arange(300)), (1, np.arange(300, 400))):
        sel = np.flatnonzero(y[idx] == c)
        near, _ = nearest(clc.cluster_centers_[sel], X[pool])
        if len(np.unique(near)) == len(near):
            np.testing.assert_array_equal(idx[sel], pool[near])
    del rng


def test_dataframe_centroids_keep_columns():
    X = pd.DataFrame(blobs(100), columns=list("abcd")).astype({"a": np.float32})
    Xr, _ = ClusterCentroidsReducer(keep=5, random_state=0).fit_resample(X)
    assert list(Xr.columns) == list("abcd") and Xr["a"].dtype == np.float32 and len(Xr) == 5


@pytest.mark.parametrize("params, match", [
    ({"output": "both"}, "output"),
    ({"max_iter": 0}, "max_iter"),
    ({"engine": "cuda"}, "engine"),
])
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        ClusterCentroidsReducer(keep=3, **params).fit(blobs(30))


@pytest.mark.parametrize("y_kind", ["category", "Int64", "frame"])
def test_centroids_y_keeps_its_dtype_and_the_rows_index(y_kind):
    """Centroids get a fresh RangeIndex; their y must get the same one and keep its dtype
    (before: a categorical y came back as text, and a one-column DataFrame y kept the
    original labels, so X_reduced.join(y_reduced) had no target in any row)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"), index=np.arange(120) + 1000)
    labels = np.array(["lo", "mid", "hi"])[np.arange(120) % 3]
    y = {"category": pd.Series(pd.Categorical(labels, categories=["lo", "mid", "hi"]),
                               index=X.index, name="t"),
         "Int64": pd.Series(np.arange(120) % 3, index=X.index, name="t", dtype="Int64"),
         "frame": pd.DataFrame({"t": labels}, index=X.index)}[y_kind]
    Xr, yr = ClusterCentroidsReducer(keep=0.1, random_state=0).fit_resample(X, y)
    assert list(Xr.index) == list(range(12))
    assert list(yr.index) == list(Xr.index)
    if y_kind == "frame":
        assert Xr.join(yr)["t"].notna().all()
    else:
        assert yr.dtype == y.dtype and yr.name == "t"
