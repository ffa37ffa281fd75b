"""Image hashes and near pairs: exact content hashes, perceptual hashes, and the pairs of
images (or embedding rows) within a threshold, found without an n x n matrix.

- **Exact duplicates**: files with identical bytes. Files are grouped by size first and
  only files sharing a size are hashed (BLAKE2b of the content), so the cost is one read
  of the candidate files; memory is one hash per file.
- **Near duplicates (perceptual hash)**: the DCT perceptual hash of ``imagehash``
  (``hash_size**2`` bits; 64 by default) of every image; two images are near duplicates
  when their hashes differ in at most ``threshold`` bits. Identical hashes are collapsed
  first; the remaining distinct hashes are compared block by block (XOR and popcount on
  packed 64-bit words; the temporaries of a block are about ``block_bytes``, 1.3 times
  at most). Time is quadratic in the number of distinct hashes: measured about 25 CPU
  seconds for 100,000 images (see docs/detection.md). A pHash ignores overall colour,
  so near duplicates must also have mean colours within ``colour_tol`` levels.
- **Near duplicates (embeddings)**: rows of an embedding closer than ``threshold``
  (Euclidean), found with scikit-learn's radius neighbours, one block of queries at a
  time (about ``max_pairs`` pairs a block; never an n x n matrix).

Groups are the connected components of the pairs (single linkage: a chain of near
duplicates is one group). The groupings (:func:`_near_groups_hashes`,
:func:`_embedding_groups`: deduplication, ``sequence_groups``, the within-train counts of
the leakage audit) merge each block's pairs into the components as they come
(:class:`_Components`) and never hold all the pairs, so their memory is O(n) plus one
block even when every image is near every other (n (n - 1) / 2 pairs). Only
:func:`hamming_pairs` and the ``_*_pairs`` helpers return the pairs themselves (24 bytes
a pair): the leakage audit lists its train/other pairs with them.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

from .dataset import _upright_rgb

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
        im = _upright_rgb(im)
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


def _hamming_blocks(A, B=None, *, threshold: int, block_bytes: int = 32 << 20,
                    distances: bool = True):
    """The pairs of :func:`hamming_pairs`, one piece at a time: ``(i, j, d)`` int64 arrays
    (``d`` None unless ``distances``).

    One block of ``A`` rows is compared with ``B`` (its XOR array has about ``block_bytes``
    bytes), and a block's pairs are handed out a slice of rows at a time, at most about
    ``block_bytes // 256`` pairs per piece, so nothing held grows with the number of pairs.
    """
    A = np.ascontiguousarray(A, dtype=np.uint64)
    same = B is None
    B = A if same else np.ascontiguousarray(B, dtype=np.uint64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError("hashes must be 2-D arrays of packed words with equal widths.")
    nB, words = B.shape
    step = max(1, int(block_bytes // max(1, nB * words * 8)))
    max_pairs = max(1, int(block_bytes // 256))
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
        rows = len(blk) if np.count_nonzero(hit) <= max_pairs else max(
            1, max_pairs // max(1, len(Bs)))
        for r in range(0, len(blk), rows):
            ii, jj = np.nonzero(hit[r: r + rows])
            if len(ii):
                ii += r
                dd = d[ii, jj].astype(np.int64) if distances else None
                ii += s
                jj += lo
                yield ii, jj, dd


def hamming_pairs(A, B=None, *, threshold: int = DEFAULT_THRESHOLD,
                  block_bytes: int = 32 << 20):
    """Pairs of packed hashes at Hamming distance <= ``threshold``: ``(i, j, d)`` arrays.

    With ``B`` None, pairs within ``A`` with ``i < j``; otherwise ``i`` indexes ``A`` and
    ``j`` indexes ``B``. Compared one block of ``A`` rows at a time, so the temporary
    arrays stay near ``block_bytes``; the result itself has 24 bytes per pair (when every
    hash is near every other, n (n - 1) / 2 pairs: use the groups of
    :func:`_near_groups_hashes` instead when only groups are wanted).

    Examples
    --------
    >>> A = np.array([[0b0000], [0b0011], [0b1111]], dtype=np.uint64)
    >>> [x.tolist() for x in hamming_pairs(A, threshold=2)]
    [[0, 1], [1, 2], [2, 2]]
    """
    ii_all, jj_all, dd_all = [], [], []
    for ii, jj, dd in _hamming_blocks(A, B, threshold=threshold, block_bytes=block_bytes):
        ii_all.append(ii)
        jj_all.append(jj)
        dd_all.append(dd)
    return _cat(ii_all, np.int64), _cat(jj_all, np.int64), _cat(dd_all, np.int64)


class _Components:
    """Connected components of a graph whose edges arrive in pieces, in O(n) memory.

    ``rep[x]`` is the smallest node of ``x``'s component so far (always flat: a
    representative is its own). Each piece of edges is merged with
    :func:`scipy.sparse.csgraph.connected_components` on the representatives it touches,
    then every node's representative is remapped (O(n + piece) per piece).
    """

    def __init__(self, n: int):
        self.rep = np.arange(n, dtype=np.int64)
        self.n_edges = 0

    def add(self, i, j) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        self.n_edges += len(i)
        a, b = self.rep[i], self.rep[j]
        keep = a != b
        if not keep.any():
            return
        a, b = a[keep], b[keep]
        nodes, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
        k, m = len(nodes), len(a)
        g = coo_matrix((np.ones(m, np.int8), (inv[:m], inv[m:])), shape=(k, k))
        _, lab = connected_components(g, directed=False)
        smallest = np.full(lab.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(smallest, lab, nodes)  # each component's smallest node
        remap = np.arange(len(self.rep), dtype=np.int64)
        remap[nodes] = smallest[lab]
        self.rep = remap[self.rep]

    def labels(self) -> np.ndarray:
        """Component labels 0, 1, ... numbered in order of each component's first node
        (as :func:`scipy.sparse.csgraph.connected_components` numbers them)."""
        return np.unique(self.rep, return_inverse=True)[1].reshape(-1).astype(np.int32)


def _embedding_blocks(X, Y=None, *, threshold: float, max_pairs: int = 1 << 18,
                      distances: bool = True):
    """Pairs of rows of ``X`` (and ``Y``) within Euclidean ``threshold``, a block of query
    rows at a time: ``(i, j, d)`` arrays (``i < j`` within one set; ``d`` None unless
    ``distances``).

    A block has at most 2,048 rows, and about ``max_pairs`` pairs: the first has
    ``max_pairs // len(Y)`` rows (the most when every row is near every other) and each
    next one ``max_pairs`` over the previous block's neighbours per row (at most double
    the previous size), so a block holds more only when its rows have far more
    neighbours than the rows before.
    """
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, dtype=np.float64)
    same = Y is None
    Y = X if same else np.asarray(Y, dtype=np.float64)
    nn = NearestNeighbors(radius=threshold).fit(Y)
    block = int(min(2048, max(1, max_pairs // max(1, len(Y)))))
    s = 0
    while s < X.shape[0]:
        res = nn.radius_neighbors(X[s: s + block], return_distance=distances)
        dist, ind = res if distances else (None, res)
        counts = np.fromiter((len(r) for r in ind), dtype=np.int64, count=len(ind))
        jj = np.concatenate(ind).astype(np.int64, copy=False)
        dd = np.concatenate(dist) if distances else None
        del res, dist, ind
        ii = np.repeat(np.arange(s, s + len(counts), dtype=np.int64), counts)
        s += len(counts)
        per_row = max(1.0, len(jj) / max(1, len(counts)))
        block = int(min(2048, 2 * block, max(1, max_pairs // per_row)))
        if same:
            m = jj > ii
            ii, jj = ii[m], jj[m]
            dd = None if dd is None else dd[m]
        if len(ii):
            yield ii, jj, dd


def _embedding_pairs(X, Y=None, *, threshold: float, max_pairs: int = 1 << 18):
    """Every pair of :func:`_embedding_blocks` (``i < j`` within one set)."""
    ii_all, jj_all, dd_all = [], [], []
    for ii, jj, dd in _embedding_blocks(X, Y, threshold=threshold, max_pairs=max_pairs):
        ii_all.append(ii)
        jj_all.append(jj)
        dd_all.append(dd)
    return _cat(ii_all, np.int64), _cat(jj_all, np.int64), _cat(dd_all, np.float64)


def _embedding_groups(X, *, threshold: float, max_pairs: int = 1 << 18):
    """Connected components of the rows of ``X`` within Euclidean ``threshold`` (single
    linkage) and the number of pairs, without holding the pairs: ``(labels, n_pairs)``."""
    X = np.asarray(X, dtype=np.float64)
    comp = _Components(X.shape[0])
    for ii, jj, _ in _embedding_blocks(X, threshold=threshold, max_pairs=max_pairs,
                                       distances=False):
        comp.add(ii, jj)
    return comp.labels(), comp.n_edges


def _collapse(H, colours, colour_tol):
    """Rows with the same hash (and mean-colour bin): ``first`` row of each distinct key
    and each row's key index."""
    key = H if colours is None else np.hstack([
        H, np.floor(np.asarray(colours) / max(colour_tol, 1e-9)).astype(np.uint64)])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _near_hash_blocks(H, first, threshold, colours, colour_tol, block_bytes,
                      distances=True):
    """Near pairs among the distinct keys ``H[first]`` (indices into ``first``), in pieces,
    with mean colours within ``colour_tol`` on every channel when ``colours`` is given."""
    # the distinct keys' colours, one channel at a time (one array per pair, not three)
    C = None if colours is None else np.asarray(colours, dtype=np.float64)[first].T.copy()
    for ui, uj, ud in _hamming_blocks(H[first], threshold=threshold, block_bytes=block_bytes,
                                      distances=distances):
        if C is not None:
            close = np.ones(len(ui), dtype=bool)
            for c in C:
                close &= np.abs(c[ui] - c[uj]) <= colour_tol
            ui, uj = ui[close], uj[close]
            ud = None if ud is None else ud[close]
        yield ui, uj, ud


