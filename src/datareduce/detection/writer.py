"""Writing a reduced detection dataset that ``yolo train`` accepts.

Three layouts (``layout=``):

``"symlink"`` (default)
    ``OUT/images/<split>/`` and ``OUT/labels/<split>/`` hold symbolic links to the kept
    source images and their label files; the other splits (``val``, ``test``) are linked
    whole, unchanged. ``OUT/data.yaml`` points at these folders. Ultralytics writes its
    label caches (``OUT/labels/<split>.cache``) inside OUT, so the source dataset is never
    written to and two subsets of one dataset never share a cache. Where the platform
    refuses symbolic links (e.g. Windows without developer mode) files are copied instead,
    with a warning.
``"copy"``
    The same layout with copies of the files: OUT is self-contained (uses disk space).
``"list"``
    ``OUT/<split>.txt`` lists the absolute paths of the kept source images and
    ``OUT/data.yaml`` uses it; ``val``/``test`` point at the source splits. Nothing is
    linked or copied, but Ultralytics then writes its label caches next to the *source*
    label files (``<dataset>/labels/<split>.cache``), i.e. into the source dataset, and
    two subsets of one dataset overwrite each other's cache.

Every layout writes ``OUT/manifest.json`` (what was kept, how, and its effect on boxes).
Nothing in the source dataset is modified, moved or deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from pathlib import Path

import numpy as np

from .dataset import LabelIssue, _list_images, image_to_label_path

__all__ = ["LAYOUTS", "write_yolo_subset"]

LAYOUTS = ("symlink", "copy", "list")
MANIFEST = "manifest.json"
_OWN_ENTRIES = ("images", "labels", "data.yaml", MANIFEST)
_SPLIT_KEYS = ("train", "val", "test", "minival")


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
        return True
    except ValueError:
        return False


def _prepare_out_dir(out: Path, dataset, overwrite: bool) -> None:
    if dataset.root is not None:
        root = Path(dataset.root).resolve()
        if _is_within(out, root):
            raise ValueError(f"output folder {out} is inside the source dataset {root}: choose a "
                             "folder outside it (the source dataset is never written to).")
    if any(_is_within(Path(p).resolve(), out) for p in dataset.images[:1000]):
        raise ValueError(f"output folder {out} contains source images: choose another folder.")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"output {out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"output folder {out} is not empty: pass overwrite=True "
                                  "(--overwrite) to replace a previous datareduce output, or "
                                  "choose an empty folder.")
        manifest = out / MANIFEST
        try:
            ours = json.loads(manifest.read_text()).get("datareduce_output") is True
        except (OSError, ValueError):
            ours = False
        if not ours:
            raise FileExistsError(f"output folder {out} is not empty and has no datareduce "
                                  f"{MANIFEST}; overwrite=True only replaces a previous datareduce "
                                  "output. Choose an empty folder.")
        for name in _OWN_ENTRIES:
            p = out / name
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)  # removes links, never follows them
            elif p.exists() or p.is_symlink():
                p.unlink()
        for p in list(out.glob("*.txt")) + list(out.glob("*.cache")):
            p.unlink()
    out.mkdir(parents=True, exist_ok=True)


class _Placer:
    """Puts files in place by symlink (falling back to copy) or copy."""

    def __init__(self, layout: str):
        self.layout = layout
        self.fell_back = False

    def __call__(self, src: Path, dst: Path) -> None:
        if self.layout == "symlink" and not self.fell_back:
            try:
                os.symlink(os.path.abspath(src), dst)
                return
            except (OSError, NotImplementedError) as exc:
                self.fell_back = True
                warnings.warn(f"symbolic links are not available here ({exc}); copying files "
                              "instead.", UserWarning, stacklevel=3)
        shutil.copy2(src, dst)


def _unique_names(paths) -> list[str]:
    """File names for a flat folder: the source name, prefixed with a number on stem clashes."""
    stems: dict[str, int] = {}
    for p in paths:
        stems[p.stem.lower()] = stems.get(p.stem.lower(), 0) + 1
    return [p.name if stems[p.stem.lower()] == 1 else f"{i:06d}_{p.name}"
            for i, p in enumerate(paths)]


def _label_text(boxes: np.ndarray) -> str:
    return "".join(f"{int(b[0])} {b[1]:.6f} {b[2]:.6f} {b[3]:.6f} {b[4]:.6f}\n" for b in boxes)


def _place_split(images, label_files, boxes, out: Path, split: str, place: _Placer) -> list[str]:
    img_dir, lbl_dir = out / "images" / split, out / "labels" / split
    img_dir.mkdir(parents=True, exist_ok=True)
    lbl_dir.mkdir(parents=True, exist_ok=True)
    names = _unique_names(images)
    for k, (img, name) in enumerate(zip(images, names, strict=True)):
        place(img, img_dir / name)
        dst = lbl_dir / (Path(name).stem + ".txt")
        lbl = label_files[k]
        if lbl is not None:
            place(lbl, dst)
        elif boxes is not None and len(boxes[k]):
            dst.write_text(_label_text(boxes[k]))
    return [f"images/{split}/{n}" for n in names]


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else str(float(obj))
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)


def write_yolo_subset(dataset, indices, out_dir, *, layout: str = "symlink",
                      overwrite: bool = False, manifest: dict | None = None) -> Path:
    """Write the images ``indices`` of ``dataset`` as a dataset ``yolo train`` accepts.

    See the module docstring for what each ``layout`` writes where.

    Parameters
    ----------
    dataset : DetectionDataset
        The source (read by :func:`load_yolo` or :func:`load_coco`).
    indices : array-like of int
        Positions of the kept images in ``dataset``.
    out_dir : str or Path
        Output folder (created; must be empty, outside the source dataset).
    layout : {"symlink", "copy", "list"}, default="symlink"
    overwrite : bool, default=False
        Replace a previous datareduce output in ``out_dir`` (only the entries datareduce
        writes are removed; a folder without a datareduce manifest is never cleared).
    manifest : dict, optional
        Extra entries for ``manifest.json``.

    Returns
    -------
    Path
        The written data YAML.

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import load_yolo, make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ds = load_yolo(make_shapes_dataset(f"{tmp}/src", n_train=12, n_val=2))
    ...     data_yaml = write_yolo_subset(ds, [0, 3, 5], f"{tmp}/out")
    ...     len(load_yolo(data_yaml)), len(load_yolo(data_yaml, split="val"))
    (3, 2)
    """
    import yaml

    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}: use one of {', '.join(LAYOUTS)}.")
    idx = np.asarray(indices, dtype=np.intp).reshape(-1)
    if len(idx) == 0:
        raise ValueError("indices is empty: a written dataset needs at least one image.")
    if idx.min() < 0 or idx.max() >= len(dataset):
        raise ValueError(f"indices must be positions in 0..{len(dataset) - 1}.")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("indices has duplicates: each image is written once.")
    if layout == "list" and dataset.source_format != "yolo":
        raise ValueError(f"layout='list' needs YOLO label files next to the images; a "
                         f"{dataset.source_format} dataset has none: use 'symlink' or 'copy'.")
    out = Path(out_dir).expanduser().absolute()
    out = out.parent.resolve() / out.name
    _prepare_out_dir(out, dataset, overwrite)
    kept = np.sort(idx)
    split = dataset.split
    images = [dataset.images[i] for i in kept]
    data = {k: v for k, v in dataset.data.items()
            if k not in _SPLIT_KEYS + ("path", "download", "yaml_file", "names", "nc")}
    data = {"path": str(out), **data}
    names = {int(k): v for k, v in sorted(dataset.names.items())}
    other_splits = {k: v for k, v in dataset.splits.items() if k != split}
    place = _Placer(layout)
    if layout == "list":
        listing = out / f"{split}.txt"
        listing.write_text("".join(f"{p}\n" for p in images))
        written = [str(p) for p in images]
        data[split] = listing.name
        for k, entries in other_splits.items():
            data[k] = entries[0] if len(entries) == 1 else list(entries)
        warnings.warn(
            "layout='list': Ultralytics will write its label cache next to the source label "
            f"files (e.g. {image_to_label_path(images[0]).parent}.cache), i.e. into the source "
            "dataset; use layout='symlink' (default) to keep everything in the output folder.",
            UserWarning, stacklevel=3,
        )
    else:
        boxes = [dataset.boxes[i] for i in kept]
        labels = [dataset.label_files[i] for i in kept]
        written = _place_split(images, labels, boxes, out, split, place)
        data[split] = f"images/{split}"
        for k, entries in other_splits.items():
            issues: list[LabelIssue] = []
            imgs = _list_images([Path(e) for e in entries], issues, dataset.yaml_path)
            lbls = [lp if (lp := image_to_label_path(p)).is_file() else None for p in imgs]
            if imgs:
                _place_split(imgs, lbls, None, out, k, place)
                data[k] = f"images/{k}"
    if "val" not in data:
        data["val"] = data[split]
        warnings.warn("the source has no validation split: the written data YAML validates on "
                      "the kept training images.", UserWarning, stacklevel=3)
    data["names"] = names
    data["nc"] = len(names)
    yaml_path = out / "data.yaml"
    yaml_path.write_text(yaml.safe_dump(data, sort_keys=False))
    content = {
        "datareduce_output": True,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "source": {"format": dataset.source_format,
                   "data_yaml": str(dataset.yaml_path) if dataset.yaml_path else None,
                   "root": str(dataset.root) if dataset.root else None,
                   "split": split, "n_images": len(dataset)},
        "layout": layout if not place.fell_back else "copy (symlinks unavailable)",
        "data_yaml": str(yaml_path),
        **(manifest or {}),
        "kept_images": [{"index": int(i), "source": str(dataset.images[i]), "written": w}
                        for i, w in zip(kept, written, strict=True)],
        "load_issues": [str(i) for i in dataset.issues],
    }
    from .. import __version__

    content["datareduce_version"] = __version__
    (out / MANIFEST).write_text(json.dumps(_json_safe(content), indent=1))
    return yaml_path
