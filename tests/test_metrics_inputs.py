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
