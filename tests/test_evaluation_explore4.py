"""explore4/evaluation defects 02, 04-09 (user test of compare and the metrics)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from datareduce.evaluation import compare, epsilon_correlation
from datareduce.metrics import (
    diagram_distance,
    epsilon_representativeness,
    median_bandwidth,
    persistence_diagrams,
    representativeness_report,
)


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    return compare(X, y, methods=["srs"], keeps=(0.2,), estimator=LogisticRegression(),
                   repeats=3, random_state=0)


def test_02_epsilon_correlation_defaults_to_the_results_attrs(results):
    out = epsilon_correlation(results)  # headline "mmd", score "accuracy" (attrs)
    expected = epsilon_correlation(results, score=results.attrs["scoring"][0],
                                   metric=results.attrs["metrics"][0])
    assert out.equals(expected)
    with pytest.raises(ValueError, match=r"metric=.*'mmd'"):
        epsilon_correlation(results, metric="epsilon")
    with pytest.raises(ValueError, match=r"score="):
        epsilon_correlation(results, score="r2")


def test_04_duplicate_rows_give_no_rounding_h0_pairs():
    rng = np.random.default_rng(5)
    t = rng.uniform(0, 2 * np.pi, 80)
    X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(80, 2))
    Xd = np.vstack([X, X[:10]])
    rips, mst = persistence_diagrams(Xd)[0], persistence_diagrams(Xd, h0="mst")[0]
    assert len(rips) == len(mst) == len(persistence_diagrams(X)[0])
    # a genuine short pair is kept
    short = persistence_diagrams(np.array([[0.0, 0.0], [1e-3, 0.0], [5.0, 0.0]]))[0]
    assert len(short) == 2 and short[:, 1].min() == pytest.approx(1e-3, rel=1e-6)


def test_05_indices_as_X_reduced_say_rows_or_reducer():
    X = np.random.default_rng(0).normal(size=(50, 3))
    idx = np.arange(0, 50, 5)
    for f in (epsilon_representativeness, representativeness_report):
        with pytest.raises(ValueError, match=r"X\[idx\].*reducer=") as err:
            f(X, idx)
        assert "reshape(-1, 1)" not in str(err.value)


def test_06_median_bandwidth_max_rows():
    X = np.random.default_rng(0).normal(size=(60, 2))
    assert median_bandwidth(X, max_rows=None) == median_bandwidth(X, max_rows=60)
    for bad in (1, 0, True, 2.5):
        with pytest.raises(ValueError, match="max_rows"):
            median_bandwidth(X, max_rows=bad)


def test_07_diagram_distance_refuses_diagram_objects_by_name():
    X = np.random.default_rng(0).normal(size=(30, 2))
    d1, d2 = persistence_diagrams(X), persistence_diagrams(X[:10])
    with pytest.raises(ValueError, match=r"D1 .*d1\[1\].*topological_distance"):
        diagram_distance(d1, d2)
    with pytest.raises(ValueError, match=r"D2 .*topological_distance"):
        diagram_distance(d1[1], [d2[0], d2[1]])
    assert diagram_distance(d1[1], d2[1]) >= 0


def test_08_compare_single_row_class_named_before_any_work():
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = np.where(X[:, 0] > 0, "yes", "no").astype(object)
    y[0] = "single"

    class Boom(LogisticRegression):
        def fit(self, *a, **k):  # pragma: no cover - must not be reached
            raise AssertionError("trained before the check")

    # (review6/r1 04: the split check of classes and bins is one helper, "y: each class ...")
    with pytest.raises(ValueError, match=r"^y: .*'single'.*[Dd]rop"):
        compare(X, y, methods=["srs"], keeps=(0.2,), estimator=Boom(), repeats=1)


def test_09_compare_unknown_metric_names_metrics_argument():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"^metrics: 'mmdd' is not registered"):
        compare(X, y, methods=["srs"], keeps=(0.2,), repeats=1, metrics=("mmdd",))
