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
    two subsets of one dataset overwrite each other's cache. Ultralytics also "restores"
    a JPEG that lacks its end marker by rewriting the file in place: with ``list`` that
    file is the source's, so ``list`` refuses datasets holding such JPEGs. Prefer
    ``symlink`` or ``copy``.

Every layout writes ``OUT/manifest.json`` (what was kept, how, its effect on boxes, and
the name of every file written, so that ``overwrite=True`` removes exactly those). The
output must lie outside every place the source lives in (see :func:`check_output_dir`).
Nothing in the source dataset is modified, moved or deleted by datareduce.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
import warnings
from pathlib import Path

import numpy as np

from .dataset import LabelIssue, _is_image, image_to_label_path, positions
from .yolo import SPLIT_KEYS, _list_images, _real_folder, _split_aliases
from .yolo import _is_within_dir as _is_within

__all__ = ["LAYOUTS", "check_output_dir", "check_outside_source", "source_locations",
           "write_yolo_subset"]

LAYOUTS = ("symlink", "copy", "list")
MANIFEST = "manifest.json"


def _both(p) -> set:
    """A path as written (absolute, normalised) and with every link followed."""
    a = Path(os.path.normpath(os.path.abspath(p)))
    return {a, Path(os.path.realpath(a))}


def source_locations(dataset) -> set:
    """Every place the source dataset lives in: roots, split folders and lists, image and
    label folders, as written and with links followed (see :func:`check_output_dir`).

    A data YAML's ``path:`` is the dataset root; without it Ultralytics takes the YAML's
    folder as the root of relative splits, which may be a whole project folder: only what
    the splits name counts then (their folders or lists, the folders a list names, the
    label folders paired with them, and the YAML itself)."""
    from .yolo import label_dir

    locs: set = set()
    data = _split_aliases(dataset.data or {})
    if dataset.root is not None and (dataset.source_format != "yolo" or data.get("path")):
        locs |= _both(dataset.root)
    if dataset.yaml_path is not None:
        locs |= _both(dataset.yaml_path)
    for entries in dataset.splits.values():
        for e in entries:
            e = Path(e)
            locs |= _both(e)
            if e.is_dir():
                locs |= _both(label_dir(e))
            elif e.is_file() and e.suffix.lower() == ".txt":
                listed = _list_images([e], [], dataset.yaml_path)
                for folder in {p.parent for p in listed}:
                    locs |= _both(folder) | _both(label_dir(folder))
            elif e.is_file():
                locs |= _both(e.parent)
    folders = {p.parent for p in dataset.images}
    folders |= {Path(lf).parent for lf in dataset.label_files if lf is not None}
    for f in folders:
        locs |= _both(f)
    return locs


def _overlap(out: Path, locs) -> Path | None:
    for loc in sorted(locs):
        if _is_within(out, loc) or _is_within(loc, out):
            return loc
    return None


def check_outside_source(dataset, path, what: str = "output file", *,
                         folder: bool = False) -> Path:
    """Refuse a file (or, with ``folder=True``, a folder written into, such as a cache
    folder) ``path`` that lies inside any place the source dataset lives in (the places
    :func:`check_output_dir` compares ``out_dir`` with, links followed): a report written
    into ``images/train`` would become a training image. Returns the real path. A file's
    own name is not followed (writers replace a link there, never write through it); a
    folder is followed to the end, since files are written into wherever it leads.

    Raises
    ------
    ValueError
        ``path`` is inside the source; the message names ``what`` (e.g. ``--json``).
    """
    given = Path(path).expanduser()
    absolute = Path(os.path.normpath(os.path.abspath(given)))
    real = Path(os.path.realpath(absolute)) if folder else _real_folder(absolute)
    for loc in sorted(source_locations(dataset)):
        if _is_within(real, loc) or _is_within(absolute, loc):
            via = f" ({given} leads to {real})" if absolute != real else ""
            raise ValueError(f"{what} {given}{via} is inside the source dataset's {loc}: choose "
                             "a place outside the source (the source dataset is never "
                             "written to).")
    return real


