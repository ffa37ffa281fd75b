"""Flow: normalizing-flow guided selection (needs torch and zuko)."""

import sys

import numpy as np
import pytest
from scipy.stats import multivariate_normal, spearmanr

torch = pytest.importorskip("torch")
pytest.importorskip("zuko")

from datareduce.reducers.flow import NormalizingFlowReducer  # noqa: E402

pytestmark = pytest.mark.torch

FAST = {"max_epochs": 25, "hidden_features": (16, 16), "transforms": 2, "batch_size": 128,
        "n_threads": 1}


def mixture(n=600, seed=0):
    """Two Gaussian modes at (-3, 0) and (3, 0); also returns the true log-density."""
    rng = np.random.default_rng(seed)
    means = np.array([[-3.0, 0.0], [3.0, 0.0]])
    comp = rng.integers(0, 2, n)
    X = means[comp] + rng.normal(size=(n, 2))
    true = np.logaddexp(*(multivariate_normal(m).logpdf(X) for m in means)) + np.log(0.5)
    return X, true


@pytest.fixture(scope="module")
def fitted():
    X, true = mixture()
    # the density-strata mode (the default before issue 21), asked for explicitly
    r = NormalizingFlowReducer(keep=0.2, n_strata=10, random_state=0, **FAST).fit(X)
    return X, true, r


def test_density_higher_at_the_modes(fitted):
    X, true, r = fitted
    near_mode = np.min(np.abs(X[:, :1] - [-3.0, 3.0]), axis=1) < 0.5
    near_mode &= np.abs(X[:, 1]) < 0.5
    between = (np.abs(X[:, 0]) < 0.7) | (np.abs(X[:, 1]) > 2.2)
    assert near_mode.sum() > 10 and between.sum() > 10
    assert r.log_density_[near_mode].min() > np.median(r.log_density_[between])
    # the learned log-density ranks rows like the true mixture density
    assert spearmanr(r.log_density_, true).statistic > 0.85
    # and is on the same scale (original units): mean log-likelihood close to the truth
    assert abs(r.log_density_.mean() - true.mean()) < 0.5


def test_strata_thins_dense_regions(fitted):
    X, true, r = fitted
    kept = r.sample_indices_
    dense = r.log_density_ >= np.quantile(r.log_density_, 0.5)
    # half of the rows are in the denser half; the kept set holds clearly fewer of them
    assert dense[kept].mean() < 0.45
    assert len(kept) == 120
    # the 1% lowest-density rows (outliers) are dropped first
    outliers = np.argsort(r.log_density_)[:6]
    assert not np.isin(outliers, kept).any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_keeps_densities_in_proportion(seed):
    # issue 21: the default drops the outliers, then samples the rest uniformly, so the kept
    # rows follow the pool's density; the density-strata mode (n_strata=10, the old
    # default) took 31-34% of its rows from the lowest-density tenth and 71-78% from below
    # the median here, and was 2.7 points of macro-F1 below SRS on the held-out tables
    X, _ = mixture()
    r = NormalizingFlowReducer(keep=0.2, random_state=seed, **FAST).fit(X)
    assert r.n_strata == 1
    ld, kept = r.log_density_, r.sample_indices_
    assert len(kept) == 120
    low, median = np.quantile(ld, [0.1, 0.5])
    # binomial standard deviations over 120 rows: 0.027 and 0.046
    assert (ld[kept] < low).mean() <= 0.2
    assert 0.35 <= (ld[kept] < median).mean() <= 0.65
    # the outliers are still dropped first
    outliers = np.argsort(ld)[:6]
    assert not np.isin(outliers, kept).any()


def test_drop_dense_keeps_the_least_dense_survivors():
    X, _ = mixture(300, seed=1)
    r = NormalizingFlowReducer(keep=50, strategy="drop_dense", outlier_fraction=0.1,
                               random_state=0, **FAST).fit(X)
    order = np.argsort(r.log_density_, kind="stable")
    np.testing.assert_array_equal(np.sort(r.sample_indices_), np.sort(order[30:80]))


