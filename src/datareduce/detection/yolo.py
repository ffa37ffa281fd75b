"""Reading a YOLO dataset described by an Ultralytics data YAML.

The reader follows the layouts Ultralytics reads: a data YAML with an optional ``path:``
(the dataset root; relative paths are tried against the YAML's folder, then the current
directory), and splits (``train:``, ``val:``, ``test:``) that are a folder of images
(searched recursively), a ``.txt`` file listing image paths, a single image, or a list
of those. An image's label file is found by replacing the last ``images`` folder of its
path by ``labels`` and its extension by ``.txt``; no label file means a background image.
Label lines are ``class x_center y_center width height`` (normalised to [0, 1]) or
segmentation polygons ``class x1 y1 x2 y2 ...`` (turned into their bounding box); a
pose dataset's rows (``kpt_shape:``) are read as their box, without the keypoints.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from .._core.files import is_within as _is_within_dir  # moved down to _core: distributed uses it
from .dataset import (
    _COORD_TOL,
    DetectionDataset,
    LabelIssue,
    _check_on_error,
    _decode_problems,
    _finish,
    _is_image,
    image_to_label_path,
)

__all__ = ["label_dir", "load_yolo"]


#: The split keys of a data YAML, in the order Ultralytics reads them.
SPLIT_KEYS = ("train", "val", "test", "minival")


def _split_aliases(data: dict) -> dict:
    """``data`` as Ultralytics reads it: a ``validation:`` key is the ``val:`` split when
    there is no ``val:`` key (``check_det_dataset`` renames it); with both, ``validation:``
    is ignored (and dropped here)."""
    if not isinstance(data, dict) or "validation" not in data:
        return data
    data = dict(data)
    value = data.pop("validation")
    if "val" not in data:
        data["val"] = value
    return data


class MissingSplitError(FileNotFoundError):
    """A split entry of the data YAML names nothing (no folder, list or image there)."""


def _is_entry(e: Path) -> bool:
    return e.is_dir() or (e.is_file() and (e.suffix.lower() == ".txt" or _is_image(e)))


def _check_split_entries(splits: dict, split: str, yaml_path) -> dict:
    """Every split entry checked before anything is read, as Ultralytics checks them:
    ``train``, ``val`` and the split asked for must exist (an error now, not after the
    embedding); a missing entry of another split (``test:`` named but never made, which
    Ultralytics accepts) is left out with a warning, and the split with it when nothing
    is left."""
    out = {}
    for k, entries in splits.items():
        missing = [e for e in entries if not _is_entry(Path(e))]
        if missing and (k in ("train", "val") or k == split):
            raise MissingSplitError(
                f"{yaml_path}: split entry {missing[0]} does not exist (or is not a folder, a "
                f".txt list of images or an image); the {k!r} split needs it"
                + (" (Ultralytics requires train and val)." if k in ("train", "val") else "."))
        if missing:
            warnings.warn(
                f"{yaml_path}: the {k!r} split's {', '.join(map(str, missing))} does not "
                "exist: " + ("left out" if len(missing) < len(entries) else
                             f"the {k!r} split is left out")
                + " (Ultralytics accepts this until that split is used).",
                UserWarning, stacklevel=3)
        kept = [e for e in entries if e not in missing]
        if kept:
            out[k] = kept
    return out


def _resolve_root(yaml_path: Path, data: dict) -> Path:
    p = data.get("path")
    if not p:
        return yaml_path.parent.resolve()
    p = Path(str(p)).expanduser()
    if p.is_absolute():
        if not p.exists():
            raise FileNotFoundError(f"{yaml_path}: 'path: {p}' does not exist.")
        return p.resolve()
    tried = [yaml_path.parent / p, Path.cwd() / p]
    found = [c.resolve() for c in tried if c.exists()]
    splits = [v for k in ("train", "val", "test") for v in
              ([data.get(k)] if isinstance(data.get(k), str) else [])]
    if (len(found) == 2 and found[0] != found[1]
            and any((found[1] / v).exists() for v in splits)):  # yolo would find a split
        # Ultralytics tries the current directory first: `yolo train` would read the other
        warnings.warn(
            f"{yaml_path}: 'path: {p}' names two folders: {found[0]} (beside the YAML, "
            f"used here) and {found[1]} (under the current directory, which Ultralytics' "
            "`yolo train` reads first). Make 'path:' absolute so both read the same "
            "images.", UserWarning, stacklevel=3)
    if found:
        return found[0]
    tried = [str(c) for c in tried]
    raise FileNotFoundError(
        f"{yaml_path}: 'path: {p}' not found (tried {' and '.join(tried)}); "
        "make it absolute or relative to the YAML's folder."
    )


def _entry_paths(root: Path, value) -> list[Path]:
    """A split's entries (one or a list) as paths, relative ones under ``root``; a
    ``../x`` that does not exist there is tried as ``x`` (how Ultralytics' own YAMLs are
    often written)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        x = Path(str(v)).expanduser()
        if not x.is_absolute():
            cand = root / x
            if not cand.exists() and str(v).startswith("../"):
                cand = root / str(v)[3:]
            x = cand
        out.append(x)
    return out


