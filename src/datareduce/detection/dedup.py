"""Remove duplicate images before selection, and cap the images kept per group (e.g. per
video). The pairs come from :mod:`datareduce.detection.hashing`; groups of file names
from :mod:`datareduce.detection.groups`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .groups import resolve_groups
from .hashing import (
    DEFAULT_COLOUR_TOL,
    DEFAULT_THRESHOLD,
    _bits,
    _embedding_groups,
    _near_groups_hashes,
    exact_duplicate_groups,
    perceptual_hashes,
)

__all__ = ["KEEP_POLICIES", "Deduplicator"]

KEEP_POLICIES = ("first", "most_boxes", "central")


class Deduplicator:
    """Remove duplicate images of a detection dataset, optionally cap images per group.

    Parameters
    ----------
    method : {"exact", "near", "embedding", "none"}, default="exact"
        ``"exact"``: identical file bytes. ``"near"``: perceptual hashes within
        ``threshold`` bits (default 10; exact duplicates included). ``"embedding"``: embedding rows
        within Euclidean ``threshold`` (pass ``embeddings`` to :meth:`fit`). ``"none"``:
        no duplicate search (only the per-group cap).
    threshold : float, optional
        ``"near"``: Hamming bits (default 10 of 64); ``"embedding"``: a distance (required).
    keep : {"first", "most_boxes", "central"}, default="first"
        Which image of a duplicate group stays: the first in dataset order (file names
        sorted); the one with the most boxes (ties: the first); the one closest to the
        group's mean (perceptual-hash bits or embedding; ties: the first).
    groups : "auto", str, array-like or callable, optional
        Groups for ``max_per_group``: ``"auto"`` (chains of near-duplicate images, as
        :func:`~datareduce.detection.groups.sequence_groups` finds them; the same groups as
        ``DetectionReducer(groups="auto")``), a regular expression searched in each file
        name (its first capture group, or the whole match, names the group; e.g. a video id
        ``r"^(.*)_frame\\d+"``), one label per image, or ``f(dataset) -> labels``. Images a
        regex does not match are each their own group.
    max_per_group : int, optional
        At most this many images per group, after duplicate removal. Which stay: with
        ``keep="first"`` images evenly spaced in file order (a video keeps frames spread
        over time); otherwise ranked by ``keep``.
    hash_size : int, default=8
        Perceptual-hash side (``hash_size**2`` bits).
    colour_tol : float, default=24
        ``"near"``: the mean colours of near duplicates differ by at most this many levels
        (0-255) on every channel. A perceptual hash ignores overall colour (every uniform
        image has the same hash), so without this check two empty frames of different
        colours would be near duplicates.
    n_jobs : int, default=1
        Threads computing perceptual hashes.
    progress : bool, default=False

    Attributes
    ----------
    keep_mask_ : ndarray of bool
        Images kept.
    group_ : ndarray of int
        Duplicate-group label of each image (singletons have their own).
    duplicate_of_ : ndarray of int
        For a removed duplicate, the index of the image kept in its place; -1 otherwise.
    capped_ : ndarray of bool
        Images removed by ``max_per_group``.
    n_duplicates_ : int
        Images removed as duplicates.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> ds = DetectionDataset(images=[f"/d/vid{v}_f{k}.png" for v in (1, 2) for k in range(4)],
    ...                       boxes=[np.zeros((0, 5))] * 8, names={0: "a"})
    >>> d = Deduplicator("none", groups=r"^(vid\\d+)_", max_per_group=2).fit(ds)
    >>> np.flatnonzero(d.keep_mask_).tolist()
    [0, 3, 4, 7]
    """

    def __init__(self, method: str = "exact", *, threshold=None, keep: str = "first",
                 groups=None, max_per_group=None, hash_size: int = 8,
                 colour_tol: float = DEFAULT_COLOUR_TOL, n_jobs: int = 1,
                 progress: bool = False):
        self.method = method
        self.threshold = threshold
        self.keep = keep
        self.groups = groups
        self.max_per_group = max_per_group
        self.hash_size = hash_size
        self.colour_tol = colour_tol
        self.n_jobs = n_jobs
        self.progress = progress

    def __repr__(self) -> str:
        return (f"Deduplicator(method={self.method!r}, threshold={self.threshold!r}, "
                f"keep={self.keep!r}, max_per_group={self.max_per_group!r})")

    def _check(self):
        if self.method not in ("exact", "near", "embedding", "none"):
            raise ValueError(f"method={self.method!r}: use 'exact', 'near', 'embedding' or "
                             "'none'.")
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep={self.keep!r}: use one of {', '.join(KEEP_POLICIES)}.")
        if self.method == "embedding" and self.threshold is None:
            raise ValueError("method='embedding' needs threshold= (a distance in embedding "
                             "units).")
        if self.max_per_group is not None and (
                isinstance(self.max_per_group, bool) or int(self.max_per_group) != self.max_per_group
                or self.max_per_group < 1):
            raise ValueError(f"max_per_group={self.max_per_group!r} must be an int >= 1.")
        if self.max_per_group is not None and self.groups is None:
            raise ValueError("max_per_group needs groups= (a regex over file names, one label "
                             "per image, or a function of the dataset).")
        if isinstance(self.groups, str) and self.groups != "auto":
            from .groups import compile_group_regex

            compile_group_regex(self.groups, argument="groups")  # before any hashing

    def _rank(self, members, dataset, feats) -> np.ndarray:
        """``members`` ordered best first by the keep policy."""
        members = np.asarray(members)
        if self.keep == "most_boxes":
            nb = np.array([len(dataset.boxes[i]) for i in members])
            return members[np.lexsort((members, -nb))]
        if self.keep == "central" and feats is not None:
            F = feats[members]
            d = ((F - F.mean(axis=0)) ** 2).sum(axis=1)
            return members[np.lexsort((members, d))]
        return np.sort(members)

    def fit(self, dataset, embeddings=None):
        """Find duplicates (and caps) in ``dataset``; sets ``keep_mask_`` and friends."""
        self._check()
        n = len(dataset)
        n_pairs = 0
        feats = None
        if self.method == "exact":
            self.group_ = exact_duplicate_groups(dataset.images)
        elif self.method == "near":
            H, C = perceptual_hashes(dataset.images, hash_size=self.hash_size,
                                     n_jobs=self.n_jobs, progress=self.progress,
                                     return_colour=True)
            thr = DEFAULT_THRESHOLD if self.threshold is None else int(self.threshold)
            self.group_, n_pairs = _near_groups_hashes(H, thr, C, self.colour_tol)
            feats = _bits(H)
        elif self.method == "embedding":
            if embeddings is None:
                raise ValueError("method='embedding' needs the embeddings: fit(dataset, "
                                 "embeddings).")
            X = np.asarray(embeddings, dtype=np.float64)
            self.group_, n_pairs = _embedding_groups(X, threshold=float(self.threshold))
            feats = X
        else:
            self.group_ = np.arange(n)
        if self.keep == "central" and feats is None and embeddings is not None:
            feats = np.asarray(embeddings, dtype=np.float64)
        self.n_pairs_ = int(n_pairs)
        keep = np.zeros(n, dtype=bool)
        dup_of = np.full(n, -1, dtype=np.int64)
        by_group = defaultdict(list)
        for i, g in enumerate(self.group_):
            by_group[g].append(i)
        for members in by_group.values():
            ranked = self._rank(members, dataset, feats)
            keep[ranked[0]] = True
            dup_of[ranked[1:]] = ranked[0]
        self.n_duplicates_ = int(n - keep.sum())
        self.duplicate_of_ = dup_of
        capped = np.zeros(n, dtype=bool)
        self.group_labels_ = None  # the groups the cap used (reused by DetectionReducer)
        if self.max_per_group is not None:
            labels = self._auto_groups() if isinstance(self.groups, str) \
                and self.groups == "auto" else None
            if labels is None:
                labels = resolve_groups(dataset, self.groups, argument="groups")
            self.group_labels_ = labels
            cap = int(self.max_per_group)
            by_label = defaultdict(list)
            for i in np.flatnonzero(keep):
                by_label[labels[i]].append(i)
            for members in by_label.values():
                if len(members) <= cap:
                    continue
                members = np.sort(np.asarray(members))
                if self.keep == "first":
                    pos = np.unique(np.round(np.linspace(0, len(members) - 1, cap)).astype(int))
                    chosen = members[pos]
                else:
                    chosen = self._rank(members, dataset, feats)[:cap]
                drop = np.setdiff1d(members, chosen)
                capped[drop] = True
            keep &= ~capped
        self.capped_ = capped
        self.keep_mask_ = keep
        self.n_images_ = n
        return self

    def _auto_groups(self):
        """The groups ``"auto"`` finds (:func:`~datareduce.detection.groups.sequence_groups`
        with its defaults: pHash within 10 bits, mean colours within 24 levels) when this
        fit has already found them, i.e. ``group_`` of ``method="near"`` with the same
        parameters; None otherwise. Saves hashing every image (and the pair search) twice."""
        if (getattr(self, "group_", None) is not None and self.method == "near"
                and (self.threshold is None or int(self.threshold) == DEFAULT_THRESHOLD)
                and self.hash_size == 8 and float(self.colour_tol) == DEFAULT_COLOUR_TOL):
            return self.group_
        return None

    def summary(self) -> str:
        """One line: what was removed."""
        s = (f"dedup ({self.method}, keep={self.keep}): {self.n_images_} images, "
             f"{self.n_duplicates_} duplicate(s) removed")
        if self.max_per_group is not None:
            s += f", {int(self.capped_.sum())} over the cap of {self.max_per_group} per group"
        return s + f", {int(self.keep_mask_.sum())} left"

    def to_dict(self, dataset=None) -> dict:
        """JSON-ready record for the manifest (removed images and what they duplicate)."""
        removed = np.flatnonzero(~self.keep_mask_)

        def name(i):
            return str(dataset.images[i]) if dataset is not None else int(i)

        return {
            "method": self.method, "threshold": self.threshold, "keep": self.keep,
            "hash_size": self.hash_size, "colour_tol": self.colour_tol,
            "max_per_group": self.max_per_group,
            "groups": self.groups if isinstance(self.groups, str) or self.groups is None
            else "user",
            "n_images": self.n_images_, "n_duplicates_removed": self.n_duplicates_,
            "n_capped": int(self.capped_.sum()),
            "removed": [{"image": name(i),
                         "duplicate_of": None if self.duplicate_of_[i] < 0
                         else name(self.duplicate_of_[i]),
                         "reason": "cap" if self.capped_[i] else "duplicate"}
                        for i in removed],
        }


