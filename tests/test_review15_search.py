"""review15/a: the search and the "reduce once, train many" tuning as a demanding user of
scikit-learn uses them (ReductionSearchCV, search_table, tune_on_subset, the CLI)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from datareduce import ReductionSearchCV


# --------------------------------------------------- 01 a table of 0 rows or 0 columns
@pytest.mark.parametrize("rows, cols, what", [(0, 4, "0 rows"), (300, 0, "0 columns")])
@pytest.mark.parametrize("estimator", [LogisticRegression(), Ridge()])
def test_an_empty_table_is_refused_naming_x_before_any_training(rows, cols, what, estimator):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(rows, cols)), (np.arange(rows) % 2).astype(float)
    with pytest.raises(ValueError, match=f"X has {what}"):
        ReductionSearchCV(estimator, methods=["srs"], budget=None).fit(X, y)


def test_search_table_of_no_rows_is_refused_naming_the_rows():
    from datareduce.search import search_table

    with pytest.raises(ValueError, match="X has 0 rows"):
        search_table(pd.DataFrame({"a": [], "t": []}), "t")
