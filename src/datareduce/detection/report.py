"""What a reduction did to a detection dataset's boxes, classes and image categories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .dataset import positions

__all__ = ["DetectionReport"]


@dataclass
class DetectionReport:
    """Boxes and images per class, and images per category, before and after a reduction.

    Attributes
    ----------
    class_names : list of str
        Class names by class id.
    boxes_before, boxes_after : ndarray of int
        Box instances per class id.
    images_before, images_after : ndarray of int
        Images containing each class id.
    categories : dict of str to (int, int)
        Images per image category, before and after (empty when no categories were used).
    n_images_before, n_images_after : int
        Number of images.
    boxes_deduplicated : ndarray of int or None
        Box instances per class id in the images that de-duplication removed before the
        selection (None when no de-duplication ran).
    categories_deduplicated : dict of str to int
        Images per image category removed by de-duplication.
    n_images_deduplicated : int
        Images removed by de-duplication (and not kept).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> ds = DetectionDataset(images=["/d/a.png", "/d/b.png"],
    ...                       boxes=[[[0, .5, .5, .1, .1], [0, .2, .2, .1, .1]], [[1, .5, .5, .1, .1]]],
    ...                       names={0: "cat", 1: "dog"})
    >>> r = DetectionReport.from_selection(ds, [0])
    >>> r.boxes_after.tolist(), r.lost_classes
    ([2, 0], ['dog'])
    """

    class_names: list
    boxes_before: np.ndarray
    boxes_after: np.ndarray
    images_before: np.ndarray
    images_after: np.ndarray
    n_images_before: int
    n_images_after: int
    categories: dict = field(default_factory=dict)
    boxes_deduplicated: np.ndarray | None = None
    categories_deduplicated: dict = field(default_factory=dict)
    n_images_deduplicated: int = 0

    @classmethod
    def from_selection(cls, dataset, indices, categories=None,
                       deduplicated=None) -> DetectionReport:
        """The report for keeping images ``indices`` of ``dataset`` (``categories``: per image;
        ``deduplicated``: the images de-duplication removed before the selection; any of them
        also in ``indices`` counts as kept)."""
        idx = positions(indices, len(dataset))
        dup = None if deduplicated is None else np.setdiff1d(
            positions(deduplicated, len(dataset), "deduplicated"), idx)
        cats, cats_dup = {}, {}
        if categories is not None:
            cats_arr = np.asarray(categories)
            before, after = Counter(cats_arr.tolist()), Counter(cats_arr[idx].tolist())
            cats = {str(c): (int(before[c]), int(after.get(c, 0))) for c in sorted(before)}
            if dup is not None:
                cats_dup = {str(c): int(k) for c, k in Counter(cats_arr[dup].tolist()).items()}
        return cls(
            class_names=[dataset.class_name(c) for c in range(dataset.n_classes)],
            boxes_before=dataset.instances_per_class(),
            boxes_after=dataset.instances_per_class(idx),
            images_before=dataset.images_per_class(),
            images_after=dataset.images_per_class(idx),
            n_images_before=len(dataset),
            n_images_after=len(idx),
            categories=cats,
            boxes_deduplicated=None if dup is None else dataset.instances_per_class(dup),
            categories_deduplicated=cats_dup,
            n_images_deduplicated=0 if dup is None else len(dup),
        )

    @property
    def box_retention(self) -> np.ndarray:
        """Fraction of each class's boxes kept (NaN for classes without boxes)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.boxes_before > 0, self.boxes_after / self.boxes_before, np.nan)

    @property
    def lost_classes(self) -> list:
        """Names of the classes that had boxes and kept none."""
        lost = (self.boxes_before > 0) & (self.boxes_after == 0)
        return [self.class_names[i] for i in np.flatnonzero(lost)]

    def to_frame(self):
        """Per-class table (pandas DataFrame indexed by class name)."""
        import pandas as pd

        return pd.DataFrame({
            "boxes_before": self.boxes_before, "boxes_after": self.boxes_after,
            "box_retention": self.box_retention,
            "images_before": self.images_before, "images_after": self.images_after,
        }, index=pd.Index(self.class_names, name="class"))

    def to_dict(self) -> dict:
        """JSON-ready content (used in the manifest)."""
        return {
            "n_images": {"before": self.n_images_before, "after": self.n_images_after},
            "boxes_per_class": {n: {"before": int(b), "after": int(a)} for n, b, a in
                                zip(self.class_names, self.boxes_before, self.boxes_after,
                                    strict=True)},
            "images_per_class": {n: {"before": int(b), "after": int(a)} for n, b, a in
                                 zip(self.class_names, self.images_before, self.images_after,
                                     strict=True)},
            "images_per_category": {c: {"before": b, "after": a}
                                    for c, (b, a) in self.categories.items()},
            "lost_classes": self.lost_classes,
        }

    def to_markdown(self) -> str:
        """Per-class and per-category Markdown tables."""
        lines = [f"images: {self.n_images_before} -> {self.n_images_after}", "",
                 "| class | boxes before | boxes after | kept | images before | images after |",
                 "|---|---:|---:|---:|---:|---:|"]
        for i, name in enumerate(self.class_names):
            r = self.box_retention[i]
            lines.append(f"| {name} | {self.boxes_before[i]} | {self.boxes_after[i]} | "
                         f"{'-' if np.isnan(r) else f'{r:.2f}'} | {self.images_before[i]} | "
                         f"{self.images_after[i]} |")
        if self.categories:
            lines += ["", "| category | images before | images after |", "|---|---:|---:|"]
            lines += [f"| {c} | {b} | {a} |" for c, (b, a) in self.categories.items()]
        return "\n".join(lines)

    def plot(self, path=None):
        """Kept vs dropped images per category and boxes per class, largest first, each bar
        labelled kept/total (matplotlib figure; saved as ``path`` when given). Images that
        de-duplication removed before the selection are drawn apart from those the
        selection left out."""
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from ..metrics._plots import DROPPED_COLOR, KEPT_COLOR

        dedup = self.boxes_deduplicated is not None
        zeros = np.zeros(len(self.class_names), dtype=np.int64)
        panels = [("boxes per class", "boxes", self.class_names, self.boxes_before,
                   self.boxes_after, self.boxes_deduplicated if dedup else zeros)]
        if self.categories:
            cats = list(self.categories)
            panels.insert(0, (
                "images per category", "images", cats,
                np.array([self.categories[c][0] for c in cats]),
                np.array([self.categories[c][1] for c in cats]),
                np.array([self.categories_deduplicated.get(c, 0) for c in cats])))
        n_rows = max(len(p[2]) for p in panels)
        fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 1.4 + 0.3 * n_rows))
        axes = np.atleast_1d(axes)
        for ax, (title, unit, names, total, kept, dup) in zip(axes, panels, strict=True):
            order = np.argsort(-np.asarray(total), kind="stable")  # largest first
            names = [str(names[i]) for i in order]
            total, kept, dup = (np.asarray(a)[order] for a in (total, kept, dup))
            dup = np.minimum(dup, total - kept)  # (a report built by hand could overlap)
            dropped = total - kept - dup
            yy = np.arange(len(names))
            ax.barh(yy, kept, color=KEPT_COLOR, label="kept")
            ax.barh(yy, dropped, left=kept, color=DROPPED_COLOR, label="dropped (selection)")
            if dedup:
                ax.barh(yy, dup, left=kept + dropped, color="white", edgecolor="#757575",
                        hatch="////", linewidth=np.where(dup > 0, 0.6, 0.0),
                        label="dropped (duplicate)")
            top = max(int(total.max(initial=0)), 1)
            for y, k, t in zip(yy, kept, total, strict=True):
                ax.text(t + 0.01 * top, y, f"{k}/{t}", va="center", ha="left", fontsize=8)
            ax.set_xlim(0, top * 1.15)
            ax.set_yticks(yy, names)
            ax.invert_yaxis()
            ax.set_title(f"{title} (kept/total)")
            ax.set_xlabel(unit)
            ax.legend(loc="lower right", fontsize="small")
        title = f"{self.n_images_after} of {self.n_images_before} images kept"
        if self.n_images_deduplicated:
            title += (f"; {self.n_images_deduplicated} dropped as duplicates before the "
                      "selection")
        fig.suptitle(title)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
            plt.close(fig)
        return fig

    def __str__(self) -> str:
        return self.to_markdown()
