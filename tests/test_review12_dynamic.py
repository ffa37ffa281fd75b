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


def test_fit_dynamic_names_pruner_for_an_unknown_policy_name():
    # it said "policy='infobach' is unknown": fit_dynamic has no policy argument
    from sklearn.linear_model import SGDClassifier

    from datareduce.dynamic import fit_dynamic

    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    for initial_epoch in (0, 1):
        with pytest.raises(ValueError, match=r"pruner='infobach' is unknown: pass a "
                                             r"DynamicPruner, None, or a policy name.*infobatch"):
            fit_dynamic(SGDClassifier(loss="log_loss"), X, y, epochs=2, pruner="infobach",
                        initial_epoch=initial_epoch)


def test_a_nan_loss_is_refused_naming_its_rows():
    # the message said only "losses contains NaN or infinite values"
    p = DynamicPruner(100, keep=0.5, policy="ucb", random_state=0)
    idx = np.array([40, 3, 77, 12])
    with pytest.raises(ValueError, match=r"2 NaN or infinite values, at rows \[3, 12\]"):
        p.update(idx, [0.5, np.nan, 1.0, -np.inf])
    assert p.n_seen_.sum() == 0  # nothing recorded
    torch = pytest.importorskip("torch")
    from datareduce.dynamic import weighted_loss

    with pytest.raises(ValueError, match=r"1 NaN or infinite value, at rows \[77\]"):
        weighted_loss(p, torch.as_tensor(idx), torch.tensor([0.5, 1.0, float("nan"), 2.0]))
