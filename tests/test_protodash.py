"""ProtoDash (PRD): equal picks and weights vs a brute-force greedy written from the paper."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from datareduce import get_reducer
from datareduce._geometry.kernels import Kernel
from datareduce.reducers.protodash import (
    ProtoDashReducer,
    _ActiveSetQP,
    _pool_weights,
    protodash,
)


def brute_force_protodash(X, m, sigma=1.0, kernel="rbf"):
    """Plain ProtoDash: dense kernel, gradient argmax, exact NNQP by nnls on a Cholesky form."""
    if kernel == "rbf":
        D2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
        K = np.exp(-D2 / (2 * sigma**2))
    else:
        K = X @ X.T
    mu = K.mean(axis=1)
    S, w = [], np.zeros(0)
    for _ in range(m):
        g = mu - K[:, S] @ w
        g[S] = -np.inf
        S.append(int(np.argmax(g)))
        L = np.linalg.cholesky(K[np.ix_(S, S)])
        # 1/2 w'Kw - mu'w = 1/2 ||L'w - L^{-1} mu||^2 + const
        w, _ = nnls(L.T, np.linalg.solve(L, mu[S]))
    return np.array(S), w


@pytest.mark.parametrize("n, d, m, sigma", [(60, 3, 15, 1.0), (150, 5, 40, 2.0),
                                            (120, 2, 60, 0.5), (100, 4, 90, 3.0)])
def test_equal_picks_and_weights_vs_brute_force(n, d, m, sigma):
    X = np.random.default_rng(n + m).normal(size=(n, d))
    picks, w, gains = protodash(X, m, bandwidth=sigma, working_memory=0.01)  # many small blocks
    ref_picks, ref_w = brute_force_protodash(X, m, sigma)
    np.testing.assert_array_equal(picks, ref_picks)
    np.testing.assert_allclose(w, ref_w, atol=1e-8)
    assert np.all(w >= 0)


def test_mean_embedding_blocks_match_dense():
    X = np.random.default_rng(0).normal(size=(97, 4))
    D2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    dense = np.exp(-0.3 * D2).mean(1)
    kern = Kernel("rbf", 1 / np.sqrt(0.6))  # gamma 0.3
    for wm in (0.001, 0.05, 100):
        np.testing.assert_allclose(kern.mean_embedding(X, working_memory=wm), dense, rtol=1e-12)


def test_linear_kernel_matches_brute_force():
    X = np.random.default_rng(3).normal(size=(80, 6)) + 1.0
    picks, w, _ = protodash(X, 6, kernel="linear")
    ref_picks, ref_w = brute_force_protodash(X, 6, kernel="linear")
    np.testing.assert_array_equal(picks, ref_picks)
    np.testing.assert_allclose(w, ref_w, atol=1e-8)


def test_first_pick_is_the_densest_row():
    # the gradient at w = 0 is mu: the first prototype maximises the kernel mean
    X = np.array([[0.0], [0.1], [0.2], [5.0]])
    picks, w, _ = protodash(X, 1, bandwidth=1.0)
    assert picks[0] == 1
    mu = np.exp(-((X - X.T) ** 2) / 2).mean(1)
    assert w[0] == pytest.approx(mu[1])  # w = mu_j / k(x_j, x_j)


def test_two_clusters_one_prototype_each_with_mass():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.1, (30, 2)), rng.normal(10, 0.1, (10, 2))])
    r = ProtoDashReducer(keep=2, bandwidth=1.0, stratify=False).fit(X)
    assert sorted(r.sample_indices_ >= 30) == [False, True]
    # weights follow the cluster masses (30 vs 10)
    big = r.sample_weight_[r.sample_indices_ < 30][0]
    assert big == pytest.approx(30, rel=0.05)
    assert r.sample_weight_.sum() == pytest.approx(40)
    np.testing.assert_allclose(r.weights_ / r.weights_.sum() * 40, r.sample_weight_)


def test_duplicates_and_exhausted_gradient_keep_positive_weights():
    X = np.repeat(np.random.default_rng(1).normal(size=(5, 2)), 4, axis=0)  # 5 distinct rows
    with pytest.warns(UserWarning):
        r = ProtoDashReducer(keep=12, bandwidth=1.0, stratify=False).fit(X)
    assert len(set(r.sample_indices_.tolist())) == 12
    assert (r.weights_ == 0).sum() >= 7  # copies of chosen rows add nothing
    assert np.all(r.sample_weight_ > 0) and r.sample_weight_.sum() == pytest.approx(20)


def test_pool_weights_floor_and_all_zero():
    np.testing.assert_allclose(_pool_weights(np.array([0.0, 0.0]), 10), [5, 5])
    sw = _pool_weights(np.array([1.0, 0.0, 3.0]), 8)
    assert np.all(sw > 0) and sw.sum() == pytest.approx(8) and sw[1] < 1e-4


def test_per_class_quotas_bandwidth_and_median_heuristic():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (40, 3)), rng.normal(5, 3, (20, 3))])
    y = np.repeat([0, 1], [40, 20])
    r = get_reducer("prd", keep=0.25, random_state=0).fit(X, y)
    assert np.bincount(y[r.sample_indices_]).tolist() == [10, 5]
    assert r.bandwidth_.shape == (2,) and r.bandwidth_[1] > r.bandwidth_[0]
    for c in (0, 1):
        assert r.sample_weight_[y[r.sample_indices_] == c].sum() == pytest.approx((y == c).sum())
    from scipy.spatial.distance import pdist

    assert r.bandwidth_[0] == pytest.approx(np.median(pdist(X[:40])))


@pytest.mark.parametrize("param, value", [("kernel", "poly"), ("bandwidth", 0),
                                          ("bandwidth", "mean"), ("bandwidth", -1.0),
                                          ("sigma", -1.0), ("working_memory", 0)])
def test_bad_params(param, value, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=param):
        ProtoDashReducer(keep=5, **{param: value}).fit(X, y)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(0, 10_000))
def test_active_set_qp_is_kkt_optimal(k, seed):
    """The warm-started active-set solution satisfies the KKT conditions of the NNQP."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(k + 2, k))
    Q = A.T @ A + 1e-3 * np.eye(k)
    c = rng.normal(size=k)
    qp = _ActiveSetQP(k, 1e-12)
    for t in range(k):
        g = c[t] - Q[t, :t] @ qp.w[:t]
        if g > 1e-12:
            qp.enter(t, Q, c)
    w = qp.w
    grad = c - Q @ w
    assert np.all(w >= 0)
    assert np.all(grad <= 1e-8)
    assert np.all(np.abs(grad[w > 0]) <= 1e-8)