def _resolve_entries(root: Path, value) -> list[Path]:
    return [x.resolve() for x in _entry_paths(root, value)]


def _entries_as_written(root: Path, value) -> list[Path]:
    """The split entries as :func:`_resolve_entries` finds them, links not followed."""
    return [Path(os.path.normpath(os.path.abspath(x))) for x in _entry_paths(root, value)]


def _files_under(folder: Path) -> list[str]:
    """Every file under ``folder``, as Ultralytics' recursive glob (``**/*.*``) finds them:
    hidden files and folders (names starting with a dot: ``.ipynb_checkpoints``, macOS
    ``._x.jpg``) are skipped, linked sub-folders are followed (``Path.rglob`` does not follow
    them before Python 3.13), a link back to a folder above it (a loop) is skipped with a
    warning."""
    found: list[str] = []
    stack = [(str(folder), frozenset({os.path.realpath(folder)}))]
    while stack:
        here, above = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError:
            continue  # unreadable folder: its images cannot be read by Ultralytics either
        for e in entries:
            if e.name.startswith("."):
                continue  # glob's '**' and '*.*' match no hidden name
            try:
                is_dir = e.is_dir()  # follows links
            except OSError:
                continue
            if is_dir:
                real = os.path.realpath(e.path)
                if real in above:
                    warnings.warn(f"{e.path} links back to {real}, a folder above it (a loop): "
                                  "not followed.", UserWarning, stacklevel=4)
                    continue
                stack.append((e.path, above | {real}))
            elif e.is_file():
                found.append(e.path)
    return found


def _list_images(entries: list[Path], issues: list, yaml_path,
                 repeats: dict | None = None) -> list[Path]:
    """Image files of split entries (folders, .txt lists, images), sorted, de-duplicated;
    the one listing ``load_yolo``, the writer, ``yolo-split`` and ``yolo-audit`` share.
    ``repeats`` (a dict) receives the images listed more than once and how many times
    (Ultralytics trains every listing)."""
    found: list[str] = []
    for entry in entries:
        if entry.is_dir():
            found += [p for p in _files_under(entry) if _is_image(Path(p))]
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
    if repeats is not None and len(set(found)) < len(found):
        from collections import Counter

        repeats.update({p: k for p, k in Counter(found).items() if k > 1})
    return [Path(p) for p in sorted(set(found))]


#: Ultralytics' ``verify_image_label`` tolerance: box values (x, y, w, h; a polygon's
#: bounding box) up to 1.01, and down to -0.01 when no width or height is negative.
_UL_MAX, _UL_MIN = 1.01, -0.01


