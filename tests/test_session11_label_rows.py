"""One refusal of missing or infinite labels (``check_y`` with ``label_rows_note``): the
reducers, the search and the target rule name the same rows in the same words, index
labels included. Before, three copies disagreed: the target rule named only the first row
of an infinite Decimal, the search re-found the rows with its own helper, the reducers'
base with a third."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import datareduce
from datareduce._core.strata import target_kind
from datareduce.search import ReductionSearchCV

NOTE = ("Missing or infinite: 2 of 60 labels, at rows 4, 31 (positions in y; index "
        "labels ['r4', 'r31']).")


def _data(kind):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc"))
    index = [f"r{i}" for i in range(60)]
    if kind == "nan":
        y = pd.Series(rng.integers(0, 2, 60).astype(float), index=index)
        y.iloc[[4, 31]] = np.nan
    elif kind == "none":
        y = pd.Series(rng.choice(["u", "v"], 60), index=index, dtype=object)
        y.iloc[[4, 31]] = None
    else:  # infinite numbers held as objects
        y = pd.Series([Decimal(int(v)) for v in rng.integers(0, 2, 60)], index=index,
                      dtype=object)
        y.iloc[[4, 31]] = Decimal("Infinity")
    X.index = index
    return X, y


@pytest.mark.parametrize("kind", ["nan", "none", "decimal"])
def test_reducers_search_and_target_rule_name_the_same_rows(kind):
    X, y = _data(kind)
    messages = []
    for call in (lambda: datareduce.get_reducer("srs", keep=0.5, random_state=0).fit(X, y),
                 lambda: ReductionSearchCV(LogisticRegression(), keeps=(0.5,)).fit(X, y)):
        with pytest.raises(ValueError) as info:
            call()
        messages.append(str(info.value))
    if kind == "decimal":
        with pytest.raises(ValueError) as info:
            target_kind(y)
        messages.append(str(info.value))
    for text in messages:
        assert text.endswith(NOTE), text
        assert "drop or fill those rows" in text