def test_partition_groups_match_their_own_mean_and_auto_is_exact_when_small():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(0, 0.3, (60, 2)), rng.normal(8, 0.3, (40, 2))])
    exact = ProtoDashReducer(keep=10, partition=None, random_state=0).fit(X)
    auto = ProtoDashReducer(keep=10, random_state=0).fit(X)  # n m = 1000: one group
    np.testing.assert_array_equal(exact.sample_indices_, auto.sample_indices_)
    assert auto.n_groups_ == [1]
    parted = ProtoDashReducer(keep=10, partition=2, random_state=0).fit(X)
    assert parted.n_groups_ == [2]
    far = parted.sample_indices_ >= 60
    # k-means finds the two blobs; each keeps its proportional quota and its mass
    assert far.sum() == 4
    assert parted.sample_weight_[far].sum() == pytest.approx(40)
    assert parted.sample_weight_[~far].sum() == pytest.approx(60)


def test_sampled_mean_embedding_is_the_exact_one_on_all_targets():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 3))
    kern = Kernel("rbf", 1.0)  # gamma 0.5
    exact = kern.mean_embedding(X, working_memory=1.0)
    np.testing.assert_allclose(kern.mean_embedding(X, X, working_memory=0.01), exact, rtol=1e-10)
    # a subsample is an unbiased Monte Carlo estimate: close on 300 rows out of 300 x 10
    Xb = np.repeat(X, 10, axis=0)
    sub = Xb[rng.choice(3000, 1000, replace=False)]
    est = kern.mean_embedding(sub, Xb, working_memory=1.0)
    assert np.abs(est[::10] - exact).max() < 0.05


def test_sigma_is_a_deprecated_alias_of_bandwidth(blobs):
    X, y = blobs
    new = ProtoDashReducer(keep=6, bandwidth=1.3).fit(X, y)
    with pytest.warns(FutureWarning, match="sigma is deprecated"):
        old = ProtoDashReducer(keep=6, sigma=1.3).fit(X, y)
    np.testing.assert_array_equal(old.sample_indices_, new.sample_indices_)
    with pytest.warns(FutureWarning, match="sigma_ is deprecated"):
        np.testing.assert_array_equal(old.sigma_, new.bandwidth_)
    with pytest.warns(FutureWarning, match="sigma is deprecated"):
        p_old = protodash(X, 4, sigma=0.7)[0]
    np.testing.assert_array_equal(p_old, protodash(X, 4, bandwidth=0.7)[0])


def test_gaussian_and_rbf_are_the_same_kernel(blobs):
    X, y = blobs
    a = ProtoDashReducer(keep=6, kernel="gaussian", random_state=0).fit(X, y)
    b = ProtoDashReducer(keep=6, kernel="rbf", random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    np.testing.assert_array_equal(a.weights_, b.weights_)


def test_sklearn_check_param_validation():
    from sklearn.utils.estimator_checks import check_param_validation

    check_param_validation("ProtoDashReducer", ProtoDashReducer(keep=5))