def _ultralytics_box(parts: list, vals: np.ndarray) -> np.ndarray:
    """``x, y, w, h`` of a label row as Ultralytics computes it (float32; a polygon's
    bounding box, unclipped)."""
    v = np.array(parts[1:], dtype=np.float32)
    if len(parts) == 5:
        return v
    pts = v.reshape(-1, 2)
    lo, hi = pts.min(0), pts.max(0)
    return np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[0] - lo[0], hi[1] - lo[1]],
                    dtype=np.float32)


#: a label row with no width or height as written (dropped with a warning, not an issue)
ZERO_AREA = "box of zero width or height, dropped"


def _kpt_fields(data: dict, yaml_path) -> int:
    """Keypoint values per label row of a pose dataset (``kpt_shape: [nkpt, ndim]`` in the
    data YAML), 0 without ``kpt_shape``."""
    shape = data.get("kpt_shape")
    if shape is None:
        return 0
    ok = (isinstance(shape, (list, tuple)) and len(shape) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape))
    if not ok:  # Ultralytics cannot read it either (it unpacks two numbers)
        raise ValueError(f"{yaml_path}: kpt_shape: {shape!r} is not [number of keypoints, "
                         "values per keypoint] (Ultralytics' form, e.g. kpt_shape: [17, 3]); "
                         "fix it or leave it out.")
    return shape[0] * shape[1]


def _box_fields(parts: list, kpt_fields: int) -> list:
    """A label row's fields without a pose row's keypoints: a row of ``5 + kpt_fields``
    fields (``kpt_fields`` from :func:`_kpt_fields`, 0 for no pose dataset) is its box
    ``class x y w h`` followed by the keypoints; any other row is returned as it is."""
    return parts[:5] if kpt_fields and len(parts) == 5 + kpt_fields else parts


