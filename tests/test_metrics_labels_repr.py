"""Epsilon and the coverage curve refuse reduced labels that are not y's (explore4 01), and
the curve prints one line (explore4 03)."""

import numpy as np
import pytest

from datareduce.metrics import coverage_curve, epsilon_representativeness


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = rng.integers(0, 2, 200)
    idx = np.sort(rng.choice(200, 40, replace=False))
    return X, y, idx


@pytest.mark.parametrize("f", [epsilon_representativeness, coverage_curve])
def test_reduced_labels_of_another_type_are_refused(f):
    """'0'/'1' read from a CSV for the classes 0/1: every class had no kept row and the
    result was inf, silently (mmd already refused it)."""
    X, y, idx = _data()
    with pytest.raises(ValueError, match=r"y_reduced has labels not in y: '0', '1'"):
        f(X, X[idx], y, y[idx].astype(str))
    ok = f(X, X[idx], y, y[idx].astype(float))  # the same values as floats: y's classes
    assert np.isfinite(ok.epsilon if hasattr(ok, "epsilon") else ok.value)


def test_coverage_curve_repr_is_one_short_line():
    X, y, idx = _data()
    X = np.repeat(X, 15, axis=0)
    y = np.repeat(y, 15)
    text = repr(coverage_curve(X, X[idx], y, y[idx]))
    assert "\n" not in text and len(text) < 160, text
    assert text.startswith("CoverageCurve(chebyshev; epsilon=") and "3000 rows" in text
