"""MMD, energy distance and coverage curves against their definitions and independent code."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.stats import energy_distance as scipy_energy

from datareduce import get_reducer
from datareduce.metrics import (
    coverage_curve,
    energy_distance,
    epsilon_representativeness,
    median_bandwidth,
    mmd,
    mmd_reference,
)


def _brute_mmd(X, Z, q, bw):
    """The definition with full kernel matrices (fine for tiny data)."""
    k = lambda A, B: np.exp(-cdist(A, B, "sqeuclidean") / (2 * bw * bw))  # noqa: E731
    q = np.asarray(q, float) / np.sum(q)
    sq = k(X, X).mean() - 2 * (k(X, Z).mean(axis=0) @ q) + q @ k(Z, Z) @ q
    return np.sqrt(max(sq, 0.0))


def _brute_energy(X, Z, q):
    q = np.asarray(q, float) / np.sum(q)
    e = 2 * (cdist(X, Z).mean(axis=0) @ q) - cdist(X, X).mean() - q @ cdist(Z, Z) @ q
    return np.sqrt(max(e, 0.0))


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (60, 3)), rng.normal(2, 1, (40, 3))])
    y = np.repeat(["a", "b"], [60, 40])
    return X, y


def test_mmd_of_the_full_set_is_zero(data):
    X, y = data
    assert float(mmd(X, X)) == pytest.approx(0.0, abs=1e-7)
    res = mmd(X, X, y=y, y_reduced=y)
    assert res.value == pytest.approx(0.0, abs=1e-7)
    assert all(v == pytest.approx(0.0, abs=1e-7) for v in res.per_class.values())
    # any weights that give every row the same mass: still zero
    perm = np.random.default_rng(0).permutation(100)
    assert float(mmd(X, X[perm], weights=np.full(100, 7.0))) == pytest.approx(0.0, abs=1e-7)


def test_mmd_matches_the_definition_hand_case():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    # bw = 1: by hand with the full kernel matrices
    assert float(mmd(X, X[[1, 2]], bandwidth=1.0)) == pytest.approx(
        _brute_mmd(X, X[[1, 2]], [1, 1], 1.0))
    # by hand: XX = (4 + 6 e^-.5 + 4 e^-2 + 2 e^-4.5) / 16, XZ = (1 + 2 e^-.5 + e^-2) / 4,
    # ZZ = (2 + 2 e^-.5) / 4; MMD^2 = XX - 2 XZ + ZZ = 0.141738
    assert float(mmd(X, X[[1, 2]], bandwidth=1.0)) == pytest.approx(0.141738 ** 0.5, abs=1e-6)


def test_mmd_weighted_per_class_and_overall_match_brute_force(data):
    X, y = data
    rng = np.random.default_rng(2)
    kept = np.sort(rng.choice(100, 17, replace=False))
    q = rng.uniform(0.1, 3.0, 17)
    bw = median_bandwidth(X)
    res = mmd(X, X[kept], q, y, y[kept])
    assert res.bandwidth == pytest.approx(bw)
    assert res.value == pytest.approx(_brute_mmd(X, X[kept], q, bw), rel=1e-9)
    for c in ("a", "b"):
        m = y[kept] == c
        assert res.per_class[c] == pytest.approx(_brute_mmd(X[y == c], X[kept][m], q[m], bw),
                                                 rel=1e-9)
    # scale of the weights does not matter; the order of the rows does not matter
    again = mmd(X, X[kept][::-1], q[::-1] * 10, y, y[kept][::-1])
    assert again.value == pytest.approx(res.value, rel=1e-9)


def test_mmd_blocks_do_not_change_the_value(data):
    X, y = data
    kept = np.arange(0, 100, 3)
    a = mmd(X, X[kept], y=y, y_reduced=y[kept])
    b = mmd(X, X[kept], y=y, y_reduced=y[kept], working_memory=0.001)  # tiny blocks
    assert a.value == pytest.approx(b.value, rel=1e-10)
    assert a.per_class == pytest.approx(b.per_class, rel=1e-10)


def test_mmd_estimate_is_unbiased_and_never_negative(data):
    """Above max_exact all three terms use the same random Fourier features: the squared
    estimate averages to the exact MMD^2 over seeds, and is never negative."""
    X, y = data
    kept = np.arange(0, 100, 5)
    exact = mmd(X, X[kept], y=y, y_reduced=y[kept], bandwidth=1.5)
    est = [mmd(X, X[kept], y=y, y_reduced=y[kept], bandwidth=1.5, max_exact=30,
               random_state=s) for s in range(40)]
    assert exact.exact and not est[0].exact
    sq = np.array([e.value ** 2 for e in est])
    assert sq.mean() == pytest.approx(exact.value ** 2, rel=4 * sq.std() / np.sqrt(sq.size)
                                      / exact.value ** 2 + 1e-9)
    for c in ("a", "b"):
        sqc = np.array([e.per_class[c] ** 2 for e in est])
        assert abs(sqc.mean() - exact.per_class[c] ** 2) < 4 * sqc.std() / np.sqrt(40) + 1e-12
    # and the estimate reaches mmd through reference=
    r = mmd_reference(X, y, bandwidth=1.5, max_exact=30, random_state=0)
    assert not r.exact and r.xx.shape == (2, 2)
    res = mmd(X, X[kept], y=y, y_reduced=y[kept], reference=r)
    assert res.value == pytest.approx(est[0].value, rel=1e-12)


@pytest.mark.parametrize("name", ["mmd", "energy"])
def test_registry_kernel_metrics_are_right_above_max_exact(name):
    """The registry's metrics (max_exact=4000, used by compare and the audit) on 6,000 rows:
    a random 30 % subset's value is within 15 % of the exact one, and not 0 (the full-set
    term was a subsample estimate whose error exceeded MMD^2: 0.0 after clipping)."""
    from datareduce.metrics.interface import get_metric

    rng = np.random.default_rng(0)
    X = rng.normal(size=(6000, 12))
    y = (X[:, 0] + rng.normal(size=6000) > 0).astype(int)
    exact_fn = mmd if name == "mmd" else energy_distance
    for labels in (False, True):
        yy = y if labels else None
        prepared = get_metric(name).prepare(X, yy)
        for seed in range(3):
            sub = np.random.default_rng(seed).choice(6000, 1800, replace=False)
            got = prepared.score(X[sub], None if yy is None else yy[sub])
            exact = exact_fn(X, X[sub], y=yy, y_reduced=None if yy is None else yy[sub],
                             max_exact=None)
            assert got.value > 0
            assert got.value == pytest.approx(exact.value, rel=0.15)
            for c, v in exact.per_class.items():
                assert got.per_class[c] == pytest.approx(v, rel=0.15)


def test_energy_estimate_is_unbiased(data):
    X, y = data
    kept = np.arange(0, 100, 5)
    exact = energy_distance(X, X[kept], y=y, y_reduced=y[kept])
    sq = np.array([energy_distance(X, X[kept], y=y, y_reduced=y[kept], max_exact=30,
                                   random_state=s).value ** 2 for s in range(40)])
    assert abs(sq.mean() - exact.value ** 2) < 4 * sq.std() / np.sqrt(sq.size) + 1e-12
    assert (sq > 0).all()


def test_reference_reuse_equals_direct(data):
    X, y = data
    ref = mmd_reference(X, y)
    kept = np.arange(0, 100, 4)
    a = mmd(X, X[kept], y=y, y_reduced=y[kept], reference=ref)
    b = mmd(X, X[kept], y=y, y_reduced=y[kept])
    assert a.value == pytest.approx(b.value) and a.per_class == pytest.approx(b.per_class)
    with pytest.raises(ValueError, match="same y"):
        mmd(X, X[kept], reference=ref)


def test_mmd_from_a_fitted_reducer_uses_its_weights(data):
    X, y = data
    r = get_reducer("prd", keep=0.2, random_state=0).fit(X, y)
    a = mmd(X, y=y, reducer=r)
    b = mmd(X, X[r.sample_indices_], r.sample_weight_, y, y[r.sample_indices_])
    assert a.value == pytest.approx(b.value)


def test_missing_class_is_infinite_and_bad_input_is_refused(data):
    X, y = data
    res = mmd(X, X[:5], y=y, y_reduced=y[:5])
    assert res.per_class["b"] == np.inf and np.isfinite(res.value)
    with pytest.raises(ValueError, match="one weight per reduced row"):
        mmd(X, X[:5], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"negative, NaN or infinite \(reduced rows 1\)"):
        mmd(X, X[:2], weights=[1.0, -2.0])
    with pytest.raises(ValueError, match="weights are all 0"):
        mmd(X, X[:2], weights=[0.0, 0.0])
    with pytest.raises(ValueError, match="bandwidth"):
        mmd(X, X[:2], bandwidth=0)
    with pytest.raises(ValueError, match="y_reduced"):
        mmd(X, X[:2], y=y)
    with pytest.raises(ValueError, match="features"):
        mmd(X, X[:2, :2])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=12),
       st.lists(st.floats(-50, 50), min_size=1, max_size=8),
       st.data())
def test_energy_distance_matches_scipy_in_1d(u, v, draw):
    w = draw.draw(st.lists(st.floats(0.1, 10), min_size=len(v), max_size=len(v)))
    ours = float(energy_distance(np.array(u)[:, None], np.array(v)[:, None], weights=w))
    assert ours == pytest.approx(scipy_energy(u, v, v_weights=w), rel=1e-6, abs=1e-6)


def test_energy_distance_matches_definition_in_3d(data):
    X, y = data
    kept = np.arange(1, 100, 7)
    q = np.linspace(1, 2, kept.size)
    res = energy_distance(X, X[kept], q, y, y[kept])
    assert res.value == pytest.approx(_brute_energy(X, X[kept], q), rel=1e-9)
    m = y[kept] == "b"
    assert res.per_class["b"] == pytest.approx(_brute_energy(X[y == "b"], X[kept][m], q[m]),
                                               rel=1e-9)
    assert float(energy_distance(X, X)) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("d", [3, 12])  # KD-tree path and blocked path
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
def test_coverage_curve_ends_at_epsilon(d, metric):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(150, d))
    y = rng.integers(0, 3, 150)
    kept = np.sort(rng.choice(150, 20, replace=False))
    kept = np.unique(np.concatenate([kept, [np.flatnonzero(y == c)[0] for c in range(3)]]))
    cc = coverage_curve(X, X[kept], y, y[kept], metric=metric)
    eps = epsilon_representativeness(X, X[kept], y, y[kept], metric=metric)
    assert cc.epsilon == pytest.approx(eps.value)
    assert cc.radii[-1] == pytest.approx(eps.value) and cc.fraction[-1] == 1.0
    assert cc.at(np.nextafter(eps.value, 0)) < 1.0
    assert (np.diff(cc.fraction) >= 0).all() and cc.fraction[0] == pytest.approx(kept.size / 150)
    for c in range(3):
        assert cc.per_class[c][-1] == 1.0
    # brute force: fraction within r of a kept row of the same class
    r = cc.radii[20]
    D = cdist(X, X[kept], metric)
    D[y[:, None] != y[kept][None, :]] = np.inf
    assert cc.fraction[20] == pytest.approx(np.mean(D.min(axis=1) <= r))
    assert cc.radius_for(1.0) == pytest.approx(eps.value)


def test_coverage_curve_plot_and_reducer(data):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    X, y = data
    r = get_reducer("srs", keep=0.1, random_state=0).fit(X, y)
    cc = coverage_curve(X, y=y, reducer=r, radii=[0.0, 1.0, 2.0])
    assert cc.fraction.shape == (3,)
    ax = cc.plot()
    assert len(ax.lines) >= 3


def test_report_has_mmd_and_energy_columns(data):
    from datareduce.metrics import representativeness_report

    X, y = data
    r = get_reducer("prd", keep=0.2, random_state=0).fit(X, y)
    rep = representativeness_report(X, r, y, homology_dimensions=(0,), distances="bottleneck")
    assert rep.distribution["mmd"].value == pytest.approx(mmd(X, y=y, reducer=r).value)
    assert rep.distribution["energy"].value == pytest.approx(
        energy_distance(X, y=y, reducer=r).value)
    frame = rep.to_frame()
    assert set(frame.loc[frame.quantity == "mmd", "scope"]) == {"all", "a", "b"}
    assert "MMD (Gaussian" in str(rep) and "energy distance" in str(rep)
    assert rep.to_dict()["distribution"]["mmd"]["per_class"].keys() == {"a", "b"}
    none = representativeness_report(X, r, y, homology_dimensions=(0,), distribution=False)
    assert none.distribution == {} and "distribution" not in none.timings


def test_mmd_test_flags_a_biased_subset_and_not_a_random_one(data):
    from datareduce.metrics import mmd_test

    X, y = data
    corner = np.argsort(X[:, 0])[:20]
    res = mmd_test(X, X[corner], n_permutations=49)
    assert res.p_value == pytest.approx(1 / 50) and res.null.shape == (49,)
    rng = np.random.default_rng(5)
    ps = [mmd_test(X, X[idx], None, y, y[idx], n_permutations=39, random_state=s).p_value
          for s, idx in enumerate(np.sort(np.concatenate([rng.choice(60, 12, replace=False),
                                                          60 + rng.choice(40, 8, replace=False)]))
                                  for _ in range(5))]
    # p-values of random subsets are uniform: not all small
    assert np.median(ps) > 0.15 and sum(p <= 0.05 for p in ps) <= 1
    r = get_reducer("prd", keep=0.2, random_state=0).fit(X, y)
    assert mmd_test(X, y=y, reducer=r, n_permutations=39).p_value > 0.9  # closer than random
    with pytest.raises(ValueError, match="n_permutations"):
        mmd_test(X, X[:5], n_permutations=0)


def test_every_name_is_importable_from_the_documented_paths():
    import datareduce.metrics as metrics
    from datareduce.metrics import coverage, distribution, kernel_distance, two_sample

    for name in distribution.__all__:
        assert getattr(distribution, name) is getattr(metrics, name)
    assert distribution.mmd is kernel_distance.mmd
    assert distribution.mmd_test is two_sample.mmd_test
    assert distribution.coverage_curve is coverage.coverage_curve


def test_gaussian_and_median_name_the_default_kernel(data):
    X, y = data
    Z = X[::5]
    base = mmd(X, Z)
    assert mmd(X, Z, kernel="gaussian").value == base.value
    assert mmd(X, Z, bandwidth="median").value == base.value
    with pytest.raises(ValueError, match="energy_distance"):
        mmd(X, Z, kernel="energy")
    with pytest.raises(ValueError, match="kernel='poly'"):
        mmd(X, Z, kernel="poly")


def _null_subsets(n_subsets, seed=0):
    """A two-class table (60 + 60 rows, classes apart) and genuine null draws: uniform random
    subsets of 16 + 3 rows (class counts far from proportional)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 2))
    y = np.repeat([0, 1], 60)
    X[y == 1] += 1.5
    subs = [np.r_[rng.choice(60, 16, replace=False), 60 + rng.choice(60, 3, replace=False)]
            for _ in range(n_subsets)]
    return X, y, subs


