"""Review 15 (reviewer c): dynamic pruning and writing reduced detection datasets."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from datareduce.detection import load_yolo, make_shapes_dataset


def _as_pose(data_yaml, kpt_shape, seed=0):
    """Rewrite a generated dataset's labels as pose rows (box + keypoints), kpt_shape set."""
    root = Path(data_yaml).parent
    rng = np.random.default_rng(seed)
    nkpt, ndim = kpt_shape
    for lf in (root / "labels").rglob("*.txt"):
        rows = []
        for line in lf.read_text().splitlines():
            if line.split():
                pts = rng.uniform(0.1, 0.9, size=(nkpt, ndim))
                if ndim == 3:
                    pts[:, 2] = 2.0  # visibility flag
                rows.append(line + " " + " ".join(f"{v:.4f}" for v in pts.ravel()))
        lf.write_text("".join(r + "\n" for r in rows))
    data = yaml.safe_load(Path(data_yaml).read_text())
    data["kpt_shape"] = list(kpt_shape)
    Path(data_yaml).write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("kpt_shape", [(17, 3), (2, 3), (4, 2)])
def test_pose_rows_are_read_as_their_boxes(tmp_path, kpt_shape):
    y = make_shapes_dataset(tmp_path, n_train=10, n_val=2, p_empty=0.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = load_yolo(y)
        _as_pose(y, kpt_shape)
        ds = load_yolo(y)
    assert len(ds) == len(ref)
    for a, b in zip(ds.boxes, ref.boxes, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_pose_shape_complexity_uses_the_boxes(tmp_path):
    from datareduce.detection.objects import ShapeComplexityScorer

    y = make_shapes_dataset(tmp_path, n_train=10, n_val=2, p_empty=0.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ShapeComplexityScorer().scores(load_yolo(y))
        _as_pose(y, (4, 2))
        got = ShapeComplexityScorer().scores(load_yolo(y))
    np.testing.assert_allclose(got, ref)


def test_bad_kpt_shape_is_named(tmp_path):
    y = make_shapes_dataset(tmp_path, n_train=10, n_val=2, random_state=1)
    data = yaml.safe_load(Path(y).read_text())
    data["kpt_shape"] = [17]
    Path(y).write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="kpt_shape"):
        load_yolo(y)


# ------------------------------------------- 02. YOLO resume with other pruning options
def _bare_yolo_trainer(save_dir, resume=False, files=None, **options):
    """A PrunedDetectionTrainer in the state __init__ + get_dataloader leave it in."""
    from types import SimpleNamespace

    from datareduce.dynamic._yolo_loss import _Context
    from datareduce.dynamic.yolo import pruned_trainer

    cls = pruned_trainer(**{"keep": 0.5, "policy": "uniform", **options})
    tr = object.__new__(cls)
    tr.pruning = dict(cls.pruning_options)
    tr.pruner, tr.pruning_log, tr._earlier_log, tr._ctx = None, [], [], _Context()
    tr._plans, tr._pruning_epoch, tr._stats = {}, 0, {}
    tr.epochs, tr.epoch = 4, 0
    last = str(save_dir / "weights" / "last.pt") if resume else False
    tr.args = SimpleNamespace(seed=0, time=None, resume=last)
    tr.save_dir, tr.wdir = save_dir, save_dir / "weights"
    tr.wdir.mkdir(exist_ok=True)
    files = files or [f"/data/im{i:02d}.jpg" for i in range(20)]
    tr._attach_dataset(SimpleNamespace(im_files=files))
    return tr


@pytest.mark.detection
@pytest.mark.parametrize("other", [{"keep": 0.25}, {"ema": 0.9}, {"start_epoch": 1}])
def test_yolo_resume_refuses_other_pruning_options(tmp_path, monkeypatch, other):
    pytest.importorskip("ultralytics")
    torch = pytest.importorskip("torch")
    from ultralytics.models.yolo.detect import DetectionTrainer

    from datareduce.dynamic.yolo import _on_train_epoch_end, _on_train_epoch_start

    monkeypatch.setattr(DetectionTrainer, "save_model", lambda self: None)
    monkeypatch.setattr(
        DetectionTrainer, "resume_training", lambda self, ckpt: setattr(self, "start_epoch", 2)
    )
    first = _bare_yolo_trainer(tmp_path)
    for e in range(2):
        first.epoch = e
        _on_train_epoch_start(first)
        rows = first._plan(e)[0]
        first._ctx.collect(rows, torch.as_tensor(rows + 1.0), 0.0)
        _on_train_epoch_end(first)
    first.save_model()
    same = _bare_yolo_trainer(tmp_path, resume=True)
    same.resume = True
    same.resume_training({"epoch": 1})  # the same options resume
    assert same.pruner.n_seen_.tolist() == first.pruner.n_seen_.tolist()
    resumed = _bare_yolo_trainer(tmp_path, resume=True, **other)
    resumed.resume = True
    with pytest.raises(ValueError, match="pruner.npz.*other settings.*pruning options"):
        resumed.resume_training({"epoch": 1})


# ------------------------------------------- 03. a boolean mask given as image indices
def test_boolean_mask_selects_images_in_subset_write_and_report(tmp_path):
    from datareduce.detection import write_yolo_subset
    from datareduce.detection.report import DetectionReport

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_yolo(make_shapes_dataset(tmp_path / "src", n_train=10, n_val=2))
    mask = np.zeros(len(ds), dtype=bool)
    mask[[2, 5, 7]] = True
    want = [ds.images[i] for i in (2, 5, 7)]
    assert ds.subset(mask).images == want
    assert ds.instances_per_class(mask).tolist() == ds.instances_per_class([2, 5, 7]).tolist()
    assert DetectionReport.from_selection(ds, mask).n_images_after == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = write_yolo_subset(ds, mask, tmp_path / "out")
        got = sorted(p.name for p in load_yolo(y).images)
    assert got == sorted(p.name for p in want)
    with pytest.raises(ValueError, match="boolean mask of shape"):
        ds.subset(mask[:4])
    with pytest.raises(TypeError, match="whole numbers"):
        ds.subset([0.5, 2.7])
    with pytest.raises(ValueError, match=r"positions in \[0, 9\]"):
        ds.subset([3, 10])


# ------------------------------------------- 04. rect=True with images of several shapes
@pytest.mark.detection
@pytest.mark.torch
@pytest.mark.parametrize("workers", [0, 2])
def test_yolo_rect_training_with_several_aspect_ratios(tmp_path, _ultralytics_font, workers):
    pytest.importorskip("ultralytics")
    torch = pytest.importorskip("torch")
    from PIL import Image
    from ultralytics import YOLO

    from datareduce.dynamic.yolo import pruned_trainer

    rng = np.random.default_rng(0)
    for split, count in (("train", 12), ("val", 2)):
        (tmp_path / "images" / split).mkdir(parents=True)
        (tmp_path / "labels" / split).mkdir(parents=True)
        for i in range(count):
            w, h = [(128, 64), (64, 128), (96, 96)][i % 3]  # wide, tall, square
            pixels = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "images" / split / f"g{i:02d}.png")
            (tmp_path / "labels" / split / f"g{i:02d}.txt").write_text(f"{i % 2} .5 .5 .4 .4\n")
    data = tmp_path / "data.yaml"
    data.write_text(f"path: {tmp_path}\ntrain: images/train\nval: images/val\nnames: [a, b]\n")
    shapes = []

    class Watched(pruned_trainer(keep=0.5, policy="uniform")):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.args.workers = workers  # Ultralytics sets workers=0 on CPU

        def preprocess_batch(self, batch):
            shapes.append(tuple(batch["img"].shape[2:]))
            return super().preprocess_batch(batch)

    model = YOLO("yolov8n.yaml")
    model.train(
        data=str(data),
        trainer=Watched,
        epochs=2,
        imgsz=64,
        batch=4,
        device="cpu",
        rect=True,
        val=False,
        plots=False,
        verbose=False,
        amp=False,
        seed=0,
        project=str(tmp_path / "runs"),
        name="r",
        exist_ok=True,
    )
    trainer = model.trainer
    assert trainer.train_loader.dataset.rect
    assert [e["images"] for e in trainer.pruning_log] == [6, 6]
    assert len(shapes) == 4 and len(set(shapes)) > 1  # rectangles, not one square
    assert int(trainer.pruner.n_seen_.sum()) == 12
    assert torch.isfinite(torch.as_tensor(trainer.pruner.scores_[trainer.pruner.n_seen_ > 0])).all()


# ------------------------------------------- 05. groups={image path: group} with Path keys
@pytest.mark.detection
def test_yolo_groups_dict_takes_path_keys_and_linked_paths(tmp_path, monkeypatch):
    pytest.importorskip("ultralytics")
    import os

    files = [f"/data/im{i:02d}.jpg" for i in range(20)]
    want = [i % 2 for i in range(20)]
    tr = _bare_yolo_trainer(tmp_path, groups={Path(f): g for f, g in zip(files, want, strict=True)})
    assert tr.pruner.groups_.tolist() == [0, 1]
    assert tr.pruner.group_shares_.tolist() == [5.0, 5.0]
    monkeypatch.chdir("/")
    tr = _bare_yolo_trainer(tmp_path, groups={f[1:]: g for f, g in zip(files, want, strict=True)})
    assert tr.pruner.group_shares_.tolist() == [5.0, 5.0]
    # the dict names the images through a linked folder, the trainer by their real place
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "link")
    names = [f"im{i:02d}.jpg" for i in range(20)]
    for n in names:
        (real / n).touch()
    groups = {str(tmp_path / "link" / n): g for n, g in zip(names, want, strict=True)}
    tr = _bare_yolo_trainer(tmp_path, files=[str(real / n) for n in names], groups=groups)
    assert tr.pruner.group_shares_.tolist() == [5.0, 5.0]
    with pytest.raises(ValueError, match="no label for 1 training images"):
        _bare_yolo_trainer(tmp_path, groups={Path(f): 0 for f in files[1:]})


