"""review6/r3 (reducers' base, the target rule, CLC's output='auto') and review6/r1 06
(the lost-classes advice when keep holds fewer rows than classes)."""

import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold

import datareduce
from datareduce import get_reducer, make_pipeline
from datareduce._core.strata import target_kind

# the pages of the checkout whose package is imported
DOCS = Path(datareduce.__file__).resolve().parents[2] / "docs"


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, caught


# ---------------------------------------------------------------- 06: whole Decimals exact
def test_whole_number_decimals_are_judged_exactly_like_ints():
    base = 10**18
    ints = np.array([base + i for i in range(1000)], dtype=object)
    decs = np.array([Decimal(base + i) for i in range(1000)], dtype=object)
    assert target_kind(ints) == target_kind(decs) == "regression"
    # written with a scale (decimal128(p, 2) of whole values) they are whole numbers too
    assert target_kind(np.array([Decimal("3.00"), Decimal("4"), Decimal("3")] * 5,
                                dtype=object)) == "classification"
    X = np.random.default_rng(0).normal(size=(1000, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = get_reducer("srs", keep=0.1, random_state=0).fit(X, decs)
    assert r.target_type_ == "continuous" and not hasattr(r, "classes_")


# ------------------------------------- 05: no regression advice for a categorical target
def test_categorical_y_gets_no_regression_advice_and_a_refusal_that_says_how():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = pd.Series(np.repeat(np.arange(100), 3)).astype("category")
    _, caught = _caught(lambda: get_reducer("srs", keep=0.1, random_state=0).fit(X, y))
    texts = [str(w.message) for w in caught]
    assert any("keep allows 30 rows for 100 classes" in t for t in texts)
    assert not any("task='regression'" in t for t in texts)
    with pytest.raises(ValueError, match=r"pandas categorical.*y\.astype\(float\)") as err:
        get_reducer("srs", keep=0.1, random_state=0).fit(X, y, task="regression")
    assert "it holds int64 values" not in str(err.value)


# ----------------------------------------- 07: the reweight refusal names the given output
def test_reweight_refusal_names_output_auto_as_given():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.integers(0, 2, 200)

    def my_weights(X_pool, kept_positions):
        return np.ones(len(kept_positions))

    with pytest.raises(ValueError, match=r"output='auto' \(the default\) returns synthetic "
                                         "centroids for class labels"):
        get_reducer("clc", keep=0.1, random_state=0, reweight=my_weights).fit(X, y)
    with pytest.raises(ValueError, match="output='centroids' returns synthetic centroids"):
        get_reducer("clc", keep=0.1, random_state=0, reweight=my_weights,
                    output="centroids").fit(X, y)


# ---------------------------- review6/r1 06: stratify=True cannot keep 30 classes in 20 rows
def test_lost_classes_advice_asks_for_a_larger_keep_when_rows_are_fewer_than_classes():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 2)), np.repeat(np.arange(30), 10)
    _, caught = _caught(lambda: get_reducer("srs", keep=20, stratify=False,
                                            random_state=0).fit(X, y))
    lost = [str(w.message) for w in caught if "kept no row" in str(w.message)]
    assert lost and "Pass stratify=True to keep every class." not in lost[0]
    assert ("The 20 kept rows cannot hold one row of each of the 30 classes: pass keep=30 "
            "or more, with stratify=True.") in lost[0]
    # enough rows: stratify=True is the advice, as before (the CLI rewords this sentence)
    _, caught = _caught(lambda: get_reducer("srs", keep=40, stratify=False,
                                            random_state=0).fit(X, y))
    lost = [str(w.message) for w in caught if "kept no row" in str(w.message)]
    assert not lost or lost[0].endswith("Pass stratify=True to keep every class.")


# ------------------------------------ 02: multi-output regression Y gets real rows ('auto')
def test_clc_auto_gives_medoids_for_a_multi_output_regression_target():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    Y = np.c_[X[:, 0] + 0.1 * rng.normal(size=600), 2.3 * X[:, 1] + 0.01]
    r = get_reducer("clc", keep=0.1, random_state=0, stratify=False)
    Xr, Yr = r.fit_resample(X, Y)
    assert r.output_ == "medoids" and r.synthetic_ is None
    np.testing.assert_array_equal(Xr, X[r.sample_indices_])
    np.testing.assert_array_equal(Yr, Y[r.sample_indices_])
    # DataFrame Y too; and an explicit 'centroids' says what it pairs
    r2 = get_reducer("clc", keep=0.1, random_state=0, stratify=False)
    r2.fit(X, pd.DataFrame(Y, columns=["a", "b"]))
    assert r2.output_ == "medoids"
    with pytest.warns(UserWarning, match="output='centroids' on a regression target"):
        get_reducer("clc", keep=0.1, random_state=0, stratify=False,
                    output="centroids").fit(X, Y)
    # multi-output class labels keep the centroids
    Yc = rng.integers(0, 3, size=(600, 2))
    r3 = get_reducer("clc", keep=0.1, random_state=0, stratify=False).fit(X, Yc)
    assert r3.output_ == "centroids"


