"""Dynamic pruning: fixes of review r2 of the fifth user round (notes/review5/r2, 01-06).

Each test fails on the code before its fix (the all-equal / accuracy properties of 06 also
held before; they pin what the new mean must keep).
"""

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datareduce.dynamic import DynamicPruner
from datareduce.dynamic._policies import _below_mean, score_mean


# ------------------------------------------------ 05. bfloat16 losses
def test_weighted_loss_and_update_take_bfloat16_losses():
    torch = pytest.importorskip("torch")
    from datareduce.dynamic import weighted_loss

    p = DynamicPruner(4, keep=1.0)
    idx = torch.as_tensor(p.indices(0))
    losses = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.zeros(4, 1, dtype=torch.bfloat16, requires_grad=True),
        torch.ones(4, 1, dtype=torch.bfloat16), reduction="none")  # (4, 1) bfloat16
    out = weighted_loss(p, idx, losses)
    assert out.dtype == torch.bfloat16
    out.backward()
    np.testing.assert_allclose(p.scores_, float(torch.tensor(math.log(2), dtype=torch.bfloat16)))
    q = DynamicPruner(3, keep=1.0)
    q.update(torch.arange(3), torch.tensor([1.0, 2.0, 3.0], dtype=torch.bfloat16))
    np.testing.assert_array_equal(q.scores_, [1.0, 2.0, 3.0])


# ------------------------------------------------ 06. InfoBatch mean without a list
def test_score_mean_needs_no_per_row_memory():
    x = np.random.default_rng(0).random(10**6) * 3
    score_mean(x)
    tracemalloc.start()
    score_mean(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < x.nbytes // 4  # fsum(values.tolist()) took 4x the array


def test_score_mean_is_within_an_ulp_of_the_exact_mean():
    rng = np.random.default_rng(1)
    for _ in range(100):
        n = int(rng.integers(1, 200_000))
        scale = 10.0 ** rng.uniform(-6, 8)
        losses = rng.exponential(size=n) * scale  # one sign: within an ulp of the mean
        exact = math.fsum(losses.tolist()) / n
        assert abs(score_mean(losses) - exact) <= 2 * np.spacing(exact)
        x = rng.standard_normal(n) * scale + rng.uniform(-5, 5)  # both signs
        exact = math.fsum(x.tolist()) / n
        assert abs(score_mean(x) - exact) <= 2 * np.spacing(np.abs(x).mean())


def test_score_mean_of_huge_values_is_finite():
    assert score_mean(np.full(4, 1e308)) == pytest.approx(1e308)


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=1e-6, max_value=1e8), st.booleans(), st.integers(1, 5000))
def test_all_equal_scores_are_never_below_their_mean(value, negative, n):
    v = -value if negative else value
    x = np.full(n, v)
    assert not _below_mean(x, x).any()


# ------------------------------------------------ 01-04. YOLO resume (trainer methods, no training)
def _yolo_trainer(save_dir, epochs, *, resume_dir=None, time=None, **options):
    """A PrunedDetectionTrainer in the state __init__ + get_dataloader leave it in."""
    pytest.importorskip("ultralytics")
    from types import SimpleNamespace

    from datareduce.dynamic._yolo_loss import _Context
    from datareduce.dynamic.yolo import pruned_trainer

    cls = pruned_trainer(**{"keep": 0.5, "policy": "uniform", **options})
    tr = object.__new__(cls)
    tr.pruning = dict(cls.pruning_options)
    tr.pruner, tr.pruning_log, tr._earlier_log, tr._ctx = None, [], [], _Context()
    tr._plans, tr._pruning_epoch, tr._stats = {}, 0, {}
    tr.epochs, tr.epoch = epochs, 0
    resume = False if resume_dir is None else str(resume_dir / "weights" / "last.pt")
    tr.args = SimpleNamespace(seed=0, resume=resume, time=time)
    tr.save_dir = save_dir
    tr._attach_dataset(SimpleNamespace(im_files=[f"/data/im{i:02d}.jpg" for i in range(20)]))
    return tr


def _train_epoch(tr, epoch):
    torch = pytest.importorskip("torch")
    from datareduce.dynamic.yolo import _on_train_epoch_end, _on_train_epoch_start

    tr.epoch = epoch
    _on_train_epoch_start(tr)
    rows = tr._plan(epoch)[0]
    tr._ctx.collect(rows, torch.as_tensor(rows + 1.0), 0.0)
    _on_train_epoch_end(tr)


def _resume(tr, start_epoch, monkeypatch):
    from ultralytics.models.yolo.detect import DetectionTrainer

    monkeypatch.setattr(DetectionTrainer, "resume_training",
                        lambda self, ckpt: setattr(self, "start_epoch", start_epoch))
    tr.resume = True
    tr.resume_training({"epoch": start_epoch - 1})
    tr._pruning_epoch = start_epoch


