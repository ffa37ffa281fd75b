"""VQ: vector-quantization guided selection and the strata helper."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from datareduce.reducers.vq import VectorQuantizationReducer, spread_over_strata


def two_codes(n_a=300, n_b=100, seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(0, 1, (n_a, 2)), rng.normal(20, 1, (n_b, 2))])


def test_two_code_quotas_proportional_to_code_sizes():
    X = two_codes(300, 100)
    r = VectorQuantizationReducer(keep=40, n_codes=2, random_state=0).fit(X)
    big = int(np.argmax(np.bincount(r.code_labels_)))
    assert np.bincount(r.code_labels_)[big] == 300
    kept_codes = r.code_labels_[r.sample_indices_]
    assert (kept_codes == big).sum() == 30 and (kept_codes != big).sum() == 10
    # each kept row stands for code mass / kept in code = 10 rows
    np.testing.assert_allclose(r.sample_weight_, 10.0)


def test_uneven_quotas_largest_remainder_and_weights():
    X = two_codes(250, 50)  # keep 20 -> ideal 16.67 / 3.33 -> 17 / 3
    r = VectorQuantizationReducer(keep=20, n_codes=2, random_state=1).fit(X)
    sizes = np.bincount(r.code_labels_)
    kept = np.bincount(r.code_labels_[r.sample_indices_], minlength=2)
    assert sorted(zip(sizes.tolist(), kept.tolist(), strict=True)) == [(50, 3), (250, 17)]
    for code in range(2):
        w = r.sample_weight_[r.code_labels_[r.sample_indices_] == code]
        np.testing.assert_allclose(w, sizes[code] / kept[code])
    assert r.sample_weight_.sum() == pytest.approx(300)


def test_every_code_keeps_a_row():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.1, (97, 2)), rng.normal(10, 0.1, (2, 2)), [[-10, 10]]])
    r = VectorQuantizationReducer(keep=10, n_codes=3, random_state=0).fit(X)
    assert sorted(r.code_quotas_.tolist()) == [1, 1, 8]
    assert 99 in r.sample_indices_  # the single-row code is represented


def test_quantization_error_are_distances_to_the_nearest_code():
    X = two_codes(200, 200, seed=3)
    r = VectorQuantizationReducer(keep=0.2, n_codes=6, random_state=0).fit(X)
    D = cdist(X, r.cluster_centers_)
    np.testing.assert_allclose(r.quantization_error_, D.min(axis=1), atol=1e-9)
    np.testing.assert_array_equal(r.code_labels_, D.argmin(axis=1))


def test_subsampled_codebook_assigns_every_row():
    X = two_codes(300, 300, seed=4)
    r = VectorQuantizationReducer(keep=0.1, n_codes=4, fit_size=40, random_state=0).fit(X)
    D = cdist(X, r.cluster_centers_)
    np.testing.assert_array_equal(r.code_labels_, D.argmin(axis=1))
    np.testing.assert_allclose(r.quantization_error_, D.min(axis=1), atol=1e-9)
    assert len(r.sample_indices_) == 60


@pytest.mark.parametrize("within", ["easy", "hard"])
def test_easy_and_hard_pick_by_error_within_each_code(within):
    X = two_codes(200, 100, seed=5)
    r = VectorQuantizationReducer(keep=30, n_codes=3, within=within, random_state=0).fit(X)
    kept = np.zeros(len(X), bool)
    kept[r.sample_indices_] = True
    for code in np.unique(r.code_labels_):
        members = r.code_labels_ == code
        e_kept, e_drop = r.quantization_error_[members & kept], r.quantization_error_[members & ~kept]
        if within == "easy":
            assert e_kept.max() <= e_drop.min()
        else:
            assert e_kept.min() >= e_drop.max()


def test_drop_hardest_removes_the_largest_errors_first():
    X = two_codes(200, 100, seed=6)
    r = VectorQuantizationReducer(keep=30, n_codes=2, within="hard", drop_hardest=0.1,
                                  random_state=0).fit(X)
    for code in range(2):
        members = np.flatnonzero(r.code_labels_ == code)
        n_drop = int(np.floor(0.1 * len(members)))
        hardest = members[np.argsort(-r.quantization_error_[members])[:n_drop]]
        assert not np.isin(hardest, r.sample_indices_).any()
        # the next hardest rows are the kept ones
        q = r.code_quotas_[code]
        nxt = members[np.argsort(-r.quantization_error_[members])[n_drop:n_drop + q]]
        assert set(nxt.tolist()) == set(np.intersect1d(r.sample_indices_, members).tolist())


def test_spread_covers_the_error_range():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 2))
    spread = VectorQuantizationReducer(keep=100, n_codes=1, random_state=0).fit(X)
    easy = VectorQuantizationReducer(keep=100, n_codes=1, within="easy", random_state=0).fit(X)
    e_spread, e_easy = spread.quantization_error_[spread.sample_indices_], easy.quantization_error_[easy.sample_indices_]
    assert e_spread.max() > 0.8 * spread.quantization_error_.max() > e_easy.max()


def test_stratified_codebooks_per_class(blobs):
    X, y = blobs
    r = VectorQuantizationReducer(keep=0.5, random_state=0).fit(X, y)
    # default n_codes = min(quota, ceil(sqrt(n))) per class: 6, 5, 4
    assert len(r.cluster_centers_) == 6 + 5 + 4
    for c in range(3):
        codes = np.unique(r.code_labels_[y == c])
        other = np.unique(r.code_labels_[y != c])
        assert not np.isin(codes, other).any()
    assert np.bincount(y[r.sample_indices_]).tolist() == [15, 10, 5]


def test_deterministic_and_seed_sensitive():
    X = two_codes(300, 100, seed=7)
    a = VectorQuantizationReducer(keep=0.2, random_state=11).fit(X).sample_indices_
    b = VectorQuantizationReducer(keep=0.2, random_state=11).fit(X).sample_indices_
    c = VectorQuantizationReducer(keep=0.2, random_state=12).fit(X).sample_indices_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(np.sort(a), np.sort(c))


@pytest.mark.parametrize("params, match", [
    ({"n_codes": 0}, "n_codes"), ({"within": "middle"}, "within"),
    ({"drop_hardest": 1.0}, "drop_hardest"), ({"n_strata": 0}, "n_strata"),
    ({"fit_size": -1}, "fit_size"), ({"max_iter": 0}, "max_iter"),
])
def test_parameter_errors(params, match, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        VectorQuantizationReducer(keep=0.3, **params).fit(X, y)


# ------------------------------------------------------------------ strata helper
def test_strata_equal_budget_and_small_strata_kept_whole():
    v = np.r_[np.zeros(50), np.full(3, 5.0), np.full(47, 10.0)]
    pos = spread_over_strata(v, 30, 3, np.random.default_rng(0))
    # smallest stratum (3 rows) kept whole, the other two share the rest evenly
    assert [(v[pos] == x).sum() for x in (0.0, 5.0, 10.0)] == [14, 3, 13]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60), st.data())
def test_strata_exact_count_property(values, data):
    v = np.array(values)
    k = data.draw(st.integers(0, len(v)))
    n_strata = data.draw(st.integers(1, 12))
    pos = spread_over_strata(v, k, n_strata, np.random.default_rng(0))
    assert len(pos) == k and len(np.unique(pos)) == k
    assert (pos >= 0).all() and (pos < len(v)).all() if k else True