# -------------------------------------------- 04: the near-boundary warning, real folds
def test_near_boundary_warning_fires_when_real_3_fold_splits_flip():
    common = np.repeat(np.arange(27), [46] * 25 + [48, 48])  # 27 classes, 1266 rows
    rare = np.arange(100, 134)                                 # 34 classes seen once
    rng = np.random.default_rng(0)
    y = np.r_[common, rare][rng.permutation(len(common) + len(rare))]
    flips = sum(target_kind(y[train]) == "regression" for seed in range(3)
                for train, _ in KFold(3, shuffle=True, random_state=seed).split(y))
    assert flips > 0  # the case: splits decided otherwise
    _, caught = _caught(lambda: target_kind(y, warn=True))
    assert target_kind(y) == "classification"
    assert any("close to the rule's boundary" in str(w.message) for w in caught)
    # and quiet far from the boundary: classes (digits, 100 classes of 30 rows) and a
    # regression target (prices)
    for y in (np.repeat(np.arange(10), 100), np.repeat(np.arange(100), 30),
              rng.integers(1000, 100000, size=5000)):
        _, caught = _caught(lambda y=y: target_kind(y, warn=True))
        assert not any("boundary" in str(w.message) for w in caught)


# ---------------------------------------------- 03: warnings point at the user's line
def test_warnings_point_at_the_callers_line_for_fit_fit_resample_and_fit_transform():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = 3 * X[:, 0] + rng.normal(size=600)
    here = __file__
    _, caught = _caught(lambda: get_reducer("clc", keep=0.1, random_state=0,
                                            output="centroids").fit(X, y))
    clc = [w for w in caught if "output='centroids'" in str(w.message)]
    assert clc and all(w.filename == here for w in clc)

    yi = np.repeat(np.arange(60), 19)[:1100]
    Xi = rng.normal(size=(1100, 3))
    for call in ("fit", "fit_resample", "fit_transform"):
        red = get_reducer("srs", keep=0.02, random_state=0)
        _, caught = _caught(lambda red=red, call=call: getattr(red, call)(Xi, yi))
        ours = [w for w in caught if "distinct whole numbers" in str(w.message)
                or "keep allows" in str(w.message)]
        assert len(ours) == 2, [str(w.message) for w in caught]
        assert all(w.filename == here for w in ours), (call, [(w.filename, w.lineno)
                                                             for w in ours])


# ------------------------------------------- 01: a regressor after CLC's 'auto' centroids
def _mpg(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.clip(np.round(20 + 5 * X[:, 0] + 2 * X[:, 1] + rng.normal(size=n)), 1, 40)
    return X, y.astype(int)


def test_a_pipeline_gives_its_reducers_the_task_of_its_final_estimator():
    """make_pipeline(clc, Ridge()) on mpg-like whole numbers (34 values: classes by the
    rule) trained Ridge on synthetic centroids stratified one stratum per value, while
    compare and the search, deciding from the estimator (estimator_task), used medoids and
    quantile bins. The pipeline now passes estimator_task's task to reducer steps given
    none; a task the user passes still wins."""
    X, y = _mpg()
    pipe = make_pipeline(get_reducer("clc", keep=0.05, random_state=0), Ridge())
    _, caught = _caught(lambda: pipe.fit(X, y))
    red = pipe.steps[0][1]
    assert red.output_ == "medoids" and red.synthetic_ is None
    assert red.target_type_ == "continuous"
    assert not [w for w in caught if "type wins" in str(w.message)]  # decided silently
    name = pipe.steps[0][0]
    pipe.fit(X, y, **{f"{name}__task": "classification"})  # the user's task wins
    assert pipe.steps[0][1].output_ == "centroids"
    # a classifier after it: classes (centroids), and the reducer alone follows the rule
    yc = np.random.default_rng(1).integers(0, 5, len(y))
    pipe = make_pipeline(get_reducer("clc", keep=0.05, random_state=0),
                         LogisticRegression()).fit(X, yc)
    assert pipe.steps[0][1].output_ == "centroids"
    assert get_reducer("clc", keep=0.05, random_state=0).fit(X, y).output_ == "centroids"


def test_des_base_advice_names_the_keep_that_holds_every_class():
    """DES's base missing classes happens only when keep holds fewer rows than classes (the
    base is at least min(classes, keep)); 'Increase keep or base_fraction' pointed at a
    parameter that cannot help. The advice names keep=<classes> and the user's line."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(30), 20)
    X = rng.normal(size=(600, 3)) + y[:, None]
    _, caught = _caught(lambda: get_reducer("des", keep=20, random_state=0).fit(X, y))
    said = [w for w in caught if "no prototype" in str(w.message)]
    assert len(said) == 1 and "Pass keep=30 or more" in str(said[0].message)
    assert "base_fraction" not in str(said[0].message)
    assert said[0].filename == __file__
