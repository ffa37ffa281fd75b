"""Dynamic pruning inside Ultralytics training (datareduce.dynamic.yolo).

- The per-image split of the detection loss: each image's score equals Ultralytics' own loss
  of that image alone (an independent reference), the weighted loss equals Ultralytics'
  loss when every weight is 1, and an image with weight 0 gets no gradient.
- Identity: a planted per-image value (each image is a solid grey level) comes back attached
  to the right file, with shuffling, rectangular batching, RAM caching and worker processes.
- End to end: a tiny generated YOLO set trains for two epochs with the pruner choosing the
  images, the per-epoch log is written, and an interrupted run resumes with its scores.

Ultralytics runs in this process with the offline settings of tests/conftest.py and a TTF
font in its settings folder (so nothing is downloaded).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ultralytics")
torch = pytest.importorskip("torch")

from datareduce.detection import make_shapes_dataset  # noqa: E402
from datareduce.dynamic import DynamicPruner  # noqa: E402

pytestmark = [pytest.mark.detection, pytest.mark.torch]

TRAIN = dict(imgsz=64, batch=4, device="cpu", plots=False, verbose=False, amp=False,
             exist_ok=True, seed=0, deterministic=False)


@pytest.fixture(scope="module", autouse=True)
def _font(_ultralytics_font):
    """Every test here may start Ultralytics: the font of conftest, never downloaded."""


# ----------------------------------------------------------------------- loss split
def _toy_batch():
    g = torch.Generator().manual_seed(0)
    img = torch.rand(3, 3, 64, 64, generator=g)
    # image 0: two boxes, image 1: one box, image 2: background only
    cls = torch.tensor([[0.0], [2.0], [1.0]])
    bboxes = torch.tensor([[0.3, 0.3, 0.3, 0.4], [0.7, 0.6, 0.2, 0.3], [0.5, 0.5, 0.5, 0.5]])
    batch_idx = torch.tensor([0.0, 0.0, 1.0])
    return img, {"cls": cls, "bboxes": bboxes, "batch_idx": batch_idx}


def _sub_batch(batch, i):
    keep = batch["batch_idx"] == i
    return {"cls": batch["cls"][keep], "bboxes": batch["bboxes"][keep],
            "batch_idx": torch.zeros(int(keep.sum()))}


@pytest.fixture(scope="module")
def toy_model():
    from ultralytics.cfg import get_cfg
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = DetectionModel("yolov8n.yaml", nc=3, verbose=False)
    model.args = get_cfg()
    return model.eval()  # eval: BatchNorm uses running statistics, images do not interact


def test_per_image_scores_match_ultralytics_loss_of_each_image_alone(toy_model):
    from datareduce.dynamic.yolo import _Context, _PrunedCriterion

    img, batch = _toy_batch()
    ref = toy_model.init_criterion()
    ctx = _Context()
    crit = _PrunedCriterion(toy_model.init_criterion(), ctx)
    with torch.no_grad():
        preds = toy_model(img)
        ref_total, ref_items = ref(preds, batch)
        ctx.pending = (np.array([4, 9, 2]), torch.ones(3))
        total, items = crit(preds, batch)
    torch.testing.assert_close(total, ref_total, rtol=1e-5, atol=1e-6)  # weights 1: unchanged
    for k in ref_items:
        torch.testing.assert_close(items[k], ref_items[k])
    assert ctx.pending is None and crit.n_checked == 1
    pruner = DynamicPruner(10, policy="infobatch", n_epochs=2)
    assert ctx.flush(pruner) == 3
    for i, row in enumerate([4, 9, 2]):
        with torch.no_grad():
            alone = ref(toy_model(img[i : i + 1]), _sub_batch(batch, i))[0].sum()
        assert pruner.scores_[row] == pytest.approx(float(alone), rel=1e-4)
    # without a pending batch (validation) the criterion is Ultralytics' own
    with torch.no_grad():
        again, _ = crit(preds, batch)
    torch.testing.assert_close(again, ref_total)


def test_weights_scale_each_image_and_zero_weight_gets_no_gradient(toy_model):
    from datareduce.dynamic.yolo import _Context, _PrunedCriterion

    img, batch = _toy_batch()
    ctx = _Context()
    crit = _PrunedCriterion(toy_model.init_criterion(), ctx)
    ref = toy_model.init_criterion()
    x = img.clone().requires_grad_(True)
    preds = toy_model(x)
    ctx.pending = (np.arange(3), torch.tensor([2.0, 0.0, 1.0]))
    total, _ = crit(preds, batch)
    total.sum().backward()
    assert float(x.grad[1].abs().max()) == 0.0  # weight 0: no gradient at all
    assert float(x.grad[0].abs().max()) > 0 and float(x.grad[2].abs().max()) > 0
    # the weighted loss is sum_i w_i * part_i with Ultralytics' batch normaliser: weights
    # (1, 1, 1) -> Ultralytics' loss, (2, 0, 1) -> 2 * part_0 + part_2
    with torch.no_grad():
        parts = []
        for w in np.eye(3):
            ctx.pending = (np.arange(3), torch.as_tensor(w, dtype=torch.float32))
            parts.append(float(crit(toy_model(img), batch)[0].sum()))
        ctx.pending = (np.arange(3), torch.tensor([2.0, 0.0, 1.0]))
        weighted = float(crit(toy_model(img), batch)[0].sum())
        full = float(ref(toy_model(img), batch)[0].sum())
    assert sum(parts) == pytest.approx(full, rel=1e-5)
    assert weighted == pytest.approx(2 * parts[0] + parts[2], rel=1e-5)


def test_unsupported_criterion_is_refused():
    from datareduce.dynamic.yolo import _Context, _PrunedCriterion

    with pytest.raises(TypeError, match="v8DetectionLoss"):
        _PrunedCriterion(object(), _Context())


def test_options_are_checked_before_training():
    from datareduce.dynamic.yolo import PrunedDetectionTrainer, pruned_trainer

    t = pruned_trainer(keep=0.3, policy="rs2", groups="category", partners="kept", eps=0.2)
    assert issubclass(t, PrunedDetectionTrainer)
    assert t.pruning_options["policy"] == "rs2" and t.pruning_options["pruner_params"] == {
        "eps": 0.2}
    with pytest.raises(ValueError, match="policy"):
        pruned_trainer(policy="bogus")
    with pytest.raises(ValueError, match="partners"):
        pruned_trainer(partners="all")
    with pytest.raises(TypeError, match="groups"):
        pruned_trainer(groups=[1, 2])
    with pytest.raises(ValueError, match="keep"):
        pruned_trainer(keep=1.5)
    with pytest.raises(TypeError, match="cannot set"):
        pruned_trainer(n_epochs=3)


# ----------------------------------------------------------------------- identity
def _grey_dataset(root, n=12):
    """Solid grey images (one level per image, a box each): the pixel value is the identity."""
    from PIL import Image

    levels = {}
    heights = 36 + 2 * np.random.default_rng(0).permutation(n)  # rect batching re-sorts these
    for split, count in (("train", n), ("val", 2)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(count):
            level = 40 + 15 * i
            path = root / "images" / split / f"g{i:02d}.png"
            Image.new("RGB", (64, int(heights[i])), (level, level, level)).save(path)
            (root / "labels" / split / f"g{i:02d}.txt").write_text(f"{i % 2} 0.5 0.5 0.4 0.4\n")
            if split == "train":
                levels[os.path.abspath(path)] = level / 255.0
    data = root / "data.yaml"
    data.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n  0: a\n  1: b\n")
    return data, levels


@pytest.mark.parametrize(
    "options",
    [dict(workers=0, rect=False, cache=False), dict(workers=2, rect=True, cache="ram")],
    ids=["plain", "rect-ram-workers"],
)
def test_planted_per_image_loss_comes_back_to_the_right_file(tmp_path, options):
    from ultralytics import YOLO

    from datareduce.dynamic.yolo import pruned_trainer

    data, levels = _grey_dataset(tmp_path / "grey")
    base = pruned_trainer(keep=0.5, policy="uniform")

    class Planted(base):
        """Replaces each image's score by its centre pixel (its planted identity)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Ultralytics sets workers=0 on CPU; put them back to test worker processes
            self.args.workers = options["workers"]
            collect = self._ctx.collect
            self._ctx.collect = lambda rows, score, s: collect(rows, self._planted, s)

        def preprocess_batch(self, batch):
            batch = super().preprocess_batch(batch)
            self._planted = batch["img"][:, 0, 32, 32].detach().clone()
            return batch

    model = YOLO("yolov8n.yaml")
    model.train(
        data=str(data), trainer=Planted, epochs=2, project=str(tmp_path / "runs"), name="r",
        mosaic=0.0, hsv_h=0.0, hsv_s=0.0, hsv_v=0.0, translate=0.0, scale=0.0, fliplr=0.0,
        val=False, **TRAIN, **options,
    )
    trainer = model.trainer
    assert isinstance(trainer, Planted)
    if options["rect"]:  # rectangular batching reorders Ultralytics' dataset
        assert trainer.train_loader.dataset.rect
        order = [os.path.abspath(f) for f in trainer.train_loader.dataset.im_files]
        assert order != sorted(order)
    assert trainer.train_loader.num_workers == options["workers"]
    pruner = trainer.pruner
    assert trainer.image_files == sorted(levels)
    # every image planned in some epoch was scored, and with its own grey level
    assert sum(pruner.epoch_sizes_.values()) == 2 * 6 == int(pruner.n_seen_.sum())
    seen = np.flatnonzero(pruner.n_seen_ > 0)
    assert seen.size >= 6
    for row in seen:
        f = trainer.image_files[row]
        assert pruner.scores_[row] == pytest.approx(levels[f], abs=2 / 255), f


