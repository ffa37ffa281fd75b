"""PyTorch side of dynamic pruning: sampler, indexed dataset, weighted loss, LR schedules."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from datareduce.dynamic import (  # noqa: E402
    DynamicPruner,
    IndexedDataset,
    PrunedSampler,
    weighted_loss,
)

pytestmark = pytest.mark.torch


def test_sampler_follows_pruner_epochs():
    pruner = DynamicPruner(50, keep=0.4, policy="uniform", n_epochs=5, random_state=0)
    sampler = PrunedSampler(pruner, seed=3)
    for epoch in range(5):
        assert len(sampler) == 20
        rows = list(sampler)
        assert sampler.epoch == epoch
        assert sorted(rows) == pruner.indices(epoch).tolist()
        assert rows != sorted(rows)  # shuffled
    sampler.set_epoch(2)
    fresh = PrunedSampler(pruner, seed=3)
    fresh.set_epoch(2)
    again = list(sampler)
    assert again == list(fresh) and sorted(again) == pruner.indices(2).tolist()
    assert sampler.epoch == 2 and len(sampler) == 20
    partial = iter(sampler)  # epoch 3, stopped half-way: the epoch is not finished
    next(partial)
    assert sampler.epoch == 3
    assert sorted(list(sampler)) == pruner.indices(3).tolist()  # epoch 3 again, to its end
    assert sampler.epoch == 3 and sorted(list(sampler)) == pruner.indices(4).tolist()
    unshuffled = PrunedSampler(pruner, shuffle=False)
    unshuffled.set_epoch(1)
    assert list(unshuffled) == pruner.indices(1).tolist()
    with pytest.raises(TypeError, match="DynamicPruner"):
        PrunedSampler(object())
    with pytest.raises(ValueError, match="epoch"):
        sampler.set_epoch(-1)


def test_sampler_shuffle_is_seeded():
    pruner = DynamicPruner(40, keep=0.5, random_state=0)
    a, b = PrunedSampler(pruner, seed=7), PrunedSampler(pruner, seed=7)
    assert list(a) == list(b)
    c = PrunedSampler(pruner, seed=8)
    assert list(c) != list(PrunedSampler(pruner, seed=7))


def test_indexed_dataset():
    ds = IndexedDataset(TensorDataset(torch.arange(5.0), torch.arange(5)))
    assert len(ds) == 5
    i, (x, y) = ds[3]
    assert i == 3 and float(x) == 3.0 and int(y) == 3


def test_weighted_loss_value_gradient_and_update():
    pruner = DynamicPruner(6, policy="infobatch", r=0.5, n_epochs=4, random_state=0)
    pruner.update(np.arange(6), [0.1, 0.1, 0.1, 0.1, 3.0, 3.0])
    rows = pruner.indices(0)
    w = pruner.weights(rows)
    theta = torch.ones(len(rows), requires_grad=True)
    losses = theta * torch.arange(1.0, len(rows) + 1)
    out = weighted_loss(pruner, torch.as_tensor(rows), losses)
    expected = float((w * np.arange(1.0, len(rows) + 1)).mean())
    assert out.item() == pytest.approx(expected)
    out.backward()
    assert np.allclose(theta.grad.numpy(), w * np.arange(1.0, len(rows) + 1) / len(rows))
    assert np.allclose(pruner.scores_[rows], np.arange(1.0, len(rows) + 1))
    with pytest.raises(ValueError, match="reduction='none'"):
        weighted_loss(pruner, torch.as_tensor(rows), torch.ones(len(rows), 2))
    with pytest.raises(TypeError, match="torch.Tensor"):
        weighted_loss(pruner, rows, np.ones(len(rows)))


def _train(policy, *, n_epochs=6, keep=0.5, seed=0, schedule="pruner"):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(120, 4, generator=gen)
    y = (X[:, 0] + X[:, 1] > 0).long()
    pruner = DynamicPruner(len(X), keep=keep, policy=policy, n_epochs=n_epochs, random_state=seed)
    loader = DataLoader(IndexedDataset(TensorDataset(X, y)), batch_size=16,
                        sampler=PrunedSampler(pruner, seed=seed))
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
    if schedule == "pruner":
        total = pruner.total_steps(16)
    else:  # the pitfall: steps counted from the full data set
        total = -(-len(X) // 16) * n_epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total)
    steps = 0
    for _epoch in range(n_epochs):
        for idx, (xb, yb) in loader:
            loss = weighted_loss(pruner, idx, loss_fn(model(xb), yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            steps += 1
    return pruner, steps, total, sched.get_last_lr()[0], model, X, y


@pytest.mark.parametrize("policy", ["uniform", "epsilon_greedy", "ucb"])
def test_training_loop_onecycle_total_steps(policy):
    pruner, steps, total, last_lr, model, X, y = _train(policy)
    assert steps == total == 6 * 4  # 60 rows a pruned epoch -> 4 batches of 16
    assert last_lr < 1e-3  # the one-cycle schedule ran to its end
    assert pruner.n_seen_.sum() == 6 * 60
    acc = (model(X).argmax(1) == y).float().mean().item()
    assert acc > 0.8


def test_naive_schedule_is_the_pitfall():
    # steps counted from the full loader: the schedule never reaches its annealing phase
    _, steps, total, last_lr, *_ = _train("uniform", schedule="naive")
    assert steps < total and last_lr > 0.01


def test_infobatch_loop_and_sample_steps():
    pruner = DynamicPruner(120, policy="infobatch", n_epochs=8, random_state=0)
    torch.manual_seed(0)
    X = torch.randn(120, 4)
    y = (X[:, 0] > 0).long()
    loader = DataLoader(IndexedDataset(TensorDataset(X, y)), batch_size=32,
                        sampler=PrunedSampler(pruner))
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
    used = []
    for epoch in range(8):
        n_batches = len(loader)  # sizes the epoch: exact even for InfoBatch
        assert n_batches == pruner.steps_per_epoch(32, epoch)
        seen = 0
        for idx, (xb, yb) in loader:
            seen += len(idx)
            loss = weighted_loss(pruner, idx, loss_fn(model(xb), yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
        used.append(seen)
    assert used[0] == 120 and used[-1] == 120  # first epoch (unseen rows) and annealing
    assert min(used[1:7]) < 120  # pruned in between
    assert sum(pruner.epoch_sizes_.values()) == sum(used)


def test_sampler_rs2_with_class_budgets_and_len_between_epochs():
    y = np.repeat([0, 1], [40, 8])
    pruner = DynamicPruner(48, keep=0.25, policy="rs2", groups=y, n_epochs=8, random_state=0)
    sampler = PrunedSampler(pruner, seed=1)
    loader = DataLoader(IndexedDataset(TensorDataset(torch.as_tensor(y))), batch_size=4,
                        sampler=sampler)
    it_rows = []
    for _ in range(4):
        rows = [int(i) for idx, _ in loader for i in idx]
        assert np.bincount(y[rows], minlength=2).tolist() == [10, 2]
        it_rows += rows
    assert sorted(it_rows) == list(range(48))  # one RS2 round = 4 epochs, every row once

    # a consumer that keeps one iterator across epochs asks len() right after the last
    # full batch, before the sampler's generator is exhausted
    ib = DynamicPruner(10, policy="infobatch", r=0.5, n_epochs=4, random_state=0)
    s = PrunedSampler(ib, seed=0)
    it = iter(s)
    first = [next(it) for _ in range(10)]  # epoch 0: every (unseen) row
    assert sorted(first) == list(range(10))
    ib.update(np.arange(10), np.r_[np.zeros(8), 5.0, 5.0])
    assert len(s) == len(ib.indices(1)) == 2 + 4  # already the next epoch's size


@pytest.mark.parametrize("policy", ["uniform", "infobatch"])
def test_len_during_the_last_batch_leaves_the_epoch_alone(policy):
    # a progress log f"{b}/{len(loader)}" asks len() while the epoch's last batch trains:
    # that must not plan the next epoch (its weights would replace the batch's own, and
    # the next plan would miss the last batch's losses)
    n = 20
    y = torch.arange(n) % 2
    ds = IndexedDataset(TensorDataset(torch.randn(n, 2), y))
    loss_of_row = torch.linspace(0.1, 2.0, n)

    def run(ask_len):
        pruner = DynamicPruner(n, keep=0.5, policy=policy, n_epochs=4, random_state=0)
        loader = DataLoader(ds, batch_size=4, sampler=PrunedSampler(pruner, seed=0))
        sums = []
        for _ in range(4):
            top, n_batches, total = len(loader), 0, 0.0
            for b, (idx, _) in enumerate(loader):
                if ask_len:
                    _ = f"batch {b + 1}/{len(loader)}"
                total += float(pruner.weights(idx).sum())
                weighted_loss(pruner, idx, loss_of_row[idx])
                n_batches += 1
            assert top == n_batches  # len() at the top of an epoch is still exact
            sums.append(total)
        return sums, dict(pruner.epoch_sizes_)

    plain, logged = run(False), run(True)
    assert logged == plain
    sums, sizes = plain
    if policy == "uniform":
        assert sums == [10.0] * 4 and list(sizes.values()) == [10] * 4
    else:  # InfoBatch: the weights of an epoch sum to n
        assert sums == pytest.approx([float(n)] * 4)
        assert sizes[1] < n


def test_sampler_checks_the_dataset_length():
    # a pruner made for fewer rows than the dataset silently trained on its first rows only
    ds = IndexedDataset(TensorDataset(torch.arange(20.0)))
    with pytest.raises(ValueError, match=r"n_samples=10.*dataset has 20 rows"):
        PrunedSampler(DynamicPruner(10), dataset=ds)
    sampler = PrunedSampler(DynamicPruner(20, keep=1.0, random_state=0), dataset=ds)
    loader = DataLoader(ds, batch_size=4, sampler=sampler)
    assert sorted(int(i) for idx, _ in loader for i in idx) == list(range(20))
    with pytest.raises(TypeError, match="len"):
        PrunedSampler(DynamicPruner(20), dataset=iter(range(20)))
