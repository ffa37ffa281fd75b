"""Review 12 (helper a): the object-detection adapter as a demanding user meets it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("PIL")
pytest.importorskip("yaml")

from datareduce.detection import DetectionDataset, DetectionReducer, image_categories  # noqa: E402

pytestmark = pytest.mark.detection



def _counting_embedder(calls):
    """An embedder class that records how many images it was asked to embed."""

    class Counting:
        def embed(self, ds, progress=False):
            calls.append(len(ds))
            return np.zeros((len(ds), 2))

    return Counting


def _count_hashes(monkeypatch, *modules):
    """Record how many images each perceptual_hashes call of ``modules`` hashes."""
    calls = []
    orig = modules[0].perceptual_hashes

    def counting(paths, **kw):
        calls.append(len(paths))
        return orig(paths, **kw)

    for module in modules:
        monkeypatch.setattr(module, "perceptual_hashes", counting)
    return calls

def test_a_class_named_empty_keeps_a_stratum_of_its_own():
    # parking lots label 'empty' and 'occupied' spots: the class 'empty' was the category of
    # the background images too, and the stratified selection lost it (15 of 20 seeds)
    boxes = [np.zeros((0, 5))] * 400 + [np.array([[1, .5, .5, .2, .2]])] * 8 \
        + [np.array([[0, .5, .5, .2, .2]])] * 200
    ds = DetectionDataset(images=[f"/d/{i:04d}.png" for i in range(len(boxes))], boxes=boxes,
                          names={0: "occupied", 1: "empty"})
    cats = image_categories(ds)
    assert set(cats[:400]) == {"empty"}
    assert set(cats[400:408]) == {"empty (class 1)"}
    X = np.random.default_rng(0).normal(size=(len(ds), 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(5):
            dr = DetectionReducer("srs", keep=0.05, random_state=seed, dedup=None).fit(
                ds, embeddings=X)
            assert dr.report_.lost_classes == []


def test_classes_sharing_a_name_or_named_like_a_combination_get_their_ids():
    b = lambda *c: np.array([[k, .5, .5, .1, .1] for k in c]).reshape(-1, 5)  # noqa: E731
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(5)],
                          boxes=[b(0), b(1), b(2), b(3), b(2, 3)],
                          names={0: "car", 1: "car", 2: "a", 3: "b"})
    cats = image_categories(ds, min_count=1).tolist()
    assert cats == ["car (class 0)", "car (class 1)", "a", "b", "a+b"]
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(3)],
                          boxes=[b(0), b(1, 2), b(1, 2)], names={0: "a+b", 1: "a", 2: "b"})
    assert image_categories(ds, min_count=1).tolist() == ["a+b (class 0)", "a+b", "a+b"]


def _png(p, seed=0):
    from PIL import Image

    p.parent.mkdir(parents=True, exist_ok=True)
    a = (np.random.default_rng(seed).random((32, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(a).save(p)


def _txt(p, text="0 0.5 0.5 0.2 0.2\n"):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def test_labels_next_to_a_linked_sub_folders_target_are_warned_about(tmp_path):
    import os

    from datareduce.detection import load_yolo

    ds, cam = tmp_path / "ds", tmp_path / "cam1"
    for i in range(2):
        _png(ds / f"images/train/a{i}.png", i)
        _txt(ds / f"labels/train/a{i}.txt")
        _png(ds / f"images/val/v{i}.png", 10 + i)
        _txt(ds / f"labels/val/v{i}.txt")
        _png(cam / f"images/c{i}.png", 20 + i)
        _txt(cam / f"labels/c{i}.txt")
    os.symlink(cam / "images", ds / "images/train/cam1")
    (ds / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\n"
                                  "names: [car]\n")
    with pytest.warns(UserWarning, match=r"2 image\(s\) have no label file .*cam1/c0\.txt"):
        d = load_yolo(ds / "data.yaml")
    assert sum(len(b) == 0 for b in d.boxes) == 2  # read as Ultralytics reads them
    # labels mirrored where Ultralytics looks: no warning
    for i in range(2):
        _txt(ds / f"labels/train/cam1/c{i}.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = load_yolo(ds / "data.yaml")
    assert all(len(b) == 1 for b in d.boxes)


def test_report_png_inside_the_output_folder_is_written_after_the_dataset(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from datareduce.cli import main
    from datareduce.detection import make_shapes_dataset

    src = make_shapes_dataset(tmp_path / "src", n_train=16, n_val=3, random_state=0)
    out = tmp_path / "out"
    args = ["yolo", str(src), "--keep", "0.5", "--embedder", "label", "-o", str(out), "-q"]
    assert main([*args, "--report-png", str(out / "report.png")]) == 0
    assert (out / "data.yaml").is_file() and (out / "report.png").is_file()
    # replacing it keeps working; inside images/ it would be trained on: refused first
    assert main([*args, "--report-png", str(out / "report.png"), "--overwrite"]) == 0
    assert main([*args[:-3], "-o", str(tmp_path / "o2"),
                 "--report-png", str(tmp_path / "o2/images/train/r.png")]) == 2
    assert "inside --output's images/" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()


def test_cache_dir_inside_the_output_folder_is_refused_before_any_work(tmp_path, capsys):
    from datareduce.cli import main
    from datareduce.detection import make_shapes_dataset

    src = make_shapes_dataset(tmp_path / "src", n_train=12, n_val=3, random_state=0)
    out = tmp_path / "out"
    assert main(["yolo", str(src), "--keep", "0.5", "-o", str(out), "-q",
                 "--cache-dir", str(out / "cache")]) == 2
    assert "--cache-dir" in capsys.readouterr().err
    assert not out.exists()


def test_a_group_regex_with_a_slash_names_the_video_folder(tmp_path):
    import yaml

    from datareduce.detection.groups import group_labels
    from datareduce.detection.split import split_yolo

    ds = tmp_path / "ds"
    for split, vids in (("train", range(5)), ("val", range(5, 7))):
        for v in vids:
            for f in range(3):  # the same frame names in every video folder
                _png(ds / f"images/{split}/vid{v:02d}/{f:06d}.png", 10 * v + f)
                _txt(ds / f"labels/{split}/vid{v:02d}/{f:06d}.txt")
    (ds / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\n"
                                  "names: [car]\n")
    out = split_yolo(ds / "data.yaml", tmp_path / "out", groups=r"/(vid\d+)/", val=0.3,
                     random_state=0)
    man = yaml.safe_load((out.parent / "manifest.json").read_text())
    assert sum(man["n_groups"].values()) == 7 and man["n_groups"]["val"] >= 1
    sides: dict = {}
    for f in man["written_files"]:
        if f.startswith("images/"):
            import os
            from pathlib import Path

            real = Path(os.path.realpath(out.parent / f))
            sides.setdefault(real.parent.name, set()).add(f.split("/")[1])
    assert len(sides) == 7 and all(len(s) == 1 for s in sides.values())
    # a name regex is still searched in names only
    d = DetectionDataset(images=["/x/vid1/a_1.png", "/x/vid2/a_2.png"],
                         boxes=[np.zeros((0, 5))] * 2, names={0: "a"})
    assert group_labels(d, r"^(a)_").tolist() == ["a", "a"]
    assert group_labels(d, r"/([^/]+)/[^/]+$").tolist() == ["vid1", "vid2"]


def test_a_keep_count_above_the_images_is_refused_before_embedding():
    calls = []
    Counting = _counting_embedder(calls)

    ds = DetectionDataset(images=[f"/d/v{i % 4}_{i}.png" for i in range(20)],
                          boxes=[np.zeros((0, 5))] * 20, names={0: "a"})
    for kw in ({}, {"groups": r"^(v\d)_"}):
        with pytest.raises(ValueError, match="keep=500 is more than the 20 images"):
            DetectionReducer("srs", keep=500, embedder=Counting(), dedup=None, **kw).fit(ds)
    assert calls == []


def test_cli_refuses_a_keep_count_above_the_split_in_its_words(tmp_path, capsys):
    from datareduce.cli import main
    from datareduce.detection import make_shapes_dataset

    src = make_shapes_dataset(tmp_path / "src", n_train=12, n_val=3, random_state=0)
    assert main(["yolo", str(src), "--keep", "500", "--dedup", "none", "--dry-run"]) == 2
    assert "--keep 500 is more than the 12 images of the 'train' split" in capsys.readouterr().err


def test_a_bad_reducer_parameter_value_is_refused_before_embedding():
    calls = []
    Counting = _counting_embedder(calls)

    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(20)],
                          boxes=[np.zeros((0, 5))] * 20, names={0: "a"})
    with pytest.raises(ValueError, match="'metric' parameter of MaxMinReducer"):
        DetectionReducer("mms", keep=5, embedder=Counting(), dedup=None,
                         reducer_params={"metric": "foo"}).fit(ds)
    assert calls == []


@pytest.mark.parametrize("command", ["yolo", "yolo-split", "yolo-audit"])
def test_a_group_regex_that_does_not_compile_is_refused_first(tmp_path, capsys, command):
    from datareduce.cli import main
    from datareduce.detection import make_shapes_dataset

    src = str(make_shapes_dataset(tmp_path / "src", n_train=12, n_val=2, random_state=0))
    extra = {"yolo": ["--keep", "0.5", "--dry-run"],
             "yolo-split": ["--val", "0.3", "-o", str(tmp_path / "out")], "yolo-audit": []}
    assert main([command, src, "--group", "^(.*_frame", *extra[command]]) == 2
    err = capsys.readouterr().err
    assert "--group ^(.*_frame is not a regular expression" in err and "internal" not in err


def test_detection_reducer_refuses_a_bad_group_regex_before_embedding():
    from datareduce.detection import Deduplicator

    calls = []
    Counting = _counting_embedder(calls)

    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(10)],
                          boxes=[np.zeros((0, 5))] * 10, names={0: "a"})
    with pytest.raises(ValueError, match=r"groups='\^\(\.\*_frame' is not a regular"):
        DetectionReducer("srs", keep=3, embedder=Counting(), dedup=None,
                         groups="^(.*_frame").fit(ds)
    assert calls == []
    with pytest.raises(ValueError, match="is not a regular expression"):
        Deduplicator("near", groups="[", max_per_group=2).fit(ds)


def test_16_bit_images_are_read_as_opencv_scales_them_not_clipped_white(tmp_path):
    from PIL import Image

    from datareduce.detection import ThumbnailEmbedder
    from datareduce.detection.hashing import _near_groups_hashes, perceptual_hashes

    y, x = np.mgrid[0:48, 0:48]
    paths = []
    for i in range(4):  # distinct thermal-like frames, values 15000..30000
        a = 20000 + 5000 * np.sin(x / (5 + 3 * i)) + 4000 * np.exp(
            -((x - 10 * i - 8) ** 2 + (y - 10 * i - 5) ** 2) / 40)
        paths.append(tmp_path / f"t{i}.png")
        Image.fromarray(a.astype(np.uint16)).save(paths[-1])
    H, C = perceptual_hashes(paths, return_colour=True)
    assert len(set(_near_groups_hashes(H, 10, C, 24.0)[0].tolist())) == 4
    assert (C < 200).all()
    ds = DetectionDataset(images=paths, boxes=[np.zeros((0, 5))] * 4, names={0: "a"})
    assert ThumbnailEmbedder(size=8).raw_features(ds).std(axis=0).max() > 0.01
    from datareduce.detection.dataset import _upright_rgb

    with Image.open(paths[0]) as im:  # OpenCV's 16-to-8-bit scaling (value / 256)
        rgb = np.asarray(_upright_rgb(im), dtype=np.int64)
        assert np.abs(rgb[..., 0] - np.rint(np.asarray(im) / 256)).max() <= 1


def test_embedding_caches_from_before_16_bit_scaling_are_not_reused(tmp_path):
    import hashlib
    import json
    import os

    from PIL import Image

    from datareduce.detection import ThumbnailEmbedder

    p = tmp_path / "t.png"
    Image.fromarray((np.arange(400).reshape(20, 20) * 100).astype(np.uint16)).save(p)
    ds = DetectionDataset(images=[p, p], boxes=[np.zeros((0, 5))] * 2, names={0: "a"})
    emb = ThumbnailEmbedder(size=4, n_components=None, cache_dir=tmp_path / "cache")
    h = hashlib.sha256()  # the key of a cache written while 16-bit images were clipped
    h.update(json.dumps(emb.describe(), sort_keys=True, default=str).encode())
    h.update(b"pixels: EXIF orientation applied")
    for img, boxes in zip(ds.images, ds.boxes, strict=True):
        st = os.stat(img)
        h.update(f"{img}|{st.st_size}|{st.st_mtime_ns}".encode())
        h.update(np.ascontiguousarray(boxes).tobytes())
    (tmp_path / "cache").mkdir()
    np.save(tmp_path / "cache" / f"thumbnail-{h.hexdigest()[:24]}.npy", np.full((2, 78), -7.0))
    assert not (emb.embed(ds) == -7.0).all()


def test_split_yolo_leaves_an_unlabelled_test_split_out_of_the_pool(tmp_path):
    import json

    from datareduce.detection.split import split_yolo

    src = tmp_path / "src"
    for split, n, labelled in (("train", 6, True), ("val", 2, True), ("test", 3, False)):
        for i in range(n):
            _png(src / f"images/{split}/{split}_v{i}.png", 10 * len(split) + i)
            if labelled:
                _txt(src / f"labels/{split}/{split}_v{i}.txt")
    (src / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\n"
                                   "test: images/test\nnames: [car]\n")
    with pytest.warns(UserWarning, match="'test' split has no label file"):
        out = split_yolo(src / "data.yaml", tmp_path / "out", groups=r"^(\w+_v\d)", val=0.25,
                         random_state=0)
    names = [p.name for p in (out.parent / "images").rglob("*.png")]
    assert len(names) == 8 and not any(n.startswith("test_") for n in names)
    man = json.loads((out.parent / "manifest.json").read_text())
    assert man["source"]["unlabelled_splits_left_out"] == {"test": 3}


def test_auto_groups_reuse_the_near_duplicate_groups_of_the_dedup(tmp_path, monkeypatch):
    import datareduce.detection.dedup as dd
    import datareduce.detection.hashing as hh
    from datareduce.detection import Deduplicator, load_yolo, make_shapes_dataset
    from datareduce.detection.groups import sequence_groups

    ds = load_yolo(make_shapes_dataset(tmp_path, n_train=40, n_val=3, random_state=0))
    expected = sequence_groups(ds)
    calls = _count_hashes(monkeypatch, hh, dd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr = DetectionReducer("srs", keep=0.3, embedder="label", groups="auto",
                              random_state=0).fit(ds)
        assert calls == [40] and np.array_equal(dr.groups_, expected)
        calls.clear()
        Deduplicator("near", groups="auto", max_per_group=2).fit(ds)
        assert calls == [40]
        calls.clear()  # other parameters: the groups are searched for on their own
        dr = DetectionReducer("srs", keep=0.3, embedder="label", groups="auto",
                              dedup=Deduplicator("near", threshold=4), random_state=0).fit(ds)
        assert calls == [40, 40] and np.array_equal(dr.groups_, expected)


def test_groups_of_a_cap_are_found_once(tmp_path, monkeypatch):
    import datareduce.detection.hashing as hh
    from datareduce.detection import Deduplicator, load_yolo, make_shapes_dataset

    ds = load_yolo(make_shapes_dataset(tmp_path, n_train=30, n_val=3, random_state=0))
    calls = _count_hashes(monkeypatch, hh)
    with warnings.catch_warnings():  # what `datareduce yolo --group auto --max-per-group 3` runs
        warnings.simplefilter("ignore")
        dr = DetectionReducer("srs", keep=0.3, embedder="label", groups="auto", random_state=0,
                              dedup=Deduplicator("none", groups="auto", max_per_group=3)).fit(ds)
    assert calls == [30] and len(dr.groups_) == 30