# ------------------------------------------- 06. layout='list' of a COCO source, before embedding
def _coco_copy(root):
    import json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_yolo(make_shapes_dataset(root, n_train=12, n_val=2))
    imgs, anns = [], []
    for i, (p, b) in enumerate(zip(ds.images, ds.boxes, strict=True)):
        imgs.append({"id": i, "file_name": str(p.relative_to(root)), "width": 64, "height": 64})
        for c, x, y, w, h in b:
            box = [(x - w / 2) * 64, (y - h / 2) * 64, w * 64, h * 64]
            anns.append({"id": len(anns), "image_id": i, "category_id": int(c) + 1, "bbox": box})
    cats = [{"id": k + 1, "name": v} for k, v in ds.names.items()]
    doc = {"images": imgs, "annotations": anns, "categories": cats}
    (root / "ann.json").write_text(json.dumps(doc))
    return root / "ann.json"


def test_list_layout_of_a_coco_source_is_refused_before_embedding(tmp_path, capsys, monkeypatch):
    from datareduce.cli import main
    from datareduce.detection import check_output_dir, load_coco
    from datareduce.detection import reducer as reducer_module

    ann = _coco_copy(tmp_path / "src")
    with pytest.raises(ValueError, match="layout='list' needs YOLO label files"):
        check_output_dir(load_coco(ann), tmp_path / "out", layout="list")

    def never(*args, **kwargs):
        raise AssertionError("the images were embedded")

    monkeypatch.setattr(reducer_module.DetectionReducer, "fit", never)
    code = main(["yolo", str(ann), "--layout", "list", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--layout list needs YOLO label files" in err and "--layout copy" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------- 07. yolo-split keeps the source YAML's other keys
def test_split_keeps_kpt_shape_and_other_yaml_keys(tmp_path):
    from datareduce.detection import split_yolo

    y = make_shapes_dataset(tmp_path / "src", n_train=20, n_val=4)
    _as_pose(y, (17, 3))
    data = yaml.safe_load(Path(y).read_text())
    data.update(flip_idx=list(range(17)), channels=3)
    Path(y).write_text(yaml.safe_dump(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = split_yolo(y, tmp_path / "out", groups=r"^(.*)_\d", val=0.25, random_state=0)
        n = len(load_yolo(out)) + len(load_yolo(out, split="val"))
    written = yaml.safe_load(Path(out).read_text())
    assert written["kpt_shape"] == [17, 3] and written["flip_idx"] == list(range(17))
    assert written["channels"] == 3 and written["path"] == str(Path(out).parent)
    assert n == 24


# ------------------------------------------- 08. a rank's steps under DDP sharding
@pytest.mark.torch
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("sampler_drop_last", [False, True])
def test_sampler_counts_the_steps_of_its_rank(drop_last, sampler_drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, TensorDataset

    from datareduce.dynamic import DynamicPruner, IndexedDataset, PrunedSampler

    ds = IndexedDataset(TensorDataset(torch.arange(1001.0)))
    for world, rank in ((1, 0), (2, 1), (3, 2)):
        pruner = DynamicPruner(1001, keep=0.5, n_epochs=4, start_epoch=1, random_state=0)
        sampler = PrunedSampler(
            pruner, dataset=ds, num_replicas=world, rank=rank, drop_last=sampler_drop_last
        )
        loader = DataLoader(ds, batch_size=64, sampler=sampler, drop_last=drop_last)
        want = sampler.total_steps(64, drop_last=drop_last)
        made = [len(list(loader)) for _ in range(4)]
        assert want == sum(made)
        assert sampler.steps_per_epoch(64, 0, drop_last=drop_last) == made[0]
        if world == 1:
            assert want == pruner.total_steps(64, drop_last=drop_last)


# ------------------------------------------- 09. layout='list' of boxes that no label file holds
def test_list_layout_refuses_images_whose_boxes_are_in_no_label_file(tmp_path):
    from PIL import Image

    from datareduce.detection import DetectionDataset, write_yolo_subset

    paths = []
    for i in range(4):
        paths.append(tmp_path / "imgs" / f"a{i}.png")
        paths[-1].parent.mkdir(exist_ok=True)
        Image.new("RGB", (32, 32)).save(paths[-1])
    boxes = [np.array([[0, 0.5, 0.5, 0.2, 0.2]])] * 3 + [np.zeros((0, 5))]
    ds = DetectionDataset(images=paths, boxes=boxes, names={0: "x"})
    with pytest.raises(ValueError, match=r"2 image\(s\) have boxes and no label file"):
        write_yolo_subset(ds, [0, 2], tmp_path / "out", layout="list")
    assert not (tmp_path / "out").exists()
    with pytest.warns(UserWarning, match="no validation split"):
        y = write_yolo_subset(ds, [0, 2], tmp_path / "out2")  # label files written
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert load_yolo(y).n_boxes == 2


# ------------------------------------------- 10. InfoBatch's logged threshold with groups
@pytest.mark.detection
def test_yolo_infobatch_log_gives_no_single_threshold_with_groups(tmp_path):
    pytest.importorskip("ultralytics")
    torch = pytest.importorskip("torch")
    from datareduce.dynamic.yolo import _on_train_epoch_end, _on_train_epoch_start

    files = [f"/data/im{i:02d}.jpg" for i in range(20)]
    for groups, single in ((None, True), ({f: i < 10 for i, f in enumerate(files)}, False)):
        tr = _bare_yolo_trainer(tmp_path, policy="infobatch", groups=groups)
        for e in range(2):
            tr.epoch = e
            _on_train_epoch_start(tr)
            rows = tr._plan(e)[0]
            scale = np.where(rows < 10, 1.0, 100.0)  # one group's losses 100x the other's
            tr._ctx.collect(rows, torch.as_tensor(scale * (1 + rows % 3)), 0.0)
            _on_train_epoch_end(tr)
        threshold = tr.pruning_log[1]["threshold"]
        assert np.isfinite(threshold) == single


# ------------------------------------------- 11. an image listed twice is named
@pytest.mark.detection
def test_yolo_names_an_image_listed_twice(tmp_path):
    pytest.importorskip("ultralytics")
    files = [f"/data/im{i:02d}.jpg" for i in range(10)] + ["/data/im03.jpg"] * 2
    with pytest.raises(ValueError, match=r"1 image file\(s\) more than once.*im03\.jpg, 3 times"):
        _bare_yolo_trainer(tmp_path, files=files)


# ------------------------------------------- 12. repeated listings (oversampling) are said
def test_load_yolo_warns_about_images_listed_more_than_once(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = make_shapes_dataset(tmp_path, n_train=12, n_val=2)
    files = sorted(str(p) for p in (tmp_path / "images" / "train").glob("*.png"))
    (tmp_path / "train.txt").write_text("".join(f + "\n" for f in files + files[:3] * 4))
    data = yaml.safe_load(Path(y).read_text())
    data["train"] = "train.txt"
    Path(y).write_text(yaml.safe_dump(data))
    with pytest.warns(UserWarning, match=r"3 image\(s\) are listed more than once .*5 times; 12"):
        ds = load_yolo(y)
    assert len(ds) == 12
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        load_yolo(y, split="val")  # listed once: no warning
