"""Detection sources as people have them: clashing file names (and a source never written
into through them), linked sub-folders, hidden files, ``validation:``, a missing ``test:``
folder, EXIF-rotated photos; and ``--group auto --max-per-group``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PIL")
yaml = pytest.importorskip("yaml")

from PIL import Image  # noqa: E402

from _detection_data import tree_hash  # noqa: E402
from datareduce.detection import load_yolo, write_yolo_subset  # noqa: E402


def _img(path, k: int, size: int = 32) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(k)
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)


def _lbl(path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _pair(root, rel: str, k: int) -> None:
    """An image ``root/images/<rel>`` and its label ``root/labels/<rel stem>.txt``."""
    _img(Path(root) / "images" / rel, k)
    _lbl((Path(root) / "labels" / rel).with_suffix(".txt"), f"{k % 3} 0.5 0.5 0.2 0.2\n")


def _check_written(out: Path) -> None:
    """Every kept image is in the output with its own bytes and its own label."""
    man = json.loads((out / "manifest.json").read_text())
    written = [k["written"] for k in man["kept_images"]]
    assert len(set(written)) == len(written)
    for k in man["kept_images"]:
        src, dst = Path(k["source"]), out / k["written"]
        assert dst.read_bytes() == src.read_bytes()
        src_lbl = Path(str(src).replace("/images/", "/labels/")).with_suffix(".txt")
        dst_lbl = (out / k["written"].replace("images/", "labels/", 1)).with_suffix(".txt")
        assert dst_lbl.read_text() == src_lbl.read_text()


# --- clashing output names never write into the source ------------------------------------

@pytest.mark.parametrize("layout", ["symlink", "copy"])
def test_clashing_names_are_unique_and_the_source_is_untouched(tmp_path, layout):
    src = tmp_path / "src"
    for k, rel in enumerate(["train/000001_x.png", "train/a/x.png", "train/b/x.png"]):
        _pair(src, rel, k)
    _img(src / "images/val/v.png", 9)
    (src / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [a, b, c]\n")
    before = tree_hash(src)
    ds = load_yolo(src / "data.yaml")
    out = tmp_path / "out"
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")  # no "symbolic links unavailable"
        write_yolo_subset(ds, range(len(ds)), out, layout=layout)
    assert tree_hash(src) == before
    assert len(list((out / "images/train").iterdir())) == 3
    assert len(list((out / "labels/train").iterdir())) == 3
    _check_written(out)
    assert json.loads((out / "manifest.json").read_text())["layout"] == layout


def test_merging_a_previous_output_with_new_data(tmp_path):
    first = tmp_path / "first"
    for k, rel in enumerate(["train/cam1/x.png", "train/cam2/x.png"]):
        _pair(first, rel, k)
    _img(first / "images/val/v.png", 9)
    (first / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [a, b, c]\n")
    ds = load_yolo(first / "data.yaml")
    write_yolo_subset(ds, range(len(ds)), tmp_path / "prev", layout="copy")
    assert sorted(p.name for p in (tmp_path / "prev/images/train").iterdir()) == \
        ["000000_x.png", "000001_x.png"]
    new = tmp_path / "new"
    for k, rel in enumerate(["train/cam3/x.png", "train/cam4/x.png"], start=3):
        _pair(new, rel, k)
    merged = tmp_path / "merged.yaml"
    merged.write_text(f"train: [{new}/images/train, {tmp_path}/prev/images/train]\n"
                      f"val: {first}/images/val\nnames: [a, b, c]\n")
    before = (tree_hash(new), tree_hash(tmp_path / "prev"))
    ds = load_yolo(merged)
    assert len(ds) == 4
    out = tmp_path / "out"
    write_yolo_subset(ds, range(4), out)
    assert (tree_hash(new), tree_hash(tmp_path / "prev")) == before
    assert len(list((out / "images/train").iterdir())) == 4
    _check_written(out)


def test_an_existing_name_is_an_error_never_a_copy_through_it(tmp_path):
    from datareduce.detection.writer import _Placer

    victim = tmp_path / "victim.txt"
    victim.write_text("source")
    other = tmp_path / "other.txt"
    other.write_text("new")
    for layout in ("symlink", "copy"):
        dst = tmp_path / f"dst_{layout}"
        os.symlink(victim, dst)
        place = _Placer(layout)
        with pytest.raises(FileExistsError, match="already exists"):
            place(other, dst)
        assert not place.fell_back
        assert victim.read_text() == "source"


def test_unique_names_avoid_every_taken_name():
    from datareduce.detection.writer import _unique_names

    paths = [Path(p) for p in ("s/000001_x.png", "a/x.png", "b/x.png", "c/000002_x.jpg",
                               "d/X.png")]
    names = _unique_names(paths)
    stems = [Path(n).stem.lower() for n in names]
    assert len(set(stems)) == len(stems)
    assert names[0] == "000001_x.png" and names[3] == "000002_x.jpg"


# --- linked sub-folders are read, as Ultralytics reads them -------------------------------

def _linked_dataset(root):
    """train: 2 images of its own + a linked sub-folder of 3 (labels linked alike); val: 1
    image + a linked sub-folder of 2; a link in train back to train (a loop)."""
    root = Path(root)
    for i, n in enumerate(["s1", "s2", "s3"]):
        _img(root / f"extra/images/{n}.png", i)
        _lbl(root / f"extra/labels/{n}.txt", "0 0.5 0.5 0.2 0.2\n")
    for i, n in enumerate(["w1", "w2"]):
        _img(root / f"extra_val/images/{n}.png", 30 + i)
        _lbl(root / f"extra_val/labels/{n}.txt", "0 0.5 0.5 0.2 0.2\n")
    for i, n in enumerate(["t1", "t2"]):
        _pair(root, f"train/{n}.png", 10 + i)
    _pair(root, "val/v.png", 20)
    os.symlink(root / "extra/images", root / "images/train/linked")
    os.symlink(root / "extra/labels", root / "labels/train/linked")
    os.symlink(root / "extra_val/images", root / "images/val/linked")
    os.symlink(root / "extra_val/labels", root / "labels/val/linked")
    os.symlink(root / "images/train", root / "images/train/loop")
    (root / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [a, b, c]\n")
    return root / "data.yaml"


def test_linked_sub_folders_are_read_and_written(tmp_path):
    import glob

    cfg = _linked_dataset(tmp_path / "src")
    with pytest.warns(UserWarning, match="a loop"):
        ds = load_yolo(cfg)
    ul = glob.glob(str(tmp_path / "src/images/train/**/*.*"), recursive=True)
    assert len(ul) > 5  # Ultralytics' glob follows the links (the loop a few levels deep)
    assert sorted(p.name for p in ds.images) == ["s1.png", "s2.png", "s3.png", "t1.png", "t2.png"]
    assert ds.instances_per_class().tolist() == [3, 1, 1]
    assert len(load_yolo(cfg, split="val")) == 3
    before = tree_hash(tmp_path / "src")
    out = tmp_path / "out"
    write_yolo_subset(ds, range(5), out)
    assert tree_hash(tmp_path / "src") == before
    assert len(list((out / "images/val").iterdir())) == 3
    assert len(list((out / "labels/val").iterdir())) == 3
    _check_written(out)


def test_yolo_split_and_audit_read_linked_sub_folders(tmp_path, capsys):
    from datareduce.cli import main

    cfg = _linked_dataset(tmp_path / "src")
    out = tmp_path / "out"
    assert main(["yolo-split", str(cfg), "--group", r"^(\w)", "--val", "0.3",
                 "--output", str(out)]) == 0
    assert "a loop" in capsys.readouterr().err
    man = json.loads((out / "manifest.json").read_text())
    assert sum(man["n_images"].values()) == 8
    assert main(["yolo-audit", str(cfg), "--json", str(tmp_path / "a.json")]) == 0
    rep = json.loads((tmp_path / "a.json").read_text())
    assert rep["n_train"] == 5 and rep["counts"]["val"]["other_total"] == 3


# --- 'validation:' is the val split, as Ultralytics reads it ----------------------------

def _validation_key_dataset(root):
    root = Path(root)
    for i, n in enumerate("abcdef"):
        _pair(root, f"train/{n}.png", i)
    _pair(root, "val/v.png", 20)
    _pair(root, "val/w.png", 21)
    (root / "data.yaml").write_text("train: images/train\nvalidation: images/val\n"
                                    "names: [a, b, c]\n")
    return root / "data.yaml"


def test_validation_key_is_the_val_split(tmp_path):
    import warnings

    cfg = _validation_key_dataset(tmp_path / "src")
    assert sorted(p.name for p in load_yolo(cfg, split="val").images) == ["v.png", "w.png"]
    ds = load_yolo(cfg)
    assert set(ds.splits) == {"train", "val"}
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "the source has no validation split"
        write_yolo_subset(ds, [0, 2, 4], out)
    written = yaml.safe_load((out / "data.yaml").read_text())
    assert written["val"] == "images/val" and "validation" not in written
    assert sorted(p.name for p in (out / "images/val").iterdir()) == ["v.png", "w.png"]
    assert sorted(p.name for p in load_yolo(out / "data.yaml", split="val").images) == \
        ["v.png", "w.png"]
    ul = pytest.importorskip("ultralytics.data.utils")
    assert Path(ul.check_det_dataset(str(out / "data.yaml"), autodownload=False)["val"]) == \
        out / "images/val"


def test_validation_key_in_yolo_split_and_audit(tmp_path):
    from datareduce.detection.split import split_yolo
    from datareduce.detection.writer import source_locations

    cfg = _validation_key_dataset(tmp_path / "src")
    ds = load_yolo(cfg)
    assert tmp_path / "src/images/val" in source_locations(ds)
    out = split_yolo(cfg, tmp_path / "out", groups=r"^(\w)", val=0.3, random_state=0)
    man = json.loads((out.parent / "manifest.json").read_text())
    assert man["source"]["splits"] == {"train": 6, "val": 2}
    assert sum(man["n_images"].values()) == 8
    from datareduce.cli import main

    assert main(["yolo-audit", str(cfg), "--json", str(tmp_path / "a.json")]) == 0
    assert json.loads((tmp_path / "a.json").read_text())["counts"]["val"]["other_total"] == 2


# --- --group auto --max-per-group: the near-duplicate chains, not a regex 'auto' ---------

def test_group_auto_with_a_cap_uses_near_duplicate_chains(tmp_path):
    from _detection_data import write_group_layout
    from datareduce.detection import Deduplicator
    from datareduce.detection.groups import sequence_groups

    write_group_layout(tmp_path / "src", [{"train": 3}, {"train": 3}, {"train": 1},
                                          {"train": 1}, {"val": 1}])
    ds = load_yolo(tmp_path / "src/data.yaml")
    n_chains = len(np.unique(sequence_groups(ds)))
    assert n_chains == 4
    d = Deduplicator("none", groups="auto", max_per_group=1).fit(ds)
    assert d.keep_mask_.sum() == n_chains


def test_cli_group_auto_cap_on_names_containing_auto(tmp_path, capsys):
    from datareduce.cli import main

    src = tmp_path / "src"
    for i in range(6):
        _pair(src, f"train/automobile_{i:03d}.png", 3 * i)  # 6 distinct images, class 0
    _pair(src, "val/v.png", 99)
    (src / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [car]\n")
    assert main(["yolo", str(src / "data.yaml"), "--keep", "1.0", "--group", "auto",
                 "--max-per-group", "2", "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "images: 6 -> 6" in out.out
    assert "matches no part" not in out.err


# --- a split folder that does not exist: checked first, as Ultralytics checks it ---------

def _missing_test_dataset(root):
    from datareduce.detection import make_shapes_dataset

    make_shapes_dataset(root, n_train=8, n_val=2, n_near_duplicates=0, rare_images=0)
    with open(root / "data.yaml", "a") as f:
        f.write("test: images/test\n")
    return root / "data.yaml"


def test_missing_test_folder_is_left_out_with_a_warning(tmp_path, capsys):
    from datareduce.cli import main

    cfg = _missing_test_dataset(tmp_path / "src")
    with pytest.warns(UserWarning, match="'test' split is left out"):
        ds = load_yolo(cfg)
    assert set(ds.splits) == {"train", "val"}
    out = tmp_path / "out"
    assert main(["yolo", str(cfg), "--keep", "0.5", "--output", str(out)]) == 0
    assert "left out" in capsys.readouterr().err
    assert "test" not in yaml.safe_load((out / "data.yaml").read_text())
    assert main(["yolo-audit", str(cfg)]) == 0
    assert main(["yolo-split", str(cfg), "--group", r"^(\w+_\d)", "--val", "0.3",
                 "--output", str(tmp_path / "split")]) == 0


def test_missing_val_folder_fails_before_embedding(tmp_path, monkeypatch, capsys):
    from datareduce.cli import main
    from datareduce.detection import ThumbnailEmbedder

    cfg = _missing_test_dataset(tmp_path / "src")
    cfg.write_text(cfg.read_text().replace("val: images/val", "val: images/nowhere"))

    def boom(*a, **k):
        raise AssertionError("embedded before checking the splits")

    monkeypatch.setattr(ThumbnailEmbedder, "embed", boom)
    assert main(["yolo", str(cfg), "--keep", "0.5", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "images/nowhere does not exist" in err and "requires train and val" in err


def test_previous_output_kept_until_the_new_one_is_complete(tmp_path, monkeypatch):
    from datareduce.detection import writer

    cfg = _missing_test_dataset(tmp_path / "src")
    cfg.write_text(cfg.read_text().replace("test: images/test\n", ""))
    ds = load_yolo(cfg)
    out = tmp_path / "out"
    write_yolo_subset(ds, [0, 1, 2], out, layout="copy")
    before = tree_hash(out)
    calls = []

    def failing_copy(src, dst):
        calls.append(dst)
        if len(calls) == 5:
            raise OSError("disk full")
        return real_copy(src, dst)

    real_copy = writer._copy_new
    monkeypatch.setattr(writer, "_copy_new", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        write_yolo_subset(ds, [3, 4, 5, 6], out, layout="copy", overwrite=True)
    assert tree_hash(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]  # no partial folder
    monkeypatch.undo()
    write_yolo_subset(ds, [3, 4, 5, 6], out, layout="copy", overwrite=True)
    assert len(list((out / "images/train").iterdir())) == 4
    _check_written(out)


# --- hidden files and folders are not images of the split, as for Ultralytics -----------

def test_hidden_files_and_folders_are_skipped(tmp_path):
    import glob

    src = tmp_path / "src"
    for i, n in enumerate("abc"):
        _pair(src, f"train/{n}.png", i)
    _pair(src, "val/v.png", 9)
    _img(src / "images/train/.ipynb_checkpoints/a-checkpoint.png", 0)
    (src / "images/train/._b.png").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 80)  # AppleDouble
    _lbl(src / "labels/train/.ipynb_checkpoints/a-checkpoint.txt", "0 0.5 0.5 0.2 0.2\n")
    (src / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [a, b, c]\n")
    ul = glob.glob(str(src / "images/train/**/*.*"), recursive=True)
    assert sorted(Path(p).name for p in ul) == ["a.png", "b.png", "c.png"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no orphan-label warning for the hidden label
        ds = load_yolo(src / "data.yaml")
    assert sorted(p.name for p in ds.images) == ["a.png", "b.png", "c.png"]
    out = tmp_path / "out"
    write_yolo_subset(ds, range(3), out)
    assert sorted(p.name for p in (out / "images/train").iterdir()) == ["a.png", "b.png", "c.png"]


# --- EXIF orientation: images are read upright, as Ultralytics reads them ---------------

def test_exif_rotated_photo_is_read_upright(tmp_path):
    from datareduce.detection import get_embedder
    from datareduce.detection.embedders import _thumbnail

    src = tmp_path / "src"
    (src / "images/train").mkdir(parents=True)
    arr = np.zeros((60, 100, 3), np.uint8)
    arr[5:25, 5:25] = (255, 0, 0)  # a red object top left, as displayed
    up = Image.fromarray(arr)
    up.save(src / "images/train/upright.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    up.transpose(Image.Transpose.ROTATE_90).save(src / "images/train/phone.png", exif=exif)
    arr[5:25, 5:25] = (0, 0, 255)
    Image.fromarray(arr).save(src / "images/train/zblue.png")  # another object, same place
    for n in ("upright", "phone", "zblue"):
        _lbl(src / f"labels/train/{n}.txt", "0 0.15 0.25 0.2 0.333\n")
    _img(src / "images/val/v.png", 1)
    (src / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [obj]\n")
    ds = load_yolo(src / "data.yaml")
    assert [p.name for p in ds.images] == ["phone.png", "upright.png", "zblue.png"]
    E = get_embedder("crops").embed(ds)
    assert np.allclose(E[0], E[1], atol=1e-4) and not np.allclose(E[0], E[2], atol=1e-2)
    a, b = (_thumbnail(p, 8, 8) for p in ds.images[:2])
    assert np.allclose(a, b, atol=1e-4)
    pytest.importorskip("imagehash")
    from datareduce.detection.hashing import perceptual_hashes

    H = perceptual_hashes(ds.images)
    assert (H[0] == H[1]).all()
