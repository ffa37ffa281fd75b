"""Dynamic pruning: fixes of the fifth user round (notes/explore5/dynamic, defects 1-5).

Each test fails on the code before its fix.
"""

import csv
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


# ------------------------------------------------ YOLO trainer on its callback path (2, 3)
def _bare_trainer(tmp_path, *, n=20, epochs=2, policy="infobatch", **params):
    """A PrunedDetectionTrainer without Ultralytics' set-up (no data, no model): the state
    its __init__ and _attach_dataset make, so the epoch callbacks run as in training."""
    from types import SimpleNamespace

    from datareduce.dynamic._yolo_loss import _Context
    from datareduce.dynamic.yolo import pruned_trainer

    cls = pruned_trainer(keep=0.5, policy=policy, **params)
    tr = object.__new__(cls)
    tr.pruning = dict(cls.pruning_options)
    tr.pruner, tr.pruning_log, tr._earlier_log, tr._ctx = None, [], [], _Context()
    tr._plans, tr._pruning_epoch, tr._stats = {}, 0, {}
    tr.epochs, tr.epoch = epochs, 0
    tr.args = SimpleNamespace(seed=0, resume=str(tmp_path / "weights" / "last.pt"))
    tr.save_dir = tmp_path
    tr._attach_dataset(SimpleNamespace(im_files=[str(tmp_path / f"im{i:02d}.jpg")
                                                 for i in range(n)]))
    return tr


def _train_epoch(tr, epoch):
    """One epoch as Ultralytics' loop calls the trainer: start callback, the batches'
    per-image losses (row r scores r + epoch), end callback."""
    torch = pytest.importorskip("torch")
    from datareduce.dynamic.yolo import _on_train_epoch_end, _on_train_epoch_start

    tr.epoch = epoch
    _on_train_epoch_start(tr)
    rows = tr._plan(epoch)[0]
    tr._ctx.collect(rows, torch.as_tensor(rows + 1.0 + epoch), 0.0)
    _on_train_epoch_end(tr)
    return rows


def _csv_epochs(path):
    with open(path) as fh:
        return [int(r["epoch"]) for r in csv.DictReader(fh)]


@pytest.mark.detection
def test_yolo_pruner_follows_epochs_changed_by_the_time_budget(tmp_path):
    pytest.importorskip("ultralytics")
    tr = _bare_trainer(tmp_path, epochs=2)
    assert tr.pruner.n_epochs == 2
    sizes = [_train_epoch(tr, 0).size]
    tr.epochs = 6  # Ultralytics' time= re-estimate after an epoch (on_fit_epoch_end)
    for epoch in range(1, 6):  # epoch 2 had raised "past the planned epochs"
        sizes.append(_train_epoch(tr, epoch).size)
    assert tr.pruner.n_epochs == 6
    assert tr.pruner.stop_epoch_ == 5  # annealing: round(0.875 * 6), relative to the new end
    assert sizes[0] == 20 and sizes[5] == 20
    assert all(s < 20 for s in sizes[1:5])
    assert [e["pruned"] for e in tr.pruning_log] == [True] * 5 + [False]  # epoch 0: no scores
    # the budget shrinks the run again: the annealing moves back
    tr.epochs = 7
    tr._plan(6)
    assert tr.pruner.stop_epoch_ == 6


@pytest.mark.detection
def test_yolo_time_budget_keeps_an_explicit_stop_epoch(tmp_path):
    pytest.importorskip("ultralytics")
    tr = _bare_trainer(tmp_path, epochs=3, policy="uniform", stop_epoch=3)
    _train_epoch(tr, 0)
    tr.epochs = 5
    sizes = [_train_epoch(tr, e).size for e in range(1, 5)]
    assert sizes == [10, 10, 20, 20]


@pytest.mark.detection
def test_yolo_resume_keeps_the_earlier_rows_of_pruning_csv(tmp_path, monkeypatch):
    pytest.importorskip("ultralytics")
    from ultralytics.models.yolo.detect import DetectionTrainer

    first = _bare_trainer(tmp_path, epochs=4)
    for epoch in range(3):  # epochs 1-3 logged; the checkpoint was saved after epoch 2
        _train_epoch(first, epoch)
    assert _csv_epochs(tmp_path / "pruning.csv") == [1, 2, 3]

    def fake_resume(self, ckpt):  # what Ultralytics' resume_training sets
        self.start_epoch = 2

    monkeypatch.setattr(DetectionTrainer, "resume_training", fake_resume)
    resumed = _bare_trainer(tmp_path, epochs=4)
    resumed.resume = True
    resumed.resume_training({"epoch": 1})
    resumed._pruning_epoch = 2
    for epoch in (2, 3):
        _train_epoch(resumed, epoch)
    assert _csv_epochs(tmp_path / "pruning.csv") == [1, 2, 3, 4]
    assert [e["epoch"] for e in resumed.pruning_log] == [3, 4]  # this run's epochs
    with open(tmp_path / "pruning.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[1]["images"] == str(first.pruning_log[1]["images"])  # written back unchanged
    assert rows[1]["threshold"] == str(first.pruning_log[1]["threshold"])
