"""Groups of images: a sequence (video, burst, scene) that must be treated as one unit by
splits, leakage audits and selection quotas.

Groups come from the file names (a regular expression: its first capture group, or the
whole match, names the group), from one label per image, or from a function of the
dataset.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

__all__ = ["group_labels"]


def group_labels(dataset, groups, *, argument: str = "groups") -> np.ndarray:
    """One group label per image of ``dataset`` (an object array).

    ``groups`` is a regular expression searched in each file name (its first capture
    group, or the whole match, names the group; e.g. a video id ``r"^(.*)_frame\\d+"``;
    images it does not match are each their own group, with a warning), one label per
    image, or ``f(dataset) -> labels``.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> ds = DetectionDataset(images=["/d/vid1_f0.png", "/d/vid1_f1.png", "/d/vid2_f0.png"],
    ...                       boxes=[np.zeros((0, 5))] * 3, names={0: "a"})
    >>> group_labels(ds, r"^(vid\\d+)_").tolist()
    ['vid1', 'vid1', 'vid2']
    """
    if isinstance(groups, str):
        rx = re.compile(groups)
        labels, unmatched = [], []
        for i, p in enumerate(dataset.images):
            m = rx.search(p.name)
            if m is None:
                labels.append(f"\0{i}")
                unmatched.append(i)
            else:
                labels.append(m.group(1) if rx.groups else m.group(0))
        if unmatched:
            warnings.warn(f"{argument}={groups!r} matches no part of {len(unmatched)} file "
                          f"name(s) (e.g. {dataset.images[unmatched[0]].name}); each is its own "
                          "group.", UserWarning, stacklevel=3)
        return np.asarray(labels, dtype=object)
    if callable(groups):
        groups = groups(dataset)
    arr = np.asarray(groups, dtype=object)
    if arr.shape != (len(dataset),):
        raise ValueError(f"{argument} has shape {arr.shape}: pass one label per image "
                         f"({len(dataset)}), a regex over file names or a function of the "
                         "dataset.")
    return arr