def _parse_label_text(text: str, nc: int, fname: str, clipped: list | None = None,
                      kpt_fields: int = 0):
    """Parse YOLO label lines; return ((k, 5) boxes, [LabelIssue]).

    In a pose dataset (``kpt_fields`` keypoint values per row, from the YAML's
    ``kpt_shape``) a row of ``5 + kpt_fields`` fields is its box ``class x y w h`` followed
    by the keypoints: the box is read and the keypoints left out, as Ultralytics reads pose
    labels for boxes (``verify_image_label``).

    What Ultralytics 8.4 (``verify_image_label``) refuses is an issue: a file that mixes
    box rows and polygon rows, coordinates beyond its tolerance (box values, or a
    polygon's bounding box, above 1.01, or below 0 unless at least -0.01 with no negative
    width or height). Every box is clipped to the image (its corners, as Ultralytics'
    ``Instances.clip`` clips every box it trains on, whether a value or only a corner is
    outside [0, 1]). Rows with a value outside [0, 1] (within the tolerance) go to
    ``clipped``; such a row left with no width or height once clipped (it lies wholly in
    the margin) is dropped, as Ultralytics drops zero-area boxes, and its
    :class:`LabelIssue` says so (in ``clipped``, not an issue); so is a row of zero width
    or height as written (``ZERO_AREA``), which Ultralytics also accepts and drops. A row
    identical to an earlier one (the same values once read as float32, the way
    ``verify_image_label`` compares rows with ``np.unique``; for polygons the same class and
    points) is dropped, as Ultralytics keeps one of them ("N duplicate labels removed"),
    with a note of kind ``"duplicate"``. The notes in ``clipped`` carry their ``kind``:
    ``"clipped"``, ``"outside"`` (dropped), ``"zero_area"`` (dropped) or ``"duplicate"``
    (dropped)."""
    rows, issues = [], []
    seen: dict = {}  # a valid row's float32 values -> its line
    lines = [(n, parts) for n, line in enumerate(text.splitlines(), 1) if (parts := line.split())]
    if kpt_fields:  # pose rows: the box, without the keypoints
        lines = [(n, _box_fields(parts, kpt_fields)) for n, parts in lines]
    poly_rows = [n for n, parts in lines if len(parts) > 6]
    box_rows = [n for n, parts in lines if len(parts) == 5]
    if poly_rows and box_rows:
        issues.append(LabelIssue(
            fname, box_rows[0], f"a box row (5 fields) in a file of polygon rows (line "
            f"{poly_rows[0]}): Ultralytics rejects a file that mixes them ('labels mix segment "
            "and detection rows') and does not train on this image; write every row as a "
            "polygon or every row as a box"))
    for n, parts in lines:
        k = len(parts)
        line = " ".join(parts)
        if k != 5 and not (k >= 7 and (k - 1) % 2 == 0):
            issues.append(LabelIssue(fname, n, f"expected 5 fields (class x y w h) or a polygon "
                                               f"(class x1 y1 x2 y2 x3 y3 ...), got {k}"))
            continue
        try:
            vals = np.array([float(v) for v in parts], dtype=np.float64)
        except ValueError:
            issues.append(LabelIssue(fname, n, f"non-numeric field in {line!r}"))
            continue
        cls = vals[0]
        if not np.isfinite(vals).all():
            issues.append(LabelIssue(fname, n, "NaN or infinite value"))
            continue
        if cls != np.floor(cls) or not (0 <= cls < nc):
            issues.append(LabelIssue(
                fname, n, f"unknown class id {parts[0]} (the YAML names {nc} classes: 0..{nc - 1})"))
            continue
        ul = _ultralytics_box(parts, vals)
        if ul.max() > _UL_MAX or (ul.min() < 0 and (ul.min() < _UL_MIN or ul[2:].min() < 0)):
            issues.append(LabelIssue(fname, n, "coordinates out of range: YOLO labels are "
                                               "normalised to [0, 1] (Ultralytics tolerates "
                                               "-0.01 to 1.01)"))
            continue
        # duplicates as Ultralytics finds them: rows equal as float32 (np.unique, so -0.0
        # equals 0.0); polygons by their class and points' bytes (distinct polygons may
        # share a box)
        f32 = np.array(parts, dtype=np.float32)
        key = tuple((f32 + np.float32(0)).tolist()) if k == 5 else (f32[:1].tobytes(),
                                                                      f32[1:].tobytes())
        if key in seen:
            if clipped is not None:
                clipped.append(LabelIssue(
                    fname, n, f"duplicate of line {seen[key]}, dropped (Ultralytics keeps one "
                              "of identical rows)", "duplicate"))
            continue
        seen[key] = n
        coords = vals[1:]
        if k == 5:
            x, y, w, h = coords
            sized = w > 0 and h > 0
            corners = np.array([x - w / 2, y - h / 2, x + w / 2, y + h / 2])
            if (corners < 0).any() or (corners > 1).any():  # clipped, as Ultralytics clips
                x1, y1, x2, y2 = np.clip(corners, 0.0, 1.0)
                x, y, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
        else:
            sized = np.ptp(coords[0::2]) > 0 and np.ptp(coords[1::2]) > 0
            xs, ys = np.clip(coords[0::2], 0.0, 1.0), np.clip(coords[1::2], 0.0, 1.0)
            x, y = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
            w, h = xs.max() - xs.min(), ys.max() - ys.min()
        if sized and (w <= 0 or h <= 0):
            # wholly in Ultralytics' 1% margin: it trains on the image, without this box
            if clipped is not None:
                clipped.append(LabelIssue(fname, n, "box wholly outside the image (in the 1% "
                                                    "margin), dropped", "outside"))
            continue
        if clipped is not None and ((coords < -_COORD_TOL).any()
                                    or (coords > 1 + _COORD_TOL).any()):
            clipped.append(LabelIssue(fname, n, "coordinates outside [0, 1], clipped",
                                      "clipped"))
        if w <= 0 or h <= 0:
            # no area as written: Ultralytics trains on the image and drops the box
            if clipped is not None:
                clipped.append(LabelIssue(fname, n, ZERO_AREA, "zero_area"))
            continue
        rows.append([cls, x, y, w, h])
    return np.array(rows, dtype=np.float64).reshape(-1, 5), issues


