"""Dynamic pruning: fixes of the fifth user round (notes/explore5/dynamic, defects 1-5).

Each test fails on the code before its fix.
"""

import math

import numpy as np
import pytest

from datareduce.dynamic import DynamicPruner


# ------------------------------------------------ 1. InfoBatch with all-equal losses
@pytest.mark.parametrize("value,n", [(math.log(10), 1000), (math.log(10), 1347),
                                     (math.log(10), 50), (math.log(10), 7), (0.1, 3)])
def test_infobatch_equal_losses_keep_every_row_at_weight_one(value, n):
    pruner = DynamicPruner(n, keep=0.5, policy="infobatch", n_epochs=10, random_state=0)
    pruner.update(np.arange(n), np.full(n, value))
    rows = pruner.indices(1)
    assert rows.size == n
    assert np.all(pruner.weights(rows) == 1.0)


def test_infobatch_equal_losses_with_initial_score_and_groups():
    n = 1000
    p = DynamicPruner(n, keep=0.5, policy="infobatch", n_epochs=10, random_state=0,
                      initial_score=math.log(10))
    p.update(np.arange(n // 2), np.full(n // 2, math.log(10)))  # unseen rows score the same
    assert p.indices(1).size == n
    g = DynamicPruner(n, keep=0.5, policy="infobatch", n_epochs=10, random_state=0,
                      groups=np.arange(n) % 3)
    g.update(np.arange(n), np.full(n, 0.1))
    assert g.indices(1).size == n


def test_infobatch_still_prunes_rows_below_the_mean():
    n = 1000
    losses = np.full(n, math.log(10))
    losses[:100] = math.log(10) * (1 - 1e-9)  # below the mean by far more than round-off
    p = DynamicPruner(n, keep=0.5, policy="infobatch", n_epochs=10, random_state=0)
    p.update(np.arange(n), losses)
    rows = p.indices(1)
    assert rows.size == n - 50
    assert np.all(np.isin(np.arange(100, n), rows))
    assert np.allclose(p.weights(rows[rows < 100]), 2.0)
