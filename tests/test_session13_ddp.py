"""Dynamic pruning under DDP: two processes (gloo on CPU), one pruner each. PrunedSampler
shards the same plan between the ranks and weighted_loss gathers every rank's losses, so
the pruners plan the same epochs and the ranks train disjoint shares of each."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not (dist.is_available() and dist.is_gloo_available()):  # pragma: no cover
    pytest.skip("torch.distributed with gloo is needed", allow_module_level=True)

N, EPOCHS, WORLD = 50, 4, 2


def _exit_quietly():
    """End a rank that finished: its results are written and the group destroyed. Under a
    loaded machine gloo's threads sometimes met the interpreter's exit ("terminate called
    without an active exception", SIGABRT: 1 run in about 10 at load 4); an exception
    still propagates, as this is reached only without one."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _rank_main(rank, init_file, out_dir, policy):
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, TensorDataset

    from datareduce.dynamic import DynamicPruner, IndexedDataset, PrunedSampler, weighted_loss

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=WORLD)
    try:
        g = torch.Generator().manual_seed(0)
        X = torch.randn(N, 3, generator=g)
        y = (X[:, 0] + 0.5 * torch.randn(N, generator=g) > 0).long()
        ds = IndexedDataset(TensorDataset(X, y))
        pruner = DynamicPruner(N, keep=0.5, policy=policy, random_state=0, n_epochs=EPOCHS)
        sampler = PrunedSampler(pruner, dataset=ds)
        loader = DataLoader(ds, batch_size=4, sampler=sampler)
        torch.manual_seed(rank)  # the ranks' models differ: their losses differ too
        model = torch.nn.Linear(3, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        record = []
        for epoch in range(EPOCHS):
            sampler.set_epoch(epoch)
            seen = []
            for idx, (xb, yb) in loader:
                losses = F.cross_entropy(model(xb), yb, reduction="none")
                loss = weighted_loss(pruner, idx, losses)
                opt.zero_grad()
                loss.backward()
                opt.step()
                seen += idx.tolist()
            record.append({"plan": sorted(pruner.indices(epoch).tolist()), "seen": seen,
                           "len": len(sampler)})
        with open(f"{out_dir}/{rank}.json", "w") as f:
            json.dump({"epochs": record, "scores": pruner.scores_.tolist()}, f)
    finally:
        dist.barrier()  # no rank tears the group down while another still uses it
        dist.destroy_process_group()
    _exit_quietly()


@pytest.mark.parametrize("policy", ["ucb", "infobatch"])
def test_two_ranks_plan_the_same_epochs_and_train_disjoint_shares(tmp_path, policy):
    import torch.multiprocessing as mp

    mp.spawn(_rank_main, args=(str(tmp_path / "init"), str(tmp_path), policy),
             nprocs=WORLD, join=True)
    ranks = [json.loads((tmp_path / f"{r}.json").read_text()) for r in range(WORLD)]
    # the same losses reached both pruners: the same scores (NaN: rows never reported)
    np.testing.assert_array_equal(np.array(ranks[0]["scores"], dtype=float),
                                  np.array(ranks[1]["scores"], dtype=float))
    for e in range(EPOCHS):
        a, b = (r["epochs"][e] for r in ranks)
        assert a["plan"] == b["plan"]
        plan = a["plan"]
        share = -(-len(plan) // WORLD)  # padded to a multiple of the ranks
        assert len(a["seen"]) == len(b["seen"]) == share
        assert set(a["seen"]) | set(b["seen"]) == set(plan)
        # disjoint but for the padding (the plan's first rows, at most WORLD - 1)
        assert len(set(a["seen"]) & set(b["seen"])) <= share * WORLD - len(plan)


def test_sharding_without_a_process_group():
    from datareduce.dynamic import DynamicPruner, PrunedSampler

    pruner = DynamicPruner(11, keep=1.0, random_state=0)
    shares = [PrunedSampler(pruner, num_replicas=3, rank=r, seed=5) for r in range(3)]
    rows = [list(s) for s in shares]
    assert [len(r) for r in rows] == [len(s) for s in shares] == [4, 4, 4]
    whole = list(PrunedSampler(pruner, seed=5))  # the same shuffled plan, unsharded
    padded = whole + whole[:1]
    assert [padded[r::3] for r in range(3)] == rows
    cut = [list(PrunedSampler(pruner, num_replicas=3, rank=r, seed=5, drop_last=True))
           for r in range(3)]
    assert [len(c) for c in cut] == [3, 3, 3] and sorted(sum(cut, [])) == sorted(whole[:9])
    with pytest.raises(ValueError, match="rank=3 is not below num_replicas=3"):
        PrunedSampler(pruner, num_replicas=3, rank=3)
    with pytest.raises(TypeError, match="drop_last"):
        PrunedSampler(pruner, num_replicas=2, rank=0, drop_last="yes")


def _gather_main(rank, init_file, out_dir):
    from datareduce.dynamic import DynamicPruner, weighted_loss

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=WORLD)
    try:
        pruner = DynamicPruner(10, keep=1.0, policy="ucb", random_state=0)
        # batches of different lengths (a last, short batch on one rank)
        idx = torch.tensor([0, 1, 2]) if rank == 0 else torch.tensor([7])
        losses = (idx.double() + 1.0) / 10
        loss = weighted_loss(pruner, idx, losses)
        with open(f"{out_dir}/g{rank}.json", "w") as f:
            json.dump({"scores": [None if np.isnan(v) else v for v in pruner.scores_.tolist()],
                       "loss": float(loss)}, f)
    finally:
        dist.barrier()  # no rank tears the group down while another still uses it
        dist.destroy_process_group()
    _exit_quietly()


def test_weighted_loss_gathers_batches_of_different_lengths(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_gather_main, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=WORLD,
             join=True)
    got = [json.loads((tmp_path / f"g{r}.json").read_text()) for r in range(WORLD)]
    expected = [0.1, 0.2, 0.3] + [None] * 4 + [0.8, None, None]
    assert got[0]["scores"] == got[1]["scores"]  # every rank's rows reached both pruners
    assert [None if v is None else round(v, 12) for v in got[0]["scores"]] == expected
    assert got[0]["loss"] == pytest.approx(0.2) and got[1]["loss"] == pytest.approx(0.8)
