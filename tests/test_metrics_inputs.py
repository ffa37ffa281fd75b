"""Inputs of the metrics and of calibrate: refused by name, never read as something else."""

import numpy as np
import pytest

from datareduce.metrics import calibrate, get_metric


@pytest.fixture
def nan_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = rng.integers(0, 2, 60).astype(float)
    y[::3] = np.nan
    return X, y, np.arange(0, 60, 4)


@pytest.mark.parametrize("name", ["coverage", "coverage_q90", "epsilon", "mmd", "bottleneck"])
def test_nan_labels_are_refused_by_every_metric(nan_labels, name):
    """NaN labels made a class np.unique and == could not match: the coverage family
    returned nan with per_class {nan: 0.0} read from uninitialised memory; mmd refused
    them."""
    X, y, idx = nan_labels
    with pytest.raises(ValueError, match="y contains NaN or infinite labels"):
        get_metric(name)(X, X[idx], y, y[idx])
    ok = np.nan_to_num(y, nan=0.0)
    with pytest.raises(ValueError, match="y_subset contains NaN"):
        get_metric(name).prepare(X, ok).score(X[idx], y[idx])


def test_calibrate_refuses_nan_and_missing_labels(nan_labels):
    X, y, idx = nan_labels
    with pytest.raises(ValueError, match="y contains NaN or infinite labels"):
        calibrate(X, idx, y, metrics=("coverage",), n_draws=3)
    labels = np.where(np.isnan(y), None, y.astype(object))
    with pytest.raises(ValueError, match="y contains missing labels"):
        calibrate(X, idx, labels, metrics=("epsilon",), n_draws=3)


@pytest.mark.parametrize("bad, match", [
    (np.r_[np.ones(10, bool), np.zeros(10, bool)], r"boolean mask must have one entry per "
                                                    r"row of X \(200\), got 20"),
    (np.ones(300, bool), r"boolean mask must have one entry per row of X \(200\), got 300"),
    (np.array([-1, -2, -3]), r"row positions in \[0, 200\)"),
    (np.array([5, 200]), r"row positions in \[0, 200\)"),
    (np.array([1.7, 2.2]), "dtype float64"),
    (np.array([[1, 2], [3, 4]]), r"shape \(2, 2\)"),
])
def test_calibrate_checks_indices_as_audit_subset_does(bad, match):
    """A 20-entry mask for 200 rows was taken as a 10-row subset, an oversize one raised a
    raw IndexError, negative positions wrapped around and floats were truncated."""
    X = np.random.default_rng(0).normal(size=(200, 3))
    with pytest.raises(ValueError, match=match):
        calibrate(X, bad, metrics=("coverage",), n_draws=2)
    mask = np.zeros(200, bool)
    mask[[3, 7]] = True
    for good in (mask, [3, 7], np.array([3, 7], dtype=np.uint8)):
        assert calibrate(X, good, metrics=("coverage",), n_draws=2).n_subset == 2
    with pytest.raises(ValueError, match="the subset has 0 rows"):
        calibrate(X, [], metrics=("coverage",), n_draws=2)
