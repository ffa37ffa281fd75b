"""Detection datasets: reading YOLO data YAMLs and COCO JSON into one dataset object.

The YOLO reader follows the layouts Ultralytics reads: a data YAML with an optional
``path:`` (the dataset root; relative paths are tried against the YAML's folder, then the
current directory), and splits (``train:``, ``val:``, ``test:``) that are a folder of
images (searched recursively), a ``.txt`` file listing image paths, a single image, or a
list of those. An image's label file is found by replacing the last ``images`` folder of
its path by ``labels`` and its extension by ``.txt``; no label file means a background
image. Label lines are ``class x_center y_center width height`` (normalised to [0, 1]) or
segmentation polygons ``class x1 y1 x2 y2 ...`` (turned into their bounding box).
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "IMG_FORMATS",
    "DetectionDataset",
    "LabelIssue",
    "image_to_label_path",
    "load_coco",
    "load_yolo",
]

#: Image extensions read by Ultralytics (lower case, without the dot).
IMG_FORMATS = frozenset(
    {"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic", "avif", "jp2"}
)
_ON_ERROR = ("raise", "skip")
_COORD_TOL = 1e-6


@dataclass(frozen=True)
class LabelIssue:
    """A problem found in one file of a dataset (the file, the line when known, what is wrong).

    Examples
    --------
    >>> str(LabelIssue("labels/a.txt", 3, "expected 5 fields, got 4"))
    'labels/a.txt:3: expected 5 fields, got 4'
    """

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class DetectionDataset:
    """A list of images with boxes: what every embedder and :class:`DetectionReducer` reads.

    Attributes
    ----------
    images : list of Path
        Absolute image paths, in dataset order.
    boxes : list of ndarray of shape (k, 5)
        Per image, one row per box: ``class, x_center, y_center, width, height``
        (normalised to [0, 1]); shape ``(0, 5)`` for a background image.
    names : dict of int to str
        Class names by class id.
    label_files : list of Path or None
        The source label file of each image (None when there is none, e.g. COCO).
    split : str
        The split read (``"train"`` by default).
    yaml_path : Path or None
        The data YAML read (None for COCO).
    root : Path or None
        The dataset root (the YAML's ``path:`` resolved).
    splits : dict of str to list of str
        Every split of the YAML, its entries resolved to absolute paths.
    data : dict
        The YAML's content as read (other keys are carried into a written YAML).
    issues : list of LabelIssue
        Problems found while loading; with ``on_error="skip"`` the images concerned are left
        out of the dataset and listed here.
    source_format : str
        ``"yolo"`` or ``"coco"``.

    Examples
    --------
    >>> import numpy as np
    >>> ds = DetectionDataset(images=[Path("/d/images/a.png"), Path("/d/images/b.png")],
    ...                       boxes=[np.array([[0, .5, .5, .2, .2]]), np.zeros((0, 5))],
    ...                       names={0: "cat", 1: "dog"})
    >>> len(ds), ds.instances_per_class().tolist()
    (2, [1, 0])
    """

    images: list
    boxes: list
    names: dict
    label_files: list | None = None
    split: str = "train"
    yaml_path: Path | None = None
    root: Path | None = None
    splits: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    issues: list = field(default_factory=list)
    source_format: str = "yolo"

    def __post_init__(self):
        self.images = [Path(p) for p in self.images]
        self.boxes = [np.asarray(b, dtype=np.float64).reshape(-1, 5) for b in self.boxes]
        if self.label_files is None:
            self.label_files = [None] * len(self.images)
        if not (len(self.images) == len(self.boxes) == len(self.label_files)):
            raise ValueError(
                f"images ({len(self.images)}), boxes ({len(self.boxes)}) and label_files "
                f"({len(self.label_files)}) must have one entry per image."
            )
        self.names = {int(k): str(v) for k, v in dict(self.names).items()}

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        src = self.yaml_path or (self.root or "memory")
        return (
            f"DetectionDataset({len(self)} images, {self.n_boxes} boxes, "
            f"{self.n_classes} classes, split={self.split!r}, source={str(src)!r})"
        )

    @property
    def n_classes(self) -> int:
        """Number of classes (``max class id + 1`` of ``names``)."""
        return (max(self.names) + 1) if self.names else 0

    @property
    def n_boxes(self) -> int:
        """Total number of boxes."""
        return int(sum(len(b) for b in self.boxes))

    def class_name(self, cls: int) -> str:
        """The name of class id ``cls`` (``str(cls)`` when unnamed)."""
        return self.names.get(int(cls), str(int(cls)))

    def instances_per_class(self, indices=None) -> np.ndarray:
        """Number of boxes of each class id over all images (or the images ``indices``)."""
        idx = range(len(self)) if indices is None else np.asarray(indices, dtype=np.intp)
        counts = np.zeros(self.n_classes, dtype=np.int64)
        for i in idx:
            if len(self.boxes[i]):
                counts += np.bincount(self.boxes[i][:, 0].astype(np.int64),
                                      minlength=self.n_classes)[: self.n_classes]
        return counts

    def images_per_class(self, indices=None) -> np.ndarray:
        """Number of images containing at least one box of each class id."""
        idx = range(len(self)) if indices is None else np.asarray(indices, dtype=np.intp)
        counts = np.zeros(self.n_classes, dtype=np.int64)
        for i in idx:
            present = np.unique(self.boxes[i][:, 0].astype(np.int64))
            counts[present] += 1
        return counts

    def image_classes(self) -> list:
        """Per image, the sorted tuple of class ids present."""
        return [tuple(np.unique(b[:, 0].astype(np.int64)).tolist()) for b in self.boxes]

    def subset(self, indices) -> DetectionDataset:
        """A dataset of the images ``indices`` (same names, splits and source).

        Examples
        --------
        >>> import numpy as np
        >>> ds = DetectionDataset(images=["/d/a.png", "/d/b.png"],
        ...                       boxes=[np.zeros((0, 5)), [[1, .5, .5, .1, .1]]], names={0: "a", 1: "b"})
        >>> ds.subset([1]).images
        [PosixPath('/d/b.png')]
        """
        idx = np.asarray(indices, dtype=np.intp).reshape(-1)
        return DetectionDataset(
            images=[self.images[i] for i in idx],
            boxes=[self.boxes[i].copy() for i in idx],
            names=dict(self.names),
            label_files=[self.label_files[i] for i in idx],
            split=self.split,
            yaml_path=self.yaml_path,
            root=self.root,
            splits=dict(self.splits),
            data=dict(self.data),
            issues=list(self.issues),
            source_format=self.source_format,
        )


# ---------------------------------------------------------------------------- helpers
def image_to_label_path(image) -> Path:
    """The label file Ultralytics reads for ``image``: last ``images`` folder -> ``labels``.

    Examples
    --------
    >>> image_to_label_path("/data/images/train/a.jpg").as_posix()
    '/data/labels/train/a.txt'
    >>> image_to_label_path("/data/flat/a.jpg").as_posix()
    '/data/flat/a.txt'
    """
    s = str(image)
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    if sa in s:
        s = sb.join(s.rsplit(sa, 1))
    return Path(s).with_suffix(".txt")


def _check_on_error(on_error: str) -> None:
    if on_error not in _ON_ERROR:
        raise ValueError(f"on_error={on_error!r}: use 'raise' (stop at bad files) or 'skip' "
                         "(leave the images concerned out and list them in dataset.issues).")


def _is_image(path) -> bool:
    return str(path).rpartition(".")[-1].lower() in IMG_FORMATS


def _resolve_root(yaml_path: Path, data: dict) -> Path:
    p = data.get("path")
    if not p:
        return yaml_path.parent.resolve()
    p = Path(str(p)).expanduser()
    if p.is_absolute():
        if not p.exists():
            raise FileNotFoundError(f"{yaml_path}: 'path: {p}' does not exist.")
        return p.resolve()
    tried = []
    for base in (yaml_path.parent, Path.cwd()):
        cand = base / p
        tried.append(str(cand))
        if cand.exists():
            return cand.resolve()
    raise FileNotFoundError(
        f"{yaml_path}: 'path: {p}' not found (tried {' and '.join(tried)}); "
        "make it absolute or relative to the YAML's folder."
    )


def _resolve_entries(root: Path, value) -> list[Path]:
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        x = Path(str(v)).expanduser()
        if not x.is_absolute():
            cand = root / x
            if not cand.exists() and str(v).startswith("../"):
                cand = root / str(v)[3:]
            x = cand
        out.append(x.resolve())
    return out


def _list_images(entries: list[Path], issues: list, yaml_path) -> list[Path]:
    """Image files of split entries (folders, .txt lists, images), sorted, de-duplicated."""
    found: list[str] = []
    for entry in entries:
        if entry.is_dir():
            found += [str(p) for p in entry.rglob("*") if p.is_file() and _is_image(p)]
        elif entry.is_file() and entry.suffix.lower() == ".txt":
            parent = entry.parent
            for n, line in enumerate(entry.read_text(encoding="utf-8-sig").splitlines(), 1):
                line = line.strip()
                if not line:
                    continue
                p = Path(line)
                if not p.is_absolute():
                    p = parent / line[2:] if line.startswith("./") else (
                        parent / p if (parent / p).exists() else Path.cwd() / p)
                p = Path(os.path.normpath(p))
                if not _is_image(p):
                    issues.append(LabelIssue(str(entry), n, f"not an image file name: {line!r}"))
                elif not p.is_file():
                    issues.append(LabelIssue(str(p), None, f"image listed in {entry} is missing"))
                else:
                    found.append(str(p))
        elif entry.is_file() and _is_image(entry):
            found.append(str(entry))
        else:
            raise FileNotFoundError(
                f"{yaml_path}: split entry {entry} does not exist (or is not a folder, a .txt "
                "list of images or an image)."
            )
    return [Path(p) for p in sorted(set(found))]


def _parse_label_text(text: str, nc: int, fname: str):
    """Parse YOLO label lines; return ((k, 5) boxes, [LabelIssue])."""
    rows, issues = [], []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        k = len(parts)
        if k != 5 and not (k >= 7 and (k - 1) % 2 == 0):
            issues.append(LabelIssue(fname, n, f"expected 5 fields (class x y w h) or a polygon "
                                               f"(class x1 y1 x2 y2 x3 y3 ...), got {k}"))
            continue
        try:
            vals = np.array([float(v) for v in parts], dtype=np.float64)
        except ValueError:
            issues.append(LabelIssue(fname, n, f"non-numeric field in {line.strip()!r}"))
            continue
        cls = vals[0]
        if not np.isfinite(vals).all():
            issues.append(LabelIssue(fname, n, "NaN or infinite value"))
            continue
        if cls != np.floor(cls) or not (0 <= cls < nc):
            issues.append(LabelIssue(
                fname, n, f"unknown class id {parts[0]} (the YAML names {nc} classes: 0..{nc - 1})"))
            continue
        coords = vals[1:]
        if (coords < -_COORD_TOL).any() or (coords > 1 + _COORD_TOL).any():
            issues.append(LabelIssue(fname, n, "coordinates out of range: YOLO labels are "
                                               "normalised to [0, 1]"))
            continue
        coords = np.clip(coords, 0.0, 1.0)
        if k == 5:
            x, y, w, h = coords
        else:
            xs, ys = coords[0::2], coords[1::2]
            x, y = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
            w, h = xs.max() - xs.min(), ys.max() - ys.min()
        if w <= 0 or h <= 0:
            issues.append(LabelIssue(fname, n, "box of zero width or height"))
            continue
        rows.append([cls, x, y, w, h])
    return np.array(rows, dtype=np.float64).reshape(-1, 5), issues


def _verify_image(path: Path):
    """None when the image opens and decodes its header, else the error message."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.verify()
            w, h = im.size
        if w < 2 or h < 2:
            return f"image too small ({w}x{h})"
    except Exception as exc:  # PIL raises many types for broken files
        return f"unreadable image ({type(exc).__name__}: {exc})"
    return None


def _finish(issues: list, bad: set, on_error: str, what: str) -> None:
    if not issues:
        return
    shown = "\n  ".join(str(i) for i in issues[:10])
    more = f"\n  ... and {len(issues) - 10} more" if len(issues) > 10 else ""
    if on_error == "raise":
        raise ValueError(
            f"{what}: {len(issues)} problem(s) in {len(bad)} image(s):\n  {shown}{more}\n"
            "Fix these files, or pass on_error='skip' to leave these images out (they are "
            "listed in dataset.issues)."
        )
    warnings.warn(
        f"{what}: left out {len(bad)} image(s) with problems (see dataset.issues):\n  "
        f"{shown}{more}",
        UserWarning,
        stacklevel=3,
    )


def _names_from_yaml(data: dict, yaml_path) -> dict:
    names = data.get("names")
    if names is None:
        if "nc" not in data:
            raise ValueError(f"{yaml_path}: the data YAML needs 'names' (or 'nc').")
        return {i: f"class_{i}" for i in range(int(data["nc"]))}
    if isinstance(names, dict):
        return {int(k): str(v) for k, v in names.items()}
    if isinstance(names, (list, tuple)):
        return {i: str(v) for i, v in enumerate(names)}
    raise ValueError(f"{yaml_path}: 'names' must be a list or a mapping of id to name.")


# ----------------------------------------------------------------------------- loaders
def load_yolo(data_yaml, split: str = "train", *, on_error: str = "raise",
              verify_images: bool = True) -> DetectionDataset:
    """Read one split of a YOLO dataset described by an Ultralytics data YAML.

    Parameters
    ----------
    data_yaml : str or Path
        The data YAML (``path:``, ``train:``, ``val:``, ``names:``).
    split : str, default="train"
        Which split to read.
    on_error : {"raise", "skip"}, default="raise"
        What to do with bad files (missing or unreadable images, label lines with a wrong
        number of fields, coordinates outside [0, 1], unknown class ids): ``"raise"`` stops
        with an error listing every problem; ``"skip"`` leaves the images concerned out,
        warns, and records each problem in ``dataset.issues``.
    verify_images : bool, default=True
        Open every image with Pillow to find unreadable files now rather than during
        embedding or training.

    Returns
    -------
    DetectionDataset

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ds = load_yolo(make_shapes_dataset(tmp, n_train=12, n_val=2))
    ...     val = load_yolo(f"{tmp}/data.yaml", split="val")
    >>> len(ds), len(val), ds.boxes[0].shape[1]
    (12, 2, 5)
    """
    import yaml

    _check_on_error(on_error)
    yaml_path = Path(data_yaml).expanduser()
    if not yaml_path.is_file():
        raise FileNotFoundError(f"data YAML not found: {yaml_path}")
    data = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{yaml_path}: a data YAML must be a mapping (train:, val:, names:).")
    yaml_path = yaml_path.resolve()
    names = _names_from_yaml(data, yaml_path)
    root = _resolve_root(yaml_path, data)
    splits = {k: [str(p) for p in _resolve_entries(root, data[k])]
              for k in ("train", "val", "test", "minival") if data.get(k)}
    if split not in splits:
        raise ValueError(f"{yaml_path}: no {split!r} split (splits: {', '.join(splits) or 'none'}).")
    issues: list[LabelIssue] = []
    images = _list_images([Path(p) for p in splits[split]], issues, yaml_path)
    if not images and not issues:
        raise FileNotFoundError(f"{yaml_path}: no images found in split {split!r} ({splits[split]}).")
    nc = max(names) + 1 if names else 0
    bad = {i.file for i in issues}
    kept_images, kept_boxes, kept_labels = [], [], []
    for img in images:
        problems = []
        if verify_images:
            msg = _verify_image(img)
            if msg:
                problems.append(LabelIssue(str(img), None, msg))
        lbl = image_to_label_path(img)
        boxes = np.zeros((0, 5))
        if lbl.is_file():
            try:
                text = lbl.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(LabelIssue(str(lbl), None, f"unreadable label file ({exc})"))
            else:
                boxes, line_issues = _parse_label_text(text, nc, str(lbl))
                problems += line_issues
        else:
            lbl = None
        if problems:
            issues += problems
            bad.add(str(img))
            continue
        kept_images.append(img)
        kept_boxes.append(boxes)
        kept_labels.append(lbl)
    _finish(issues, bad, on_error, f"{yaml_path} [{split}]")
    return DetectionDataset(
        images=kept_images, boxes=kept_boxes, names=names, label_files=kept_labels,
        split=split, yaml_path=yaml_path, root=root, splits=splits, data=data,
        issues=issues, source_format="yolo",
    )


def load_coco(annotation_json, images_dir=None, *, on_error: str = "raise",
              verify_images: bool = True, include_crowd: bool = False) -> DetectionDataset:
    """Read a COCO detection JSON (``images``, ``annotations``, ``categories``).

    Category ids are mapped to contiguous class ids ``0..K-1`` in increasing id order;
    ``bbox`` ``[x, y, w, h]`` in pixels becomes a normalised YOLO box (clipped to the image).

    Parameters
    ----------
    annotation_json : str or Path
        The COCO annotation file.
    images_dir : str or Path, optional
        Folder the ``file_name`` entries are relative to; default the JSON's folder.
    on_error : {"raise", "skip"}, default="raise"
        As in :func:`load_yolo` (missing images, unknown category ids, degenerate boxes).
    verify_images : bool, default=True
        Open every image with Pillow.
    include_crowd : bool, default=False
        Keep ``iscrowd=1`` annotations (Ultralytics' converter drops them).

    Returns
    -------
    DetectionDataset
        With ``source_format="coco"`` and no label files; written datasets get YOLO label
        files generated from the boxes.

    Examples
    --------
    >>> import json, tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     Image.new("RGB", (100, 50)).save(f"{tmp}/a.png")
    ...     coco = {"images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 50}],
    ...             "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [10, 5, 20, 10]}],
    ...             "categories": [{"id": 7, "name": "cat"}]}
    ...     _ = Path(f"{tmp}/ann.json").write_text(json.dumps(coco))
    ...     ds = load_coco(f"{tmp}/ann.json")
    >>> ds.names, ds.boxes[0].round(3).tolist()
    ({0: 'cat'}, [[0.0, 0.2, 0.2, 0.2, 0.2]])
    """
    _check_on_error(on_error)
    path = Path(annotation_json).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"COCO annotation file not found: {path}")
    coco = json.loads(path.read_text(encoding="utf-8"))
    for key in ("images", "categories"):
        if key not in coco:
            raise ValueError(f"{path}: not a COCO detection file (no {key!r}).")
    base = Path(images_dir).expanduser().resolve() if images_dir else path.parent.resolve()
    cats = sorted(coco["categories"], key=lambda c: c["id"])
    cat_to_cls = {c["id"]: i for i, c in enumerate(cats)}
    names = {i: str(c.get("name", c["id"])) for i, c in enumerate(cats)}
    anns: dict = {}
    for a in coco.get("annotations", []):
        anns.setdefault(a.get("image_id"), []).append(a)
    issues: list[LabelIssue] = []
    bad: set = set()
    images, boxes_list = [], []
    for im in coco["images"]:
        fname = str(base / im["file_name"])
        img = Path(os.path.normpath(fname))
        problems = []
        if not img.is_file():
            problems.append(LabelIssue(fname, None, f"image missing (images_dir={base})"))
        elif verify_images:
            msg = _verify_image(img)
            if msg:
                problems.append(LabelIssue(fname, None, msg))
        W, H = im.get("width"), im.get("height")
        if (not W or not H) and not problems:
            from PIL import Image

            with Image.open(img) as pil:
                W, H = pil.size
        rows = []
        for a in anns.get(im["id"], []):
            if a.get("iscrowd", 0) and not include_crowd:
                continue
            where = f"{path.name} annotation {a.get('id')}"
            if a.get("category_id") not in cat_to_cls:
                problems.append(LabelIssue(fname, None, f"{where}: unknown category_id "
                                                        f"{a.get('category_id')}"))
                continue
            bbox = a.get("bbox")
            if not bbox or len(bbox) != 4 or not np.isfinite(bbox).all() or problems:
                if not problems:
                    problems.append(LabelIssue(fname, None, f"{where}: bbox must be [x, y, w, h]"))
                continue
            x0, y0, w, h = map(float, bbox)
            x1, y1 = np.clip([x0 + w, y0 + h], 0, [W, H])
            x0, y0 = np.clip([x0, y0], 0, [W, H])
            if x1 - x0 <= 0 or y1 - y0 <= 0:
                problems.append(LabelIssue(fname, None, f"{where}: box of zero width or height "
                                                        "inside the image"))
                continue
            rows.append([cat_to_cls[a["category_id"]], (x0 + x1) / 2 / W, (y0 + y1) / 2 / H,
                         (x1 - x0) / W, (y1 - y0) / H])
        if problems:
            issues += problems
            bad.add(fname)
            continue
        images.append(img)
        boxes_list.append(np.array(rows, dtype=np.float64).reshape(-1, 5))
    _finish(issues, bad, on_error, str(path))
    return DetectionDataset(
        images=images, boxes=boxes_list, names=names, label_files=None, split="train",
        yaml_path=None, root=base, splits={}, data={"names": names}, issues=issues,
        source_format="coco",
    )