def check_output_dir(dataset, out_dir, *, overwrite: bool = False,
                     layout: str = "symlink", indices=None) -> Path:
    """Check that ``out_dir`` may receive a reduced copy of ``dataset``; returns its real path.

    Nothing is written. Refused: ``layout="list"`` for a source without YOLO label files
    (COCO, or images with boxes and no label file); an output inside, equal to, or containing any place the
    source lives in (the ``path:`` root, each split folder or list and the folders it
    lists, their label folders, the data YAML), compared after following symbolic links
    (so a link pointing into the source is refused too); an existing file; a non-empty
    folder unless ``overwrite=True`` and it holds a datareduce output whose manifest
    records every file in its ``images/`` and ``labels/`` folders.

    Call it before a long embedding (``datareduce yolo`` does). ``indices``: the kept
    images (positions or a boolean mask) when known, so that ``layout="list"`` looks for
    label files of those only; None checks every image of ``dataset``.

    Raises
    ------
    ValueError
        The output overlaps the source.
    FileExistsError
        The output exists and may not be replaced.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}: use one of {', '.join(LAYOUTS)}.")
    if layout == "list" and dataset.source_format != "yolo":
        raise ValueError(f"layout='list' needs YOLO label files next to the images; a "
                         f"{dataset.source_format} dataset has none: use layout='symlink' or "
                         "layout='copy'.")
    if layout == "list":  # a dataset made in memory: its boxes are in no label file
        kept = range(len(dataset)) if indices is None else positions(indices, len(dataset))
        unfiled = [dataset.images[i] for i in kept
                   if dataset.label_files[i] is None and len(dataset.boxes[i])]
        if unfiled:
            raise ValueError(
                f"layout='list' needs YOLO label files next to the images, but {len(unfiled)} "
                f"image(s) have boxes and no label file (e.g. {unfiled[0]}): Ultralytics would "
                "read them as background. Use layout='symlink' or layout='copy', which write "
                "label files from the boxes.")
    given = Path(out_dir).expanduser()
    out = Path(os.path.realpath(given))
    hit = _overlap(out, source_locations(dataset))
    if hit is not None:
        how = "is inside" if _is_within(out, hit) else "contains"
        via = f" ({given} leads to {out})" if Path(os.path.abspath(given)) != out else ""
        raise ValueError(f"output folder {out}{via} {how} the source dataset's {hit}: choose a "
                         "folder outside every split of the source (the source dataset is "
                         "never written to).")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"output {out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"output folder {out} is not empty: pass overwrite=True "
                                  "to replace a previous datareduce output, or choose an "
                                  "empty folder.")
        _removable(out, dataset.split)
    return out


def _is_image_cache(npy: Path, image: Path) -> bool:
    """Whether ``npy`` is what Ultralytics' ``cache=disk`` writes for ``image``
    (``np.save(imread(image, flags))``): a plain file holding a uint8 array of 2 or 3
    dimensions whose height and width are the image's (EXIF-rotated, as OpenCV reads it, or
    not) and, where Ultralytics is installed, whose values are the image as its ``imread``
    decodes it (colour, grayscale or unchanged: the flags of its ``channels``), so that a
    user's own array of the image's size (a mask) is not taken for a cache."""
    if npy.is_symlink() or not npy.is_file():
        return False
    try:
        with open(npy, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                return False
    except (OSError, ValueError):
        return False
    if dtype != np.uint8 or len(shape) not in (2, 3):
        return False
    try:
        from PIL import Image

        with Image.open(image) as im:
            w, h = im.size
            rotated = im.getexif().get(0x0112) in (5, 6, 7, 8)  # EXIF orientation
    except Exception:  # an unreadable image: no cache can be recognised
        return False
    if not (tuple(shape[:2]) == (h, w) or (rotated and tuple(shape[:2]) == (w, h))):
        return False
    return _decodes_to(npy, image)


def _decodes_to(npy: Path, image: Path) -> bool:
    """Whether the array in ``npy`` is ``image`` as Ultralytics' ``imread`` decodes it with
    one of the flags its datasets use (True without Ultralytics: the header rule only)."""
    try:
        import cv2
        from ultralytics.utils.patches import imread
    except ImportError:  # (no Ultralytics here: nothing to decode the image as it does)
        return True
    try:
        arr = np.load(npy, allow_pickle=False)
    except (OSError, ValueError):
        return False
    for flag in (cv2.IMREAD_COLOR, cv2.IMREAD_GRAYSCALE, cv2.IMREAD_UNCHANGED):
        im = imread(str(image), flags=flag)
        if im is not None and im.size == arr.size and np.array_equal(
                np.squeeze(im), np.squeeze(arr)):
            return True
    return False


def _removable(out: Path, split: str) -> list:
    """The recorded files of the previous datareduce output in ``out`` (checked, not removed)."""
    try:
        old = json.loads((out / MANIFEST).read_text())
        ours = old.get("datareduce_output") is True
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise FileExistsError(f"output folder {out} is not empty and has no datareduce "
                              f"{MANIFEST}; overwrite=True only replaces a previous datareduce "
                              "output. Choose an empty folder.")
    if "written_files" not in old:
        raise FileExistsError(f"{out / MANIFEST} is from an older datareduce that did not record "
                              "its files: delete that folder yourself or choose another one.")
    # Ultralytics' cache=disk writes x.npy beside every image it trains on: caches of the
    # output's own images, removed like its label caches (only what such a cache is)
    npy = {Path(f).with_suffix(".npy").as_posix() for f in old["written_files"]
           if str(f).startswith("images/") and _is_image(f)
           and not Path(f).is_absolute() and ".." not in Path(f).parts
           and _is_image_cache(out / Path(f).with_suffix(".npy"), out / f)}
    recorded = set(old["written_files"]) | {MANIFEST} | set(old.get("tool_files", [])) | npy
    files = []
    for p in recorded:
        rel = Path(p)
        if rel.is_absolute() or ".." in rel.parts:
            raise FileExistsError(f"{out / MANIFEST} records {p!r}, which is not a path inside "
                                  "the output: delete that folder yourself.")
        q = out / rel
        if q.is_symlink() or q.exists():
            if not _is_within(Path(os.path.realpath(q.parent)), out):
                raise FileExistsError(f"{q.parent} leads outside {out} (a link?): refusing to "
                                      "delete through it; delete that folder yourself.")
            if q.is_dir() and not q.is_symlink():
                raise FileExistsError(f"{q} is a folder where the manifest records a file.")
            files.append(q)
    # anything else where the new output goes would mix into it: refuse, touch nothing
    strays = []
    for top in ("images", "labels"):
        base = out / top
        if base.is_symlink():
            strays.append(base)
            continue
        if base.is_dir():
            for dirpath, dirnames, filenames in os.walk(base):
                for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
                    rel = (Path(dirpath) / name).relative_to(out).as_posix()
                    if rel not in recorded:
                        strays.append(out / rel)
    for name in ("data.yaml", f"{split}.txt"):
        if ((out / name).exists() or (out / name).is_symlink()) and name not in recorded:
            strays.append(out / name)
    if strays:
        shown = ", ".join(str(s) for s in strays[:5])
        raise FileExistsError(f"output folder {out} holds {len(strays)} file(s) the previous "
                              f"datareduce manifest does not record ({shown}"
                              f"{' ...' if len(strays) > 5 else ''}); overwrite=True only "
                              "removes recorded files. Move them away or choose another folder.")
    return files


def _swap_in(stage: Path, out: Path, split: str, overwrite: bool) -> None:
    """Replace the previous output in ``out`` (only its recorded files) by the complete new
    one written in ``stage``: nothing of the previous output is removed before this."""
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"output folder {out} is no longer empty: nothing replaced "
                                  "(pass overwrite=True to replace a datareduce output).")
        for q in _removable(out, split):
            q.unlink()  # a link is removed, never followed
        for top in ("images", "labels"):  # folders emptied by the removal
            base = out / top
            if base.is_dir() and not base.is_symlink():
                for dirpath, _dirs, _files in sorted(os.walk(base), reverse=True):
                    if not any(Path(dirpath).iterdir()):
                        Path(dirpath).rmdir()
    out.mkdir(parents=True, exist_ok=True)
    for child in sorted(stage.iterdir()):
        target = out / child.name
        if target.exists() or target.is_symlink():
            raise _taken(target)
        os.rename(child, target)
    stage.rmdir()


#: errno values meaning "this file system or platform makes no symbolic links"; any other
#: failure (a name already taken above all) is an error, never a reason to copy instead
_NO_LINKS = {getattr(errno, n) for n in ("EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS")
             if hasattr(errno, n)}
_WINERROR_NO_PRIVILEGE = 1314  # Windows without developer mode or the symlink privilege


def _links_unsupported(exc: BaseException) -> bool:
    if isinstance(exc, NotImplementedError):
        return True
    if isinstance(exc, FileExistsError) or not isinstance(exc, OSError):
        return False
    return exc.errno in _NO_LINKS or getattr(exc, "winerror", None) == _WINERROR_NO_PRIVILEGE


def _taken(dst: Path) -> FileExistsError:
    return FileExistsError(f"{dst} already exists in the output: datareduce never writes over "
                           "or through an existing file or link (it may lead into the source "
                           "dataset).")


def _create_new(dst: Path):
    """A new file opened for writing; refused (FileExistsError) when ``dst`` exists in any
    form, a dangling link included, so that nothing is written through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(dst, flags, 0o666)
    except FileExistsError:
        raise _taken(dst) from None
    return os.fdopen(fd, "wb")


