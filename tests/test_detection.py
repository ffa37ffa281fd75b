"""datareduce.detection: loading, categories, embedders, DetectionReducer, writing, CLI."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("PIL")
yaml = pytest.importorskip("yaml")

from _detection_data import tree_hash  # noqa: E402
from datareduce import BaseReducer, available_reducers  # noqa: E402
from datareduce.base import Selection  # noqa: E402
from datareduce.detection import (  # noqa: E402
    SHAPE_NAMES,
    DetectionDataset,
    DetectionReducer,
    DetectionReport,
    LabelEmbedder,
    ThumbnailEmbedder,
    UltralyticsEmbedder,
    image_categories,
    image_to_label_path,
    load_coco,
    load_yolo,
    make_shapes_dataset,
    write_yolo_subset,
)
from datareduce.detection.writer import _unique_names  # noqa: E402
from datareduce.detection.yolo import _parse_label_text  # noqa: E402

N_TRAIN, N_VAL = 40, 6


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    root = tmp_path_factory.mktemp("shapes")
    make_shapes_dataset(root, n_train=N_TRAIN, n_val=N_VAL, random_state=1)
    return root


@pytest.fixture(scope="module")
def ds(src):
    return load_yolo(src / "data.yaml")


class FirstRows(BaseReducer):
    """Keeps the first rows of each pool: a reducer whose choice is known in advance."""

    def __init__(self, keep=0.5, *, stratify=False):
        self.keep = keep
        self.stratify = stratify

    def _select(self, X, n_select, rng):
        return Selection(indices=np.arange(n_select))


def boxes_of(cls_list):
    return np.array([[c, 0.5, 0.5, 0.1, 0.1] for c in cls_list], dtype=float).reshape(-1, 5)


# ------------------------------------------------------------------------- generation
def test_generated_boxes_match_drawn_shapes(src, ds):
    from PIL import Image

    assert len(ds) == N_TRAIN and ds.names == dict(enumerate(SHAPE_NAMES))
    counts = ds.instances_per_class()
    assert counts[3] >= 2 and counts[4] >= 2  # rare classes are present
    assert counts[4] < counts[0] and counts[3] < counts[1]
    assert sum(p.name.endswith("_dup.png") for p in ds.images) == 4
    checked = 0
    for img, b in zip(ds.images, ds.boxes, strict=True):
        if len(b) != 1 or b[0, 0] != 0:  # a lone square: its centre has the shape colour
            continue
        a = np.asarray(Image.open(img).convert("RGB"), dtype=int)
        size = a.shape[0]
        _, x, y, w, h = b[0]
        inside = a[int(y * size), int(x * size)]
        # a pixel outside the box shows the background
        corners = [(0, 0), (0, size - 1), (size - 1, 0), (size - 1, size - 1)]
        out = [(r, c) for r, c in corners
               if not (abs(c / size - x) < w / 2 + 1 / size and abs(r / size - y) < h / 2 + 1 / size)]
        assert np.abs(inside - a[out[0]]).sum() > 30
        assert (a[int((y - h / 2) * size) + 1: int((y + h / 2) * size) - 1,
                  int((x - w / 2) * size) + 1: int((x + w / 2) * size) - 1] == inside).all()
        checked += 1
    assert checked >= 3


def test_label_path_follows_ultralytics_rule():
    assert image_to_label_path("/a/images/b/images/c.jpg") == Path("/a/images/b/labels/c.txt")
    assert image_to_label_path("/a/b/c.png") == Path("/a/b/c.txt")


# ----------------------------------------------------------------------------- loading
def _corners_clipped(rows) -> np.ndarray:
    """Label rows with their box corners clipped to the image, as Ultralytics clips every box
    (review3/r3 06: also when only a corner, not a value, is outside [0, 1])."""
    r = np.array(rows, dtype=float).reshape(-1, 5)
    x1, x2 = np.clip(r[:, 1] - r[:, 3] / 2, 0, 1), np.clip(r[:, 1] + r[:, 3] / 2, 0, 1)
    y1, y2 = np.clip(r[:, 2] - r[:, 4] / 2, 0, 1), np.clip(r[:, 2] + r[:, 4] / 2, 0, 1)
    return np.stack([r[:, 0], (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=1)


def test_load_yolo_boxes_round_trip(src, ds):
    for img, b, lbl in zip(ds.images, ds.boxes, ds.label_files, strict=True):
        assert img.is_absolute() and img.is_file()
        rows = [list(map(float, line.split())) for line in lbl.read_text().splitlines()]
        # the 6-decimal rounding puts a corner up to 5e-7 outside: clipped, as Ultralytics does
        np.testing.assert_allclose(b, _corners_clipped(rows), rtol=1e-7, atol=1e-15)
    assert set(ds.splits) == {"train", "val"}
    assert ds.splits["val"] == [str((src / "images" / "val").resolve())]
    assert len(load_yolo(src / "data.yaml", split="val")) == N_VAL
    with pytest.raises(ValueError, match="no 'test' split"):
        load_yolo(src / "data.yaml", split="test")


def test_load_yolo_layouts(src, ds, tmp_path):
    train = sorted((src / "images" / "train").iterdir())
    # a .txt list with ./ and absolute entries, names as a list, a relative path: key
    (tmp_path / "cfg").mkdir()
    lst = src / "list_train.txt"
    lines = [f"./images/train/{p.name}" for p in train[:5]] + [str(p) for p in train[5:8]]
    lst.write_text("\n".join(lines) + "\n")
    cfg = tmp_path / "cfg" / "d.yaml"
    rel = os.path.relpath(src, cfg.parent)
    cfg.write_text(yaml.safe_dump({"path": rel, "train": "list_train.txt", "val": "images/val",
                                   "names": list(SHAPE_NAMES)}))
    d = load_yolo(cfg)
    assert [p.name for p in d.images] == [p.name for p in train[:8]]
    assert d.names[4] == "star"
    # a list of folders and a single image
    sub = tmp_path / "two" / "images"
    for k in ("a", "b"):
        (sub / k).mkdir(parents=True)
        (tmp_path / "two" / "labels" / k).mkdir(parents=True)
    for p in train[:3]:
        (sub / "a" / p.name).write_bytes(p.read_bytes())
        (tmp_path / "two" / "labels" / "a" / (p.stem + ".txt")).write_text(
            image_to_label_path(p).read_text())
    (sub / "b" / "x.png").write_bytes(train[3].read_bytes())
    cfg2 = tmp_path / "two" / "d.yaml"
    cfg2.write_text(yaml.safe_dump({"train": ["images/a", "images/b/x.png"], "val": "images/a",
                                    "nc": 5}))
    d2 = load_yolo(cfg2)
    assert len(d2) == 4 and d2.names[0] == "class_0"
    assert d2.label_files[-1] is None and d2.boxes[-1].shape == (0, 5)  # no label: background
    np.testing.assert_allclose(d2.boxes[0], ds.boxes[0])
    # a missing path: key and a missing YAML
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"path": "nowhere", "train": "x", "val": "x", "nc": 1}))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_yolo(bad)
    with pytest.raises(FileNotFoundError, match="data YAML not found"):
        load_yolo(tmp_path / "missing.yaml")


def test_polygon_lines_become_boxes():
    b, issues = _parse_label_text("1 0.1 0.2 0.5 0.2 0.3 0.6\n", 2, "f.txt")
    assert not issues
    np.testing.assert_allclose(b, [[1, 0.3, 0.4, 0.4, 0.4]])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(0.01, 0.99), st.floats(0.01, 0.99),
                          st.floats(0.01, 1.0), st.floats(0.01, 1.0)), max_size=8))
def test_label_text_round_trip(rows):
    text = "".join(f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}\n" for c, x, y, w, h in rows)
    notes = []
    b, issues = _parse_label_text(text, 5, "f.txt", notes)
    assert not issues
    # a row repeated (equal once read as float32) is read once, as Ultralytics does, with a
    # 'duplicate' note (76c265c); every other row comes back
    read = [np.asarray(line.split(), dtype=np.float32) for line in text.splitlines()]
    first = [i for i, r in enumerate(read) if not any(np.array_equal(r, q) for q in read[:i])]
    assert [n.kind for n in notes if n.kind == "duplicate"] == (
        ["duplicate"] * (len(rows) - len(first)))
    # corners outside the image are clipped, as Ultralytics clips them (review3/r3 06)
    np.testing.assert_allclose(b, _corners_clipped([rows[i] for i in first]), atol=1e-6)


@pytest.fixture
def broken(tmp_path, src):
    root = tmp_path / "broken"
    make_shapes_dataset(root, n_train=14, n_val=2, n_near_duplicates=0, rare_images=0)
    imgs = sorted((root / "images" / "train").iterdir())
    lbl = lambda p: image_to_label_path(p)  # noqa: E731
    lbl(imgs[0]).write_text("0 0.5 0.5 0.2\n")  # 4 fields
    lbl(imgs[1]).write_text("1 0.5 1.5 0.2 0.2\n")  # out of range
    lbl(imgs[2]).write_text("0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.2 0.2\n")  # unknown class
    imgs[3].write_bytes(b"not an image")  # unreadable
    return root, imgs


def test_bad_files_raise_with_every_problem(broken):
    root, imgs = broken
    with pytest.raises(ValueError) as err:
        load_yolo(root / "data.yaml")
    msg = str(err.value)
    assert "4 image(s)" in msg and "on_error='skip'" in msg
    assert f"{image_to_label_path(imgs[0])}:1: expected 5 fields" in msg
    assert "out of range" in msg and "unknown class id 7" in msg
    assert f"{imgs[3]}: cannot be decoded" in msg


def test_bad_files_skip_keeps_the_rest(broken):
    root, imgs = broken
    with pytest.warns(UserWarning, match="left out 4 image"):
        d = load_yolo(root / "data.yaml", on_error="skip")
    assert len(d) == 10 and not set(imgs[:4]) & set(d.images)
    assert len(d.issues) == 4 and {i.line for i in d.issues} == {1, 2, None}
    with pytest.raises(ValueError, match="on_error="):
        load_yolo(root / "data.yaml", on_error="ignore")


def test_missing_image_in_list(tmp_path, src):
    (tmp_path / "l.txt").write_text(f"{src}/images/train/train_00000.png\n{tmp_path}/nope.png\n")
    (tmp_path / "d.yaml").write_text(yaml.safe_dump({"train": "l.txt", "val": "l.txt", "nc": 5}))
    with pytest.raises(ValueError, match="nope.png: image listed in .* is missing"):
        load_yolo(tmp_path / "d.yaml")
    with pytest.warns(UserWarning):
        assert len(load_yolo(tmp_path / "d.yaml", on_error="skip")) == 1


def _coco(tmp_path, ds, extra_ann=None):
    from PIL import Image

    images, anns = [], []
    for i, (img, b) in enumerate(zip(ds.images[:6], ds.boxes[:6], strict=True)):
        W, H = Image.open(img).size
        images.append({"id": 10 + i, "file_name": f"images/train/{img.name}", "width": W, "height": H})
        for k, (c, x, y, w, h) in enumerate(b):
            anns.append({"id": 100 * i + k, "image_id": 10 + i, "category_id": int(c) * 2 + 1,
                         "bbox": [(x - w / 2) * W, (y - h / 2) * H, w * W, h * H], "iscrowd": 0})
    anns += extra_ann or []
    cats = [{"id": 2 * k + 1, "name": n} for k, n in enumerate(SHAPE_NAMES)]
    path = tmp_path / "ann.json"
    path.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return path


def test_load_coco_matches_yolo(tmp_path, src, ds):
    d = load_coco(_coco(tmp_path, ds), images_dir=src)
    assert d.names == ds.names and len(d) == 6
    for a, b in zip(d.boxes, ds.boxes[:6], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)
    bad = [{"id": 9999, "image_id": 10, "category_id": 42, "bbox": [1, 1, 5, 5]}]
    with pytest.raises(ValueError, match="unknown category_id 42"):
        load_coco(_coco(tmp_path, ds, bad), images_dir=src)
    # a COCO dataset written as YOLO: label files generated from the boxes
    with pytest.warns(UserWarning, match="no validation split"):
        out = write_yolo_subset(d, [0, 2, 4], tmp_path / "out")
    back = load_yolo(out)
    for a, i in zip(back.boxes, [0, 2, 4], strict=True):
        np.testing.assert_allclose(a, d.boxes[i], atol=1e-6)
    with pytest.raises(ValueError, match="layout='list'"):
        write_yolo_subset(d, [0], tmp_path / "out2", layout="list")


# -------------------------------------------------------------------------- categories
def test_categories_rules():
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(9)],
                          boxes=[boxes_of(c) for c in ([0], [0, 0], [1], [0, 1], [1, 0], [0, 2],
                                                       [1, 2], [], [2])],
                          names={0: "a", 1: "b", 2: "c"})
    cats = image_categories(ds, min_count=2).tolist()
    assert cats == ["a", "a", "b", "a+b", "a+b", "mixed", "mixed", "empty", "c"]
    assert image_categories(ds, min_count=1).tolist()[5:7] == ["a+c", "b+c"]
    assert set(image_categories(ds, merge_mixed=False).tolist()) == {"a", "b", "c", "mixed", "empty"}
    with pytest.raises(ValueError, match="min_count"):
        image_categories(ds, min_count=0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), max_size=4), min_size=1, max_size=30),
       st.integers(1, 6))
def test_categories_properties(class_lists, min_count):
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(len(class_lists))],
                          boxes=[boxes_of(c) for c in class_lists], names=dict(enumerate("wxyz")))
    cats = image_categories(ds, min_count=min_count)
    assert cats.shape == (len(class_lists),)
    for c, classes in zip(cats, class_lists, strict=True):
        if not classes:
            assert c == "empty"
        elif len(set(classes)) == 1:
            assert c == "wxyz"[classes[0]]  # single-class images are never merged
        else:
            assert c in ("mixed", "other") or c.count("+") == len(set(classes)) - 1
    # a combination category holds at least min_count images
    values, counts = np.unique(cats, return_counts=True)
    for v, n in zip(values, counts, strict=True):
        if "+" in v:
            assert n >= min_count


# --------------------------------------------------------------------------- embedders
def test_label_embedder_by_hand():
    ds = DetectionDataset(images=["/d/a.png", "/d/b.png"],
                          boxes=[[[1, 0.25, 0.75, 0.2, 0.4], [1, 0.8, 0.2, 0.4, 0.1]],
                                 np.zeros((0, 5))], names={0: "a", 1: "b"})
    X = LabelEmbedder(grid=2).embed(ds)
    assert X.shape == (2, 2 + 1 + 16 + 4)
    np.testing.assert_allclose(X[0, :3], [0, np.log(3), np.log(3)])
    w, h = np.array([0.2, 0.4]), np.array([0.4, 0.1])
    np.testing.assert_allclose(X[0, 3:7], [w.mean(), w.std(), w.min(), w.max()])
    np.testing.assert_allclose(X[0, 15:19], [np.log(w / h).mean(), np.log(w / h).std(),
                                             np.log(0.5), np.log(4)])
    np.testing.assert_allclose(X[0, -4:], [0, 0.5, 0.5, 0])  # cells (row, col) (0,1) and (1,0)
    assert not X[1].any()
    with pytest.raises(ValueError, match="grid"):
        LabelEmbedder(grid=0)


def test_thumbnail_embedder_near_duplicates_and_cache(ds, tmp_path, monkeypatch):
    emb = ThumbnailEmbedder(size=8, n_components=10, cache_dir=tmp_path / "cache")
    X = emb.embed(ds)
    assert X.shape == (N_TRAIN, 10) and np.isfinite(X).all()
    source = ["_".join(p.stem.split("_")[:2]) for p in ds.images]  # a dup's original
    n_dups = 0
    for i, p in enumerate(ds.images):
        if p.stem.endswith("_dup"):
            d = np.linalg.norm(X - X[i], axis=1)
            d[i] = np.inf
            assert source[int(np.argmin(d))] == source[i]  # nearest: the original or its dup
            n_dups += 1
    assert n_dups == 4
    # the second call reads the cache (raw features are not recomputed)
    monkeypatch.setattr(ThumbnailEmbedder, "raw_features",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("recomputed")))
    np.testing.assert_array_equal(emb.embed(ds), X)
    assert len(list((tmp_path / "cache").glob("thumbnail-*.npy"))) == 1
    # other parameters: another cache entry (computed, so the patched method fails)
    with pytest.raises(AssertionError, match="recomputed"):
        ThumbnailEmbedder(size=4, cache_dir=tmp_path / "cache").embed(ds)
    monkeypatch.undo()
    X2 = ThumbnailEmbedder(size=8, n_components=10, n_jobs=2, batch_size=7).embed(ds)
    np.testing.assert_allclose(np.abs(X2), np.abs(X), atol=1e-4)  # PCA sign is arbitrary


def test_ultralytics_embedder_never_downloads(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights file not found: .*yolo-missing.pt"):
        UltralyticsEmbedder(tmp_path / "yolo-missing.pt")
    with pytest.raises(ValueError, match="random weights"):
        UltralyticsEmbedder("yolov8n.yaml")
    with pytest.warns(UserWarning, match="nearly identical"):
        UltralyticsEmbedder("yolov8n.yaml", allow_untrained=True)


# ---------------------------------------------------------------------- the reducer
def test_reducer_first_rows_and_report_by_hand():
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(5)],
                          boxes=[boxes_of(c) for c in ([0, 0], [1], [0, 1], [], [2])],
                          names={0: "a", 1: "b", 2: "c"})
    X = np.arange(10.0).reshape(5, 2)
    with pytest.warns(UserWarning, match=r"keeps no box of class\(es\) c:"):
        dr = DetectionReducer(FirstRows(), keep=3, categories=None, dedup=None).fit(ds, embeddings=X)
    np.testing.assert_array_equal(dr.sample_indices_, [0, 1, 2])
    r = dr.report_
    assert r.boxes_before.tolist() == [3, 2, 1] and r.boxes_after.tolist() == [3, 2, 0]
    assert r.images_after.tolist() == [2, 2, 0] and r.lost_classes == ["c"]
    np.testing.assert_allclose(r.box_retention, [1, 1, 0])
    # epsilon by hand: rows 3 and 4 are 1 and 2 steps (of 2/8 after min-max) from row 2
    assert dr.epsilon_.value == pytest.approx(0.5)
    assert dr.report_.to_frame().loc["c", "boxes_before"] == 1
    with pytest.raises(ValueError, match="one row per image"):
        DetectionReducer(FirstRows(), categories=None, dedup=None).fit(ds, embeddings=X[:3])


def test_default_dedup_is_skipped_with_a_warning_when_images_cannot_be_read():
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(5)],
                          boxes=[boxes_of(c) for c in ([0], [1], [0, 1], [], [1])],
                          names={0: "a", 1: "b"})
    X = np.arange(10.0).reshape(5, 2)
    with pytest.warns(UserWarning, match=r"dedup='auto' skipped: /d/0\.png"):
        dr = DetectionReducer(FirstRows(), keep=3, categories=None).fit(ds, embeddings=X)
    assert dr.dedup_ is None and dr.sample_indices_.tolist() == [0, 1, 2]
    with pytest.raises(OSError, match="/d/0.png"):  # asked for explicitly: an error
        DetectionReducer(FirstRows(), keep=3, categories=None, dedup="near").fit(
            ds, embeddings=X)


def test_stratified_keeps_every_category_and_rare_classes(ds):
    for method in ("srs", "random"):
        dr = DetectionReducer(method, keep=0.3, embedder="label", random_state=0).fit(ds)
        assert len(dr.sample_indices_) == round(0.3 * N_TRAIN)
        kept_cats = set(dr.categories_[dr.sample_indices_])
        assert kept_cats == set(dr.categories_)
        assert not dr.report_.lost_classes  # rare classes have their own categories
        assert dr.reducer_.get_params()["random_state"] == 0
    a = DetectionReducer("srs", keep=0.3, embedder="label", random_state=5).fit(ds)
    b = DetectionReducer("srs", keep=0.3, embedder="label", random_state=5).fit(ds)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)  # same seed, same pick
    user = np.array(["a", "b"] * (N_TRAIN // 2))
    dr3 = DetectionReducer("srs", keep=10, embedder="label", categories=user).fit(ds)
    assert np.unique(user[dr3.sample_indices_], return_counts=True)[1].tolist() == [5, 5]
    with pytest.raises(ValueError, match="not parameters of 'srs'"):
        DetectionReducer("srs", reducer_params={"bogus": 1}).fit(ds, embeddings=np.ones((N_TRAIN, 2)))


@pytest.mark.skipif("mms" not in available_reducers(), reason="mms not registered yet")
def test_mms_through_detection(ds):
    dr = DetectionReducer("mms", keep=0.3, embedder="thumbnail",  # epsilon: the exact rule
                          reducer_params={"selection": "reference"},
                          embedder_params={"size": 8, "n_components": 8}, random_state=0).fit(ds)
    assert len(dr.sample_indices_) == round(0.3 * N_TRAIN)
    rnd = DetectionReducer("random", keep=0.3, embedder="thumbnail",
                           embedder_params={"size": 8, "n_components": 8}, random_state=0).fit(ds)
    assert dr.epsilon_.value <= rnd.epsilon_.value + 1e-12


# ---------------------------------------------------------------------------- writing
def test_write_symlink_round_trip_and_source_untouched(src, ds, tmp_path):
    before = tree_hash(src)
    dr = DetectionReducer("srs", keep=0.3, embedder="label", random_state=3).fit(ds)
    out = tmp_path / "out"
    data_yaml = dr.write(out)
    back = load_yolo(data_yaml)
    kept = np.sort(dr.sample_indices_)
    assert [p.name for p in back.images] == sorted(ds.images[i].name for i in kept)
    by_name = {ds.images[i].name: i for i in kept}
    for img, b in zip(back.images, back.boxes, strict=True):
        assert img.is_symlink() and Path(os.readlink(img)) == ds.images[by_name[img.name]]
        np.testing.assert_array_equal(b, ds.boxes[by_name[img.name]])
    assert len(load_yolo(data_yaml, split="val")) == N_VAL
    cfg = yaml.safe_load(data_yaml.read_text())
    assert cfg["path"] == str(out) and cfg["train"] == "images/train" and cfg["nc"] == 5
    assert cfg["names"] == dict(enumerate(SHAPE_NAMES))
    man = json.loads((out / "manifest.json").read_text())
    assert man["method"] == "srs" and man["random_state"] == 3 and man["layout"] == "symlink"
    assert [k["source"] for k in man["kept_images"]] == [str(ds.images[i]) for i in kept]
    assert man["report"]["boxes_per_class"]["star"]["before"] == int(ds.instances_per_class()[4])
    assert man["report"]["boxes_per_class"]["square"]["after"] == \
        int(ds.instances_per_class(kept)[0])
    assert man["epsilon"]["value"] == pytest.approx(dr.epsilon_.value)
    assert tree_hash(src) == before
    # refuse to overwrite; overwrite a previous output; refuse a foreign folder
    with pytest.raises(FileExistsError, match="overwrite=True"):
        dr.write(out)
    dr.write(out, overwrite=True, layout="copy")
    assert not any(p.is_symlink() for p in (out / "images" / "train").iterdir())
    assert len(load_yolo(out / "data.yaml")) == len(kept)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="no datareduce"):
        dr.write(foreign, overwrite=True)
    assert (foreign / "keep.txt").read_text() == "mine"
    # (inside a split's folder: the YAML has no path:, so its folder as a whole is not a
    # source place, review3/r3 01)
    with pytest.raises(ValueError, match="inside the source dataset"):
        dr.write(src / "images/train/reduced")
    assert tree_hash(src) == before


def test_write_list_layout(src, ds, tmp_path):
    with pytest.warns(UserWarning, match="into the source"):
        data_yaml = write_yolo_subset(ds, [5, 1, 7], tmp_path / "o", layout="list")
    cfg = yaml.safe_load(data_yaml.read_text())
    assert cfg["train"] == "train.txt" and cfg["val"] == str((src / "images" / "val").resolve())
    listed = (tmp_path / "o" / "train.txt").read_text().split()
    assert listed == [str(ds.images[i]) for i in (1, 5, 7)]
    assert [p for p in load_yolo(data_yaml).images] == [ds.images[i] for i in (1, 5, 7)]
    for bad, msg in (([], "empty"), ([0, 0], "duplicates"), ([N_TRAIN], "positions")):
        with pytest.raises(ValueError, match=msg):
            write_yolo_subset(ds, bad, tmp_path / "z")
    with pytest.raises(ValueError, match="layout="):
        write_yolo_subset(ds, [0], tmp_path / "z", layout="hardlink")


def test_unique_names_on_clashes():
    names = _unique_names([Path("/a/x.png"), Path("/b/x.png"), Path("/c/X.jpg"), Path("/c/y.png")])
    assert names == ["000000_x.png", "000001_x.png", "000002_X.jpg", "y.png"]
    assert len({Path(n).stem.lower() for n in names}) == 4


def test_report_markdown():
    ds = DetectionDataset(images=["/d/a.png", "/d/b.png"],
                          boxes=[boxes_of([0]), np.zeros((0, 5))], names={0: "a", 1: "b"})
    md = DetectionReport.from_selection(ds, [1], np.array(["a", "empty"])).to_markdown()
    assert "| a | 1 | 0 | 0.00 | 1 | 0 |" in md and "| b | 0 | 0 | - |" in md
    assert "| empty | 1 | 1 |" in md


def _bars(ax):
    """(label, colour, widths) of each bar series of a barh axes."""
    from matplotlib.colors import to_hex

    return {c.get_label(): (to_hex(c.patches[0].get_facecolor()), [p.get_width() for p in c])
            for c in ax.containers}


def test_report_plot_labels_counts_sorts_and_uses_the_kept_colour():
    pytest.importorskip("matplotlib")
    from datareduce.metrics._plots import KEPT_COLOR

    # class "rare": 1 of 4 boxes kept (a bar a reader could miss); "big": 6 of 10
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(14)],
                          boxes=[boxes_of([1])] * 4 + [boxes_of([0])] * 10,
                          names={0: "big", 1: "rare"})
    cats = np.array(["rare"] * 4 + ["big"] * 10)
    rep = DetectionReport.from_selection(ds, [0] + list(range(4, 10)), cats)
    fig = rep.plot()
    ax_img, ax_box = fig.axes
    assert [t.get_text() for t in ax_box.get_yticklabels()] == ["big", "rare"]  # largest first
    assert sorted(t.get_text() for t in ax_box.texts) == ["1/4", "6/10"]
    assert sorted(t.get_text() for t in ax_img.texts) == ["1/4", "6/10"]
    assert ax_img.get_xlabel() == "images" and ax_box.get_xlabel() == "boxes"
    bars = _bars(ax_box)
    assert bars["kept"] == (KEPT_COLOR.lower(), [6, 1])
    assert "7 of 14 images kept" in fig.texts[0].get_text()
    assert not any("duplicate" in label for label in bars)  # no de-duplication ran


def test_report_plot_tells_duplicates_from_the_selection():
    pytest.importorskip("matplotlib")
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(6)],
                          boxes=[boxes_of([0])] * 6, names={0: "a"})
    # 2, 3 and 5 removed as duplicates first, 5 then kept anyway (dedup="auto" with a budget
    # larger than the distinct images): kept 0, 1, 5; duplicates 2, 3; not selected 4
    rep = DetectionReport.from_selection(ds, [0, 1, 5], deduplicated=[2, 3, 5])
    assert rep.n_images_deduplicated == 2 and rep.boxes_deduplicated.tolist() == [2]
    fig = rep.plot()
    bars = _bars(fig.axes[0])
    assert bars["kept"][1] == [3] and bars["dropped (selection)"][1] == [1]
    assert bars["dropped (duplicate)"][1] == [2]
    assert bars["dropped (duplicate)"][0] != bars["dropped (selection)"][0]
    assert "2 dropped as duplicates" in fig.texts[0].get_text()


def test_reducer_report_counts_the_deduplicated_images():
    from datareduce.detection import Deduplicator

    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(8)],
                          boxes=[boxes_of([0])] * 8, names={0: "a"})
    emb = np.array([[0.], [0.01], [0.02], [5.], [10.], [15.], [20.], [25.]])
    dr = DetectionReducer("srs", keep=3, categories=None, random_state=0,
                          dedup=Deduplicator("embedding", threshold=0.1)).fit(ds, emb)
    assert dr.report_.n_images_deduplicated == 2
    assert DetectionReducer("srs", keep=3, categories=None, dedup=None,
                            random_state=0).fit(ds, emb).report_.boxes_deduplicated is None


# -------------------------------------------------------------------------------- CLI
def test_cli_yolo(src, tmp_path, capsys):
    from datareduce.cli import main

    out = tmp_path / "cli"
    rc = main(["yolo", str(src / "data.yaml"), "--method", "srs", "--keep", "0.25",
               "--embedder", "label", "--output", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "images: 40 -> 10" in text and "yolo train data=" in text
    assert len(load_yolo(out / "data.yaml")) == 10
    assert main(["yolo", str(src / "data.yaml"), "--keep", "0.25", "--embedder", "label",
                 "--output", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["yolo", str(src / "data.yaml"), "--embedder", "ultralytics",
                 "--output", str(tmp_path / "u")]) == 2
    assert "--weights" in capsys.readouterr().err


# -------------------------------------------------------------------- import hygiene
def test_imports_stay_light():
    code = ("import sys, datareduce; assert 'datareduce.detection' not in sys.modules;"
            "import datareduce.detection, datareduce.cli.yolo;"
            "bad = [m for m in ('torch', 'ultralytics', 'matplotlib') if m in sys.modules];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_doctests():
    import datareduce.detection as pkg

    mods = [m for name, m in sorted(sys.modules.items())
            if name.startswith("datareduce.detection.") and m is not None]
    assert len(mods) >= 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in [pkg, *mods]:
            res = doctest.testmod(m, optionflags=doctest.ELLIPSIS)
            assert res.failed == 0, m.__name__
