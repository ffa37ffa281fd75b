"""Detection safety: the source is never written into, bad images are named at load time,
``--overwrite`` removes only recorded files, and the smaller defects of issue 14."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PIL")
yaml = pytest.importorskip("yaml")

from _detection_data import tree_hash  # noqa: E402
from datareduce.detection import (  # noqa: E402
    DetectionReducer,
    load_coco,
    load_yolo,
    make_shapes_dataset,
    write_yolo_subset,
)


@pytest.fixture
def apart(tmp_path):
    """A dataset whose splits are absolute paths outside the YAML's ``path:``."""
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=16, n_val=4, n_near_duplicates=0, rare_images=0)
    (tmp_path / "cfg").mkdir()
    cfg = tmp_path / "cfg" / "data.yaml"
    cfg.write_text(yaml.safe_dump({"path": str(tmp_path / "cfg"),
                                   "train": str(src / "images" / "train"),
                                   "val": str(src / "images" / "val"), "nc": 5}))
    return src, cfg


def test_output_inside_a_split_outside_path_is_refused(apart):
    src, cfg = apart
    ds = load_yolo(cfg)
    before = tree_hash(src)
    for out in (src / "images" / "train" / "reduced", src / "images" / "val" / "r",
                src / "labels" / "train" / "r"):
        with pytest.raises(ValueError, match="is inside the source"):
            write_yolo_subset(ds, [0, 1], out)
    assert tree_hash(src) == before


def test_output_containing_a_split_is_refused(tmp_path):
    src = tmp_path / "a"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    other = tmp_path / "elsewhere" / "val"
    other.parent.mkdir()
    os.rename(src / "images" / "val", other)
    cfg = src / "data.yaml"
    cfg.write_text(yaml.safe_dump({"train": "images/train", "val": str(other), "nc": 5}))
    ds = load_yolo(cfg)
    with pytest.raises(ValueError, match="contains the source"):
        write_yolo_subset(ds, [0], tmp_path / "elsewhere", overwrite=True)


def test_output_link_into_the_source_is_refused(apart, tmp_path):
    src, cfg = apart
    ds = load_yolo(cfg)
    (src / "images" / "train" / "empty").mkdir()
    before = tree_hash(src)
    link = tmp_path / "out-link"
    link.symlink_to(src / "images" / "train" / "empty", target_is_directory=True)
    with pytest.raises(ValueError, match=r"out-link leads to .* is inside the source"):
        write_yolo_subset(ds, [0, 1], link)
    assert tree_hash(src) == before and not any((src / "images" / "train" / "empty").iterdir())


def test_output_inside_folders_a_list_names_is_refused(tmp_path):
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    lists = tmp_path / "lists"
    lists.mkdir()
    imgs = sorted((src / "images" / "train").iterdir())
    (lists / "train.txt").write_text("".join(f"{p}\n" for p in imgs[:8]))
    (lists / "val.txt").write_text("".join(f"{p}\n" for p in sorted(
        (src / "images" / "val").iterdir())))
    cfg = lists / "d.yaml"
    cfg.write_text(yaml.safe_dump({"train": "train.txt", "val": "val.txt", "nc": 5}))
    ds = load_yolo(cfg)
    with pytest.raises(ValueError, match="inside the source"):
        write_yolo_subset(ds, [0, 1], src / "images" / "val" / "sub")
    with pytest.raises(ValueError, match="inside the source"):
        write_yolo_subset(ds, [0, 1], src / "labels" / "train" / "sub")


