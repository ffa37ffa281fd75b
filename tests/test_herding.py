"""Kernel herding: first pick, the greedy rule against a brute-force implementation, contract."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from datareduce.metrics import mmd
from datareduce.reducers.herding import KernelHerdingReducer, kernel_herding


def _brute_herding(X, m, bw):
    K = np.exp(-cdist(X, X, "sqeuclidean") / (2 * bw * bw))
    mu = K.mean(axis=1)
    picks = []
    for t in range(m):
        score = mu - K[:, picks].sum(axis=1) / (t + 1)
        score[picks] = -np.inf
        picks.append(int(np.argmax(score)))
    return picks


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (120, 3)), rng.normal(4, 0.5, (60, 3))])
    y = np.repeat([0, 1], [120, 60])
    return X, y


def test_first_pick_is_closest_to_the_mean_embedding(blobs):
    X, _ = blobs
    bw = 1.7
    K = np.exp(-cdist(X, X, "sqeuclidean") / (2 * bw * bw))
    # ||phi(x) - mu||^2 = k(x, x) - 2 mu(x) + const
    dist_to_mean = np.diag(K) - 2 * K.mean(axis=1)
    picks, mu = kernel_herding(X, 5, bandwidth=bw)
    assert picks[0] == int(np.argmin(dist_to_mean))
    np.testing.assert_allclose(mu, K.mean(axis=1), rtol=1e-5)  # float32 tiles


def test_greedy_rule_matches_brute_force(blobs):
    X, _ = blobs
    picks, _ = kernel_herding(X, 25, bandwidth=2.0, working_memory=0.01)  # tiny blocks
    assert picks.tolist() == _brute_herding(X, 25, 2.0)


def test_subsampled_mean_embedding_is_used_above_max_exact(blobs):
    X, _ = blobs
    picks, mu = kernel_herding(X, 10, bandwidth=2.0, max_exact=50,
                               rng=np.random.default_rng(1))
    K = np.exp(-cdist(X, X, "sqeuclidean") / 8.0)
    assert not np.allclose(mu, K.mean(axis=1))
    assert np.corrcoef(mu, K.mean(axis=1))[0, 1] > 0.95  # an estimate of the same function
    assert len(set(picks.tolist())) == 10


def test_herding_beats_random_in_mmd(blobs):
    X, y = blobs
    r = KernelHerdingReducer(keep=0.1, random_state=0).fit(X, y)
    ours = mmd(X, y=y, reducer=r).value
    rng = np.random.default_rng(0)
    rand = np.median([mmd(X, X[idx], None, y, y[idx]).value for idx in
                      (np.sort(np.concatenate([rng.choice(120, 12, replace=False),
                                               120 + rng.choice(60, 6, replace=False)]))
                       for _ in range(7))])
    assert ours < 0.6 * rand


def test_reducer_contract(blobs):
    X, y = blobs
    r = KernelHerdingReducer(keep=0.1, random_state=0).fit(X, y)
    assert np.bincount(y[r.sample_indices_]).tolist() == [12, 6]
    assert r.sample_weight_.sum() == pytest.approx(180)
    again = KernelHerdingReducer(keep=0.1, random_state=0).fit(X, y)
    assert r.sample_indices_.tolist() == again.sample_indices_.tolist()
    fixed = KernelHerdingReducer(keep=0.1, bandwidth=1.5).fit(X, y)
    assert len(set(fixed.sample_indices_.tolist())) == 18


@pytest.mark.parametrize("params, match", [
    ({"bandwidth": "silverman"}, "bandwidth"),
    ({"bandwidth": -1.0}, "bandwidth"),
    ({"max_exact": 1}, "max_exact"),
    ({"working_memory": 0}, "working_memory"),
])
def test_bad_parameters_are_named(blobs, params, match):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        KernelHerdingReducer(**params).fit(X, y)


def test_every_parameter_is_declared_and_reweight_is_not_inherited():
    import inspect

    params = set(inspect.signature(KernelHerdingReducer.__init__).parameters) - {"self"}
    assert set(KernelHerdingReducer._parameter_constraints) == params
    assert "reweight" not in KernelHerdingReducer._parameter_constraints


def test_sklearn_check_param_validation():
    from sklearn.utils.estimator_checks import check_param_validation

    check_param_validation("KernelHerdingReducer", KernelHerdingReducer(keep=5))


# ------------------------------------------------------------ random_share (issue 21)
# sample_indices_ before random_share existed (commit 0017749), keep=0.1, random_state=4
_GOLDEN_HERDING = [22, 101, 135, 145, 127, 76, 105, 14, 26, 134, 132, 3, 30, 62, 63, 196, 162, 248, 188, 180, 249, 224, 233, 245, 216, 289, 280, 292, 287, 294]


def _share_data():
    rng = np.random.default_rng(21)
    return rng.normal(size=(300, 3)), np.repeat([0, 1, 2], [150, 100, 50])


def test_random_share_zero_keeps_the_old_rows():
    from datareduce import get_reducer

    X, y = _share_data()
    r = get_reducer("herding", keep=0.1, random_state=4).fit(X, y)
    assert r.sample_indices_.tolist() == _GOLDEN_HERDING
    r0 = get_reducer("herding", keep=0.1, random_state=4, random_share=0.0).fit(X, y)
    assert r0.sample_indices_.tolist() == _GOLDEN_HERDING


@pytest.mark.parametrize("share", [0.3, 0.5, 1.0])
def test_random_share_draws_that_share_per_class(share):
    from datareduce import get_reducer

    X, y = _share_data()
    r = get_reducer("herding", keep=0.1, random_state=4, random_share=share).fit(X, y)
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
        again = get_reducer("herding", keep=0.1, random_state=5, random_share=1.0).fit(X, y)
        assert set(again.sample_indices_.tolist()) != set(idx.tolist())


def test_random_share_is_validated():
    from datareduce import get_reducer

    X, y = _share_data()
    with pytest.raises(ValueError, match="random_share"):
        get_reducer("herding", keep=0.1, random_share=1.5).fit(X, y)