def _assert_uniform(ps):
    """200 Monte Carlo p-values with 9 draws each: under the null p is j / 10, j = 1..10
    equally likely."""
    ps = np.asarray(ps)
    assert np.sum(ps <= 0.1) <= 37, (np.sum(ps <= 0.1), ps.mean())  # 20 expected, sd 4.2
    assert abs(ps.mean() - 0.55) < 0.1, ps.mean()  # sd of the mean 0.02


@pytest.mark.parametrize("weighting", ["none", "stands_for", "by_class"])
def test_mmd_test_p_value_is_uniform_under_its_null(weighting):
    """The null is 'a uniform random subset with the same class counts'. The statistic
    weighted an unweighted subset equally while the null draws were re-weighted per class
    (rows each stands for): p <= 0.05 in 83% of genuine null draws. Now the draws are
    weighted as the subset is: none, the rows each kept row stands for, or any per-class
    weights."""
    from datareduce.metrics import mmd_test

    X, y, subs = _null_subsets(200)
    ps = []
    for s, idx in enumerate(subs):
        w = {"none": None, "stands_for": np.where(y[idx] == 0, 60 / 16, 60 / 3),
             "by_class": np.where(y[idx] == 0, 1.0, 2.0)}[weighting]
        ps.append(mmd_test(X, X[idx], w, y, y[idx], n_permutations=9,
                           random_state=s).p_value)
    _assert_uniform(ps)


