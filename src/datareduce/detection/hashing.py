"""Image hashes and near pairs: exact content hashes, perceptual hashes, and the pairs of
images (or embedding rows) within a threshold, found without an n x n matrix.

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

Groups are the connected components of the pairs (single linkage: a chain of near
duplicates is one group).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

from .dataset import _upright

__all__ = [
    "exact_duplicate_groups",
    "file_hashes",
    "hamming_pairs",
    "perceptual_hashes",
]

DEFAULT_THRESHOLD = 10  # bits of a 64-bit pHash (as imagededup's default)
DEFAULT_COLOUR_TOL = 24.0  # mean-colour difference (0-255 levels, any channel) of near pairs


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
        im = _upright(im).convert("RGB")
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


