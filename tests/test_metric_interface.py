"""The metric interface and registry (issue 25): definitions on hand-checkable cases."""

import numpy as np
import pytest

from datareduce.metrics import (
    Metric,
    MetricValue,
    available_metrics,
    energy_distance,
    epsilon_representativeness,
    get_metric,
    mmd,
    register_metric,
    topological_distance,
)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = rng.integers(0, 3, 120)
    idx = np.sort(rng.choice(120, 30, replace=False))
    return X, y, idx


def test_registry_lists_the_built_in_metrics():
    assert {"coverage", "coverage_q90", "epsilon", "epsilon_linf", "mmd", "energy",
            "bottleneck", "wasserstein"} <= set(available_metrics())
    with pytest.raises(ValueError, match="not registered; available"):
        get_metric("accuracy")
    with pytest.raises(ValueError, match="already registered"):
        register_metric("mmd", lambda: None)


def test_coverage_on_a_hand_checked_case():
    X = np.array([[0.0], [1.0], [2.0], [10.0], [12.0]])
    y = np.array([0, 0, 0, 1, 1])
    keep = [0, 4]
    res = get_metric("coverage")(X, X[keep], y, y[keep])
    # class 0: distances 0, 1, 2; class 1: 2, 0
    assert res.per_class == {0: 1.0, 1: 1.0}
    assert res.value == pytest.approx(5 / 5)
    assert get_metric("coverage_q90")(X, X[keep]).value == 2.0
    assert get_metric("epsilon")(X, X[keep], y, y[keep]).value == 2.0


def test_epsilon_matches_epsilon_representativeness(data):
    X, y, idx = data
    for name, norm in (("epsilon", "euclidean"), ("epsilon_linf", "chebyshev")):
        ours = get_metric(name)(X, X[idx], y, y[idx])
        ref = epsilon_representativeness(X, X[idx], y, y[idx], metric=norm)
        assert ours.value == pytest.approx(ref.value)
        assert ours.per_class == pytest.approx(ref.per_class)


def test_kernel_metrics_match_the_functions_and_reuse_the_full_term(data):
    X, y, idx = data
    w = np.linspace(1, 2, idx.size)
    for name, fn in (("mmd", mmd), ("energy", energy_distance)):
        prepared = get_metric(name).prepare(X, y)
        ours = prepared.score(X[idx], y[idx], weights=w)
        ref = fn(X, X[idx], w, y, y[idx])
        assert ours.value == pytest.approx(ref.value)
        assert ours.per_class == pytest.approx(ref.per_class)
        # the prepared state scores a second subset like a fresh computation
        other = np.arange(0, 120, 3)
        assert prepared.score(X[other], y[other]).value == pytest.approx(
            fn(X, X[other], None, y, y[other]).value)


def test_bottleneck_matches_topological_distance(data):
    X, y, idx = data
    ours = get_metric("bottleneck")(X, X[idx])
    ref = topological_distance(X, X[idx], per_class=False)
    assert ours.value == pytest.approx(max(ref.value.values()), rel=1e-6)


def test_missing_class_is_infinite_and_shapes_are_checked(data):
    X, y, idx = data
    keep = idx[y[idx] != 2]
    res = get_metric("coverage")(X, X[keep], y, y[keep])
    assert res.per_class[2] == np.inf and res.value == np.inf
    with pytest.raises(ValueError, match="same columns"):
        get_metric("coverage")(X, X[idx, :2])
    with pytest.raises(ValueError, match="labels for both"):
        get_metric("mmd")(X, X[idx], y)


def test_a_registered_metric_plugs_in():
    class MeanShift(Metric):
        name = "mean_shift"

        def prepare(self, X, y=None):
            from datareduce.metrics.interface import PreparedMetric

            class P(PreparedMetric):
                def _score(self, Z, y_z, weights):
                    return float(np.abs(self.X.mean(0) - Z.mean(0)).max()), {}

            return P(self, X, y)

    register_metric("mean_shift", MeanShift, replace=True)
    X = np.array([[0.0], [2.0]])
    res = get_metric("mean_shift")(X, X[:1])
    assert isinstance(res, MetricValue) and res.value == 1.0