def test_repeatable_and_leaves_torch_state_alone():
    X, _ = mixture(200, seed=2)
    threads = torch.get_num_threads()
    state = torch.get_rng_state()
    a = NormalizingFlowReducer(keep=0.3, random_state=5, **FAST).fit(X)
    b = NormalizingFlowReducer(keep=0.3, random_state=5, **FAST).fit(X)
    np.testing.assert_array_equal(a.log_density_, b.log_density_)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    assert torch.equal(state, torch.get_rng_state())
    assert torch.get_num_threads() == threads
    c = NormalizingFlowReducer(keep=0.3, random_state=6, **FAST).fit(X)
    assert not np.array_equal(a.log_density_, c.log_density_)


def test_per_class_and_conditional(blobs):
    X, y = blobs
    for conditional in (False, True):
        r = NormalizingFlowReducer(keep=0.5, conditional=conditional, random_state=0,
                                   **FAST).fit(X, y)
        assert np.bincount(y[r.sample_indices_]).tolist() == [15, 10, 5]
        assert np.isfinite(r.log_density_).all()
        assert len(r.n_epochs_) == (1 if conditional else 3)


def test_early_stopping_and_budget():
    X, _ = mixture(400, seed=3)
    r = NormalizingFlowReducer(keep=0.5, max_epochs=4, random_state=0,
                               **{k: v for k, v in FAST.items() if k != "max_epochs"}).fit(X)
    assert r.n_epochs_ == [4]
    r = NormalizingFlowReducer(keep=0.5, max_epochs=200, patience=2, random_state=0,
                               learning_rate=0.05, **{k: v for k, v in FAST.items()
                                                      if k != "max_epochs"}).fit(X)
    assert r.n_epochs_[0] < 200
    assert r.train_time_ <= r.fit_time_


def test_constant_feature_and_one_feature():
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(100, 2)), np.full(100, 3.0)]
    r = NormalizingFlowReducer(keep=20, random_state=0, **FAST).fit(X)
    assert np.isfinite(r.log_density_).all()
    r1 = NormalizingFlowReducer(keep=20, random_state=0, flow="maf", **FAST).fit(X[:, :1])
    assert np.isfinite(r1.log_density_).all() and len(r1.sample_indices_) == 20


@pytest.mark.parametrize("params, match", [
    ({"strategy": "dense"}, "strategy"), ({"flow": "realnvp"}, "flow"),
    ({"outlier_fraction": 1.0}, "outlier_fraction"), ({"max_epochs": 0}, "max_epochs"),
    ({"hidden_features": (0,)}, "hidden_features"), ({"validation_fraction": 0.9}, "validation"),
    ({"learning_rate": 0}, "learning_rate"), ({"n_threads": 0}, "n_threads"),
])
def test_parameter_errors(params, match, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        NormalizingFlowReducer(keep=0.3, **params).fit(X, y)


def test_without_torch_names_the_extra(monkeypatch, blobs):
    X, y = blobs
    monkeypatch.setitem(sys.modules, "zuko", None)
    with pytest.raises(ImportError, match="'flow' extra"):
        NormalizingFlowReducer(keep=0.3).fit(X, y)


def test_the_same_rows_in_tiny_and_huge_units():
    """A feature counted constant when its spread was below 1e-9 x max(|mean|, 1): at X x
    1e-40 every feature was 'constant' and 1 of 20 kept rows matched the unscaled fit."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    X[:, 2] = 5.0  # a truly constant feature stays left out at every scale
    y = np.repeat([0, 1], [120, 80])
    kept = [set(NormalizingFlowReducer(keep=0.1, random_state=0, **FAST)
                .fit(X * s, y).sample_indices_.tolist()) for s in (1.0, 1e-40, 1e40)]
    assert kept[0] == kept[1] == kept[2]
