"""Duplicate and near-duplicate images: find them, remove them before selection, and
report training images that leak into validation or test splits.

- **Exact duplicates**: files with identical bytes. Files are grouped by size first and
  only files sharing a size are hashed (BLAKE2b of the content), so the cost is one read
  of the candidate files; memory is one hash per file.
- **Near duplicates (perceptual hash)**: the DCT perceptual hash of ``imagehash``
  (``hash_size**2`` bits; 64 by default) of every image; two images are near duplicates
  when their hashes differ in at most ``threshold`` bits. Identical hashes are collapsed
  first; the remaining distinct hashes are compared block by block (XOR and popcount on
  packed 64-bit words), so memory stays below ``block_bytes`` whatever the number of
  images. Time is quadratic in the number of distinct hashes: measured about 25 CPU
  seconds for 100,000 images (see docs/detection.md). A pHash ignores overall colour,
  so near duplicates must also have mean colours within ``colour_tol`` levels.
- **Near duplicates (embeddings)**: rows of an embedding closer than ``threshold``
  (Euclidean), found with scikit-learn's radius neighbours, one block of queries at a
  time (never an n x n matrix).

Groups are the connected components of the duplicate pairs (single linkage: a chain of
near duplicates is one group). :class:`Deduplicator` keeps one image per group, by a
documented policy, and can cap the number of images per user group (e.g. per video).
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Deduplicator",
    "LeakageReport",
    "exact_duplicate_groups",
    "file_hashes",
    "find_leakage",
    "hamming_pairs",
    "perceptual_hashes",
]

KEEP_POLICIES = ("first", "most_boxes", "central")
DEFAULT_THRESHOLD = 10  # bits of a 64-bit pHash (as imagededup's default)
DEFAULT_COLOUR_TOL = 24.0  # mean-colour difference (0-255 levels, any channel) of near pairs


# ------------------------------------------------------------------------------ hashes
def _blake(path, chunk: int = 1 << 20) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_hashes(paths, *, only_size_collisions: bool = True) -> list:
    """Content hash (BLAKE2b, 128 bits, hex) of each file; ``None`` for files whose size no
    other file shares when ``only_size_collisions`` (they cannot have an exact duplicate).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name, data in (("a", b"xy"), ("b", b"xy"), ("c", b"xyz")):
    ...         _ = (Path(tmp) / name).write_bytes(data)
    ...     h = file_hashes([Path(tmp) / n for n in "abc"])
    >>> h[0] == h[1], h[2]
    (True, None)
    """
    paths = [Path(p) for p in paths]
    sizes = [os.stat(p).st_size for p in paths]
    if only_size_collisions:
        count: dict = defaultdict(int)
        for s in sizes:
            count[s] += 1
        return [_blake(p) if count[s] > 1 else None for p, s in zip(paths, sizes, strict=True)]
    return [_blake(p) for p in paths]


def exact_duplicate_groups(paths) -> np.ndarray:
    """Group label of each file: files with identical bytes share a label (0, 1, ...).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name, data in (("a", b"1"), ("b", b"2"), ("c", b"1")):
    ...         _ = (Path(tmp) / name).write_bytes(data)
    ...     exact_duplicate_groups([Path(tmp) / n for n in "abc"]).tolist()
    [0, 1, 0]
    """
    hashes = file_hashes(paths)
    labels = np.empty(len(hashes), dtype=np.int64)
    seen: dict = {}
    for i, h in enumerate(hashes):
        key = h if h is not None else ("unique", i)
        labels[i] = seen.setdefault(key, len(seen))
    return labels


def _phash_one(path, hash_size: int):
    import imagehash
    from PIL import Image

    with Image.open(path) as im:
        im.draft("RGB", (hash_size * 8, hash_size * 8))  # JPEG: decode at a reduced scale
        im = im.convert("RGB")
        bits = imagehash.phash(im, hash_size=hash_size).hash.reshape(-1)
        colour = np.asarray(im.resize((16, 16), Image.Resampling.BOX), np.float32).reshape(
            -1, 3).mean(axis=0)
    return np.packbits(bits), colour


def perceptual_hashes(paths, *, hash_size: int = 8, n_jobs: int = 1,
                      progress: bool = False, return_colour: bool = False):
    """DCT perceptual hashes (``imagehash.phash``) packed as uint64 words, shape (n, words).

    With ``return_colour``, also each image's mean RGB colour (0-255), shape (n, 3): a
    pHash ignores overall colour (every uniform image has the same hash), so near
    duplicates are also required to have close mean colours.

    Needs the ``imagehash`` package (in the ``detection`` extra).
    """
    try:
        import imagehash  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("near-duplicate search needs imagehash: pip install "
                          "'datareduce[detection]' (or pip install imagehash)") from exc
    if hash_size < 8 or (hash_size * hash_size) % 64:
        raise ValueError(f"hash_size={hash_size}: use 8, 16, ... (hash_size**2 a multiple of 64).")
    paths = [Path(p) for p in paths]
    words = hash_size * hash_size // 64
    out = np.empty((len(paths), words), dtype=np.uint64)
    colours = np.empty((len(paths), 3), dtype=np.float32)

    def one(p):
        try:
            return _phash_one(p, hash_size)
        except Exception as exc:
            raise OSError(f"{p}: cannot be decoded ({type(exc).__name__}: {exc}); load the "
                          "dataset with on_error='skip' to leave it out.") from exc

    it = paths
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(paths, desc="perceptual hashes", unit="img")
    if n_jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(n_jobs) as pool:
            rows = list(pool.map(one, it, chunksize=64))
    else:
        rows = [one(p) for p in it]
    for i, (r, c) in enumerate(rows):
        out[i] = np.frombuffer(r.tobytes(), dtype=">u8").astype(np.uint64)
        colours[i] = c
    return (out, colours) if return_colour else out


def _cat(parts, dtype):
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def hamming_pairs(A, B=None, *, threshold: int = DEFAULT_THRESHOLD,
                  block_bytes: int = 32 << 20):
    """Pairs of packed hashes at Hamming distance <= ``threshold``: ``(i, j, d)`` arrays.

    With ``B`` None, pairs within ``A`` with ``i < j``; otherwise ``i`` indexes ``A`` and
    ``j`` indexes ``B``. Compared one block of ``A`` rows at a time, so the temporary
    arrays stay below ``block_bytes``.

    Examples
    --------
    >>> A = np.array([[0b0000], [0b0011], [0b1111]], dtype=np.uint64)
    >>> [x.tolist() for x in hamming_pairs(A, threshold=2)]
    [[0, 1], [1, 2], [2, 2]]
    """
    A = np.ascontiguousarray(A, dtype=np.uint64)
    same = B is None
    B = A if same else np.ascontiguousarray(B, dtype=np.uint64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError("hashes must be 2-D arrays of packed words with equal widths.")
    nB, words = B.shape
    step = max(1, int(block_bytes // max(1, nB * words * 8)))
    ii_all, jj_all, dd_all = [], [], []
    for s in range(0, A.shape[0], step):
        blk = A[s: s + step]
        lo = s if same else 0  # within one set only j > i is needed: compare with B[s:]
        Bs = B[lo:]
        d = np.zeros((len(blk), len(Bs)), dtype=np.uint16)
        for w in range(words):
            d += np.bitwise_count(blk[:, w, None] ^ Bs[None, :, w]).astype(np.uint16)
        hit = d <= threshold
        if same:
            hit &= np.arange(len(Bs))[None, :] > np.arange(len(blk))[:, None]
        ii, jj = np.nonzero(hit)
        ii_all.append(ii + s)
        jj_all.append(jj + lo)
        dd_all.append(d[ii, jj])
    return _cat(ii_all, np.int64), _cat(jj_all, np.int64), _cat(dd_all, np.int64)


def _embedding_pairs(X, Y=None, *, threshold: float, block: int = 2048):
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, dtype=np.float64)
    same = Y is None
    nn = NearestNeighbors(radius=threshold).fit(X if same else np.asarray(Y, dtype=np.float64))
    ii_all, jj_all, dd_all = [], [], []
    for s in range(0, X.shape[0], block):
        dist, ind = nn.radius_neighbors(X[s: s + block], return_distance=True)
        for k, (dd, jj) in enumerate(zip(dist, ind, strict=True)):
            i = s + k
            m = jj > i if same else np.ones(len(jj), bool)
            ii_all.append(np.full(int(m.sum()), i))
            jj_all.append(jj[m])
            dd_all.append(dd[m])
    return _cat(ii_all, np.int64), _cat(jj_all, np.int64), _cat(dd_all, np.float64)


def _near_pairs_hashes(H, threshold: int, colours=None, colour_tol: float = DEFAULT_COLOUR_TOL):
    """Near pairs within H (and, with ``colours``, mean colours within ``colour_tol`` on
    every channel). Rows with the same hash (and colour bin) are collapsed before the
    block comparison; each is linked to its group's first row."""
    key = H if colours is None else np.hstack([
        H, np.floor(np.asarray(colours) / max(colour_tol, 1e-9)).astype(np.uint64)])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    ui, uj, ud = hamming_pairs(H[first], threshold=threshold)
    if colours is not None and len(ui):
        C = np.asarray(colours, dtype=np.float64)
        close = np.abs(C[first[ui]] - C[first[uj]]).max(axis=1) <= colour_tol
        ui, uj, ud = ui[close], uj[close], ud[close]
    rep = first[inverse]  # the first row of each row's group
    dup = np.flatnonzero(rep != np.arange(len(H)))
    ii_all = np.concatenate([rep[dup], first[ui]]).astype(np.int64)
    jj_all = np.concatenate([dup, first[uj]]).astype(np.int64)
    dd_all = np.concatenate([np.zeros(len(dup), np.int64), ud]).astype(np.int64)
    return ii_all, jj_all, dd_all