# ----------------------------------------------------------------------- end to end
class _Interrupt(Exception):
    pass


def test_end_to_end_with_class_budgets_kept_partners_log_and_resume(tmp_path):
    """Train 3 planned epochs, stop after the 2nd (as a crash would), resume, finish."""
    from ultralytics import YOLO

    from datareduce.detection import image_categories, load_yolo
    from datareduce.dynamic.yolo import pruned_trainer

    data = make_shapes_dataset(tmp_path / "shapes", n_train=16, n_val=4, random_state=1)
    trainer_cls = pruned_trainer(keep=0.5, policy="epsilon_greedy", groups="category",
                                 partners="kept", eps=0.25)
    model = YOLO("yolov8n.yaml")

    def stop_after_second_epoch(trainer):
        if trainer.epoch == 1:
            raise _Interrupt

    model.add_callback("on_model_save", stop_after_second_epoch)
    with pytest.raises(_Interrupt):
        model.train(data=str(data), trainer=trainer_cls, epochs=3, workers=0, close_mosaic=0,
                    project=str(tmp_path / "runs"), name="r", val=False, **TRAIN)
    first = model.trainer
    pruner = first.pruner
    files = first.image_files
    # class-aware budgets over the image categories of the labels
    ds = load_yolo(data)
    cats = dict(zip([os.path.abspath(p) for p in ds.images], image_categories(ds), strict=True))
    assert pruner.groups_.tolist() == sorted(set(cats.values()))
    groups = np.array([cats[f] for f in files])
    for e in (0, 1):
        if pruner.epoch_sizes_[e] < len(files):
            rows = first._plans.get(e, (None,))[0]
            if rows is not None:
                got = {g: int((groups[rows] == g).sum()) for g in pruner.groups_}
                assert list(got.values()) == pruner.epoch_budgets(e).tolist()
    assert [s["epoch"] for s in first.pruning_log] == [1, 2]
    # partners="kept": every image mosaic could draw a partner from in epoch 2 was kept then
    kept_pos = set(first._pos_of_row[first._plans[1][0]].tolist())
    assert first._train_dataset.buffer  # (mosaic stays on: close_mosaic=0)
    assert set(first._train_dataset.buffer) <= kept_pos
    assert first.pruning_log[0]["images"] == 8 and first.pruning_log[0]["scored"] == 8
    with open(first.save_dir / "pruning.csv") as fh:
        rows_csv = list(csv.DictReader(fh))
    assert [int(r["images"]) for r in rows_csv] == [8, 8]
    assert all(float(r["scoring_s"]) >= 0 for r in rows_csv)
    saved_seen = pruner.n_seen_.copy()
    assert saved_seen.sum() == 16
    assert (first.wdir / "pruner.npz").is_file()

    # resume: the scores come back, training finishes the planned epochs
    seen_at_start = {}

    def record(trainer):
        seen_at_start["n_seen"] = trainer.pruner.n_seen_.copy()
        seen_at_start["start"] = trainer.start_epoch

    resumed = YOLO(str(first.wdir / "last.pt"))
    resumed.add_callback("on_train_start", record)
    resumed.train(resume=True, trainer=trainer_cls)
    t2 = resumed.trainer
    assert seen_at_start["start"] == 2
    np.testing.assert_array_equal(seen_at_start["n_seen"], saved_seen)
    assert t2.image_files == files
    assert int(t2.pruner.n_seen_.sum()) == 16 + 8
    assert [s["epoch"] for s in t2.pruning_log] == [3]
    assert (Path(t2.save_dir) / "weights" / "best.pt").is_file()
