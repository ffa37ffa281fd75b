"""Review 11/b: regressions of the review10/b fixes in the reducers and their shared code
(repros in notes/review11/b/)."""

import numpy as np
import pandas as pd
import pytest

import datareduce
from datareduce.search._base import check_target


@pytest.mark.parametrize("y", [["a", None] + ["b"] * 18, [1.0, float("inf")] + [0.5] * 18,
                               tuple(["a", None] + ["b"] * 18)],
                         ids=["list-none", "list-inf", "tuple"])
def test_a_list_with_missing_labels_is_refused_by_row(y):
    # 01: a list's .index (a method) was taken for a pandas index: TypeError
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=r"1 of 20 labels, at row 1 \(positions in y\)\."):
        datareduce.get_reducer("mms", keep=0.5, stratify=True).fit(X, y)
    with pytest.raises(ValueError, match=r"at row 1 \(positions in y\)\."):
        check_target(y, 20)


def test_a_range_index_not_from_zero_names_its_labels():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = pd.Series([0.0, np.nan] + [1.0] * 18, index=pd.RangeIndex(100, 120))
    with pytest.raises(ValueError, match=r"index labels \[101\]"):
        datareduce.get_reducer("mms", keep=0.5, stratify=True).fit(X, y)