def _copy_new(src: Path, dst: Path) -> None:
    """Copy ``src`` (its content and times) into a NEW file ``dst``."""
    with open(src, "rb") as fsrc, _create_new(dst) as fdst:
        shutil.copyfileobj(fsrc, fdst)
    shutil.copystat(src, dst, follow_symlinks=False)


def _write_new_text(dst: Path, text: str) -> None:
    with _create_new(dst) as f:
        f.write(text.encode("utf-8"))


class _Placer:
    """Puts files in place by symlink (falling back to copy where the platform has no
    symbolic links) or copy. Every destination is new: an existing name (a link above all)
    is an error, never written into."""

    def __init__(self, layout: str):
        self.layout = layout
        self.fell_back = False

    def __call__(self, src: Path, dst: Path) -> None:
        if self.layout == "symlink" and not self.fell_back:
            try:
                os.symlink(os.path.abspath(src), dst)
                return
            except FileExistsError:
                raise _taken(dst) from None
            except (OSError, NotImplementedError) as exc:
                if not _links_unsupported(exc):
                    raise
                self.fell_back = True
                warnings.warn(f"symbolic links are not available here ({exc}); copying files "
                              "instead.", UserWarning, stacklevel=3)
        _copy_new(src, dst)


def _unique_names(paths) -> list[str]:
    """File names for a flat folder, unique by construction (stems compared without case,
    since a label file is named after its image's stem): the source name where its stem
    is unique, else a numbered prefix that no other name, kept or made, already uses."""
    stems: dict[str, int] = {}
    for p in paths:
        stems[p.stem.lower()] = stems.get(p.stem.lower(), 0) + 1
    taken = {p.stem.lower() for p in paths if stems[p.stem.lower()] == 1}
    names = []
    for i, p in enumerate(paths):
        if stems[p.stem.lower()] == 1:
            names.append(p.name)
            continue
        name, j = f"{i:06d}_{p.name}", 0
        while Path(name).stem.lower() in taken:
            j += 1
            name = f"{i:06d}_{j}_{p.name}"
        taken.add(Path(name).stem.lower())
        names.append(name)
    return names


