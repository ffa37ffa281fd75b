"""Group-aware splits: pool a YOLO dataset's images and write a NEW dataset whose
train / val (/ test) splits never share a group (a video, a burst, a scene).

The source is only read. The output follows the writer's safety rules
(:func:`~datareduce.detection.check_output_dir`: never inside or around any place the
source lives in, links followed; a non-empty folder only replaced when it holds a
previous datareduce output and ``overwrite=True``), and its ``manifest.json`` records
every file written and the split of every group.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np

from .groups import assign_groups, resolve_groups
from .writer import (
    _other_keys,
    _place_and_finish,
    _Placer,
    _plan_split,
    _planned_files,
    check_output_dir,
)

__all__ = ["EmptySplitError", "group_leaks", "split_yolo"]


class EmptySplitError(ValueError):
    """The groups cannot fill every split asked for (fewer groups than splits): nothing
    is written. ``empty`` names the splits left without an image; ``n_groups`` is the
    number of groups found."""

    def __init__(self, message: str, *, empty: list, n_groups: int):
        super().__init__(message)
        self.empty, self.n_groups = list(empty), int(n_groups)


class _Pool:
    """The images of several splits of one dataset as one list (what a split reads); an
    image listed by two splits (e.g. ``val:`` naming the training folder) appears once,
    under the first, when ``unique``."""

    def __init__(self, datasets: dict, unique: bool = True):
        first = next(iter(datasets.values()))
        self.images, self.boxes, self.label_files, self.source_split = [], [], [], []
        seen = set()
        for name, ds in datasets.items():
            for k, img in enumerate(ds.images):
                real = os.path.realpath(img)
                if unique and real in seen:
                    continue
                seen.add(real)
                self.images.append(img)
                self.boxes.append(ds.boxes[k])
                self.label_files.append(ds.label_files[k])
                self.source_split.append(name)
        self.names = first.names
        self.first = first

    def __len__(self) -> int:
        return len(self.images)


def group_leaks(datasets: dict, groups) -> dict:
    """Groups whose images lie in more than one split: ``{group: {split: n_images}}``.

    ``datasets`` maps split names to :class:`~datareduce.detection.DetectionDataset`;
    ``groups`` is a regex over file names, ``"auto"``, labels over the pooled images
    (in the order of ``datasets``), or a function of the pooled dataset (see
    :func:`~datareduce.detection.groups.resolve_groups`).
    """
    pool = _Pool(datasets, unique=False)
    labels = resolve_groups(pool, groups, argument="groups").astype(str)
    seen: dict = {}
    for lab, split in zip(labels, pool.source_split, strict=True):
        seen.setdefault(lab, {}).setdefault(split, 0)
        seen[lab][split] += 1
    return {g: s for g, s in sorted(seen.items()) if len(s) > 1}


def split_yolo(data_yaml, out_dir, *, groups, val: float, test: float = 0.0,
               random_state=None, layout: str = "symlink", overwrite: bool = False,
               on_error: str = "raise") -> Path:
    """Pool every split of ``data_yaml`` and write a new dataset split by groups.

    Parameters
    ----------
    data_yaml : str or Path
        The source's Ultralytics data YAML (only read).
    out_dir : str or Path
        Output folder (created; empty, or a previous datareduce output with ``overwrite``).
    groups : str, array-like or callable
        A regex over file names whose first capture group (or whole match) names the group,
        ``"auto"`` (chains of near-duplicate images), or labels / a function (see
        :func:`~datareduce.detection.groups.resolve_groups`).
    val, test : float
        Shares of the images in the validation and test splits (the rest is train);
        reached up to about one group's size (:func:`~datareduce.detection.groups.assign_groups`).
    random_state : int, optional
    layout : {"symlink", "copy"}
        Links to (or copies of) the source images and label files.
    overwrite : bool, default=False
        Replace a previous datareduce output in ``out_dir`` (only the entries datareduce
        wrote are removed, once the new output is complete; a non-empty folder without a
        datareduce manifest is refused, see :func:`~datareduce.detection.check_output_dir`).
    on_error : {"raise", "skip"}, default="raise"
        Bad files of the source (as :func:`~datareduce.detection.load_yolo`): ``"raise"``
        stops listing every problem; ``"skip"`` leaves the images concerned out of the
        pool, with a warning.

    Returns
    -------
    Path
        The new dataset's data YAML (train and val, and test when asked for).

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import load_yolo, make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     src = make_shapes_dataset(f"{tmp}/src", n_train=20, n_val=4)
    ...     out = split_yolo(src, f"{tmp}/out", groups=r"^(.*)\\d", val=0.25, random_state=0)
    ...     len(load_yolo(out)) + len(load_yolo(out, split="val"))
    24
    """
    from .yolo import MissingSplitError, load_yolo

    if layout not in ("symlink", "copy"):
        raise ValueError(f"layout={layout!r}: a split writes 'symlink' or 'copy'.")
    for name, v in (("val", val), ("test", test)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1:
            raise ValueError(f"{name}={v!r} must be a fraction in [0, 1).")
    if val <= 0:
        raise ValueError(f"val={val!r}: a split needs a validation share > 0.")
    if val + test >= 1:
        raise ValueError(f"val + test = {val + test:g} leaves no training images: keep it < 1.")
    if isinstance(groups, str) and groups != "auto":
        from .groups import compile_group_regex

        compile_group_regex(groups, argument="groups")  # before any image is read
    datasets = {}
    for k in _split_names(data_yaml):
        try:
            datasets[k] = load_yolo(data_yaml, split=k, on_error=on_error)
        except FileNotFoundError as exc:  # a split without images adds nothing to the pool
            if (isinstance(exc, MissingSplitError) and k in ("train", "val")) \
                    or not Path(data_yaml).is_file():
                raise  # (a missing test folder was warned about, as Ultralytics accepts it)
    left_out = {}
    for k in [k for k in datasets if k not in ("train", "val")]:
        if all(lf is None for lf in datasets[k].label_files):
            # held-out images without labels (optional for test): pooled, they would be
            # training or validation images with no boxes, i.e. background
            warnings.warn(f"{data_yaml}: the {k!r} split has no label file ({len(datasets[k])} "
                          "held-out images): left out of the pool, since in the new train or "
                          "val split they would be background images. Label them to pool them.",
                          UserWarning, stacklevel=2)
            left_out[k] = len(datasets.pop(k))
    if not datasets:
        raise ValueError(f"{data_yaml}: no images in any split.")
    pool = _Pool(datasets)
    out = check_output_dir(pool.first, out_dir, overwrite=overwrite)  # nothing written yet
    labels = resolve_groups(pool, groups, argument="groups").astype(str)
    fractions = {"train": 1.0 - val - test, "val": float(val)}
    if test > 0:
        fractions["test"] = float(test)
    where = assign_groups(labels, fractions, random_state=random_state)
    empty = [k for k in fractions if not (where == k).any()]
    if empty:  # a data YAML without val: is refused by Ultralytics; nothing written
        n_groups = len(np.unique(labels))
        raise EmptySplitError(
            f"groups={groups if isinstance(groups, str) else 'labels'!r} gives "
            f"{n_groups} group(s) for {len(fractions)} splits: the {' and '.join(empty)} "
            "split would get no image (a group never spans two splits). Use groups that "
            "split the images more finely, or ask for fewer splits (test=0); nothing was "
            "written.", empty=empty, n_groups=n_groups)
    place = _Placer(layout)
    plans, data = [], {"path": str(out), **_other_keys(pool.first.data)}
    for split in fractions:
        idx = np.flatnonzero(where == split)
        if len(idx):
            plans.append(_plan_split([pool.images[i] for i in idx],
                                     [pool.label_files[i] for i in idx],
                                     [pool.boxes[i] for i in idx], split))
            data[split] = f"images/{split}"
    names_map = {int(k): v for k, v in sorted(pool.names.items())}
    data["names"], data["nc"] = names_map, len(names_map)
    files = [f for plan in plans for f in _planned_files(plan)]
    from .. import __version__

    uniq, first = np.unique(labels, return_index=True)  # one sort, not a scan per group
    content = {
        "datareduce_output": True, "datareduce_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "complete": False,
        "operation": "split",
        "source": {"format": "yolo", "data_yaml": str(data_yaml),
                   "splits": {k: len(v) for k, v in datasets.items()},
                   "unlabelled_splits_left_out": left_out},
        "layout": layout, "random_state": random_state,
        "groups": groups if isinstance(groups, str) else "user",
        "fractions": fractions,
        "n_images": {k: int((where == k).sum()) for k in fractions},
        "n_groups": {k: int(len(np.unique(labels[where == k]))) for k in fractions},
        "group_split": {str(g): str(where[i]) for g, i in zip(uniq, first, strict=True)},
        "written_files": ["data.yaml", *files],
        "tool_files": [f"labels/{k}.cache" for k in fractions],
    }
    return _place_and_finish(out, plans, place, data, content, split=pool.first.split,
                             overwrite=overwrite)


def _split_names(data_yaml) -> list:
    """The splits a data YAML names (train, val, test, in that order, those present;
    ``validation:`` is ``val:``)."""
    import yaml

    from .yolo import _split_aliases

    data = _split_aliases(yaml.safe_load(Path(data_yaml).read_text(encoding="utf-8")) or {})
    return [k for k in ("train", "val", "test") if data.get(k)]
