"""NRMD: scores vs a direct dense computation written from the authors' definition."""

import numpy as np
import pytest

from datareduce import get_reducer
from datareduce.reducers.nrmd import MatrixDecompositionReducer, nrmd_scores


def dense_score(Z):
    """The authors' score on a features x samples matrix, plainly (full SVD, dense)."""
    Xt = Z.T  # features x samples, as in the reference code
    U, s, _ = np.linalg.svd(Xt, full_matrices=False)
    Xn = Xt / np.linalg.norm(Xt, axis=0)
    w = (1 / s) / np.sum(1 / s)
    A = np.abs(Xn.T @ U)
    A[A < 1e-3] = 1e-3
    return (-np.log(A)) @ w


def dense_classification_score(X, y):
    within = np.empty(len(X))
    for c in np.unique(y):
        within[y == c] = dense_score(X[y == c])
    onehot = (y[:, None] == np.unique(y)[None, :]).astype(float)
    return within * dense_score(np.hstack([X, onehot]))


@pytest.mark.parametrize("n, d", [(50, 4), (7, 12), (300, 9)])
def test_scores_match_dense(n, d):
    Z = np.random.default_rng(n).normal(size=(n, d)) + 0.5
    np.testing.assert_allclose(nrmd_scores(Z), dense_score(Z), rtol=1e-9, atol=1e-12)


def test_blocked_tsqr_matches_dense():
    Z = np.random.default_rng(1).normal(size=(2000, 5)) * [1, 2, 3, 0.1, 5]
    np.testing.assert_allclose(nrmd_scores(Z, working_memory=0.001), dense_score(Z), rtol=1e-8)


def test_hand_checked_two_rows():
    # Z = [[1, 0], [0, 2]]: s = (2, 1), v = e2, e1; w = (1/2, 1) / 1.5 = (1/3, 2/3)
    # row 1 (unit e1): |.v| = (0 -> 1e-3, 1) -> 1/3 * -log(1e-3); row 2: 2/3 * -log(1e-3)
    s = nrmd_scores(np.array([[1.0, 0.0], [0.0, 2.0]]))
    np.testing.assert_allclose(s, [-np.log(1e-3) / 3, -np.log(1e-3) * 2 / 3])


def test_global_ranking_with_labels_matches_reference():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (40, 3)), rng.normal(3, 1, (25, 3))]) + 1
    y = np.repeat([3, 7], [40, 25])
    r = get_reducer("nrmd", keep=20, selection="reference", stratify=False).fit(X, y)  # the reference
    ref = dense_classification_score(X, y)
    np.testing.assert_allclose(r.scores_, ref, rtol=1e-9)
    np.testing.assert_array_equal(r.sample_indices_, np.argsort(-ref, kind="stable")[:20])
    kept_y = y[r.sample_indices_]  # weights: class size / kept rows of the class
    for c in (3, 7):
        np.testing.assert_allclose(r.sample_weight_[kept_y == c], (y == c).sum() / (kept_y == c).sum())


def test_per_class_takes_top_rows_of_each_class():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 4)) + 2
    y = np.repeat([0, 1, 2], [30, 20, 10])
    r = MatrixDecompositionReducer(keep=0.5, selection="reference", per_class=True).fit(X, y)
    assert np.bincount(y[r.sample_indices_]).tolist() == [15, 10, 5]
    ref = dense_classification_score(X, y)
    for c, q in zip(range(3), (15, 10, 5), strict=True):
        kept = r.sample_indices_[y[r.sample_indices_] == c]
        pool = np.flatnonzero(y == c)
        assert set(kept) == set(pool[np.argsort(-ref[pool], kind="stable")[:q]])
        assert r.sample_weight_[y[r.sample_indices_] == c].sum() == pytest.approx((y == c).sum())


def test_unsupervised_and_zero_rows():
    X = np.random.default_rng(4).normal(size=(30, 3))
    X[5] = 0.0
    with pytest.warns(UserWarning, match="duplicate"):
        r = get_reducer("nrmd", keep=5, selection="reference").fit(np.vstack([X, X[:1]]))
    assert r.scores_[5] == pytest.approx(-np.log(1e-3))  # a zero row gets the floor everywhere
    assert 5 in r.sample_indices_


def test_rank_deficient_drops_zero_singular_values():
    Z = np.random.default_rng(5).normal(size=(40, 2)) @ np.array([[1.0, 2.0, 3.0], [0, 1, 1]])
    with pytest.warns(UserWarning, match="singular values are zero"):
        s = nrmd_scores(Z)
    assert np.all(np.isfinite(s))


def test_randomized_truncation_matches_dense_top_components():
    rng = np.random.default_rng(6)
    Z = rng.normal(size=(500, 8)) * np.array([50, 20, 10, 5, 1, 1, 1, 1])
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    V, s = Vt[:3].T, s[:3]
    A = np.maximum(np.abs(Z / np.linalg.norm(Z, axis=1, keepdims=True) @ V), 1e-3)
    ref = -np.log(A) @ ((1 / s) / np.sum(1 / s))
    got = nrmd_scores(Z, n_components=3, random_state=0)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("param, value", [("n_components", 0), ("n_components", 2.5),
                                          ("working_memory", -1)])
def test_bad_params(param, value, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=param):
        MatrixDecompositionReducer(keep=5, **{param: value}).fit(X, y)
