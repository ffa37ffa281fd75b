"""Reading a COCO detection annotation file (``images``, ``annotations``, ``categories``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .dataset import DetectionDataset, LabelIssue, _check_on_error, _decode_problems, _finish

__all__ = ["load_coco"]


def load_coco(annotation_json, images_dir=None, *, on_error: str = "raise",
              verify_images: bool = True, include_crowd: bool = False,
              n_jobs: int = 1) -> DetectionDataset:
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
        Decode every image completely with Pillow (see :func:`load_yolo`).
    include_crowd : bool, default=False
        Keep ``iscrowd=1`` annotations (Ultralytics' converter drops them).
    n_jobs : int, default=1
        Threads decoding images for ``verify_images``.

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
    paths = [Path(os.path.normpath(str(base / im["file_name"]))) for im in coco["images"]]
    present = [p.is_file() for p in paths]
    decode = dict(zip([p for p, ok in zip(paths, present, strict=True) if ok],
                      _decode_problems([p for p, ok in zip(paths, present, strict=True) if ok],
                                       n_jobs) if verify_images else [None] * sum(present),
                      strict=True))
    for im, img, ok in zip(coco["images"], paths, present, strict=True):
        fname = str(img)
        problems = []
        if not ok:
            problems.append(LabelIssue(fname, None, f"image missing (images_dir={base})"))
        elif decode[img]:
            problems.append(LabelIssue(fname, None, decode[img]))
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
    if not images:
        raise ValueError(f"{path}: no usable image ({len(coco['images'])} listed, "
                         f"{len(bad)} with problems, e.g. {issues[0] if issues else 'none'}); "
                         "check images_dir (the folder the file_name entries are relative to).")
    return DetectionDataset(
        images=images, boxes=boxes_list, names=names, label_files=None, split="train",
        yaml_path=None, root=base, splits={}, data={"names": names}, issues=issues,
        source_format="coco",
    )