def _names_from_yaml(data: dict, yaml_path) -> dict:
    names = data.get("names")
    if names is None:
        if "nc" not in data:
            raise ValueError(f"{yaml_path}: the data YAML needs 'names' (or 'nc').")
        return {i: f"class_{i}" for i in range(int(data["nc"]))}
    if isinstance(names, dict):
        out = {}
        for k, v in names.items():
            try:
                out[int(k)] = str(v)
            except (TypeError, ValueError):
                inverted = all(isinstance(x, int) and not isinstance(x, bool)
                               for x in names.values())
                raise ValueError(
                    f"{yaml_path}: names: key {k!r} is not a class id"
                    + (" (the mapping is written the wrong way round, name: id)"
                       if inverted else "")
                    + "; write names: as id: name ({0: cat, 1: dog}) or as a list in id "
                    "order ([cat, dog])."
                ) from None
        names = out
    elif isinstance(names, (list, tuple)):
        names = {i: str(v) for i, v in enumerate(names)}
    else:
        raise ValueError(f"{yaml_path}: 'names' must be a list or a mapping of id to name.")
    if not names:
        raise ValueError(f"{yaml_path}: names: is empty; name at least one class "
                         "(Ultralytics refuses a 0-class dataset).")
    missing = sorted(set(range(len(names))) - set(names))
    if missing:  # Ultralytics' check_class_names: ids 0..n-1
        raise ValueError(
            f"{yaml_path}: names: maps {len(names)} classes but has no id "
            f"{', '.join(map(str, missing))} (ids given: {', '.join(map(str, sorted(names)))}); "
            f"Ultralytics requires ids 0..{len(names) - 1}. "
            f"Name class {missing[0]} (e.g. {missing[0]}: unused) or renumber the classes "
            "and their label files.")
    nc = data.get("nc")
    if nc is not None and nc != len(names):  # Ultralytics' check_det_dataset refuses it too
        raise ValueError(
            f"{yaml_path}: nc: {nc} but names: has {len(names)} classes; make them agree "
            f"(nc: {len(names)}), or leave nc: out.")
    return names


def label_dir(image_dir) -> Path:
    """The label folder Ultralytics pairs with an image folder (last ``images`` -> ``labels``).

    Examples
    --------
    >>> label_dir("/data/images/train").as_posix(), label_dir("/data/images").as_posix()
    ('/data/labels/train', '/data/labels')
    """
    s = str(image_dir).rstrip(os.sep) + os.sep
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    if sa in s:
        s = sb.join(s.rsplit(sa, 1))
    return Path(s.rstrip(os.sep))


def _real_folder(p: Path) -> Path:
    """``p`` with the links of its folders followed (its own name kept)."""
    return Path(os.path.realpath(p.parent)) / p.name


def _orphan_labels(entries: list[Path], images: list[Path]) -> list[Path]:
    """Label files under the label folders of folder entries that belong to no image
    (compared by the real folders: a dataset folder reached through a link is the same
    dataset)."""
    expected = {_real_folder(image_to_label_path(p)) for p in images}
    orphans = []
    for entry in entries:
        if not entry.is_dir():
            continue
        ldir = label_dir(entry)
        if ldir == entry or not ldir.is_dir():
            continue  # labels next to the images: other .txt files may be anything
        orphans += [p for f in _files_under(ldir) if (p := Path(f)).suffix == ".txt"
                    and _real_folder(p) not in expected]
    return sorted(orphans)


