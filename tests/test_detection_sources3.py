"""Detection sources, fourth round (a tester's report, explore3/detection): report files
kept out of the source, ``names:`` mappings, empty group splits, label files as Ultralytics
reads them (byte-order mark, 1% coordinate tolerance, mixed box and polygon rows), labels
lost behind a linked image folder, Ultralytics' ``.npy`` image caches in an output."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PIL")
yaml = pytest.importorskip("yaml")

from PIL import Image  # noqa: E402

from _detection_data import tree_hash  # noqa: E402
from datareduce.cli import main  # noqa: E402
from datareduce.detection import load_yolo, make_shapes_dataset  # noqa: E402


def _small(root, n_train: int = 12, n_val: int = 3) -> Path:
    """A small generated dataset; returns its data YAML."""
    return make_shapes_dataset(root, n_train=n_train, n_val=n_val, n_near_duplicates=0,
                               rare_images=0, image_size=32, p_empty=0.0, random_state=0)


def _img(path, k: int, size: int = 32) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(k)
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)


def _ultralytics_read(image, gray=False):
    """The image as `yolo train cache=disk` stores it (Ultralytics' own imread)."""
    cv2 = pytest.importorskip("cv2")
    patches = pytest.importorskip("ultralytics.utils.patches")
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    return patches.imread(str(image), flags=flag)


def _plain(root, n_train: int = 6, n_val: int = 2, names="[a, b]") -> Path:
    """images/{train,val}/<split><i>.png with one box each; returns the data YAML."""
    root = Path(root)
    for split, n in (("train", n_train), ("val", n_val)):
        for i in range(n):
            _img(root / f"images/{split}/{split}{i}.png", i + 100 * (split == "val"))
            lbl = root / f"labels/{split}/{split}{i}.txt"
            lbl.parent.mkdir(parents=True, exist_ok=True)
            lbl.write_text(f"{i % 2} 0.5 0.5 0.2 0.2\n")
    (root / "data.yaml").write_text(f"path: {root}\ntrain: images/train\nval: images/val\n"
                                    f"names: {names}\n")
    return root / "data.yaml"


# --- 08: report, audit and cache files are never written into the source ---------------

@pytest.mark.parametrize("option, place", [
    ("--report-png", "images/train/report.png"),
    ("--report-png", "labels/train/report.png"),
    ("--cache-dir", "images/train/cache"),
])
def test_yolo_refuses_report_and_cache_inside_the_source(tmp_path, capsys, option, place):
    data = _small(tmp_path / "src")
    src = data.parent
    before = tree_hash(src)
    code = main(["yolo", str(data), "--keep", "0.5", "--embedder", "label", "--dry-run",
                 option, str(src / place), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert option in err and "inside the source" in err
    assert len(err.strip().splitlines()) == 1
    assert tree_hash(src) == before


@pytest.mark.parametrize("option, place", [
    ("--json", "labels/train/leaks.json"),
    ("--report", "images/val/leaks.html"),
    ("--contact-sheet", "images/train/sheet.png"),
])
def test_yolo_audit_refuses_files_inside_the_source(tmp_path, capsys, option, place):
    data = _small(tmp_path / "src")
    src = data.parent
    before = tree_hash(src)
    assert main(["yolo-audit", str(data), option, str(src / place), "-q"]) == 2
    err = capsys.readouterr().err
    assert option in err and "inside the source" in err
    assert tree_hash(src) == before


def test_report_through_a_link_into_the_source_is_refused(tmp_path, capsys):
    data = _small(tmp_path / "src")
    # (a link to images/train: the YAML has no path:, so its folder is not a source place as
    # a whole, only the split folders and their label folders are; review3/r3 01)
    os.symlink(data.parent / "images/train", tmp_path / "elsewhere")
    assert main(["yolo-audit", str(data), "--json", str(tmp_path / "elsewhere/leaks.json"),
                 "-q"]) == 2
    assert "--json" in capsys.readouterr().err
    assert not (data.parent / "images/train/leaks.json").exists()
    assert main(["yolo-audit", str(data), "--json", str(tmp_path / "leaks.json"), "-q"]) == 0
    assert (tmp_path / "leaks.json").is_file()


# --- 04 and 07: names: mappings Ultralytics refuses are refused up front --------------------

def test_names_with_a_gap_is_refused_naming_the_missing_id(tmp_path, capsys):
    data = _plain(tmp_path / "src", names="{0: a, 2: c}")
    with pytest.raises(ValueError, match=r"names: .*no id 1") as info:
        load_yolo(data)
    assert str(data) in str(info.value) and "0..1" in str(info.value)
    out = tmp_path / "out"
    assert main(["yolo", str(data), "--embedder", "label", "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "names:" in err and "no id 1" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("command", ["yolo", "yolo-audit", "yolo-split"])
def test_inverted_names_mapping_is_a_clear_error(tmp_path, capsys, command):
    data = _plain(tmp_path / "src", names="{cat: 0, dog: 1}")
    extra = {"yolo": ["--dry-run", "--embedder", "label"], "yolo-audit": [],
             "yolo-split": ["--group", "(.)", "--val", "0.5", "-o", str(tmp_path / "o")]}
    assert main([command, str(data), *extra[command]]) == 2
    err = capsys.readouterr().err
    assert str(data) in err and "names:" in err and "wrong way round" in err
    assert "{0: cat, 1: dog}" in err and len(err.strip().splitlines()) == 1


# --- 05: a group split that would leave a split empty is refused -------------------------

def test_yolo_split_with_one_group_is_refused_and_writes_nothing(tmp_path, capsys):
    data = _plain(tmp_path / "src", n_train=8, n_val=2)
    out = tmp_path / "out"
    assert main(["yolo-split", str(data), "--group", r"(png)$", "--val", "0.2",
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--group" in err and "--val" in err and "val would get no image" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    from datareduce.detection.split import split_yolo

    with pytest.raises(ValueError, match="1 group"):
        split_yolo(data, out, groups=r"(png)$", val=0.2)
    assert not out.exists()


# --- 01: a label file with a UTF-8 byte-order mark is read as Ultralytics reads it --------

def test_label_file_with_a_byte_order_mark_is_read(tmp_path, capsys):
    data = _plain(tmp_path / "src")
    lbl = data.parent / "labels/train/train0.txt"
    lbl.write_bytes("\ufeff0 0.5 0.5 0.2 0.2\n".encode("utf-8"))
    ds = load_yolo(data)
    k = ds.images.index(data.parent / "images/train/train0.png")
    assert ds.boxes[k].tolist() == [[0, 0.5, 0.5, 0.2, 0.2]] and not ds.issues
    assert main(["yolo", str(data), "--keep", "0.5", "--embedder", "label",
                 "-o", str(tmp_path / "out"), "-q"]) == 0
    # the shape scorer reads polygons from the label files with the same encoding
    from datareduce.detection.objects import ShapeComplexityScorer, shape_complexity

    lbl.write_bytes("\ufeff0 0.2 0.2 0.8 0.2 0.8 0.8 0.2 0.8\n".encode("utf-8"))
    ds = load_yolo(data)

    got = ShapeComplexityScorer().instance_complexity(ds)[k]
    assert got.tolist() == [shape_complexity([0.2, 0.2, 0.8, 0.2, 0.8, 0.8, 0.2, 0.8])]


# --- 03 and 02: label files accepted and refused as Ultralytics 8.4 accepts them ----------

ROWS = [
    "0 0.5 0.5 0.2 1.005",  # height a hair above 1
    "1 -0.004 0.5 0.2 0.2",  # centre a hair below 0
    "0 0.5 0.5 0.2 1.01",
    "0 0.5 0.5 0.2 1.0101",  # beyond the tolerance
    "0 -0.0101 0.5 0.2 0.2",
    "0 0.5 0.5 -0.005 0.2",  # a negative width: no tolerance
    "0 1.005 0.5 0.02 0.2",
    "0 -0.2 0.1 0.4 0.1 0.3 0.4",  # a polygon reaching out: its box is in range
    "0 0.1 0.1 1.4 0.1 0.3 0.4",  # a polygon whose box is not
    "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.4 0.1 0.3 0.4",  # mixed box and polygon rows
    "0 0.1 0.1 0.4 0.1 0.3 0.4\n1 0.5 0.5 0.2 0.2",
    "0 0.1 0.1 0.4 0.1 0.3 0.4\n1 0.5 0.5 0.2 0.2 0.3 0.3",
]


@pytest.mark.parametrize("text", ROWS)
def test_label_rows_are_accepted_exactly_when_ultralytics_accepts_them(tmp_path, text):
    ul = pytest.importorskip("ultralytics.data.utils")
    data = _plain(tmp_path / "src", n_train=3)
    img, lbl = data.parent / "images/train/train0.png", data.parent / "labels/train/train0.txt"
    lbl.write_text(text + "\n")
    r = ul.verify_image_label((str(img), str(lbl), "", False, 2, 0, 0, False))
    ul_accepts = r[8] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_yolo(data, on_error="skip")
    ours = img in ds.images
    assert ours == ul_accepts, (text, r[9], [str(i) for i in ds.issues])
    if ours:
        b = ds.boxes[ds.images.index(img)]
        assert len(b) == len(r[1])
        x1, x2 = b[:, 1] - b[:, 3] / 2, b[:, 1] + b[:, 3] / 2
        y1, y2 = b[:, 2] - b[:, 4] / 2, b[:, 2] + b[:, 4] / 2
        assert (x1 >= -1e-9).all() and (x2 <= 1 + 1e-9).all()  # clipped to the image
        assert (y1 >= -1e-9).all() and (y2 <= 1 + 1e-9).all()


def test_coordinates_within_the_tolerance_are_clipped_with_a_warning(tmp_path, capsys):
    data = _plain(tmp_path / "src")
    (data.parent / "labels/train/train0.txt").write_text("0 0.5 0.5 0.2 1.005\n")
    (data.parent / "labels/train/train1.txt").write_text("1 -0.004 0.5 0.2 0.2\n")
    with pytest.warns(UserWarning, match=r"2 label line\(s\).*clipped"):
        ds = load_yolo(data)
    assert len(ds) == 6 and not ds.issues
    np.testing.assert_allclose(ds.boxes[0], [[0, 0.5, 0.5, 0.2, 1.0]])
    np.testing.assert_allclose(ds.boxes[1], [[1, 0.048, 0.5, 0.096, 0.2]])
    assert main(["yolo", str(data), "--keep", "0.5", "--embedder", "label",
                 "-o", str(tmp_path / "out"), "-q"]) == 0


def test_mixed_box_and_polygon_rows_are_an_issue_with_file_and_line(tmp_path, capsys):
    data = _plain(tmp_path / "src")
    lbl = data.parent / "labels/train/train0.txt"
    lbl.write_text("0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.4 0.1 0.3 0.4\n")
    with pytest.raises(ValueError, match=rf"{lbl}:1: a box row .*polygon rows \(line 2\)"):
        load_yolo(data)
    with pytest.warns(UserWarning, match="left out 1 image"):
        ds = load_yolo(data, on_error="skip")
    assert data.parent / "images/train/train0.png" not in ds.images and len(ds) == 5
    assert main(["yolo", str(data), "--embedder", "label", "-o", str(tmp_path / "o")]) == 2
    assert f"{lbl}:1" in capsys.readouterr().err


# --- 06: labels lost behind a linked image folder are warned about -----------------------

def test_labels_next_to_a_linked_images_folder_are_warned_about(tmp_path):
    data = _plain(tmp_path / "src", n_train=4)
    src, frames = data.parent, tmp_path / "frames"
    (src / "images/train").rename(frames)
    os.symlink(frames, src / "images/train")
    with pytest.warns(UserWarning) as record:
        ds = load_yolo(data)
    text = " ".join(str(w.message) for w in record)
    assert ds.n_boxes == 0  # as Ultralytics reads it: labels next to the link's target
    assert "no image has a label file" in text
    assert "4 label file(s) have no image" in text and "is a link to" in text
    assert str(src / "labels/train/train0.txt") in text
    assert sum(i.message.startswith("label file without an image") for i in ds.issues) == 4


def test_a_split_without_any_label_file_is_warned_about(tmp_path):
    data = _plain(tmp_path / "src", n_train=4)
    for p in (data.parent / "labels/train").iterdir():
        p.unlink()
    with pytest.warns(UserWarning, match="no image has a label file"):
        load_yolo(data)


# --- 09: Ultralytics' cache=disk .npy files are caches of the output, and CLI wording ------

def test_overwrite_removes_ultralytics_npy_caches_of_written_images(tmp_path):
    from datareduce.detection import write_yolo_subset

    data = _plain(tmp_path / "src")
    ds = load_yolo(data)
    out = tmp_path / "out"
    write_yolo_subset(ds, [0, 1, 2], out)
    caches = [p.with_suffix(".npy") for p in (out / "images/train").iterdir()]
    caches += [p.with_suffix(".npy") for p in (out / "images/val").iterdir()]
    for p in caches:  # what `yolo train cache=disk` writes: np.save(imread(image)), HxWx3
        np.save(p, _ultralytics_read(p.with_suffix(".png")))
    stray = out / "images/train/not_an_image_of_ours.npy"
    np.save(stray, np.zeros(1))
    with pytest.raises(FileExistsError, match="not_an_image_of_ours"):
        write_yolo_subset(ds, [3, 4], out, overwrite=True)
    assert all(p.exists() for p in caches)  # nothing removed on refusal
    stray.unlink()
    write_yolo_subset(ds, [3, 4], out, overwrite=True)
    assert not any(p.exists() for p in caches)
    assert sorted(p.name for p in (out / "images/train").iterdir()) == ["train3.png", "train4.png"]


def test_cli_messages_name_the_flags_not_python_arguments(tmp_path, capsys):
    data = _plain(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("x")
    for cmd in (["yolo", str(data), "--embedder", "label", "-o", str(out)],
                ["yolo", str(data), "--embedder", "label", "-o", str(out), "--overwrite"],
                ["yolo-split", str(data), "--group", "(.)", "--val", "0.5", "-o", str(out),
                 "--overwrite"]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert "--overwrite" in err and "overwrite=True" not in err
    (data.parent / "labels/train/train0.txt").write_text("0 0.5 0.5 0.2\n")
    assert main(["yolo", str(data), "--embedder", "label", "-o", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "--on-error skip" in err and "dataset.issues" not in err


# --- review3/r3: the fourth round's fixes, reviewed ---------------------------------------

def _project(tmp_path) -> Path:
    """PROJECT/data.yaml without path:, splits relative to it under datasets/coco."""
    proj = tmp_path / "proj"
    coco = _plain(proj / "datasets/coco").parent
    (coco / "data.yaml").unlink()
    (proj / "data.yaml").write_text("train: datasets/coco/images/train\n"
                                    "val: datasets/coco/images/val\nnames: [a, b]\n")
    return proj / "data.yaml"


def test_yaml_without_path_refuses_only_the_split_folders_not_the_project(tmp_path, capsys):
    # r3 01: the YAML's folder (the root of relative splits) is not a source place as a whole
    from datareduce.detection import check_output_dir

    data = _project(tmp_path)
    proj, coco = data.parent, data.parent / "datasets/coco"
    (proj / "reports").mkdir()
    assert main(["yolo-audit", str(data), "--json", str(proj / "reports/audit.json"),
                 "-q"]) == 0
    assert (proj / "reports/audit.json").is_file()
    assert main(["yolo", str(data), "--keep", "0.5", "--embedder", "label",
                 "--report-png", str(proj / "reports/r.png"),
                 "-o", str(proj / "reduced"), "-q"]) == 0
    assert load_yolo(proj / "reduced/data.yaml").images
    capsys.readouterr()
    for place in ("datasets/coco/labels/train/a.json", "datasets/coco/images/val/a.json"):
        assert main(["yolo-audit", str(data), "--json", str(proj / place), "-q",
                     "--overwrite"]) == 2, place
        assert "inside the source" in capsys.readouterr().err
    ds = load_yolo(data)
    for out in (proj, proj / "datasets", coco / "images/train/o", coco / "labels/train/o"):
        with pytest.raises(ValueError, match="source dataset"):
            check_output_dir(ds, out)
    # with path: the dataset root is still a source place as a whole
    (coco / "data.yaml").write_text(f"path: {coco}\ntrain: images/train\nval: images/val\n"
                                    "names: [a, b]\n")
    with pytest.raises(ValueError, match="source dataset"):
        check_output_dir(load_yolo(coco / "data.yaml"), coco / "reduced")


def test_cache_dir_that_is_a_link_into_the_source_is_refused(tmp_path, capsys):
    # r3 02: a folder is written into wherever it leads: followed to the end
    data = _plain(tmp_path / "src")
    src = data.parent
    (tmp_path / "work").mkdir()
    os.symlink(src / "images/train", tmp_path / "work/cache")
    before = tree_hash(src)
    assert main(["yolo", str(data), "--keep", "0.5", "--dry-run", "--cache-dir",
                 str(tmp_path / "work/cache"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "--cache-dir" in err and "inside the source" in err
    assert tree_hash(src) == before
    # a report file's own link is still not followed (it is replaced, never written through)
    from datareduce.detection.writer import check_outside_source

    os.symlink(src / "images/train/x.json", tmp_path / "work/r.json")
    assert check_outside_source(load_yolo(data), tmp_path / "work/r.json") \
        == Path(os.path.realpath(tmp_path / "work")) / "r.json"


@pytest.mark.parametrize("mine", [
    np.linspace(0, 1, 128),  # a user's feature vector
    np.zeros((32, 32, 3)),  # image-shaped but float64
    np.zeros((2, 2), dtype=np.uint8),  # uint8 of another size
    np.zeros(3, dtype=np.uint8),
    np.ones((32, 32), dtype=np.uint8),  # a mask of the image's size (review3/r4 note)
])
def test_overwrite_keeps_a_same_stem_npy_that_is_no_image_cache(tmp_path, mine):
    # r3 03: only what `cache=disk` writes for that image (uint8, its H and W) is removed
    from datareduce.detection import write_yolo_subset

    ds = load_yolo(_plain(tmp_path / "src"))
    out = tmp_path / "out"
    write_yolo_subset(ds, [0, 1, 2], out)
    cache = out / "images/train/train1.npy"
    np.save(cache, _ultralytics_read(cache.with_suffix(".png"), gray=True))  # removable
    user = out / "images/train/train0.npy"
    np.save(user, mine)
    with pytest.raises(FileExistsError, match="train0.npy"):
        write_yolo_subset(ds, [3, 4], out, overwrite=True)
    assert user.exists() and cache.exists()  # nothing removed
    assert np.array_equal(np.load(user), mine)
    user.unlink()
    write_yolo_subset(ds, [3, 4], out, overwrite=True)
    assert not cache.exists()


def test_linked_dataset_folder_gives_no_orphan_warning(tmp_path):
    # r3 04: /data/coco -> /mnt/coco: labels and images are in the same (linked) place
    _plain(tmp_path / "mnt/coco")
    (tmp_path / "data").mkdir()
    os.symlink(tmp_path / "mnt/coco", tmp_path / "data/coco")
    link = tmp_path / "data/coco"
    data = tmp_path / "data.yaml"
    data.write_text(f"train: {link}/images/train\nval: {link}/images/val\nnames: [a, b]\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = load_yolo(data)
    assert not [str(w.message) for w in record if "no image" in str(w.message)]
    assert len(ds) == 6 and all(lf is not None for lf in ds.label_files) and not ds.issues
    # a real orphan is still found there
    (tmp_path / "mnt/coco/labels/train/gone.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    with pytest.warns(UserWarning, match=r"1 label file\(s\) have no image.*gone\.txt"):
        ds = load_yolo(data)
    assert [i.message for i in ds.issues] == ["label file without an image (ignored)"]


def test_unlabelled_test_split_is_not_warned_about(tmp_path, capsys):
    # r3 05: test labels are optional (`yolo train` never reads them)
    data = _plain(tmp_path / "src")
    src = data.parent
    for i in range(2):
        _img(src / f"images/test/test{i}.png", 200 + i)
    data.write_text(f"path: {src}\ntrain: images/train\nval: images/val\ntest: images/test\n"
                    "names: [a, b]\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = load_yolo(data, split="test")
    assert len(ds) == 2 and not [w for w in record if "label file" in str(w.message)]
    assert main(["yolo-audit", str(data)]) == 0
    assert "no image has a label file" not in capsys.readouterr().err
    for p in (src / "labels/val").iterdir():  # train and val are still warned about
        p.unlink()
    with pytest.warns(UserWarning, match="no image has a label file"):
        load_yolo(data, split="val")


def _box(text: str) -> np.ndarray:
    from datareduce.detection.yolo import _parse_label_text

    clipped: list = []
    boxes, issues = _parse_label_text(text, 2, "x.txt", clipped)
    assert not issues
    return boxes, clipped


def test_box_corners_outside_the_image_are_clipped_whatever_the_values(tmp_path):
    # r3 06: Ultralytics clips every box's corners (Instances.clip), not only rows with a
    # value outside [0, 1]: nearly equal rows give nearly equal boxes
    a, clipped_a = _box("0 0.999 0.5 0.2 0.2\n")
    b, _ = _box("0 1.001 0.5 0.2 0.2\n")
    np.testing.assert_allclose(a, [[0, 0.9495, 0.5, 0.101, 0.2]])
    np.testing.assert_allclose(b, [[0, 0.9505, 0.5, 0.099, 0.2]])
    assert not clipped_a  # values inside [0, 1]: no warning (boxes past an edge are common)
    c, _ = _box("1 0.02 0.99 0.1 0.1\n")  # two corners outside, at the left and the bottom
    np.testing.assert_allclose(c, [[1, 0.035, 0.97, 0.07, 0.06]])
    inside, _ = _box("0 0.5 0.5 0.2 0.2\n")
    assert inside.tolist() == [[0, 0.5, 0.5, 0.2, 0.2]]


def test_box_wholly_in_the_tolerance_margin_is_dropped_with_the_warning(tmp_path):
    # r3 07: Ultralytics accepts the row (verify_image_label) and drops the zero-area box once
    # clipped; the image is loaded, not refused
    data = _plain(tmp_path / "src")
    img, lbl = data.parent / "images/train/train0.png", data.parent / "labels/train/train0.txt"
    lbl.write_text("0 0.5 0.5 0.2 0.2\n1 1.005 0.5 0.005 0.2\n")
    ul = pytest.importorskip("ultralytics.data.utils")
    assert ul.verify_image_label((str(img), str(lbl), "", False, 2, 0, 0, False))[8] == 0
    with pytest.warns(UserWarning, match=r"1 label line\(s\).*1 of them lie wholly outside "
                                         r"the image \(e\.g\. .*train0\.txt:2\) and are dropped"):
        ds = load_yolo(data)
    assert len(ds) == 6 and not ds.issues
    assert ds.boxes[ds.images.index(img)].tolist() == [[0, 0.5, 0.5, 0.2, 0.2]]
    # a zero-size box as written: Ultralytics accepts the row and drops the box (review3/r4
    # 04: it was an issue, and the whole dataset was refused)
    lbl.write_text("0 0.5 0.5 0.0 0.2\n1 0.5 0.5 0.2 0.3\n")
    assert ul.verify_image_label((str(img), str(lbl), "", False, 2, 0, 0, False))[8] == 0
    with pytest.warns(UserWarning, match=r"1 label line\(s\) are boxes of zero width or "
                                         r"height \(e\.g\. .*train0\.txt:1\): dropped"):
        ds = load_yolo(data)
    assert len(ds) == 6 and not ds.issues
    assert ds.boxes[ds.images.index(img)].tolist() == [[1, 0.5, 0.5, 0.2, 0.3]]


def test_yolo_split_names_test_when_test_is_the_empty_split(tmp_path, capsys):
    # review3/r3 note: not "--val" nor "Ultralytics needs train and val" when test is empty
    data = _plain(tmp_path / "src", n_train=8, n_val=2)
    out = tmp_path / "out"
    assert main(["yolo-split", str(data), "--group", r"^(train|val)", "--val", "0.3",
                 "--test", "0.2", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "test would get no image" in err and "--test 0.2 cannot be met" in err
    assert "--val" not in err and "train and val" not in err and not out.exists()


@pytest.mark.parametrize("nc, ok", [(2, True), (3, False), (1, False)])
def test_nc_that_disagrees_with_names_is_refused(tmp_path, capsys, nc, ok):
    """Ultralytics' check_det_dataset refuses 'names' length 2 with nc: 3; the YAML was read,
    and a label of class 2 was then refused as an unknown id, without a word about nc:."""
    data = _plain(tmp_path / "src")
    data.write_text(data.read_text() + f"nc: {nc}\n")
    if ok:
        assert load_yolo(data).names == {0: "a", 1: "b"}
        return
    with pytest.raises(ValueError, match=rf"nc: {nc} but names: has 2 classes"):
        load_yolo(data)
    assert main(["yolo", str(data), "--embedder", "label", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert f"nc: {nc}" in err and len(err.strip().splitlines()) == 1
