"""Leakage between splits: training images that duplicate or nearly duplicate images of
the validation or test split.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..metrics._html import PageMixin, body, figure_block, table
from .dataset import _upright_rgb
from .hashing import (
    DEFAULT_COLOUR_TOL,
    DEFAULT_THRESHOLD,
    _hamming_blocks,
    _near_groups_hashes,
    exact_duplicate_groups,
    file_hashes,
    perceptual_hashes,
)

#: pairs kept per split by default: the counts are of every pair, the list the closest
DEFAULT_MAX_PAIRS = 10_000

__all__ = ["LeakageReport", "find_leakage"]


@dataclass
class LeakageReport(PageMixin):
    """Training images that duplicate or nearly duplicate images of other splits.

    Attributes
    ----------
    pairs : list of dict
        One per (training image, other image) pair within the threshold: ``split``,
        ``train`` and ``other`` paths, ``distance`` (Hamming bits), ``exact`` (same bytes).
        Sorted most similar first; at most ``max_pairs`` per split (the closest), while
        :meth:`counts` counts every pair.
    n_train : int
        Training images compared.
    n_other : dict of str to int
        Images per other split.
    threshold : int
    train_groups : dict
        Exact and near duplicate groups inside the training split.
    split_groups : dict
        Image groups (e.g. video sequences) with images in more than one split: group ->
        {split: images}; filled by ``datareduce yolo-audit --group``
        (:func:`datareduce.detection.split.group_leaks`).
    boxes : dict of str to ndarray
        The YOLO boxes of the images in ``pairs`` (path -> rows ``class, x_center,
        y_center, width, height``), drawn on the contact sheet; not in ``to_dict``.
    split_counts : dict
        Per split, the counts of :meth:`counts` over every pair (``pairs`` may hold only
        the closest); empty when the report was made from a complete ``pairs`` list.
    hashes : dict of str to (ndarray, ndarray)
        Per split (the training split under its own name), the images' perceptual hashes
        and mean colours, for :func:`~datareduce.detection.groups.sequence_groups`
        (``hashes=``) without hashing again; not in ``to_dict``.

    ``to_html(path)`` writes a one-file page (verdicts, counts, the closest pairs and their
    contact sheet embedded), ``to_json`` the numbers, like the tabular audits.
    """

    pairs: list
    n_train: int
    n_other: dict
    threshold: int
    train_groups: dict = field(default_factory=dict)
    split_groups: dict = field(default_factory=dict)
    boxes: dict = field(default_factory=dict, repr=False, compare=False)
    split_counts: dict = field(default_factory=dict, repr=False)
    hashes: dict = field(default_factory=dict, repr=False, compare=False)

    _page_title = "datareduce split audit"  # as the tabular split audit's page

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "n_train": self.n_train, "counts": self.counts(),
                "train_groups": self.train_groups, "pairs": self.pairs,
                "split_groups": self.split_groups}

    def verdicts(self) -> list:
        """(text, percentile-like severity) lines for the top of the page: 100 is clean,
        0 a leak (the page colours them green / red)."""
        out = []
        for split, c in self.counts().items():
            if c["other_images"]:
                out.append((f"{c['other_images']} of {c['other_total']} {split} images duplicate "
                            f"or nearly duplicate {c['train_images']} training images "
                            f"({c['exact_pairs']} exact pairs): scores on {split} are inflated.",
                            0))
            else:
                out.append((f"no {split} image duplicates a training image "
                            f"(threshold {self.threshold} bits).", 100))
        if self.split_groups:
            out.append((f"{len(self.split_groups)} image groups have images in more than one "
                        "split: split by group (datareduce yolo-split --group).", 0))
        return out

    def _inner_html(self) -> str:
        sections = [("Leakage per split", table(
            ["split", "images", "leaked images", "training images involved", "pairs",
             "exact pairs"],
            [[k, c["other_total"], c["other_images"], c["train_images"], c["pairs"],
              c["exact_pairs"]] for k, c in self.counts().items()]))]
        if self.split_groups:
            sections.append(("Groups in more than one split", table(
                ["group", "images per split"],
                [[g, ", ".join(f"{k} {n}" for k, n in where.items())]
                 for g, where in list(self.split_groups.items())[:200]],
                left=(1,), scroll=False)))
        if self.pairs:
            sections.append(("Closest pairs", table(
                ["split", "training image", "other image", "differing bits", "same bytes"],
                [[p["split"], Path(p["train"]).name, Path(p["other"]).name, p["distance"],
                  "yes" if p["exact"] else "no"] for p in self.pairs[:50]],
                left=(1, 2, 4), scroll=False)))
            uri = self._contact_sheet_uri()
            if uri:
                sections.append(("Contact sheet", figure_block(
                    uri, "the closest pairs with their boxes: training image left, the other "
                    "split's right; bits: differing bits of the perceptual hashes",
                    "contact sheet of leaking pairs")))
        if self.train_groups:
            g = self.train_groups
            sections.append(("Inside the training split", table(
                ["", "groups", "removable images"],
                [["exact duplicates", g["exact_groups"], g["exact_removable"]],
                 ["near duplicates", g["near_groups"], g["near_removable"]]])))
        others = ", ".join(f"{n} {k}" for k, n in self.n_other.items())
        return body("Split audit", self.verdicts(), sections,
                    meta=f"{self.n_train} training images compared with {others} images "
                         f"(near: at most {self.threshold} differing perceptual-hash bits)")

    def _contact_sheet_uri(self, max_pairs: int = 12) -> str | None:
        import base64
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = self.contact_sheet(Path(tmp) / "sheet.png", max_pairs=max_pairs)
            if path is None:
                return None
            return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()

    def counts(self) -> dict:
        """Per split: pairs, exact pairs, distinct training and other images involved
        (of every pair found, also those beyond the ``pairs`` kept)."""
        out = {}
        for split in self.n_other:
            if split in self.split_counts:
                out[split] = dict(self.split_counts[split])
                continue
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

    def contact_sheet(self, path, *, max_pairs: int = 16, thumb: int = 160,
                      columns: int = 3) -> Path | None:
        """Save the most similar pairs as a PNG: per pair the training image left and the
        other split's image right, both with their boxes drawn, captioned with both file
        names, the differing hash bits and whether the files have the same bytes;
        ``columns`` pairs per row, images scaled to fit ``thumb`` pixels."""
        from PIL import Image, ImageDraw

        shown = self.pairs[:max_pairs]
        if not shown:
            return None
        font = _caption_font(13)
        line_h = 17
        pad, gap = 6, 24  # between the two images of a pair, between pairs
        pair_w = 2 * thumb + pad
        cols = max(1, min(columns, len(shown)))
        rows = -(-len(shown) // cols)
        cell_h = thumb + 4 + 2 * line_h + gap // 2
        sheet = Image.new("RGB", (2 * pad + cols * pair_w + (cols - 1) * gap,
                                  2 * pad + rows * cell_h), "white")
        draw = ImageDraw.Draw(sheet)
        for k, p in enumerate(shown):
            x0 = pad + (k % cols) * (pair_w + gap)
            y0 = pad + (k // cols) * cell_h
            for c, key in enumerate(("train", "other")):
                cx = x0 + c * (thumb + pad)
                draw.rectangle((cx, y0, cx + thumb - 1, y0 + thumb - 1), fill="#f0f0f0")
                with Image.open(p[key]) as im:
                    im = _upright_rgb(im)
                    scale = thumb / max(im.size)
                    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
                    im = im.resize(size, Image.Resampling.LANCZOS)
                ix, iy = cx + (thumb - size[0]) // 2, y0 + (thumb - size[1]) // 2
                sheet.paste(im, (ix, iy))
                _draw_boxes(draw, self.boxes.get(str(p[key])), ix, iy, size)
            other = f"{p['split']}: {Path(p['other']).name}"
            tail = f" · {p['distance']} bits" + (" · same bytes" if p["exact"] else "")
            lines = (_fit(f"train: {Path(p['train']).name}", "", font, pair_w),
                     _fit(other, tail, font, pair_w))
            for i, text in enumerate(lines):
                draw.text((x0, y0 + thumb + 4 + i * line_h), text, fill="#222222", font=font)
        path = Path(path)
        sheet.save(path)
        return path


#: Box colours of the contact sheet, by class id (matplotlib's tab10).
_BOX_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _caption_font(size: int):
    """DejaVu Sans (shipped with matplotlib) at ``size`` pixels, else Pillow's default."""
    from PIL import ImageFont

    try:
        from matplotlib import font_manager

        return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)
    except (ImportError, OSError, ValueError):
        try:
            return ImageFont.load_default(size=size)
        except TypeError:  # Pillow < 10.1: the bitmap font
            return ImageFont.load_default()


