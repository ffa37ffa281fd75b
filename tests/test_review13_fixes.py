"""Regression tests for review 13, helper b: fixes of fixes outside detection."""
import warnings

import numpy as np
import pytest


# ------------------------------- 01 a stack's default final estimator has predict_proba
def test_a_stack_with_its_default_final_estimator_is_not_refused_for_predict_proba():
    from sklearn.ensemble import StackingClassifier, VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    from datareduce import ReductionSearchCV
    from datareduce.search._base import check_scorer_response

    scorer = get_scorer("neg_log_loss")
    stack = StackingClassifier([("lr", LogisticRegression())])
    for est in (stack, make_pipeline(StandardScaler(), stack),
                GridSearchCV(stack, {"lr__C": [1.0]})):
        check_scorer_response(scorer, "neg_log_loss", est)  # not refused
    for est in (StackingClassifier([("lr", LogisticRegression())], final_estimator=LinearSVC()),
                VotingClassifier([("lr", LogisticRegression())]), LinearSVC()):
        with pytest.raises(ValueError, match="predict_proba"):
            check_scorer_response(scorer, "neg_log_loss", est)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = ReductionSearchCV(stack, methods=["srs"], keeps=(0.3,), scoring="neg_log_loss",
                              budget=None, cv=2, random_state=0).fit(X, y)
    assert s.predict_proba(X).shape == (120, 2)


# -------------------------- 02 the missing-class warning blamed a stratified splitter
def _missing_class_warning(n, rare, **kw):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from datareduce import ReductionSearchCV

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int)
    y[:rare] = 2
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2,), budget=None,
                          cv=StratifiedKFold(3), random_state=0, **kw).fit(X, y)
    said = [str(w.message) for w in seen if "have no row" in str(w.message)]
    assert len(said) == 1
    return said[0]


def test_the_missing_class_warning_names_its_cause_with_a_stratified_splitter():
    few = _missing_class_warning(300, 2)
    assert "fewer rows ([2]) than the 3 splits" in few and "StratifiedKFold)" not in few
    sampled = _missing_class_warning(1500, 4, max_val_rows=100)
    assert "max_val_rows=100" in sampled and "StratifiedKFold)" not in sampled


# ------------------------------ 03 an infinite Parquet target was refused as 'y'
def test_reduce_parquet_refuses_an_infinite_target_naming_target(tmp_path):
    import pandas as pd

    pytest.importorskip("dask")
    from datareduce.distributed import reduce_parquet

    rng = np.random.default_rng(0)
    path = tmp_path / "a.parquet"
    pd.DataFrame({"x": rng.normal(size=60),
                  "label": np.r_[rng.integers(0, 3, 59).astype(float), np.inf]}).to_parquet(path)
    for task in ("auto", "classification"):
        with pytest.raises(ValueError, match=r"target='label' is infinite in 1 rows"):
            reduce_parquet(path, "srs", 0.2, target="label", scheduler="synchronous", task=task)