def test_cli_checks_the_output_before_embedding(tmp_path, monkeypatch, capsys):
    from datareduce.cli import main
    from datareduce.detection import ThumbnailEmbedder

    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("x")

    def boom(*a, **k):
        raise AssertionError("embedded before checking the output")

    monkeypatch.setattr(ThumbnailEmbedder, "embed", boom)
    assert main(["yolo", str(src / "data.yaml"), "--output", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["yolo", str(src / "data.yaml"), "--output", str(src / "images")]) == 2
    assert "source" in capsys.readouterr().err


def test_overwrite_removes_only_recorded_files(tmp_path):
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    ds = load_yolo(src / "data.yaml")
    out = tmp_path / "out"
    write_yolo_subset(ds, [0, 1, 2], out)
    man = json.loads((out / "manifest.json").read_text())
    assert "data.yaml" in man["written_files"] and "images/train/train_00000.png" in \
        man["written_files"] and "labels/val.cache" in man["tool_files"]
    (out / "notes.txt").write_text("my notes")  # a file of the user's, at the top
    stray = out / "images" / "train" / "added_by_hand.png"
    stray.write_bytes(b"x")
    with pytest.raises(FileExistsError, match="does not record"):
        write_yolo_subset(ds, [3, 4], out, overwrite=True)
    assert stray.exists() and (out / "images" / "train" / "train_00000.png").is_symlink()
    stray.unlink()
    (out / "labels" / "train.cache").write_bytes(b"ultralytics cache")
    write_yolo_subset(ds, [3, 4], out, overwrite=True)
    assert (out / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in (out / "images" / "train").iterdir()) == \
        ["train_00003.png", "train_00004.png"]
    assert not (out / "labels" / "train.cache").exists()
    # an output written by an older version (no file record) is not cleared
    man = json.loads((out / "manifest.json").read_text())
    del man["written_files"]
    (out / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(FileExistsError, match="older datareduce"):
        write_yolo_subset(ds, [5], out, overwrite=True)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_truncated_jpeg_named_at_load_and_skip_records_it(tmp_path):
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0,
                        image_format="jpg")
    bad = sorted((src / "images" / "train").iterdir())[4]
    _truncate(bad)
    with pytest.raises(ValueError) as err:
        load_yolo(src / "data.yaml")
    msg = str(err.value)
    assert f"{bad}: cannot be decoded" in msg and "re-save" in msg and "on_error='skip'" in msg
    with pytest.warns(UserWarning, match="left out 1 image"):
        ds = load_yolo(src / "data.yaml", on_error="skip")
    assert bad not in ds.images and len(ds) == 11
    dr = DetectionReducer("srs", keep=0.5, embedder="thumbnail", random_state=0,
                          embedder_params={"size": 4, "n_components": 3}).fit(ds)
    dr.write(tmp_path / "out")
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert any(str(bad) in s and "cannot be decoded" in s for s in man["load_issues"])
    # without the check at load, the embedder names the file (not a batch)
    from datareduce.detection import ThumbnailEmbedder

    unchecked = load_yolo(src / "data.yaml", verify_images=False)
    with pytest.raises(OSError, match=f"{bad}: cannot be decoded"):
        ThumbnailEmbedder(size=4, n_components=3).embed(unchecked)


def test_cli_advises_its_own_flag(tmp_path, capsys):
    from datareduce.cli import main

    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    (src / "images" / "train" / "train_00002.png").write_bytes(b"broken")
    assert main(["yolo", str(src / "data.yaml"), "--embedder", "label",
                 "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--on-error skip" in err and "on_error='skip'" not in err
    assert not (tmp_path / "o").exists()


def test_manifest_says_precomputed(tmp_path):
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    ds = load_yolo(src / "data.yaml")
    dr = DetectionReducer("srs", keep=0.5, embedder="thumbnail", categories=None,
                          random_state=0).fit(ds, embeddings=np.random.default_rng(0).random(
                              (len(ds), 3)))
    assert dr.manifest()["embedder"] == "precomputed"
    dr2 = DetectionReducer("srs", keep=0.5, embedder="label", categories=None).fit(ds)
    assert dr2.manifest()["embedder"]["name"] == "label"


def test_warnings_name_plain_categories_and_lost_class_advice():
    from datareduce.detection import DetectionDataset

    b = lambda *c: np.array([[k, .5, .5, .1, .1] for k in c]).reshape(-1, 5)  # noqa: E731
    ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(8)],
                          boxes=[b(0), b(0), b(0), b(0), b(0), b(0), b(0, 1), b(0, 1)],
                          names={0: "ball", 1: "goal"})
    X = np.arange(16.0).reshape(8, 2)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        DetectionReducer("srs", keep=1, random_state=0, dedup=None,
                         categories=np.array(["ball"] * 6 + ["ball+goal"] * 2)).fit(
                             ds, embeddings=X)
    text = " | ".join(str(w.message) for w in rec)
    assert "np.str_" not in text and "'ball+goal'" in text
    assert "keeps no box of class(es) goal:" in text
    assert "stratify by" not in text  # it is stratified already: other advice
    from datareduce.detection import TopScoreReducer

    first = np.column_stack([-np.arange(8.0), np.arange(8.0)])  # keeps image 0 (no goal)
    with pytest.warns(UserWarning, match="stratify by image categories"):
        DetectionReducer(TopScoreReducer(stratify=False), keep=1, categories=None).fit(
            ds, embeddings=first)


def test_cli_keep_one_is_refused_as_ambiguous(tmp_path, capsys):
    from datareduce.cli import main

    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    assert main(["yolo", str(src / "data.yaml"), "--keep", "1", "--embedder", "label",
                 "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "1.0" in err and "1img" in err
    assert main(["yolo", str(src / "data.yaml"), "--keep", "1img", "--embedder", "label",
                 "--no-stratify", "--output", str(tmp_path / "o")]) == 0
    assert "keeping 1 image" in capsys.readouterr().err  # a note: stderr (8297632)
    assert len(load_yolo(tmp_path / "o" / "data.yaml")) == 1


def test_orphan_label_file_warns(tmp_path):
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0)
    (src / "labels" / "train" / "ghost.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    with pytest.warns(UserWarning, match=r"1 label file\(s\) have no image .*ghost.txt"):
        ds = load_yolo(src / "data.yaml")
    assert any("ghost.txt" in i.file for i in ds.issues)


def test_coco_with_every_image_missing_is_an_error(tmp_path):
    coco = {"images": [{"id": 1, "file_name": "a.png", "width": 10, "height": 10}],
            "annotations": [], "categories": [{"id": 1, "name": "x"}]}
    (tmp_path / "ann.json").write_text(json.dumps(coco))
    with pytest.raises(ValueError, match="no usable image"), pytest.warns(UserWarning):
        load_coco(tmp_path / "ann.json", on_error="skip")


def test_list_layout_refuses_jpegs_ultralytics_would_rewrite(tmp_path):
    src = tmp_path / "src"
    make_shapes_dataset(src, n_train=12, n_val=3, n_near_duplicates=0, rare_images=0,
                        image_format="jpg")
    p = sorted((src / "images" / "train").iterdir())[0]
    p.write_bytes(p.read_bytes() + b"\x00\x00")  # decodes, but no end marker at the end
    ds = load_yolo(src / "data.yaml")
    with pytest.raises(ValueError, match="end marker"):
        write_yolo_subset(ds, [0, 1], tmp_path / "o", layout="list")
    write_yolo_subset(ds, [0, 1], tmp_path / "o2")  # symlink: Ultralytics replaces the link