def _components(n: int, i, j) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return connected_components(g, directed=False)[1]


def _bits(H) -> np.ndarray:
    return np.unpackbits(H.astype(">u8").view(np.uint8), axis=1).astype(np.float32)


# ------------------------------------------------------------------------ deduplicator
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
    groups : str, array-like or callable, optional
        Groups for ``max_per_group``: a regular expression searched in each file name
        (its first capture group, or the whole match, names the group; e.g. a video id
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

    def _group_labels(self, dataset) -> np.ndarray:
        g = self.groups
        if isinstance(g, str):
            rx = re.compile(g)
            labels, unmatched = [], 0
            for i, p in enumerate(dataset.images):
                m = rx.search(p.name)
                if m is None:
                    labels.append(f"\0{i}")
                    unmatched += 1
                else:
                    labels.append(m.group(1) if rx.groups else m.group(0))
            if unmatched:
                warnings.warn(f"groups={g!r} matches no part of {unmatched} file name(s) "
                              f"(e.g. {dataset.images[[i for i, x in enumerate(labels) if x.startswith(chr(0))][0]].name}); "
                              "each is its own group.", UserWarning, stacklevel=3)
            return np.asarray(labels, dtype=object)
        if callable(g):
            g = g(dataset)
        arr = np.asarray(g, dtype=object)
        if arr.shape != (len(dataset),):
            raise ValueError(f"groups has shape {arr.shape}: pass one label per image "
                             f"({len(dataset)}).")
        return arr

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
        pairs = (np.zeros(0, np.int64),) * 2
        feats = None
        if self.method == "exact":
            self.group_ = exact_duplicate_groups(dataset.images)
        elif self.method == "near":
            H, C = perceptual_hashes(dataset.images, hash_size=self.hash_size,
                                     n_jobs=self.n_jobs, progress=self.progress,
                                     return_colour=True)
            thr = DEFAULT_THRESHOLD if self.threshold is None else int(self.threshold)
            i, j, _ = _near_pairs_hashes(H, thr, C, self.colour_tol)
            pairs = (i, j)
            feats = _bits(H)
            self.group_ = _components(n, *pairs)
        elif self.method == "embedding":
            if embeddings is None:
                raise ValueError("method='embedding' needs the embeddings: fit(dataset, "
                                 "embeddings).")
            X = np.asarray(embeddings, dtype=np.float64)
            i, j, _ = _embedding_pairs(X, threshold=float(self.threshold))
            pairs = (i, j)
            feats = X
            self.group_ = _components(n, *pairs)
        else:
            self.group_ = np.arange(n)
        if self.keep == "central" and feats is None and embeddings is not None:
            feats = np.asarray(embeddings, dtype=np.float64)
        self.n_pairs_ = len(pairs[0])
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
        if self.max_per_group is not None:
            labels = self._group_labels(dataset)
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


# ----------------------------------------------------------------------------- leakage
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
