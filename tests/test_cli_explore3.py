"""The tester's report explore3/cli: the audit follows --task/--bins (01), numeric columns
with a missing-value marker such as ``?`` (02), a CSV with another delimiter (03), the
audit map with many classes (05)."""

import json

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main


# ------------------------------------------------------------------ 01: --task / --bins
@pytest.fixture
def prices(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    full = pd.DataFrame({"x1": rng.normal(size=n).round(3), "x2": rng.normal(size=n).round(3),
                         "price": (rng.normal(size=n) * 10 + 50).round(2),
                         "code": rng.permutation(np.arange(n) % 60)})
    full.to_csv(tmp_path / "full.csv", index=False)
    full.sample(60, random_state=0).to_csv(tmp_path / "red.csv", index=False)
    return tmp_path


def test_score_audit_uses_bins(prices):
    tmp = prices
    assert main(["score", str(tmp / "full.csv"), str(tmp / "red.csv"), "--target", "price",
                 "--exclude", "code", "--bins", "3", "-q", "--json", str(tmp / "r.json")]) == 0
    d = json.loads((tmp / "r.json").read_text())
    assert d["task"] == "regression" and len(d["class_rows"]) == 3


def test_score_audit_uses_task_classification(prices):
    # 60 distinct whole numbers in 240 rows: a regression target by the auto rule
    tmp = prices
    assert main(["score", str(tmp / "full.csv"), str(tmp / "red.csv"), "--target", "code",
                 "--exclude", "price", "--task", "classification", "-q",
                 "--json", str(tmp / "r.json")]) == 0
    d = json.loads((tmp / "r.json").read_text())
    assert d["task"] == "classification" and len(d["class_rows"]) == 60


def test_reduce_report_stratified_as_the_reduction(prices):
    tmp = prices
    assert main(["reduce", str(tmp / "full.csv"), "--target", "price", "--exclude", "code",
                 "--task", "regression", "--bins", "3", "--method", "srs", "--keep", "0.25",
                 "-o", str(tmp / "o.csv"), "--report", str(tmp / "r.json"), "-q"]) == 0
    d = json.loads((tmp / "r.json").read_text())
    assert d["task"] == "regression" and len(d["class_rows"]) == 3
    # every bin keeps its share: the reduction's strata are the audit's
    assert all(k > 0 for k in (v["kept"] for v in d["class_rows"].values()))


def test_audit_subset_task_and_bins_parameters():
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    y = rng.normal(size=150)
    kept = rng.choice(150, 40, replace=False)
    au = audit_subset(X, kept, y, n_bins=4, n_draws=5)
    assert au.task == "regression" and len(au.class_rows) == 4
    au = audit_subset(X, kept, np.arange(150) % 3 * 1.5, task="regression", n_bins=2,
                      n_draws=5)
    assert au.task == "regression" and len(au.class_rows) == 2
    au = audit_subset(X, kept, (np.arange(150) % 7).astype(float), n_draws=5,
                      task="classification")
    assert au.task == "classification" and len(au.class_rows) == 7
    for bad in ({"task": "classes"}, {"n_bins": 0}, {"n_bins": True}, {"n_bins": 2.5}):
        with pytest.raises(ValueError, match="task|n_bins"):
            audit_subset(X, kept, y, n_draws=5, **bad)
