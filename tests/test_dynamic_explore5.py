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


# ------------------------------------------------ 4. PrunedSampler(dataset=) re-checks the length
class _Growing:
    def __init__(self, n):
        self.x = list(range(n))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return float(self.x[i])


@pytest.mark.torch
@pytest.mark.parametrize("change", [+10, -3])
def test_sampler_refuses_a_dataset_that_changed_size_between_epochs(change):
    pytest.importorskip("torch")
    from datareduce.dynamic import PrunedSampler

    ds = _Growing(10)
    pruner = DynamicPruner(10, keep=1.0, policy="uniform", n_epochs=3, random_state=0)
    sampler = PrunedSampler(pruner, dataset=ds)
    assert sorted(sampler) == list(range(10))  # epoch 0
    if change > 0:
        ds.x += list(range(100, 100 + change))
    else:
        del ds.x[change:]
    with pytest.raises(ValueError, match=r"dataset now has \d+ rows .*n_samples=10.*"
                                         r"new\s+DynamicPruner\(len\(dataset\)"):
        list(sampler)
    # back to the pruner's size: training goes on
    ds.x = list(range(10))
    assert sorted(sampler) == list(range(10))


# ------------------------------------------------ 5. weighted_loss accepts (batch, 1) losses
@pytest.mark.torch
def test_weighted_loss_accepts_column_losses_like_update():
    torch = pytest.importorskip("torch")
    from datareduce.dynamic import weighted_loss

    pruner = DynamicPruner(4, keep=1.0)
    idx = torch.as_tensor(pruner.indices(0))
    logits = torch.zeros(4, 1, requires_grad=True)
    target = torch.tensor([[1.0], [0.0], [1.0], [0.0]])
    losses = torch.nn.BCEWithLogitsLoss(reduction="none")(logits, target)  # (4, 1)
    loss = weighted_loss(pruner, idx, losses)
    assert loss.shape == ()
    assert float(loss.detach()) == pytest.approx(math.log(2))
    assert np.allclose(pruner.scores_, math.log(2))
    loss.backward()
    assert logits.grad.shape == (4, 1)
    # the same as (4,) losses
    other = DynamicPruner(4, keep=1.0)
    other.indices(0)
    flat = weighted_loss(other, idx, losses.detach().reshape(-1))
    assert float(flat) == pytest.approx(float(loss.detach()))


@pytest.mark.torch
def test_weighted_loss_refuses_real_reductions_naming_the_fix():
    torch = pytest.importorskip("torch")
    from datareduce.dynamic import weighted_loss

    pruner = DynamicPruner(4, keep=1.0)
    idx = torch.as_tensor(pruner.indices(0))
    with pytest.raises(ValueError, match=r"\(4, 7\).*reduced to one loss per row.*mean\(dim=1\)"):
        weighted_loss(pruner, idx, torch.ones(4, 7))  # per-token losses
    with pytest.raises(ValueError, match="single number.*reduction='none'"):
        weighted_loss(pruner, idx, torch.ones(4).mean())
    assert not (pruner.n_seen_ > 0).any()