def test_calibrate_srs_p_value_is_uniform_under_its_null():
    """calibrate's 'srs' draws are mmd_test's draws (one construction, weighted draws are
    checked above): uniform p-values for an unweighted random subset."""
    from datareduce.metrics import calibrate

    X, y, subs = _null_subsets(200, seed=1)
    ps = [calibrate(X, idx, y, metrics=("mmd",), n_draws=9, draws="srs", max_rows=None,
                    random_state=s).metrics["mmd"].p_value["srs"] for s, idx in enumerate(subs)]
    _assert_uniform(ps)


def test_srs_draws_are_weighted_as_the_subset_is():
    from datareduce.metrics.calibration import draw_subsets

    y = np.array([0] * 90 + [1] * 10)
    ys = np.array([0] * 9 + [1] * 3)
    for idx, w in draw_subsets(100, 12, y, ys, kind="srs", n_draws=5, random_state=0):
        assert np.sum(y[idx] == 0) == 9 and np.sum(y[idx] == 1) == 3 and w is None
    q = np.r_[np.full(9, 10.0), [1.0, 2.0, 3.0]]  # class masses 90 and 6
    for idx, w in draw_subsets(100, 12, y, ys, kind="srs", n_draws=5, random_state=0,
                               weights=q):
        assert np.allclose(w[y[idx] == 0], 10.0) and np.allclose(w[y[idx] == 1], 2.0)
    for idx, w in draw_subsets(100, 12, kind="random", n_draws=3, random_state=0, weights=q):
        assert w is None and len(np.unique(idx)) == 12
