"""The kernel object (datareduce._geometry.kernels) and the results of the code that uses it.

Against scikit-learn and scipy on small cases, blocked evaluation against dense, the bandwidth
rule by hand, PSD/symmetry as a property, and regression values recorded on main (b9676ef)
before the kernels were shared: ProtoDash, herding, the MMD weights and the distribution
metrics give the same results for the same seed.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist
from sklearn.metrics.pairwise import linear_kernel, rbf_kernel

from datareduce._geometry.kernels import Kernel, canonical_kernel, median_heuristic


@pytest.fixture
def small():
    rng = np.random.default_rng(1)
    return rng.normal(size=(13, 3)), rng.normal(size=(7, 3))


# ------------------------------------------------------------------ against references
@pytest.mark.parametrize("bandwidth", [0.3, 1.0, 2.5])
def test_rbf_block_is_sklearns_rbf_kernel(small, bandwidth):
    A, B = small
    k = Kernel("rbf", bandwidth)
    assert k.gamma == pytest.approx(1 / (2 * bandwidth**2))
    np.testing.assert_allclose(k.block(A, B), rbf_kernel(A, B, gamma=k.gamma), rtol=1e-12)
    np.testing.assert_allclose(k.pairwise(A), rbf_kernel(A, gamma=k.gamma), rtol=1e-12)


def test_linear_and_energy_kernels(small):
    A, B = small
    np.testing.assert_allclose(Kernel("linear").block(A, B), linear_kernel(A, B), rtol=1e-12)
    np.testing.assert_allclose(Kernel("energy").block(A, B), -cdist(A, B), rtol=1e-12)
    np.testing.assert_allclose(Kernel("linear").diagonal(A), (A**2).sum(1))
    np.testing.assert_array_equal(Kernel("energy").diagonal(A), np.zeros(13))
    np.testing.assert_array_equal(Kernel("rbf", 1.0).diagonal(A), np.ones(13))


def test_gaussian_is_an_alias_of_rbf():
    assert Kernel("gaussian", 1.0) == Kernel("rbf", 1.0)
    assert canonical_kernel("gaussian") == "rbf"
    with pytest.raises(ValueError, match="kernel='poly'"):
        Kernel("poly")
    with pytest.raises(ValueError, match="kernel='energy'"):
        canonical_kernel("energy", allowed=("rbf", "linear"))


# ------------------------------------------------------------------ blocked = dense
@pytest.mark.parametrize("working_memory", [1e-5, 1e-3, 64.0])
@pytest.mark.parametrize("name", ["rbf", "linear", "energy"])
def test_blocked_evaluation_equals_dense(name, working_memory):
    rng = np.random.default_rng(2)
    X, T = rng.normal(size=(57, 4)), rng.normal(size=(23, 4))
    k = Kernel(name, 1.3)
    dense = k.block(X, X)
    np.testing.assert_allclose(k.pairwise(X, working_memory=working_memory), dense, rtol=1e-12)
    np.testing.assert_allclose(k.mean_embedding(X, working_memory=working_memory),
                               dense.mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(k.mean_embedding(X, T, working_memory=working_memory),
                               k.block(X, T).mean(axis=0), rtol=1e-10, atol=1e-12)
    W = rng.random((57, 3))
    np.testing.assert_allclose(
        k.weighted_pair_sum(X, X, W, W, working_memory=working_memory, symmetric=True),
        W.T @ dense @ W, rtol=1e-10)
    V = rng.random((23, 2))
    np.testing.assert_allclose(
        k.weighted_pair_sum(X, T, W, V, working_memory=working_memory),
        W.T @ k.block(X, T) @ V, rtol=1e-10)


def test_float32_mean_embedding_is_close():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    k = Kernel("rbf", 1.0)
    np.testing.assert_allclose(k.mean_embedding(X, X, dtype=np.float32),
                               k.block(X, X).mean(axis=0), rtol=1e-5)


# ------------------------------------------------------------------ the bandwidth rule
def test_median_heuristic_by_hand():
    # pairwise distances of 0, 1, 3, 7: 1, 3, 7, 2, 6, 4 -> median (3 + 4) / 2
    assert median_heuristic([[0.0], [1.0], [3.0], [7.0]]) == 3.5
    assert median_heuristic([[2.0, 2.0]]) == 1.0          # one row: defined as 1
    assert median_heuristic([[1.0], [1.0], [1.0]]) == 1.0  # all distances 0


def test_median_heuristic_subsamples_with_the_given_generator():
    X = np.random.default_rng(4).normal(size=(50, 2))
    sub = np.sort(np.random.default_rng(9).choice(50, size=20, replace=False))
    expected = float(np.median(cdist(X[sub], X[sub])[np.triu_indices(20, 1)]))
    assert median_heuristic(X, np.random.default_rng(9), max_rows=20) == pytest.approx(expected)


def test_resolve_and_bandwidth_validation():
    X = np.array([[0.0], [1.0], [3.0]])
    k = Kernel()  # rbf, median heuristic
    assert not k.resolved
    with pytest.raises(ValueError, match="resolve"):
        _ = k.gamma
    assert k.resolve(X).bandwidth == 2.0 and k.resolve(X).gamma == 1 / 8
    assert Kernel("rbf", None) == Kernel("rbf", "median")
    assert Kernel("rbf", 3).resolve(X).bandwidth == 3.0  # a number stays
    assert np.isnan(Kernel("linear", 5.0).bandwidth)     # no bandwidth
    assert Kernel("linear", 5.0) == Kernel("linear") != Kernel("energy")
    for bad in (0, -1.0, np.inf, np.nan, "silverman", True):
        with pytest.raises(ValueError, match="bandwidth"):
            Kernel("rbf", bad)


# ------------------------------------------------------------------ properties
@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)),
              elements=st.floats(-50, 50)),
       st.floats(0.05, 20.0), st.sampled_from(["rbf", "linear"]))
def test_kernel_matrix_is_symmetric_and_psd(X, bandwidth, name):
    k = Kernel(name, bandwidth)
    K = k.pairwise(X)
    scale = max(1.0, float(np.abs(K).max()))
    # |a|^2 + |b|^2 - 2 a.b is evaluated in two orders: equal up to its rounding error
    sq_max = float((X**2).sum(axis=1).max())
    atol = 16 * np.finfo(float).eps * max(sq_max, 1.0) * (k.gamma if name == "rbf" else 1.0)
    np.testing.assert_allclose(K, K.T, rtol=1e-12, atol=atol + 1e-15)
    assert np.linalg.eigvalsh((K + K.T) / 2).min() >= -1e-9 * scale * X.shape[0]
    if name == "rbf":  # clipped: never above 1, and k(x, x) = 1 up to rounding
        assert K.max() <= 1.0 and K.min() >= 0.0
        np.testing.assert_allclose(np.diag(K), 1.0, rtol=0, atol=atol + 1e-15)


# ------------------------------------------------------------------ regression vs main
def _data():
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(0, 1, (90, 3)), rng.normal(3, 0.7, (50, 3))])
    return X, np.repeat([0, 1], [90, 50])


def test_herding_results_unchanged():
    from datareduce.reducers.herding import KernelHerdingReducer, kernel_herding

    X, y = _data()
    r = KernelHerdingReducer(keep=0.1, random_state=0).fit(X, y)
    assert r.sample_indices_.tolist() == [61, 30, 55, 11, 64, 10, 25, 14, 70, 119, 124, 100,
                                          127, 90]
    picks = kernel_herding(X, 12, bandwidth=1.3, max_exact=40, rng=np.random.default_rng(3))[0]
    assert picks.tolist() == [86, 108, 70, 46, 45, 74, 95, 4, 96, 49, 5, 24]
    r = KernelHerdingReducer(keep=9, bandwidth=0.8, stratify=False, random_state=1).fit(X)
    assert r.sample_indices_.tolist() == [61, 119, 26, 89, 48, 73, 101, 87, 130]


def test_protodash_results_unchanged():
    from datareduce.reducers.protodash import ProtoDashReducer, protodash

    X, y = _data()
    r = ProtoDashReducer(keep=0.1, random_state=0).fit(X, y)
    assert r.sample_indices_.tolist() == [61, 34, 78, 42, 83, 8, 52, 62, 82, 119, 136, 125,
                                          122, 109]
    np.testing.assert_allclose(r.weights_, [
        0.5153864905, 0.0892658589, 0.0492462077, 0.08510671, 0.0214615539, 0.04998993,
        0.0766594722, 0.0740705584, 0.0469139024, 0.5762852289, 0.1139782734, 0.0971963541,
        0.0683605378, 0.067387782], atol=1e-9)
    np.testing.assert_allclose(r.bandwidth_, [1.9641840733168379, 1.4932738469818403])
    # linear: after three picks the fit is exact and the rest, of no weight, are the rows of
    # largest mean similarity (the previous 82, 10, 21, ... were rounding noise, another
    # order on AMD than on Intel OpenBLAS kernels)
    cases = {(("kernel", "linear"),): [6, 16, 52, 83, 42, 33, 41, 10, 71, 97, 109, 139, 128, 120],
             (("bandwidth", 1.1),): [61, 26, 89, 32, 48, 62, 71, 79, 29, 119, 90, 125, 96, 115],
             (("partition", 3), ("target_size", 30)): [76, 74, 24, 20, 78, 82, 12, 42, 15, 117,
                                                      123, 101, 92, 100]}
    for params, expected in cases.items():
        r = ProtoDashReducer(keep=0.1, random_state=0, **dict(params)).fit(X, y)
        assert r.sample_indices_.tolist() == expected, params
    p, w, _ = protodash(X, 10, bandwidth=1.5, targets=np.arange(0, 140, 3))
    assert p.tolist() == [13, 104, 69, 54, 58, 125, 22, 6, 138, 132]
    np.testing.assert_allclose(w, [0.306001658005, 0.214994329657, 0.094513606512,
                                   0.072273463889, 0.066512498193, 0.036030826225,
                                   0.043395539367, 0.035957614745, 0.041935962111,
                                   0.049913418821], atol=1e-11)


def test_mmd_weights_unchanged():
    from datareduce._weights import mmd_weights

    X, _ = _data()
    w = mmd_weights(X, np.arange(0, 140, 7), random_state=0)
    np.testing.assert_allclose(w, [
        0.0, 14.8051000213, 6.7948742257, 5.0672460823, 9.0719207283, 0.0, 8.6519769098,
        25.8121108299, 0.0, 5.6274062329, 2.0163009902, 0.0, 12.5649037439, 1.1921824114,
        10.3433652438, 6.1422468374, 3.493944949, 16.2146217034, 5.1385727775, 7.0632263132],
        atol=1e-8)
    w = mmd_weights(X, np.arange(0, 140, 3), max_block=15, random_state=2)  # block-coordinate
    np.testing.assert_allclose(w[:8], [0.0, 0.6855073322, 3.9399483839, 0.0, 14.7978066116,
                                       3.3034178036, 1.222870272, 7.8932038209], atol=1e-8)
    assert w.sum() == pytest.approx(140)


def test_distribution_metrics_unchanged():
    from datareduce.metrics import energy_distance, mmd, mmd_test

    X, y = _data()
    Z, yz = X[::4], y[::4]
    d = mmd(X, Z, y=y, y_reduced=yz)
    assert d.bandwidth == pytest.approx(3.2819280147869616, rel=1e-14)
    assert d.value == pytest.approx(0.0496563933775483, rel=1e-10)
    assert d.per_class[0] == pytest.approx(0.05379852835117813, rel=1e-10)
    assert d.per_class[1] == pytest.approx(0.0811835568370888, rel=1e-10)
    d = mmd(X, Z, weights=np.linspace(1, 2, len(Z)), bandwidth=0.7, max_exact=60,
            random_state=4)
    # above max_exact all three terms share one estimator (random Fourier features; single
    # precision phases whose summation order depends on the BLAS build, hence rel=1e-4,
    # far below the estimator's own error): the exact value is 0.12336126490772448; the
    # subsample estimate of the full-set term alone had given 0.08145
    assert d.value == pytest.approx(0.12348904342076487, rel=1e-4) and not d.exact
    e = energy_distance(X, Z, y=y, y_reduced=yz)
    assert e.value == pytest.approx(0.18265022672916242, rel=1e-10)
    assert e.per_class[1] == pytest.approx(0.29307608875030633, rel=1e-10)
    # random projections above max_exact (exact: 0.18265; the subsample estimate gave 0.600)
    assert energy_distance(X, Z, max_exact=50).value == pytest.approx(0.18152961384113264,
                                                                       rel=1e-8)
    t = mmd_test(X, Z, y=y, y_reduced=yz, n_permutations=20)
    # 475c98e: an unweighted subset is compared with unweighted draws of its class counts
    # (23 and 12 of 90 and 50 rows); the draws had been re-weighted per class (p 0.571).
    # 605e11c: the null's draws come from the audit's own stream (audit_rng), so the
    # draws differ from those of check_random_generator(None) (p 0.714 before)
    assert t.p_value == pytest.approx(0.6666666666666666)
    np.testing.assert_allclose(t.null[:3], [0.056366187626905706, 0.06012596116002461,
                                            0.08748589913533701], rtol=1e-10)
