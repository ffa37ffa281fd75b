"""review9/a: dynamic pruning defects (checkpoints, argument checks, messages)."""
import io

import numpy as np
import pytest

from datareduce.dynamic import DynamicPruner


def _trained(policy, n=40, random_state=0):
    p = DynamicPruner(n, keep=0.4, policy=policy, n_epochs=6, random_state=random_state)
    for e in range(2):
        rows = p.indices(e)
        p.update(rows, np.linspace(0.1, 2.0, n)[rows])
    return p


@pytest.mark.parametrize("policy", ["uniform", "ucb", "infobatch", "rs2", "epsilon_greedy"])
def test_state_dict_loads_with_torch_load_defaults(policy):
    torch = pytest.importorskip("torch")
    a = _trained(policy, random_state=np.random.SeedSequence())  # 128-bit entropy
    buf = io.BytesIO()
    torch.save({"epoch": 1, "pruner": a.state_dict()}, buf)
    buf.seek(0)
    state = torch.load(buf)["pruner"]  # default weights_only (True on torch >= 2.6)
    b = DynamicPruner(40, keep=0.4, policy=policy, n_epochs=6, random_state=1)
    b.load_state_dict(state)
    assert np.array_equal(a.indices(2), b.indices(2))
    assert np.array_equal(a.weights(np.arange(40)), b.weights(np.arange(40)))

    # the numpy form of earlier checkpoints and a tensor form load too
    old = dict(state, scores=np.asarray(state["scores"]), variances=np.asarray(state["variances"]),
               n_seen=np.asarray(state["n_seen"]))
    tens = dict(state, scores=torch.tensor(state["scores"], dtype=torch.float64),
                variances=torch.tensor(state["variances"], dtype=torch.float64),
                n_seen=torch.tensor(state["n_seen"]))
    for form in (old, tens):
        c = DynamicPruner(40, keep=0.4, policy=policy, n_epochs=6, random_state=5)
        c.load_state_dict(form)
        assert np.array_equal(a.indices(2), c.indices(2))


@pytest.mark.parametrize("policy", ["uniform", "infobatch"])
@pytest.mark.parametrize("start", [4, 5])
def test_start_epoch_not_before_n_epochs_is_refused(policy, start):
    with pytest.raises(ValueError, match=rf"start_epoch={start} .*n_epochs=4.*start_epoch < n_epochs"):
        DynamicPruner(100, keep=0.3, policy=policy, n_epochs=4, start_epoch=start)
    DynamicPruner(100, keep=0.3, policy=policy, n_epochs=4, start_epoch=3)  # still fine


def test_pruned_sampler_checks_shuffle_seed_and_epoch():
    pytest.importorskip("torch")
    from datareduce.dynamic import PrunedSampler

    pruner = DynamicPruner(10, keep=0.5, random_state=0)
    for bad in ("False", 1, None):
        with pytest.raises(TypeError, match="shuffle"):
            PrunedSampler(pruner, shuffle=bad)
    for bad in (1.7, None, "3", True):
        with pytest.raises(TypeError, match="seed"):
            PrunedSampler(pruner, seed=bad)
    for bad in (-1, 2**64):
        with pytest.raises(ValueError, match="seed"):
            PrunedSampler(pruner, seed=bad)
    s = PrunedSampler(pruner, seed=2**63 - 1, shuffle=np.bool_(True))
    with pytest.raises(TypeError, match="epoch"):
        s.set_epoch(2.7)
    with pytest.raises(ValueError, match="epoch"):
        s.set_epoch(-1)
    s.set_epoch(np.int64(2))
    assert s.epoch == 2 and len(list(s)) == 5


def test_fit_dynamic_resume_refusal_with_a_policy_name_gives_followable_advice():
    pytest.importorskip("sklearn")
    from sklearn.linear_model import SGDClassifier

    from datareduce.dynamic import fit_dynamic

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 4)), np.arange(120) % 2
    clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=3,
                      pruner="infobatch", random_state=0)
    with pytest.raises(ValueError) as info:
        fit_dynamic(clf, X, y, epochs=6, initial_epoch=3, pruner="infobatch", random_state=0)
    msg = str(info.value)
    assert "DynamicPruner(len(X), keep=0.5, policy='infobatch', n_epochs=6" in msg
    assert "both calls" in msg and "initial_epoch=3" in msg and "a infobatch" not in msg


def _simulate_ranks(policy, gather, world=2, n=120, epochs=4, batch=8):
    """Two ranks following docs/dynamic.md's DDP recipe; returns the plans of each rank."""
    losses_of = np.random.default_rng(1).gamma(2.0, size=n)
    pruners = [DynamicPruner(n, keep=0.4, policy=policy, n_epochs=epochs, random_state=0)
               for _ in range(world)]
    plans = [[] for _ in range(world)]
    for e in range(epochs):
        shards = []
        for r, p in enumerate(pruners):
            rows = p.indices(e)
            plans[r].append(rows.copy())
            rows = np.random.default_rng(e).permutation(rows)
            rows = rows[: len(rows) // world * world]
            shards.append(rows[r::world])
        for start in range(0, len(shards[0]), batch):
            batches = [s[start:start + batch] for s in shards]
            for r, p in enumerate(pruners):
                fed = batches if gather else [batches[r]]
                idx = np.concatenate(fed)
                p.update(idx, losses_of[idx] * (1 + 0.1 * e))
    return plans, shards


@pytest.mark.parametrize("policy", ["infobatch", "ucb", "epsilon_greedy"])
def test_docs_distributed_recipe_gathers_losses_and_ranks_agree(policy):
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "dynamic.md").read_text()
    section = page.split("## Distributed training (DDP)")[1].split("\n## ")[0]
    # since session 13 the package gathers (weighted_loss) and shards (PrunedSampler)
    assert "all-gathers each batch's row positions and losses" in section
    assert "weighted_loss(pruner, idx, losses)" in section
    assert "Same seed alone is *not*" in section and "PrunedSampler` shards the plan" in section

    plans, shards = _simulate_ranks(policy, gather=True)
    for a, b in zip(*plans, strict=True):
        assert np.array_equal(a, b)
    assert not set(shards[0]) & set(shards[1])
    # each rank feeding only its own losses: the plans drift apart (what the docs warn of)
    plans, _ = _simulate_ranks(policy, gather=False)
    assert any(not np.array_equal(a, b) for a, b in zip(*plans, strict=True))


def test_docs_say_a_checkpoint_restores_at_an_epoch_boundary():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "dynamic.md").read_text()
    assert "restores the pruner **at an epoch boundary**" in page
    assert "in the middle of\nepoch `e`" in page and "plan epoch `e` again" in page
    assert "epoch boundary" in DynamicPruner.state_dict.__doc__
    # what the page describes: a mid-epoch state replans that epoch from other scores
    losses = np.random.default_rng(0).exponential(size=200)
    a = DynamicPruner(200, keep=0.5, policy="infobatch", n_epochs=8, random_state=0)
    for e in range(2):
        rows = a.indices(e)
        a.update(rows, losses[rows] * (1 + 0.3 * e))
    plan = a.indices(2)
    half = plan[: len(plan) // 2]
    a.update(half, losses[half] * 0.5)  # half of epoch 2 trained, then the checkpoint
    b = DynamicPruner(200, keep=0.5, policy="infobatch", n_epochs=8, random_state=0)
    b.load_state_dict(a.state_dict())
    assert not np.array_equal(b.indices(2), plan)
