"""Image categories for stratified reduction of a detection dataset.

Each image gets a category from the set of classes in its boxes: ``"empty"`` for a
background image, the class name for a single-class image, and ``"a+b"`` for the exact
combination of classes of a mixed image. Combinations seen in fewer than ``min_count``
images are merged: a rare mixed combination into ``"mixed"``; if ``"mixed"`` itself stays
rare it joins ``"other"``. Single-class and empty categories are never merged, so a rare
class keeps its own stratum (and therefore at least one image when the quota allows).
A class whose name would be taken for another category (a class called ``empty``,
``mixed`` or ``other``, two classes of one name, a name holding ``+``) is written with
its id, ``"empty (class 1)"``, so that it never shares a stratum with other images.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

__all__ = ["image_categories"]

EMPTY, MIXED, OTHER = "empty", "mixed", "other"


def image_categories(dataset, *, min_count="auto", merge_mixed: bool = True) -> np.ndarray:
    """One category string per image of ``dataset`` (see the module docstring).

    Parameters
    ----------
    dataset : DetectionDataset
    min_count : int or "auto", default="auto"
        Mixed combinations with fewer images are merged; ``"auto"`` is
        ``max(2, ceil(1% of the images))``.
    merge_mixed : bool, default=True
        With False every mixed image is ``"mixed"`` (the reference's single vs. mixed split).

    Returns
    -------
    ndarray of str, shape (n_images,)

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> b = lambda *c: np.array([[k, .5, .5, .1, .1] for k in c]).reshape(-1, 5)
    >>> ds = DetectionDataset(images=[f"/d/{i}.png" for i in range(7)],
    ...                       boxes=[b(0), b(0, 0), b(1), b(0, 1), b(0, 1), b(0, 2), b()],
    ...                       names={0: "cat", 1: "dog", 2: "fox"})
    >>> image_categories(ds, min_count=2).tolist()
    ['cat', 'cat', 'dog', 'cat+dog', 'cat+dog', 'other', 'empty']
    """
    n = len(dataset)
    if min_count == "auto":
        min_count = max(2, math.ceil(0.01 * n))
    elif isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count={min_count!r} must be 'auto' or an int >= 1.")
    label = _class_labels(dataset)
    raw = []
    for classes in dataset.image_classes():
        if not classes:
            raw.append(EMPTY)
        elif len(classes) == 1:
            raw.append(label(classes[0]))
        elif not merge_mixed:
            raw.append(MIXED)
        else:
            raw.append("+".join(label(c) for c in classes))
    counts = Counter(raw)
    singles = {label(c) for c in dataset.names} | {EMPTY}
    out = [c if (c in singles or counts[c] >= min_count) else MIXED for c in raw]
    counts = Counter(out)
    if counts.get(MIXED, 0) and counts[MIXED] < min_count and MIXED not in raw:
        out = [OTHER if c == MIXED else c for c in out]
    return np.array(out, dtype=object).astype(str)


def _class_labels(dataset):
    """The category word of each class id: its name, or ``"name (class k)"`` where the name
    alone would be read as another category (``empty``, ``mixed``, ``other``, a name two
    classes share, or one holding the ``+`` that joins combinations): a class named
    ``empty`` would otherwise share the background images' stratum and could lose every
    image."""
    names = {int(c): dataset.class_name(c) for c in dataset.names}
    seen = Counter(names.values())
    taken = {EMPTY, MIXED, OTHER}
    plain = {c: n for c, n in names.items() if n not in taken and seen[n] == 1 and "+" not in n}

    def label(c) -> str:
        c = int(c)
        if c in plain:
            return plain[c]
        if c not in names and str(c) not in seen:  # unnamed: its id, as class_name says
            return str(c)
        return f"{dataset.class_name(c)} (class {c})"

    return label
