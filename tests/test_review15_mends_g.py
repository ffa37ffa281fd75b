"""Review 15, mender g: one rule where recent commits wrote one twice (and lost a case)."""

from __future__ import annotations

import warnings

import pytest

from datareduce.detection import load_yolo, make_shapes_dataset


def _shapes(tmp_path, n_train=10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_yolo(make_shapes_dataset(tmp_path / "src", n_train=n_train, n_val=2))


# ------------------------------------------- 01. the sampler's step count warns as the pruner's
def test_sampler_steps_warn_when_drop_last_leaves_an_epoch_no_step():
    pytest.importorskip("torch")
    from datareduce.dynamic import DynamicPruner, PrunedSampler

    pruner = DynamicPruner(100, keep=0.5, n_epochs=3, random_state=0)
    sampler = PrunedSampler(pruner, num_replicas=4, rank=0)
    assert pruner.total_steps(16, drop_last=True) == 9  # 50 rows: 3 steps an epoch
    with pytest.warns(UserWarning, match=r"3 of the 3 epochs .*13 rows.*0 steps") as rec:
        assert sampler.total_steps(16, drop_last=True) == 0  # 13 rows a rank
    assert rec[0].filename == __file__
    with pytest.warns(UserWarning, match=r"epoch 1 has 0 steps: its 13 rows"):
        assert sampler.steps_per_epoch(16, 1, drop_last=True) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampler.total_steps(16) == 3
    with pytest.raises(ValueError, match="n_epochs"):
        PrunedSampler(DynamicPruner(10), num_replicas=2, rank=0).total_steps(4)