def _fit(text: str, tail: str, font, width: int) -> str:
    """``text + tail``, the middle of ``text`` cut with an ellipsis until it fits ``width``
    pixels (the end of a file name, its number and suffix, stays)."""
    if font.getlength(text + tail) <= width:
        return text + tail
    head, _, name = text.partition(": ")
    lo, hi = 0, len(name)
    while lo < hi:  # the most characters kept that still fit
        mid = (lo + hi + 1) // 2
        cut = name[:mid // 2] + "…" + name[len(name) - (mid - mid // 2):]
        if font.getlength(f"{head}: {cut}{tail}") <= width:
            lo = mid
        else:
            hi = mid - 1
    cut = name[:lo // 2] + "…" + name[len(name) - (lo - lo // 2):]
    return f"{head}: {cut}{tail}"


def _draw_boxes(draw, boxes, x, y, size) -> None:
    """YOLO boxes (class, x_center, y_center, width, height; normalised) on an image pasted
    at ``x, y`` with ``size`` pixels: a class colour inside a black outline."""
    if boxes is None:
        return
    w, h = size
    for cls, bx, by, bw, bh in np.asarray(boxes, dtype=np.float64).reshape(-1, 5):
        rect = (x + (bx - bw / 2) * w, y + (by - bh / 2) * h,
                x + (bx + bw / 2) * w, y + (by + bh / 2) * h)
        draw.rectangle(rect, outline="black", width=4)
        inner = (rect[0] + 1, rect[1] + 1, rect[2] - 1, rect[3] - 1)
        draw.rectangle(inner, outline=_BOX_COLOURS[int(cls) % len(_BOX_COLOURS)], width=2)


def find_leakage(train, others: dict, *, threshold: int = DEFAULT_THRESHOLD,
                 hash_size: int = 8, colour_tol: float = DEFAULT_COLOUR_TOL, n_jobs: int = 1,
                 within_train: bool = True, progress: bool = False,
                 max_pairs: int | None = DEFAULT_MAX_PAIRS) -> LeakageReport:
    """Training images that duplicate (same bytes) or nearly duplicate (perceptual hashes
    within ``threshold`` bits) images of other splits.

    Parameters
    ----------
    train : DetectionDataset
    others : dict of str to DetectionDataset
        E.g. ``{"val": load_yolo(yaml, "val")}``.
    threshold : int, default=10
        Hamming bits of the ``hash_size**2``-bit perceptual hash.
    hash_size : int, default=8
        Perceptual-hash side (``hash_size**2`` bits; 8, 16, ...).
    colour_tol : float, default=24
        Near pairs also have mean colours within this many levels on every channel.
    n_jobs : int, default=1
        Threads computing perceptual hashes.
    within_train : bool, default=True
        Also count exact and near duplicate groups inside the training split.
    progress : bool, default=False
        Show a progress bar while hashing the images of each split (tqdm).
    max_pairs : int or None, default=10_000
        Pairs listed per split, the closest first (exact, then fewest differing bits);
        the counts are of every pair. A static camera's frames are all near one another:
        10,000 training and 2,000 validation frames make 20 million pairs, so memory
        stays bounded by this and the images, not by the pairs. None lists every pair.
    """
    if max_pairs is not None and (isinstance(max_pairs, bool)
                                  or not isinstance(max_pairs, numbers.Integral)
                                  or max_pairs < 0):
        raise ValueError(f"max_pairs={max_pairs!r}: pass an integer >= 0 (pairs listed "
                         "per split), or None to list every pair.")
    Ht, Ct = perceptual_hashes(train.images, hash_size=hash_size, n_jobs=n_jobs,
                               progress=progress, return_colour=True)
    pairs, boxes, split_counts = [], {}, {}
    hashes = {getattr(train, "split", None) or "train": (Ht, Ct)}
    t_rank = _path_ranks(train.images)
    for split, other in others.items():
        Ho, Co = perceptual_hashes(other.images, hash_size=hash_size, n_jobs=n_jobs,
                                   progress=progress, return_colour=True)
        hashes[split] = (Ho, Co)
        i, j, d, exact, split_counts[split] = _closest_pairs(
            Ht, Ct, Ho, Co, threshold=threshold, colour_tol=colour_tol, max_pairs=max_pairs,
            t_rank=t_rank, o_rank=_path_ranks(other.images),
            same_bytes=_SameBytes(train.images, other.images))
        for a, b, dist, ex in zip(i, j, d, exact, strict=True):
            pairs.append({"split": split, "train": str(train.images[a]),
                          "other": str(other.images[b]), "distance": int(dist),
                          "exact": bool(ex)})
            boxes[str(train.images[a])] = train.boxes[a]
            boxes[str(other.images[b])] = other.boxes[b]
    pairs.sort(key=lambda p: (not p["exact"], p["distance"], p["train"], p["other"]))
    groups = {}
    if within_train:
        ex = exact_duplicate_groups(train.images)
        near = _near_groups_hashes(Ht, threshold, Ct, colour_tol)[0]
        groups = {"exact_groups": int(sum(np.bincount(ex) > 1)),
                  "exact_removable": int(len(ex) - len(np.unique(ex))),
                  "near_groups": int(sum(np.bincount(near) > 1)),
                  "near_removable": int(len(near) - len(np.unique(near)))}
    return LeakageReport(pairs=pairs, n_train=len(train),
                         n_other={k: len(v) for k, v in others.items()}, threshold=threshold,
                         train_groups=groups, boxes=boxes, split_counts=split_counts,
                         hashes=hashes)


def _path_ranks(paths) -> np.ndarray:
    """Each path's rank in the order of the path strings (ties between splits are broken
    as the report's sort does: by training path, then the other path)."""
    order = sorted(range(len(paths)), key=lambda k: str(paths[k]))
    rank = np.empty(len(paths), dtype=np.int64)
    rank[order] = np.arange(len(paths))
    return rank


class _SameBytes:
    """Whether pairs of a training and another image have the same bytes, each image's
    file hashed once, and only images of pairs at distance 0 (equal bytes decode to equal
    hashes and colours)."""

    def __init__(self, train_paths, other_paths):
        self._paths = (train_paths, other_paths)
        self._ids = ({}, {})  # image index -> hash id, per side
        self._hash_id = {}

    def _of(self, side: int, idx) -> np.ndarray:
        ids, paths = self._ids[side], self._paths[side]
        new = [int(k) for k in np.unique(idx) if int(k) not in ids]
        for k, h in zip(new, file_hashes([paths[k] for k in new], only_size_collisions=False),
                        strict=True):
            ids[k] = self._hash_id.setdefault(h, len(self._hash_id))
        return np.array([ids[int(k)] for k in idx], dtype=np.int64)

    def __call__(self, i, j, d) -> np.ndarray:
        out = np.zeros(len(i), dtype=bool)
        zero = np.flatnonzero(d == 0)
        if len(zero):
            out[zero] = self._of(0, i[zero]) == self._of(1, j[zero])
        return out


def _closest_pairs(Ht, Ct, Ho, Co, *, threshold, colour_tol, max_pairs, t_rank, o_rank,
                   same_bytes):
    """The pairs of training and other hashes within ``threshold`` bits and ``colour_tol``
    levels: the ``max_pairs`` closest (exact first, then distance, then paths) as arrays
    ``(i, j, d, exact)``, and the counts of every pair. Read one block of pairs at a time:
    memory grows with the images and ``max_pairs``, not with the pairs."""
    n_pairs = n_exact = 0
    t_seen = np.zeros(len(Ht), dtype=bool)
    o_seen = np.zeros(len(Ho), dtype=bool)
    empty = np.zeros(0, dtype=np.int64)
    kept = (empty, empty, empty, np.zeros(0, dtype=bool))
    pieces = []  # max_pairs None: every pair, sorted once at the end

    def closest(i, j, d, exact, n):
        order = np.lexsort((o_rank[j], t_rank[i], d, ~exact))[:n]
        return i[order], j[order], d[order], exact[order]

    for i, j, d in _hamming_blocks(Ht, Ho, threshold=threshold):
        close = np.abs(Ct[i].astype(np.float64) - Co[j]).max(axis=1) <= colour_tol
        i, j, d = i[close], j[close], d[close]
        if not len(i):
            continue
        exact = same_bytes(i, j, d)
        n_pairs += len(i)
        n_exact += int(exact.sum())
        t_seen[i] = True
        o_seen[j] = True
        if max_pairs is None:
            pieces.append((i, j, d, exact))
        elif max_pairs > 0:
            kept = closest(*(np.concatenate([a, b]) for a, b in zip(kept, (i, j, d, exact),
                                                                     strict=True)), max_pairs)
    if pieces:
        kept = closest(*(np.concatenate(p) for p in zip(*pieces, strict=True)), None)
    counts = {"pairs": n_pairs, "exact_pairs": n_exact, "train_images": int(t_seen.sum()),
              "other_images": int(o_seen.sum()), "other_total": len(Ho)}
    return (*kept, counts)
