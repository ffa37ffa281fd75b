"""review7 a: regressions of the review6 fixes in the pipeline's task and estimator_task
(each test fails at c15c5a1)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from datareduce import get_reducer, make_pipeline
from datareduce.evaluation.tasks import estimator_task


def _ratings(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.clip(np.round(3 + X[:, 0] + 0.3 * rng.normal(size=n)), 1, 5).astype(int)
    return X, y


def test_pipeline_before_a_regressor_leaves_y_the_estimator_refuses_to_the_rule():
    """Booleans before Ridge: scikit-learn fits them and the pipeline did before 058ca7d;
    estimator_task's regressor check must not refuse them inside the pipeline."""
    X, y = _ratings()
    pipe = make_pipeline(get_reducer("srs", keep=0.3, random_state=0), Ridge())
    pipe.fit(X, y > 3)
    assert pipe[0].target_type_ == "binary"


def test_pipeline_keeps_the_rule_for_a_class_based_reducer_before_a_regressor():
    """DES needs class labels; on ratings (classes by the rule) before Ridge it ran before
    058ca7d and must not be told the target is a regression target it cannot take."""
    X, y = _ratings()
    for method in ("des",):
        pipe = make_pipeline(get_reducer(method, keep=0.3, random_state=0), Ridge())
        pipe.fit(X, y)
        assert pipe[0].target_type_ == "multiclass"


def test_pipeline_decides_the_task_silently():
    """The pipeline decides on every fit (each fold of a search); its choice is documented,
    so no warning, whose advice (task=...) Pipeline.fit would refuse anyway."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 4))
    y = np.clip(np.round(20 + 5 * X[:, 0] + 2 * X[:, 1] + rng.normal(size=2000)), 1, 40)
    y = y.astype(int)
    pipe = make_pipeline(get_reducer("clc", keep=0.05, random_state=0), Ridge())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe.fit(X, y)
    assert pipe[0].output_ == "medoids"
    assert not [w for w in caught if "type wins" in str(w.message)]


def test_a_classifier_may_take_whole_numbers_declared_a_regression_target():
    """Ordinal ratings scored as numbers (task='regression' with a classifier): the
    classifier trains on whole numbers; only numbers with fractions are refused."""
    _, y = _ratings()
    assert estimator_task(y, "regression", LogisticRegression()) == "regression"
    assert estimator_task(y.astype(float), "regression", LogisticRegression()) == "regression"
    with pytest.raises(ValueError, match="classifier"):
        estimator_task(y + 0.5, "regression", LogisticRegression())


def test_a_decimal_with_a_huge_exponent_is_judged_at_once():
    """Decimal('1E+999999999') is a few characters; int() of it builds a billion-digit
    number (never returned). Whole Decimals from 10**19 up are beyond int64: classes, as
    ints are."""
    code = ("from decimal import Decimal; import numpy as np; "
            "from datareduce._core.strata import target_kind; "
            "y = np.array([Decimal('1E+999999999'), Decimal(3)] * 50, dtype=object); "
            "print(target_kind(y))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "classification", out.stderr


def test_an_infinite_decimal_label_gets_the_packages_message():
    """Decimal('Infinity') among Decimal labels reached scikit-learn's raw 'Input y contains
    infinity or a value too large for dtype('float64')'; float infinities had the
    package's message naming the fix."""
    from decimal import Decimal

    X = np.random.default_rng(0).normal(size=(100, 2))
    y = np.array([Decimal(i % 7) for i in range(100)], dtype=object)
    y[3] = Decimal("Infinity")
    with pytest.raises(ValueError, match=r"y contains infinite values: drop or fill those "
                       r"rows\. Missing or infinite: 1 of 100 labels, at row 3 "):
        get_reducer("srs", keep=0.2, random_state=0).fit(X, y)