def _csv_epochs(path):
    import csv

    with open(path, newline="") as fh:
        return [row["epoch"] for row in csv.DictReader(fh)]


def _warnings(monkeypatch):
    from datareduce.dynamic import yolo

    said = []
    monkeypatch.setattr(yolo.LOGGER, "warning", said.append)
    return said


def test_resume_of_time_run_keeps_explicit_stop_epoch_after_epochs_lowered(tmp_path):
    live = _yolo_trainer(tmp_path, 4, time=0.01, stop_epoch=4)
    _train_epoch(live, 0)
    _train_epoch(live, 1)
    live.epochs = 3  # time= re-estimate, saved in last.pt's train_args
    _train_epoch(live, 2)
    resumed = _yolo_trainer(tmp_path, 3, resume_dir=tmp_path, time=0.01, stop_epoch=4)
    assert (resumed.pruner.n_epochs, resumed.pruner.stop_epoch_) == (3, 4)
    assert (resumed.pruner.n_epochs, resumed.pruner.stop_epoch_) == (
        live.pruner.n_epochs, live.pruner.stop_epoch_)
    np.testing.assert_array_equal(resumed.pruner.indices(2), live.pruner.indices(2))
    # a fresh time= run may start with stop_epoch > epochs (epochs is a first guess)
    assert _yolo_trainer(tmp_path, 3, time=0.01, stop_epoch=4).pruner.stop_epoch_ == 4


def test_stop_epoch_after_epochs_is_refused_naming_what_the_user_sets(tmp_path):
    with pytest.raises(ValueError, match=r"epochs=3") as info:
        _yolo_trainer(tmp_path, 3, stop_epoch=4)
    assert "n_epochs" not in str(info.value)  # pruner_params cannot set n_epochs


def test_resume_into_another_save_dir_keeps_the_earlier_rows(tmp_path, monkeypatch):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    first = _yolo_trainer(old, 4)
    for e in (0, 1):
        _train_epoch(first, e)
    resumed = _yolo_trainer(new, 4, resume_dir=old)
    _resume(resumed, 2, monkeypatch)
    for e in (2, 3):
        _train_epoch(resumed, e)
    assert _csv_epochs(new / "pruning.csv") == ["1", "2", "3", "4"]
    assert _csv_epochs(old / "pruning.csv") == ["1", "2"]


@pytest.mark.parametrize("content", ["epoch,images\r\n1,20\r\n".encode("utf-16"),
                                     b"epoch,images\n1,\xff\xfe\x80\n"])
def test_undecodable_pruning_csv_does_not_stop_the_resume(tmp_path, monkeypatch, content):
    (tmp_path / "pruning.csv").write_bytes(content)
    tr = _yolo_trainer(tmp_path, 4, resume_dir=tmp_path)
    said = _warnings(monkeypatch)
    _resume(tr, 2, monkeypatch)
    assert tr._earlier_log == []
    assert any("pruning.csv" in m and "could not read" in m for m in said)
    _train_epoch(tr, 2)
    assert _csv_epochs(tmp_path / "pruning.csv") == ["3"]


def test_pruning_csv_is_written_atomically(tmp_path, monkeypatch):
    import csv

    tr = _yolo_trainer(tmp_path, 4)
    _train_epoch(tr, 0)
    before = (tmp_path / "pruning.csv").read_bytes()

    def killed(self, rows):
        raise KeyboardInterrupt

    monkeypatch.setattr(csv.DictWriter, "writerows", killed)
    with pytest.raises(KeyboardInterrupt):
        _train_epoch(tr, 1)
    assert (tmp_path / "pruning.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pruning.csv"]


def test_resume_keeps_only_rows_with_a_whole_epoch_number(tmp_path, monkeypatch):
    rows = "".join(f"{e},{20 if e == 1 else 10},20,{e > 1}\n" for e in (1, 2, 3, 4))
    (tmp_path / "pruning.csv").write_text("\ufeffepoch,images,of,pruned\n" + rows,
                                          encoding="utf-8")  # spreadsheet-saved (BOM)
    tr = _yolo_trainer(tmp_path, 4, resume_dir=tmp_path)
    _resume(tr, 2, monkeypatch)
    for e in (2, 3):
        _train_epoch(tr, e)
    assert _csv_epochs(tmp_path / "pruning.csv") == ["1", "2", "3", "4"]

    (tmp_path / "pruning.csv").write_text(
        "epoch,images\n1,20\n2.0,10\n,10\nx,10\n2.5,10\n3,10\n", encoding="utf-8")
    tr = _yolo_trainer(tmp_path, 4, resume_dir=tmp_path)
    said = _warnings(monkeypatch)
    _resume(tr, 2, monkeypatch)
    assert [row["epoch"] for row in tr._earlier_log] == [1, 2]
    said = [m for m in said if "pruning.csv" in m]
    assert len(said) == 1 and "3 rows" in said[0]