def _label_text(boxes: np.ndarray) -> str:
    return "".join(f"{int(b[0])} {b[1]:.6f} {b[2]:.6f} {b[3]:.6f} {b[4]:.6f}\n" for b in boxes)


def _other_keys(data: dict) -> dict:
    """The keys of a source data YAML that a written one keeps (``kpt_shape``, ``flip_idx``,
    ``channels``, ...): all but the splits (``validation:`` is written as ``val:``), the
    root, the download script and the names, which the writer sets itself."""
    drop = SPLIT_KEYS + ("validation", "path", "download", "yaml_file", "names", "nc")
    return {k: v for k, v in (data or {}).items() if k not in drop}


def _plan_split(images, label_files, boxes, split: str) -> list:
    """(image source, image dest, label source or None, label text or None) per image."""
    plan = []
    for k, (img, name) in enumerate(zip(images, _unique_names(images), strict=True)):
        lbl_rel = f"labels/{split}/{Path(name).stem}.txt"
        lbl, text = label_files[k], None
        if lbl is None and boxes is not None and len(boxes[k]):
            text = _label_text(boxes[k])
        plan.append((img, f"images/{split}/{name}", lbl,
                     lbl_rel if (lbl is not None or text is not None) else None, text))
    return plan


def _planned_files(plan) -> list:
    return [f for img, dst, lbl, ldst, text in plan for f in (dst, ldst) if f is not None]