def _warn_labels_behind_links(images: list, label_files: list, what: str) -> None:
    """Warn about images read without a label file whose real place (a linked sub-folder,
    ``images/train/cam1 -> /data/cam1/images``, or a linked file) has one next to it:
    Ultralytics looks for labels under the path it found the image by, so these are
    background images for it and for this reader; their boxes are silently lost."""
    behind = []
    for img, lf in zip(images, label_files, strict=True):
        if lf is not None:
            continue
        real = Path(os.path.realpath(img))
        if real != img and (alt := image_to_label_path(real)) != image_to_label_path(img) \
                and alt.is_file():
            behind.append((img, alt))
    if behind:
        img, alt = behind[0]
        warnings.warn(
            f"{what}: {len(behind)} image(s) have no label file where Ultralytics looks for "
            f"it (e.g. {image_to_label_path(img)}) but one next to the linked image's real "
            f"place (e.g. {alt}, for {img}, a link to {os.path.realpath(img)}): they are read "
            "as background images, as Ultralytics reads them. Link the labels where the first "
            "path says (labels/... mirroring images/...), or link the whole dataset folder "
            "that holds both images/ and labels/.", UserWarning, stacklevel=3)


def load_yolo(data_yaml, split: str = "train", *, on_error: str = "raise",
              verify_images: bool = True, n_jobs: int = 1) -> DetectionDataset:
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
        Decode every image completely with Pillow (``verify`` then ``load``; JPEGs at a
        reduced scale) so that truncated or corrupt files are found now, named, rather than
        during embedding or training. Images under 10 pixels a side (which Ultralytics
        skips) are problems too. False skips this check (faster on huge datasets).
    n_jobs : int, default=1
        Threads decoding images for ``verify_images``.

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
    data = _split_aliases(data)
    if split == "validation":
        split = "val"
    names = _names_from_yaml(data, yaml_path)
    kpt_fields = _kpt_fields(data, yaml_path)
    root = _resolve_root(yaml_path, data)
    splits = {k: [str(p) for p in _resolve_entries(root, data[k])]
              for k in SPLIT_KEYS if data.get(k)}
    splits = _check_split_entries(splits, split, yaml_path)
    if split not in splits:
        raise ValueError(f"{yaml_path}: no {split!r} split (splits: {', '.join(splits) or 'none'}).")
    issues: list[LabelIssue] = []
    repeats: dict = {}
    images = _list_images([Path(p) for p in splits[split]], issues, yaml_path, repeats)
    if repeats:
        first = min(repeats)
        warnings.warn(
            f"{yaml_path} [{split}]: {len(repeats)} image(s) are listed more than once (e.g. "
            f"{first}, {repeats[first]} times; {sum(repeats.values()) - len(repeats)} extra "
            "listings): read once. Ultralytics trains every listing (oversampling); a dataset "
            "datareduce writes lists each kept image once, so repeat its lines yourself to "
            "oversample.", UserWarning, stacklevel=2)
    if not images and not issues:
        raise FileNotFoundError(f"{yaml_path}: no images found in split {split!r} ({splits[split]}).")
    nc = max(names) + 1 if names else 0
    bad = {i.file for i in issues}
    decode = _decode_problems(images, n_jobs) if verify_images else [None] * len(images)
    kept_images, kept_boxes, kept_labels = [], [], []
    clipped: list[LabelIssue] = []
    for img, msg in zip(images, decode, strict=True):
        problems = []
        if msg:
            problems.append(LabelIssue(str(img), None, msg))
        lbl = image_to_label_path(img)
        boxes = np.zeros((0, 5))
        if lbl.is_file():
            try:
                text = lbl.read_text(encoding="utf-8-sig")  # as Ultralytics opens labels
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(LabelIssue(str(lbl), None, f"unreadable label file ({exc})"))
            else:
                boxes, line_issues = _parse_label_text(text, nc, str(lbl), clipped, kpt_fields)
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
    empty = [c for c in clipped if c.kind == "zero_area"]
    duplicate = [c for c in clipped if c.kind == "duplicate"]
    clipped = [c for c in clipped if c.kind in ("clipped", "outside")]
    if duplicate:
        files = {c.file for c in duplicate}
        warnings.warn(
            f"{yaml_path} [{split}]: {len(duplicate)} label line(s) in {len(files)} file(s) "
            f"repeat an earlier line of their file (e.g. {duplicate[0].file}:"
            f"{duplicate[0].line}, {duplicate[0].message}): read once, as Ultralytics "
            "removes duplicate labels and trains on one box each; the label files are not "
            "changed.", UserWarning, stacklevel=2)
    if empty:
        warnings.warn(
            f"{yaml_path} [{split}]: {len(empty)} label line(s) are boxes of zero width or "
            f"height (e.g. {empty[0].file}:{empty[0].line}): dropped, as Ultralytics drops "
            "boxes with no area (the images are kept).", UserWarning, stacklevel=2)
    if clipped:
        dropped = [c for c in clipped if c.kind == "outside"]
        warnings.warn(
            f"{yaml_path} [{split}]: {len(clipped)} label line(s) have coordinates a little "
            f"outside [0, 1] (e.g. {clipped[0].file}:{clipped[0].line}), within Ultralytics' "
            "tolerance (-0.01 to 1.01): read clipped to the image, as Ultralytics clips them"
            + (f"; {len(dropped)} of them lie wholly outside the image (e.g. "
               f"{dropped[0].file}:{dropped[0].line}) and are dropped, as Ultralytics drops "
               "boxes left with no area" if dropped else "") + ".",
            UserWarning, stacklevel=2)
    if not kept_images:
        raise ValueError(f"{yaml_path} [{split}]: every image has a problem (see above); "
                         "nothing is left to reduce.")
    orphans = _orphan_labels([Path(p) for p in splits[split]], images)
    # a linked image folder: Ultralytics (and this reader) look for labels next to the
    # link's target, so labels kept next to the link are never read (a linked folder above
    # both, /data/coco -> /mnt/coco, leads both to the same place: nothing is lost there)
    linked = [(w, Path(os.path.realpath(w))) for w in _entries_as_written(root, data[split])
              if w.is_dir() and Path(os.path.realpath(label_dir(w)))
              != label_dir(os.path.realpath(w))]
    behind = sorted(set(_orphan_labels([w for w, _ in linked], images)) - set(orphans))
    orphans = sorted(set(orphans) | set(behind))
    if split != "test" and not any(lf is not None for lf in kept_labels):
        # test labels are optional (held-out images; `yolo train` never reads them)
        warnings.warn(
            f"{yaml_path} [{split}]: no image has a label file (looked for e.g. "
            f"{image_to_label_path(kept_images[0])}): every image is read as background, as "
            "Ultralytics reads it ('No labels found'). Put the labels where that path says.",
            UserWarning, stacklevel=2)
    _warn_labels_behind_links(kept_images, kept_labels, f"{yaml_path} [{split}]")
    if orphans:
        shown = ", ".join(str(p) for p in orphans[:5])
        hint = "Restore the images or delete these files."
        if behind:
            w, real = next((w, r) for w, r in linked if _is_within_dir(behind[0], label_dir(w)))
            hint = (f"{w} is a link to {real}: labels are looked for next to the link's target "
                    f"(e.g. {image_to_label_path(kept_images[0])}), as Ultralytics resolves "
                    f"the link, not in {label_dir(w)}. Link the whole dataset folder instead, "
                    "or move the labels.")
        warnings.warn(
            f"{yaml_path} [{split}]: {len(orphans)} label file(s) have no image and are ignored "
            f"(as Ultralytics ignores them): {shown}{' ...' if len(orphans) > 5 else ''}. "
            + hint,
            UserWarning, stacklevel=2,
        )
        issues += [LabelIssue(str(p), None, "label file without an image (ignored)")
                   for p in orphans]
    return DetectionDataset(
        images=kept_images, boxes=kept_boxes, names=names, label_files=kept_labels,
        split=split, yaml_path=yaml_path, root=root, splits=splits, data=data,
        issues=issues, source_format="yolo",
    )
