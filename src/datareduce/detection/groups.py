"""Groups of images: a sequence (video, burst, scene) that must be treated as one unit by
splits, leakage audits and selection quotas.

Groups come from the file names (a regular expression: its first capture group, or the
whole match, names the group), from one label per image, or from a function of the
dataset.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

__all__ = ["group_labels"]


def compile_group_regex(groups: str, *, argument: str = "groups") -> re.Pattern:
    """``groups`` compiled; a pattern that does not compile is a ValueError naming
    ``argument`` (checked before any image is read or embedded)."""
    try:
        return re.compile(groups)
    except re.error as exc:
        raise ValueError(f"{argument}={groups!r} is not a regular expression ({exc}); give "
                         "a regex whose first group names the group, e.g. '^(.*)_frame' or "
                         "'/(vid\\d+)/', or 'auto'.") from None


def group_labels(dataset, groups, *, argument: str = "groups") -> np.ndarray:
    """One group label per image of ``dataset`` (an object array).

    ``groups`` is a regular expression searched in each file name (its first capture
    group, or the whole match, names the group; e.g. a video id ``r"^(.*)_frame\\d+"``;
    images it does not match are each their own group, with a warning) — or, when it holds
    a ``/``, in each image's whole path with forward slashes (``r"/(vid\\d+)/"``: one
    folder per video, whose frames share their names with other videos' frames), and in
    the file name where it matches no part of the path (``r"^([^/]+)_frame"``) —, one
    label per image, or ``f(dataset) -> labels``.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> ds = DetectionDataset(images=["/d/vid1_f0.png", "/d/vid1_f1.png", "/d/vid2_f0.png"],
    ...                       boxes=[np.zeros((0, 5))] * 3, names={0: "a"})
    >>> group_labels(ds, r"^(vid\\d+)_").tolist()
    ['vid1', 'vid1', 'vid2']
    >>> ds = DetectionDataset(images=["/d/v1/0.png", "/d/v1/1.png", "/d/v2/0.png"],
    ...                       boxes=[np.zeros((0, 5))] * 3, names={0: "a"})
    >>> group_labels(ds, r"/(v\\d+)/").tolist()
    ['v1', 'v1', 'v2']
    """
    if isinstance(groups, str):
        rx = compile_group_regex(groups, argument=argument)
        # a regex holding '/' names folders: it is searched in the whole path (videos kept
        # one folder each, vid01/000001.jpg, have the same file names in every folder), and
        # in the file name where it matches no part of the path: a file-name regex with '/'
        # only in a class, r"^([^/]+)_frame", can never match a path (it starts with '/')
        in_path = "/" in groups
        labels, unmatched = [], []
        for i, p in enumerate(dataset.images):
            m = rx.search(p.as_posix()) if in_path else None
            if m is None:
                m = rx.search(p.name)
            if m is None:
                labels.append(f"\0{i}")
                unmatched.append(i)
            else:
                labels.append(m.group(1) if rx.groups else m.group(0))
        if in_path and len(dataset.images) > 1 and not unmatched and len(set(labels)) == 1:
            _warn_common_folder(dataset.images, labels[0], groups, argument)
        if unmatched:
            eg = dataset.images[unmatched[0]]
            warnings.warn(f"{argument}={groups!r} matches no part of {len(unmatched)} file "
                          f"{'path' if in_path else 'name'}(s) (e.g. "
                          f"{eg.as_posix() if in_path else eg.name}); each is its own group"
                          + ("" if in_path else " (a regex holding '/' is matched against the "
                             "whole path, e.g. '/(vid\\d+)/' for one folder per video)")
                          + ".", UserWarning, stacklevel=3)
        return np.asarray(labels, dtype=object)
    if callable(groups):
        groups = groups(dataset)
    arr = np.asarray(groups, dtype=object)
    if arr.shape != (len(dataset),):
        raise ValueError(f"{argument} has shape {arr.shape}: pass one label per image "
                         f"({len(dataset)}), a regex over file names or a function of the "
                         "dataset.")
    return arr


def _warn_common_folder(images, label, groups, argument) -> None:
    """A path regex that names a folder above every image (``'^/([^/]+)/'`` names
    ``home``: the path is absolute) puts them all in one group: said, with the fix."""
    import os

    parents = {Path(p).parent.as_posix() for p in images}
    common = Path(os.path.commonpath(sorted(parents)))
    # all in one folder: naming that folder is one group rightly; a folder above is not
    above = common.parts[:-1] if len(parents) == 1 else common.parts
    if label in above:
        warnings.warn(f"{argument}={groups!r} names the folder {label!r}, above every image "
                      f"({common.as_posix()}): all {len(images)} images are one group. The "
                      "regex is searched in the whole (absolute) path: match the folder "
                      "just above the images, e.g. '([^/]+)/[^/]+$', or a folder name "
                      "pattern such as '/(vid\\d+)/'.", UserWarning, stacklevel=4)


def sequence_groups(dataset, *, method: str = "near", embeddings=None, threshold=None,
                    hash_size: int = 8, colour_tol: float | None = None,
                    n_jobs: int = 1, hashes=None) -> np.ndarray:
    """Groups found from the images: chains of near duplicates (e.g. frames of one video).

    Two images are linked when they are near duplicates (``method="near"``: perceptual
    hashes within ``threshold`` bits, default 10, and mean colours within ``colour_tol``;
    ``method="embedding"``: ``embeddings`` rows within Euclidean ``threshold``); a group is
    a connected component of the links (single linkage, so a slowly changing scene is one
    group even when its first and last frames differ). The links are merged into the
    groups a block at a time and never all held, so memory is O(n) whatever the number
    of links; time is O(n^2) comparisons (see :mod:`~datareduce.detection.hashing`).
    ``hashes``: the images' perceptual hashes and mean colours when already computed
    (``perceptual_hashes(images, hash_size=hash_size, return_colour=True)``, e.g. a
    :class:`~datareduce.detection.LeakageReport`'s ``hashes``), so they are not computed
    again. Returns one integer label per image.
    """
    from .hashing import (
        DEFAULT_COLOUR_TOL,
        DEFAULT_THRESHOLD,
        _embedding_groups,
        _near_groups_hashes,
        perceptual_hashes,
    )

    n = len(dataset)
    if method == "near":
        if hashes is None:
            H, C = perceptual_hashes(dataset.images, hash_size=hash_size, n_jobs=n_jobs,
                                     return_colour=True)
        else:
            H, C = hashes
            if len(H) != n or len(C) != n:
                raise ValueError(f"hashes hold {len(H)} hashes and {len(C)} colours: pass "
                                 f"one of each per image ({n}).")
        thr = DEFAULT_THRESHOLD if threshold is None else int(threshold)
        tol = DEFAULT_COLOUR_TOL if colour_tol is None else float(colour_tol)
        return _near_groups_hashes(H, thr, C, tol)[0]
    if method == "embedding":
        if embeddings is None or threshold is None:
            raise ValueError("method='embedding' needs embeddings= (one row per image) and "
                             "threshold= (a distance in embedding units).")
        X = np.asarray(embeddings, dtype=np.float64)
        if X.shape[0] != n:
            raise ValueError(f"embeddings has {X.shape[0]} rows: pass one per image ({n}).")
        return _embedding_groups(X, threshold=float(threshold))[0]
    raise ValueError(f"method={method!r}: use 'near' (perceptual hashes) or 'embedding'.")


def resolve_groups(dataset, groups, *, argument: str = "groups", embeddings=None) -> np.ndarray:
    """Group labels from any accepted ``groups`` value: ``"auto"`` (chains of near-duplicate
    images, :func:`sequence_groups`), a regex over file names, labels, or a function."""
    if isinstance(groups, str) and groups == "auto":
        return sequence_groups(dataset)
    return group_labels(dataset, groups, argument=argument)


def group_quotas(sizes, total: int, random_state=None) -> np.ndarray:
    """Images per group so that groups are covered before any group is repeated.

    Water filling: every group gets ``min(size, level)`` images with the largest level
    whose total is at most ``total``; the images left over go, one each, to groups (with
    images to spare) drawn at random. With ``total`` at most the number of groups, every
    quota is 0 or 1. The quotas sum to ``min(total, sum(sizes))``.

    Examples
    --------
    >>> group_quotas([10, 1, 3], 6, random_state=0).tolist()
    [2, 1, 3]
    >>> group_quotas([10, 1, 3], 20).tolist()
    [10, 1, 3]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(min(total, sizes.sum()))
    if total < 0:
        raise ValueError(f"total={total} must be >= 0.")
    lo, hi = 0, int(sizes.max(initial=0))
    while lo < hi:  # the largest level whose quotas fit in total
        mid = (lo + hi + 1) // 2
        if np.minimum(sizes, mid).sum() <= total:
            lo = mid
        else:
            hi = mid - 1
    q = np.minimum(sizes, lo)
    left = total - int(q.sum())
    if left:
        spare = np.flatnonzero(sizes > lo)
        rng = np.random.default_rng(random_state)
        q[rng.choice(spare, size=left, replace=False)] += 1
    return q


def assign_groups(labels, fractions: dict, random_state=None) -> np.ndarray:
    """Split names per image so that every group lies in exactly one split.

    ``fractions`` maps split names to shares of the images (summing to 1, e.g.
    ``{"train": 0.8, "val": 0.2}``). Groups are visited from the largest to the smallest
    (ties in a seeded random order) and each goes to the split furthest below its target
    number of images; a split with a positive share gets a group first, when there are
    enough groups. Image counts then match the targets up to about one group's size.

    Examples
    --------
    >>> assign_groups(["a", "a", "b", "c", "c", "d"], {"train": 0.5, "val": 0.5},
    ...               random_state=0).tolist()
    ['val', 'val', 'train', 'train', 'train', 'val']
    """
    labels = np.asarray(labels, dtype=object)
    names = list(fractions)
    share = np.array([float(fractions[k]) for k in names])
    if (share < 0).any() or not np.isclose(share.sum(), 1.0):
        raise ValueError(f"fractions {fractions}: shares must be >= 0 and sum to 1.")
    uniq, inverse = np.unique(labels.astype(str), return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(uniq))
    rng = np.random.default_rng(random_state)
    order = rng.permutation(len(uniq))
    order = order[np.argsort(-sizes[order], kind="stable")]
    target = share * len(labels)
    count = np.zeros(len(names))
    owner = np.empty(len(uniq), dtype=np.int64)
    for pos, g in enumerate(order):
        empty = [k for k in range(len(names)) if share[k] > 0 and count[k] == 0]
        deficit = target - count
        if empty and len(order) - pos <= len(empty):  # the last chance to fill these splits
            k = max(empty, key=lambda e: deficit[e])
        else:
            k = int(np.argmax(deficit))
        owner[g] = k
        count[k] += sizes[g]
    return np.asarray([names[owner[i]] for i in inverse], dtype=object)