def _near_pairs_hashes(H, threshold: int, colours=None, colour_tol: float = DEFAULT_COLOUR_TOL,
                       block_bytes: int = 32 << 20):
    """Near pairs within H (and, with ``colours``, mean colours within ``colour_tol`` on
    every channel). Rows with the same hash (and colour bin) are collapsed before the
    block comparison; each is linked to its group's first row. Holds every pair (24 bytes
    each): for groups only, :func:`_near_groups_hashes` keeps memory O(n)."""
    first, inverse = _collapse(H, colours, colour_tol)
    parts = list(_near_hash_blocks(H, first, threshold, colours, colour_tol, block_bytes))
    ui = _cat([p[0] for p in parts], np.int64)
    uj = _cat([p[1] for p in parts], np.int64)
    ud = _cat([p[2] for p in parts], np.int64)
    rep = first[inverse]  # the first row of each row's group
    dup = np.flatnonzero(rep != np.arange(len(H)))
    ii_all = np.concatenate([rep[dup], first[ui]]).astype(np.int64)
    jj_all = np.concatenate([dup, first[uj]]).astype(np.int64)
    dd_all = np.concatenate([np.zeros(len(dup), np.int64), ud]).astype(np.int64)
    return ii_all, jj_all, dd_all


def _near_groups_hashes(H, threshold: int, colours=None,
                        colour_tol: float = DEFAULT_COLOUR_TOL, block_bytes: int = 32 << 20):
    """The connected components of :func:`_near_pairs_hashes`'s pairs, and the number of
    pairs, without holding the pairs: ``(labels, n_pairs)``. The distinct keys' pairs are
    merged into the components one piece at a time, so memory is O(n) plus the block
    temporaries (about ``block_bytes``) whatever the number of pairs; the labels are
    those of ``_components(len(H), *_near_pairs_hashes(...)[:2])``."""
    first, inverse = _collapse(H, colours, colour_tol)
    comp = _Components(len(first))
    for ui, uj, _ in _near_hash_blocks(H, first, threshold, colours, colour_tol, block_bytes,
                                       distances=False):
        comp.add(ui, uj)
    # a row's component is its key's; number components by their first row
    key_rep = comp.rep
    first_row = np.full(len(first), len(H), dtype=np.int64)
    np.minimum.at(first_row, key_rep, first)
    row_rep = first_row[key_rep[inverse]]
    labels = np.unique(row_rep, return_inverse=True)[1].reshape(-1).astype(np.int32)
    n_dup = int(len(H) - len(first))
    return labels, n_dup + comp.n_edges


def _components(n: int, i, j) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return connected_components(g, directed=False)[1]


def _bits(H) -> np.ndarray:
    return np.unpackbits(H.astype(">u8").view(np.uint8), axis=1).astype(np.float32)