def _place(plan, out: Path, place: _Placer) -> None:
    for img, dst, lbl, ldst, text in plan:
        (out / dst).parent.mkdir(parents=True, exist_ok=True)
        place(img, out / dst)
        if ldst is not None:
            (out / ldst).parent.mkdir(parents=True, exist_ok=True)
            if lbl is not None:
                place(lbl, out / ldst)
            else:
                _write_new_text(out / ldst, text)


def _unterminated_jpegs(paths) -> list:
    """JPEGs whose last two bytes are not the end marker: Ultralytics rewrites them in place."""
    bad = []
    for p in paths:
        if Path(p).suffix.lower() not in (".jpg", ".jpeg"):
            continue
        try:
            with open(p, "rb") as f:
                f.seek(-2, 2)
                if f.read() != b"\xff\xd9":
                    bad.append(p)
        except OSError:
            bad.append(p)
    return bad


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


def _place_and_finish(out: Path, plans, place: _Placer, data: dict, content: dict, *,
                      split: str, overwrite: bool, extra_files: dict | None = None) -> Path:
    """Write the new output completely in a temporary folder beside ``out`` (the planned
    files, ``extra_files``, the data YAML, the manifest marked complete), then swap it in
    (:func:`_swap_in`): a failure leaves a previous output in ``out`` untouched."""
    import tempfile

    import yaml

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.datareduce-partial-", dir=out.parent))
    try:
        for plan in plans:
            _place(plan, stage, place)
        for name, text in (extra_files or {}).items():
            _write_new_text(stage / name, text)
        _write_new_text(stage / "data.yaml", yaml.safe_dump(data, sort_keys=False))
        content["complete"] = True
        if place.fell_back:
            content["layout"] = "copy (symlinks unavailable)"
        _write_new_text(stage / MANIFEST, json.dumps(_json_safe(content), indent=1))
        _swap_in(stage, out, split, overwrite)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)  # our own folder; links are not followed
        raise
    return out / "data.yaml"


