"""Leakage between splits: training images that duplicate or nearly duplicate images of
the validation or test split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .hashing import (
    DEFAULT_COLOUR_TOL,
    DEFAULT_THRESHOLD,
    _components,
    _near_pairs_hashes,
    exact_duplicate_groups,
    file_hashes,
    hamming_pairs,
    perceptual_hashes,
)

__all__ = ["LeakageReport", "find_leakage"]


@dataclass
class LeakageReport:
    """Training images that duplicate or nearly duplicate images of other splits.

    Attributes
    ----------
    pairs : list of dict
        One per (training image, other image) pair within the threshold: ``split``,
        ``train`` and ``other`` paths, ``distance`` (Hamming bits), ``exact`` (same bytes).
        Sorted most similar first.
    n_train : int
        Training images compared.
    n_other : dict of str to int
        Images per other split.
    threshold : int
    """

    pairs: list
    n_train: int
    n_other: dict
    threshold: int
    train_groups: dict = field(default_factory=dict)

    def counts(self) -> dict:
        """Per split: pairs, exact pairs, distinct training and other images involved."""
        out = {}
        for split in self.n_other:
            ps = [p for p in self.pairs if p["split"] == split]
            out[split] = {
                "pairs": len(ps),
                "exact_pairs": sum(p["exact"] for p in ps),
                "train_images": len({p["train"] for p in ps}),
                "other_images": len({p["other"] for p in ps}),
                "other_total": self.n_other[split],
            }
        return out

    def to_markdown(self) -> str:
        lines = [f"training images compared: {self.n_train} (near = at most {self.threshold} "
                 "differing perceptual-hash bits)", "",
                 "| split | images | leaked images | training images involved | pairs | exact pairs |",
                 "|---|---:|---:|---:|---:|---:|"]
        for split, c in self.counts().items():
            lines.append(f"| {split} | {c['other_total']} | {c['other_images']} | "
                         f"{c['train_images']} | {c['pairs']} | {c['exact_pairs']} |")
        if self.train_groups:
            g = self.train_groups
            lines += ["", f"within train: {g['exact_removable']} exact duplicate(s) in "
                          f"{g['exact_groups']} group(s); {g['near_removable']} near "
                          f"duplicate(s) in {g['near_groups']} group(s)"]
        return "\n".join(lines)

    def contact_sheet(self, path, *, max_pairs: int = 16, thumb: int = 96) -> Path | None:
        """Save the most similar pairs side by side (training image left) as a PNG."""
        from PIL import Image, ImageDraw

        shown = self.pairs[:max_pairs]
        if not shown:
            return None
        pad, text_h = 4, 14
        W = 2 * thumb + 3 * pad
        sheet = Image.new("RGB", (W, len(shown) * (thumb + text_h + pad) + pad), "white")
        draw = ImageDraw.Draw(sheet)
        for r, p in enumerate(shown):
            y = pad + r * (thumb + text_h + pad)
            for c, key in enumerate(("train", "other")):
                with Image.open(p[key]) as im:
                    im = im.convert("RGB")
                    im.thumbnail((thumb, thumb))
                    sheet.paste(im, (pad + c * (thumb + pad), y))
            label = (f"{p['split']} d={p['distance']}{' exact' if p['exact'] else ''}: "
                     f"{Path(p['train']).name}")
            draw.text((pad, y + thumb), label[:40], fill="black")
        path = Path(path)
        sheet.save(path)
        return path


def find_leakage(train, others: dict, *, threshold: int = DEFAULT_THRESHOLD,
                 hash_size: int = 8, colour_tol: float = DEFAULT_COLOUR_TOL, n_jobs: int = 1,
                 within_train: bool = True, progress: bool = False) -> LeakageReport:
    """Training images that duplicate (same bytes) or nearly duplicate (perceptual hashes
    within ``threshold`` bits) images of other splits.

    Parameters
    ----------
    train : DetectionDataset
    others : dict of str to DetectionDataset
        E.g. ``{"val": load_yolo(yaml, "val")}``.
    threshold : int, default=10
        Hamming bits of the ``hash_size**2``-bit perceptual hash.
    colour_tol : float, default=24
        Near pairs also have mean colours within this many levels on every channel.
    within_train : bool, default=True
        Also count exact and near duplicate groups inside the training split.
    """
    Ht, Ct = perceptual_hashes(train.images, hash_size=hash_size, n_jobs=n_jobs,
                               progress=progress, return_colour=True)
    pairs = []
    for split, other in others.items():
        Ho, Co = perceptual_hashes(other.images, hash_size=hash_size, n_jobs=n_jobs,
                                   progress=progress, return_colour=True)
        i, j, d = hamming_pairs(Ht, Ho, threshold=threshold)
        close = np.abs(Ct[i].astype(np.float64) - Co[j]).max(axis=1) <= colour_tol
        i, j, d = i[close], j[close], d[close]
        if len(i):
            ti = np.unique(i)
            oj = np.unique(j)
            tb = dict(zip(ti.tolist(), file_hashes([train.images[k] for k in ti],
                                                   only_size_collisions=False), strict=True))
            ob = dict(zip(oj.tolist(), file_hashes([other.images[k] for k in oj],
                                                   only_size_collisions=False), strict=True))
        for a, b, dist in zip(i, j, d, strict=True):
            pairs.append({"split": split, "train": str(train.images[a]),
                          "other": str(other.images[b]), "distance": int(dist),
                          "exact": tb[int(a)] == ob[int(b)]})
    pairs.sort(key=lambda p: (not p["exact"], p["distance"], p["train"], p["other"]))
    groups = {}
    if within_train:
        ex = exact_duplicate_groups(train.images)
        near = _components(len(train), *_near_pairs_hashes(Ht, threshold, Ct, colour_tol)[:2])
        groups = {"exact_groups": int(sum(np.bincount(ex) > 1)),
                  "exact_removable": int(len(ex) - len(np.unique(ex))),
                  "near_groups": int(sum(np.bincount(near) > 1)),
                  "near_removable": int(len(near) - len(np.unique(near)))}
    return LeakageReport(pairs=pairs, n_train=len(train),
                         n_other={k: len(v) for k, v in others.items()}, threshold=threshold,
                         train_groups=groups)
