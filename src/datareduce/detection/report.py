"""What a reduction did to a detection dataset's boxes, classes and image categories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

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

    @classmethod
    def from_selection(cls, dataset, indices, categories=None) -> DetectionReport:
        """The report for keeping images ``indices`` of ``dataset`` (``categories``: per image)."""
        idx = np.asarray(indices, dtype=np.intp)
        cats = {}
        if categories is not None:
            cats_arr = np.asarray(categories)
            before, after = Counter(cats_arr.tolist()), Counter(cats_arr[idx].tolist())
            cats = {str(c): (int(before[c]), int(after.get(c, 0))) for c in sorted(before)}
        return cls(
            class_names=[dataset.class_name(c) for c in range(dataset.n_classes)],
            boxes_before=dataset.instances_per_class(),
            boxes_after=dataset.instances_per_class(idx),
            images_before=dataset.images_per_class(),
            images_after=dataset.images_per_class(idx),
            n_images_before=len(dataset),
            n_images_after=len(idx),
            categories=cats,
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
        """Kept vs dropped images per category and boxes per class (matplotlib figure;
        saved as ``path`` when given)."""
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        panels = [("boxes per class", self.class_names, self.boxes_after,
                   self.boxes_before - self.boxes_after)]
        if self.categories:
            cats = list(self.categories)
            after = np.array([self.categories[c][1] for c in cats])
            before = np.array([self.categories[c][0] for c in cats])
            panels.insert(0, ("images per category", cats, after, before - after))
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels),
                                                          1 + 0.3 * max(len(p[1]) for p in panels)))
        axes = np.atleast_1d(axes)
        for ax, (title, names, kept, dropped) in zip(axes, panels, strict=True):
            yy = np.arange(len(names))
            ax.barh(yy, kept, color="tab:blue", label="kept")
            ax.barh(yy, dropped, left=kept, color="lightgray", label="dropped")
            ax.set_yticks(yy, [str(n) for n in names])
            ax.invert_yaxis()
            ax.set_title(title)
            ax.legend(loc="lower right", fontsize="small")
        fig.suptitle(f"images: {self.n_images_before} -> {self.n_images_after}")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
            plt.close(fig)
        return fig

    def __str__(self) -> str:
        return self.to_markdown()