def write_yolo_subset(dataset, indices, out_dir, *, layout: str = "symlink",
                      overwrite: bool = False, manifest: dict | None = None) -> Path:
    """Write the images ``indices`` of ``dataset`` as a dataset ``yolo train`` accepts.

    See the module docstring for what each ``layout`` writes where.

    Parameters
    ----------
    dataset : DetectionDataset
        The source (read by :func:`load_yolo` or :func:`load_coco`).
    indices : array-like of int or of bool
        Positions of the kept images in ``dataset``, or a boolean mask of its images (a
        reducer's ``get_support()``).
    out_dir : str or Path
        Output folder (created; must be empty, outside the source dataset).
    layout : {"symlink", "copy", "list"}, default="symlink"
    overwrite : bool, default=False
        Replace a previous datareduce output in ``out_dir`` (only the entries datareduce
        writes are removed, and only once the new output is complete: it is written in a
        temporary folder beside ``out_dir`` first; a folder without a datareduce manifest
        is never cleared).
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

    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}: use one of {', '.join(LAYOUTS)}.")
    idx = positions(indices, len(dataset))
    if len(idx) == 0:
        raise ValueError("indices is empty: a written dataset needs at least one image.")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("indices has duplicates: each image is written once.")
    out = check_output_dir(dataset, out_dir, overwrite=overwrite, layout=layout,
                           indices=idx)  # nothing written
    kept = np.sort(idx)
    split = dataset.split
    images = [dataset.images[i] for i in kept]
    data = {"path": str(out), **_other_keys(dataset.data)}
    names = {int(k): v for k, v in sorted(dataset.names.items())}
    other_splits = {k: v for k, v in dataset.splits.items() if k != split}
    place = _Placer(layout)
    plans = []
    if layout == "list":
        others = [p for entries in other_splits.values()
                  for p in _list_images([Path(e) for e in entries], [], dataset.yaml_path)]
        rewritten = _unterminated_jpegs(images + others)
        if rewritten:
            raise ValueError(
                f"layout='list': {len(rewritten)} JPEG(s) do not end with the JPEG end marker "
                f"(e.g. {rewritten[0]}); Ultralytics 'restores' such files by rewriting them in "
                "place, i.e. in the source dataset. Use layout='symlink' or layout='copy' "
                "(Ultralytics then replaces the link or copy inside the output folder).")
        written = [str(p) for p in images]
        files = [f"{split}.txt"]
        data[split] = f"{split}.txt"
        for k, entries in other_splits.items():
            data[k] = entries[0] if len(entries) == 1 else list(entries)
        tool_files = []
    else:
        boxes = [dataset.boxes[i] for i in kept]
        labels = [dataset.label_files[i] for i in kept]
        plans.append(_plan_split(images, labels, boxes, split))
        written = [dst for _, dst, *_ in plans[0]]
        data[split] = f"images/{split}"
        for k, entries in other_splits.items():
            issues: list[LabelIssue] = []
            imgs = _list_images([Path(e) for e in entries], issues, dataset.yaml_path)
            lbls = [lp if (lp := image_to_label_path(p)).is_file() else None for p in imgs]
            if imgs:
                plans.append(_plan_split(imgs, lbls, None, k))
                data[k] = f"images/{k}"
        files = [f for plan in plans for f in _planned_files(plan)]
        # Ultralytics writes these next to the labels it reads; a later overwrite removes them
        tool_files = [f"labels/{k}.cache" for k in (split, *other_splits)]
    if "val" not in data:
        data["val"] = data[split]
        warnings.warn("the source has no validation split: the written data YAML validates on "
                      "the kept training images.", UserWarning, stacklevel=3)
    data["names"] = names
    data["nc"] = len(names)
    yaml_path = out / "data.yaml"
    from .. import __version__

    content = {
        "datareduce_output": True,
        "datareduce_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "complete": False,
        "source": {"format": dataset.source_format,
                   "data_yaml": str(dataset.yaml_path) if dataset.yaml_path else None,
                   "root": str(dataset.root) if dataset.root else None,
                   "split": split, "n_images": len(dataset)},
        "layout": layout,
        "data_yaml": str(yaml_path),
        **(manifest or {}),
        "kept_images": [{"index": int(i), "source": str(dataset.images[i]), "written": w}
                        for i, w in zip(kept, written, strict=True)],
        "load_issues": [str(i) for i in dataset.issues],
        "written_files": ["data.yaml", *files],
        "tool_files": tool_files,
    }
    extra = {}
    if layout == "list":
        extra[f"{split}.txt"] = "".join(f"{p}\n" for p in images)
        warnings.warn(
            "layout='list': Ultralytics will write its label cache next to the source label "
            f"files (e.g. {image_to_label_path(images[0]).parent}.cache), i.e. into the source "
            "dataset; use layout='symlink' (default) to keep everything in the output folder.",
            UserWarning, stacklevel=3,
        )
    return _place_and_finish(out, plans, place, data, content, split=split,
                             overwrite=overwrite, extra_files=extra)
