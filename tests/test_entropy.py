"""DES: distance-entropy selection."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax
from scipy.stats import entropy

from datareduce import allocate_quotas
from datareduce.reducers import DistanceEntropyReducer
from datareduce.reducers.entropy import distance_entropy


def data(seed=0, sizes=(60, 30, 10)):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])[: len(sizes)]
    X = np.vstack([rng.normal(c, 1.0, size=(s, 2)) for c, s in zip(centers, sizes, strict=True)])
    return X, np.repeat(np.arange(len(sizes)), sizes)


def reference_des(X, y, base, n_keep, stratified):
    """The definition, written plainly from a given base."""
    classes = np.unique(y)
    protos = np.array([X[base][y[base] == c].mean(0) for c in classes])
    D = np.sqrt(((X[:, None, :] - protos[None]) ** 2).sum(-1))
    H = entropy(softmax(D, axis=1), axis=1)
    rest = np.setdiff1d(np.arange(len(X)), base)
    if not stratified:
        order = sorted(rest, key=lambda i: (-H[i], i))
        return H, set(base) | set(order[: n_keep - len(base)])
    q = allocate_quotas(np.bincount(y), n_keep)
    kept = set(base)
    for c in classes:
        cand = sorted((i for i in rest if y[i] == c), key=lambda i: (-H[i], i))
        kept |= set(cand[: q[c] - np.sum(y[base] == c)])
    return H, kept


def test_entropy_formula():
    X = np.random.default_rng(0).normal(size=(50, 3))
    P = np.random.default_rng(1).normal(size=(4, 3))
    D = np.sqrt(((X[:, None] - P[None]) ** 2).sum(-1))
    np.testing.assert_allclose(distance_entropy(X, P), entropy(softmax(D, axis=1), axis=1),
                               rtol=1e-10)
    # a row equidistant from the prototypes has the maximal entropy log(C)
    assert distance_entropy(np.zeros((1, 1)), np.array([[-1.0], [1.0]]))[0] == \
        pytest.approx(np.log(2))


@pytest.mark.parametrize("stratified", [False, True])
def test_matches_definition(stratified):
    X, y = data()
    des = DistanceEntropyReducer(keep=0.3, selection="reference", stratify=stratified, random_state=3)
    des.fit(X, y)
    base = des.base_indices_
    # base: half of keep (15 of 30), stratified, all distinct
    assert len(base) == 15 and np.bincount(y[base]).tolist() == allocate_quotas([60, 30, 10],
                                                                               15).tolist()
    np.testing.assert_allclose(des.prototypes_, [X[base][y[base] == c].mean(0) for c in range(3)])
    H, kept = reference_des(X, y, base, 30, stratified)
    np.testing.assert_allclose(des.entropy_, H, rtol=1e-10)
    assert set(des.sample_indices_.tolist()) == kept
    assert len(des.sample_indices_) == 30
    if stratified:
        assert np.bincount(y[des.sample_indices_]).tolist() == [18, 9, 3]


def test_added_rows_order_and_ties():
    # duplicated rows have equal entropies: the lower row position is added first
    X = np.array([[0.0], [0.0], [0.0], [4.0], [4.0], [4.0], [2.0], [2.0], [2.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1, 0, 0, 1, 1])
    des = DistanceEntropyReducer(keep=5, selection="reference", base_fraction=0.2, random_state=0)
    with pytest.warns(UserWarning, match="duplicate"):
        des.fit(X, y)
    added = des.sample_indices_[2:]
    assert added.tolist() == sorted(added.tolist())  # ties broken by position
    # whatever the base, the rows at 2.0 are nearest the boundary... unless they are in it
    assert set(added.tolist()) <= set(range(10)) - set(des.base_indices_.tolist())


def test_base_fraction_and_errors():
    X, y = data()
    r = DistanceEntropyReducer(keep=0.3, selection="reference", base_fraction=0.1, random_state=0).fit(X, y)
    assert len(r.base_indices_) == 10
    with pytest.raises(ValueError, match="base_fraction"):
        DistanceEntropyReducer(keep=0.1, base_fraction=0.2).fit(X, y)
    with pytest.raises(ValueError, match="base_fraction"):
        DistanceEntropyReducer(keep=0.1, base_fraction=1.5).fit(X, y)
    with pytest.raises(ValueError, match="requires y"):
        DistanceEntropyReducer(keep=0.1).fit(X)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 9999), keep=st.integers(3, 40), strat=st.booleans(),
       bf=st.one_of(st.none(), st.floats(0.03, 0.3)))
def test_invariants(seed, keep, strat, bf):
    X, y = data(seed, sizes=(25, 12, 5))
    n = len(X)
    if bf is not None and round(bf * n) > keep:
        bf = None
    des = DistanceEntropyReducer(keep=keep, selection="reference", base_fraction=bf, stratify=strat,
                                 random_state=seed)
    des.fit(X, y)
    idx = des.sample_indices_
    assert len(idx) == keep and len(np.unique(idx)) == keep
    assert set(des.base_indices_.tolist()) <= set(idx.tolist())
    added = np.setdiff1d(idx, des.base_indices_)
    if strat:
        assert np.bincount(y[idx], minlength=3).tolist() == \
            allocate_quotas([25, 12, 5], keep).tolist()
    elif len(added):
        dropped = np.setdiff1d(np.arange(n), idx)
        if len(dropped):
            assert des.entropy_[added].min() >= des.entropy_[dropped].max()
    assert des.sample_weight_.sum() == pytest.approx(n)


def test_stratified_keeps_exactly_keep_rows_when_the_base_quotas_exceed_the_final_ones():
    """Largest-remainder quotas are not monotone in the total (classes [3, 5, 5]: [2, 2, 2] of
    6 rows, [1, 3, 3] of 7): the additions overshot and fit raised 'selected 8 rows instead
    of 7'. Every base size below keep, on small class layouts, keeps exactly keep rows, each
    class at least its base rows and as close to its share as that allows."""
    rng = np.random.default_rng(0)
    for sizes in ([3, 5, 5], [21, 40, 40], [2, 7, 4, 1]):
        n = sum(sizes)
        X, y = rng.normal(size=(n, 2)), np.repeat(np.arange(len(sizes)), sizes)
        step = 1 if n < 20 else 5  # (every pair on the small layouts)
        for keep in range(len(sizes), n, step):
            for n_base in range(len(sizes), keep, step):
                des = DistanceEntropyReducer(keep=keep, base_fraction=n_base / n,
                                             stratify=True, random_state=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    des.fit(X, y)
                idx = des.sample_indices_
                assert len(idx) == keep == len(np.unique(idx)), (sizes, keep, n_base)
                got = np.bincount(y[idx], minlength=len(sizes))
                base = np.bincount(y[des.base_indices_], minlength=len(sizes))
                assert (got >= base).all()
                # within one row of the final quotas unless the base forces more
                want = allocate_quotas(sizes, keep)
                assert (np.abs(got - np.maximum(want, base)) <= 1).all(), (sizes, keep, n_base)
    X, y = rng.normal(size=(13, 2)), np.repeat([0, 1, 2], [3, 5, 5])
    des = DistanceEntropyReducer(keep=7, base_fraction=6 / 13, stratify=True, random_state=0)
    assert len(des.fit(X, y).sample_indices_) == 7


def test_seeded_and_vectorised_at_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 8)).astype(np.float32)
    y = rng.integers(0, 5, size=200_000)
    a = DistanceEntropyReducer(keep=0.05, random_state=1).fit(X, y)
    b = DistanceEntropyReducer(keep=0.05, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert a.fit_time_ < 30  # seconds, generous for a loaded machine (~0.3 s when quiet)
