"""Detection, review8/b: the images and boxes ``load_yolo`` reads agree with Ultralytics'.

01: the image extensions are Ultralytics' own (``heif`` read, ``pfm`` not).
02: an image whose content Ultralytics refuses (a GIF saved as ``.png``) is a bad image,
    under ``on_error``; a PNG saved as ``.jpg`` (which Ultralytics reads) is not.
03: duplicate label rows count once, as Ultralytics trains on them, with a note of kind
    ``"duplicate"`` and a warning; the label files themselves are linked unchanged.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PIL")
pytest.importorskip("yaml")

from PIL import Image  # noqa: E402

from datareduce.detection import IMG_FORMATS, load_yolo, write_yolo_subset  # noqa: E402
from datareduce.detection.dataset import _decode_problem  # noqa: E402
from datareduce.detection.yolo import _parse_label_text  # noqa: E402


def _img(path, k: int, fmt: str | None = None, size: int = 32) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(k)
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path, format=fmt)
    return path


def _dataset(root, n_train: int = 4, n_val: int = 2) -> Path:
    """images/{train,val}/<split><i>.png, one box each; returns the data YAML."""
    root = Path(root)
    for split, n in (("train", n_train), ("val", n_val)):
        for i in range(n):
            _label(root, split, f"{split}{i}", "0 0.5 0.5 0.2 0.2\n")
            _img(root / f"images/{split}/{split}{i}.png", i + 100 * (split == "val"))
    (root / "data.yaml").write_text(f"path: {root}\ntrain: images/train\nval: images/val\n"
                                    "names: [a, b]\n")
    return root / "data.yaml"


def _label(root, split: str, stem: str, text: str) -> Path:
    lbl = Path(root) / f"labels/{split}/{stem}.txt"
    lbl.parent.mkdir(parents=True, exist_ok=True)
    lbl.write_text(text)
    return lbl


def _load(data, **kw):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = load_yolo(data, **kw)
    return ds, [str(w.message) for w in record]


# --- 01: the image extensions ------------------------------------------------------------

def test_image_extensions_are_the_installed_ultralytics_ones():
    ul = pytest.importorskip("ultralytics.data.utils")
    assert set(IMG_FORMATS) == set(ul.IMG_FORMATS)


def test_heif_images_are_read_and_pfm_files_are_not(tmp_path):
    data = _dataset(tmp_path / "src")
    root = data.parent
    # PNG content under .heif: Pillow (and Ultralytics' check_image) read it without pi-heif
    _img(root / "images/train/phone.heif", 7, fmt="PNG")
    _label(root, "train", "phone", "1 0.5 0.5 0.3 0.3\n")
    (root / "images/train/depth.pfm").write_bytes(b"Pf\n2 2\n-1.0\n" + b"\0" * 16)
    ds, _ = _load(data)
    names = sorted(p.name for p in ds.images)
    assert "phone.heif" in names and "depth.pfm" not in names
    assert ds.instances_per_class().tolist() == [4, 1]
    assert "heif" in IMG_FORMATS and "pfm" not in IMG_FORMATS
    _img(root / "images/val/vphone.heif", 8, fmt="PNG")
    out = tmp_path / "out"
    write_yolo_subset(ds, range(len(ds)), out)
    assert (out / "images/train" / "phone.heif").exists()
    val = sorted(p.name for p in load_yolo(out / "data.yaml", split="val").images)
    assert val == ["val0.png", "val1.png", "vphone.heif"]


# --- 02: content in a format Ultralytics refuses -----------------------------------------

def test_a_gif_named_png_is_a_bad_image_and_a_png_named_jpg_is_not(tmp_path):
    data = _dataset(tmp_path / "src")
    root = data.parent
    gif = _img(root / "images/train/downloaded.png", 5, fmt="GIF")
    _label(root, "train", "downloaded", "1 0.5 0.5 0.4 0.4\n")
    png_as_jpg = _img(root / "images/train/renamed.jpg", 6, fmt="PNG")
    _label(root, "train", "renamed", "0 0.5 0.5 0.4 0.4\n")
    with pytest.raises(ValueError, match=r"downloaded\.png: is a GIF image named \.png"):
        load_yolo(data)
    ds, messages = _load(data, on_error="skip")
    assert gif not in ds.images and png_as_jpg in ds.images
    assert [(i.file, i.kind) for i in ds.issues] == [(str(gif), "problem")]
    assert "Invalid image format GIF" in ds.issues[0].message
    assert any("left out 1 image(s)" in m for m in messages)
    assert ds.instances_per_class().tolist() == [5, 0]


#: (Pillow format, file name): refused by Ultralytics' check_image, then accepted by it
FORMATS = [("GIF", "a.png"), ("GIF", "b.jpg"), ("PPM", "c.png"), ("ICO", "d.jpg"),
           ("PNG", "e.jpg"), ("JPEG", "f.png"), ("BMP", "g.jpg"), ("TIFF", "h.png"),
           ("WEBP", "i.jpg"), ("PNG", "j.dng")]


def test_content_formats_are_refused_exactly_as_ultralytics_refuses_them(tmp_path):
    # the rule is the content's format, not its match with the extension (not stricter)
    ul = pytest.importorskip("ultralytics.data.utils")
    for k, (fmt, name) in enumerate(FORMATS):
        path = _img(tmp_path / name, k, fmt=fmt)
        try:
            ul.check_image(str(path))
            ul_accepts = True
        except Exception:
            ul_accepts = False
        assert ul_accepts == (k >= 4), (fmt, name)
        ours = _decode_problem(path)
        assert (ours is None) == ul_accepts, (fmt, name, ours)
        assert ul_accepts or f"Invalid image format {fmt}" in ours


# --- 03: duplicate label rows ------------------------------------------------------------

def test_duplicate_rows_count_once_with_a_duplicate_note():
    text = ("0 0.5 0.5 0.2 0.2\n"
            "0 0.5 0.5 0.2 0.2\n"          # the same row: dropped
            "0.0 0.50 0.500 0.2 0.20\n"    # the same values, written otherwise: dropped
            "1 0.5 0.5 0.2 0.2\n"          # another class: kept
            "0 0.5 0.5 0.2 0.2000001\n"    # another value, also as float32: kept
            "0 0.5 0.5 0.2 0.20000000001\n")  # equal to line 1 as float32: dropped
    clipped: list = []
    boxes, issues = _parse_label_text(text, 2, "a.txt", clipped)
    assert not issues
    assert len(boxes) == 3
    assert [(c.line, c.kind) for c in clipped] == [(2, "duplicate"), (3, "duplicate"),
                                                   (6, "duplicate")]
    assert "duplicate of line 1" in clipped[0].message
    # polygons: identical ones are duplicates, distinct ones sharing a box are not
    poly = ("0 0.1 0.1 0.4 0.1 0.4 0.4 0.1 0.4\n"
            "0 0.1 0.1 0.4 0.1 0.4 0.4 0.1 0.4\n"
            "0 0.1 0.1 0.4 0.1 0.4 0.4\n")   # a triangle with the same box: kept
    clipped = []
    boxes, issues = _parse_label_text(poly, 1, "p.txt", clipped)
    assert not issues and len(boxes) == 2
    assert [(c.line, c.kind) for c in clipped] == [(2, "duplicate")]


def test_duplicate_rows_are_warned_about_and_the_label_file_is_linked_unchanged(tmp_path):
    data = _dataset(tmp_path / "src")
    text = "0 0.5 0.5 0.2 0.2\n" * 3 + "1 0.3 0.3 0.1 0.1\n"
    lbl = _label(data.parent, "train", "train0", text)
    ds, messages = _load(data)
    assert [len(b) for b in ds.boxes] == [2, 1, 1, 1]
    assert ds.instances_per_class().tolist() == [4, 1]
    assert not ds.issues
    dup = [m for m in messages if "repeat an earlier line" in m]
    assert len(dup) == 1 and "2 label line(s) in 1 file(s)" in dup[0]
    assert f"{lbl}:2" in dup[0] and "not changed" in dup[0]
    assert not [m for m in messages if "clipped" in m or "zero width" in m]
    assert lbl.read_text() == text  # the user's file is not rewritten
    for layout in ("symlink", "copy"):
        out = tmp_path / f"out_{layout}"
        write_yolo_subset(ds, [0, 1], out, layout=layout)
        assert (out / "labels/train/train0.txt").read_text() == text  # as the source
        again, _ = _load(out / "data.yaml")
        assert [len(b) for b in again.boxes] == [2, 1]


def test_duplicate_rows_give_the_boxes_ultralytics_trains_on(tmp_path):
    ul = pytest.importorskip("ultralytics.data.utils")
    data = _dataset(tmp_path / "src", n_train=2)
    img = data.parent / "images/train/train0.png"
    for text in ("0 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n",
                 "0 0.5 0.5 0.2 0.2\n0.0 0.50 0.5 0.2 0.2\n",
                 "0 0.1 0.1 0.4 0.1 0.4 0.4\n0 0.1 0.1 0.4 0.1 0.4 0.4\n"
                 "0 0.1 0.1 0.4 0.1 0.1 0.4\n"):
        lbl = _label(data.parent, "train", "train0", text)
        r = ul.verify_image_label((str(img), str(lbl), "", False, 2, 0, 0, False))
        assert r[8] == 0 and "duplicate labels removed" in r[9]
        ds, _ = _load(data)
        assert len(ds.boxes[ds.images.index(img)]) == len(r[1]), text
