"""Review 12 (helper b): dynamic per-epoch pruning."""

import numpy as np
import pandas as pd
import pytest

from datareduce.dynamic import DynamicPruner


@pytest.mark.parametrize("labels", [
    pd.Series(pd.to_datetime(["2024-05-01", "2024-05-02", None] * 4)),
    np.array(["2024-05-01", "2024-05-02", "NaT"] * 4, dtype="datetime64[D]"),
    np.array([1, 2, "NaT"] * 4, dtype="timedelta64[s]"),
])
def test_missing_dates_in_groups_are_refused_by_row(labels):
    # NaT was taken as a group of its own (budgeted and sampled like a class)
    with pytest.raises(ValueError, match=r"4 missing values \(NaT\), at rows \[2, 5, 8, 11\]"):
        DynamicPruner(12, keep=0.5, policy="rs2", groups=labels, random_state=0)
    fine = pd.Series(pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03"] * 4))
    assert DynamicPruner(12, keep=0.5, groups=fine).group_shares_.tolist() == [2.0, 2.0, 2.0]
