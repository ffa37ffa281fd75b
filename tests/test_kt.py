"""Kernel thinning (Compress++ via goodpoints): sizes, distinct rows, and its MMD advantage."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

pytest.importorskip("goodpoints")

from datareduce.metrics import mmd, mmd_reference  # noqa: E402
from datareduce.reducers.kt import (  # noqa: E402
    KernelThinningReducer,
    _greedy_trim,
    _plan,
    kernel_thinning,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**6), st.data())
def test_plan_fits_the_pool_and_the_quota(n, data):
    q = data.draw(st.integers(1, n))
    j, b = _plan(n, q)
    if j == 0:
        assert b == q
    else:
        assert b * 4**j <= n  # Compress's bins fit in the pool
        assert q <= b * 2**j < q + 2**j  # output covers the quota with < 2^j surplus
        assert 2**j <= n / q


def test_greedy_trim_matches_brute_force():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(12, 2))
    K = np.exp(-cdist(Z, Z, "sqeuclidean") / 2)
    meanK = rng.uniform(0.2, 0.6, 12)

    def crit(S):
        S = list(S)
        return -2 * meanK[S].mean() + K[np.ix_(S, S)].mean()

    kept = _greedy_trim(K, meanK, 9)
    S = list(range(12))
    for _ in range(3):  # the same greedy removals, by brute force
        S.remove(min(S, key=lambda j: crit([s for s in S if s != j])))
    assert sorted(kept.tolist()) == S


@pytest.mark.parametrize("n, q", [(300, 1), (300, 7), (300, 150), (300, 200), (300, 300),
                                  (1000, 31), (257, 16)])
def test_exact_size_and_distinct_rows(n, q):
    X = np.random.default_rng(n + q).normal(size=(n, 3))
    idx = kernel_thinning(X, q, bandwidth=1.5, rng=np.random.default_rng(0))
    assert idx.shape == (q,) and len(set(idx.tolist())) == q
    assert idx.min() >= 0 and idx.max() < n


def test_kt_beats_iid_sampling_in_mmd():
    # Dwivedi and Mackey: thinning n points to sqrt(n) gives MMD ~ n^-1/2 (log factors),
    # uniform subsampling ~ n^-1/4; at n = 1024 (32 kept) that is already a large factor
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1024, 2))
    ref = mmd_reference(X, bandwidth=1.0, max_exact=None)
    kt = [mmd(X, X[kernel_thinning(X, 32, bandwidth=1.0, rng=np.random.default_rng(s))],
              reference=ref).value for s in range(3)]
    iid = [mmd(X, X[rng.choice(1024, 32, replace=False)], reference=ref).value
           for _ in range(9)]
    assert np.median(kt) < 0.4 * np.median(iid)


def test_reducer_contract_and_reproducibility():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (500, 2)), rng.normal(5, 1, (250, 2))])
    y = np.repeat([0, 1], [500, 250])
    r = KernelThinningReducer(keep=0.04, random_state=3).fit(X, y)
    assert np.bincount(y[r.sample_indices_]).tolist() == [20, 10]
    assert r.sample_weight_.sum() == pytest.approx(750)
    again = KernelThinningReducer(keep=0.04, random_state=3).fit(X, y)
    assert r.sample_indices_.tolist() == again.sample_indices_.tolist()


@pytest.mark.parametrize("params, match", [
    ({"g": -1}, "'g' parameter"), ({"delta": 1.5}, "delta"), ({"bandwidth": 0}, "bandwidth"),
    ({"bandwidth": np.inf}, "bandwidth"), ({"bandwidth": "scott"}, "bandwidth"),
    ({"max_target": 0}, "max_target"), ({"working_memory": 0}, "working_memory"),
    ({"g": 1.5}, "'g' parameter"),
])
def test_bad_parameters_are_named(params, match):
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match=match):
        KernelThinningReducer(**params).fit(X)


def test_every_parameter_is_declared_and_reweight_is_not_accepted():
    # issue 25: the constraints name exactly the constructor's parameters (scikit-learn's
    # check_param_validation relies on that); KT's measure is uniform, so no ``reweight``
    from sklearn.utils.estimator_checks import check_param_validation

    est = KernelThinningReducer()
    assert set(est._parameter_constraints) == set(est.get_params())
    assert "reweight" not in est.get_params()
    check_param_validation("KernelThinningReducer", est)


# ------------------------------------------------------------ random_share (issue 21)
# sample_indices_ before random_share existed (commit 0017749), keep=0.1, random_state=4
_GOLDEN_KT = [5, 71, 140, 142, 129, 7, 148, 94, 61, 19, 24, 86, 87, 3, 47, 220, 246, 237, 179, 188, 209, 217, 214, 233, 197, 295, 272, 274, 288, 275]


def _share_data():
    rng = np.random.default_rng(21)
    return rng.normal(size=(300, 3)), np.repeat([0, 1, 2], [150, 100, 50])


def test_random_share_zero_keeps_the_old_rows():
    from datareduce import get_reducer

    X, y = _share_data()
    r = get_reducer("kt", keep=0.1, random_state=4).fit(X, y)
    assert r.sample_indices_.tolist() == _GOLDEN_KT
    r0 = get_reducer("kt", keep=0.1, random_state=4, random_share=0.0).fit(X, y)
    assert r0.sample_indices_.tolist() == _GOLDEN_KT


@pytest.mark.parametrize("share", [0.3, 0.5, 1.0])
def test_random_share_draws_that_share_per_class(share):
    from datareduce import get_reducer

    X, y = _share_data()
    r = get_reducer("kt", keep=0.1, random_state=4, random_share=share).fit(X, y)
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
        again = get_reducer("kt", keep=0.1, random_state=5, random_share=1.0).fit(X, y)
        assert set(again.sample_indices_.tolist()) != set(idx.tolist())


def test_random_share_is_validated():
    from datareduce import get_reducer

    X, y = _share_data()
    with pytest.raises(ValueError, match="random_share"):
        get_reducer("kt", keep=0.1, random_share=1.5).fit(X, y)
