"""Embedders: one vector per image of a detection dataset.

Every embedder has ``embed(dataset) -> ndarray of shape (n_images, n_features)``, works
in batches, shows a progress bar with ``progress=True`` and caches its result on disk
when given ``cache_dir`` (the cache key covers the embedder's parameters and every
image's path, size and modification time, so a changed dataset is embedded again).

- :class:`LabelEmbedder` reads only the boxes (no image, no model).
- :class:`ThumbnailEmbedder` reads the pixels: small thumbnails and colour statistics,
  reduced by PCA (needs Pillow). The default.
- :class:`UltralyticsEmbedder` pools features of an Ultralytics YOLO model (needs the
  ``detection`` extra and trained weights; it never downloads anything).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .dataset import _upright_rgb

__all__ = [
    "BaseEmbedder",
    "LabelEmbedder",
    "ThumbnailEmbedder",
    "UltralyticsEmbedder",
]

logger = logging.getLogger(__name__)


class BaseEmbedder:
    """Common machinery: batching, progress, disk cache.

    Subclasses implement ``_embed(dataset, progress) -> ndarray`` and ``_params()``.
    """

    name = "base"

    def _params(self) -> dict:
        raise NotImplementedError

    def _embed(self, dataset, progress: bool) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def describe(self) -> dict:
        """The embedder's name and parameters (written into a reduction manifest)."""
        return {"name": self.name, "class": type(self).__name__, "params": self._params()}

    def _cache_key(self, dataset) -> str:
        h = hashlib.sha256()
        h.update(json.dumps(self.describe(), sort_keys=True, default=str).encode())
        h.update(b"pixels: EXIF orientation applied")  # caches of raw stored pixels are stale
        h.update(b"16-bit pixels scaled as OpenCV")  # caches of clipped 16-bit images too
        for img, boxes in zip(dataset.images, dataset.boxes, strict=True):
            try:
                st = os.stat(img)
                h.update(f"{img}|{st.st_size}|{st.st_mtime_ns}".encode())
            except OSError:
                h.update(f"{img}|missing".encode())
            h.update(np.ascontiguousarray(boxes).tobytes())
        return h.hexdigest()[:24]

    def embed(self, dataset, *, progress: bool | None = None) -> np.ndarray:
        """Embed every image of ``dataset``; returns a float array (n_images, n_features).

        Parameters
        ----------
        dataset : DetectionDataset
        progress : bool, optional
            Show a progress bar (default: the embedder's ``progress`` parameter).

        Returns
        -------
        ndarray of shape (n_images, n_features)
        """
        if len(dataset) == 0:
            raise ValueError("the dataset has no images to embed.")
        progress = self.progress if progress is None else progress
        cache_dir = getattr(self, "cache_dir", None)
        path = None
        if cache_dir is not None:
            path = Path(cache_dir) / f"{self.name}-{self._cache_key(dataset)}.npy"
            if path.is_file():
                logger.info("embeddings loaded from cache %s", path)
                return np.load(path)
        X = np.asarray(self._embed(dataset, progress), dtype=np.float64)
        if X.shape[0] != len(dataset):  # pragma: no cover - guards subclasses
            raise RuntimeError(f"{type(self).__name__} returned {X.shape[0]} rows for "
                               f"{len(dataset)} images")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, X)
            os.replace(tmp, path)
        return X


# ------------------------------------------------------------------------------ labels
class LabelEmbedder(BaseEmbedder):
    """Embed an image by its boxes only: class counts, box sizes, aspect ratios, positions.

    Features per image: ``log1p`` box count per class; ``log1p`` total boxes; mean, std,
    min and max of box width, height, ``sqrt(area)`` and ``log(w / h)`` (zeros for
    background images); the fraction of box centres in each cell of a ``grid x grid``
    partition of the image. No image is read and no model is needed.

    Parameters
    ----------
    grid : int, default=3
        Side of the position histogram.
    cache_dir : str or Path, optional
        Folder for the on-disk cache.
    progress : bool, default=False
        Progress bar (this embedder is fast; it has no batches to show).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> ds = DetectionDataset(images=["/d/a.png", "/d/b.png"],
    ...                       boxes=[[[0, .25, .25, .2, .4]], np.zeros((0, 5))], names={0: "a", 1: "b"})
    >>> X = LabelEmbedder(grid=2).embed(ds)
    >>> X.shape, X[0, :2].round(3).tolist(), X[0, -4:].tolist()
    ((2, 23), [0.693, 0.0], [1.0, 0.0, 0.0, 0.0])
    """

    name = "label"

    def __init__(self, grid: int = 3, *, cache_dir=None, progress: bool = False):
        if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 1:
            raise ValueError(f"grid={grid!r} must be an int >= 1.")
        self.grid = int(grid)
        self.cache_dir = cache_dir
        self.progress = progress

    def _params(self):
        return {"grid": self.grid}

    def _embed(self, dataset, progress):
        nc = dataset.n_classes
        g = self.grid
        out = np.zeros((len(dataset), nc + 1 + 16 + g * g))
        for i, b in enumerate(dataset.boxes):
            if len(b) == 0:
                continue
            cls = b[:, 0].astype(np.int64)
            out[i, :nc] = np.log1p(np.bincount(cls, minlength=nc)[:nc])
            out[i, nc] = np.log1p(len(b))
            w, h = b[:, 3], b[:, 4]
            feats = (w, h, np.sqrt(w * h), np.log(w / h))
            stats = [f(v) for v in feats for f in (np.mean, np.std, np.min, np.max)]
            out[i, nc + 1: nc + 17] = stats
            cx = np.minimum((b[:, 1] * g).astype(np.int64), g - 1)
            cy = np.minimum((b[:, 2] * g).astype(np.int64), g - 1)
            out[i, nc + 17:] = np.bincount(cy * g + cx, minlength=g * g) / len(b)
        return out


# --------------------------------------------------------------------------- thumbnails
def _load_thumbnail(path, size: int, n_bins: int) -> np.ndarray:
    try:
        return _thumbnail(path, size, n_bins)
    except Exception as exc:  # Pillow raises many types for broken files
        raise OSError(
            f"{path}: cannot be decoded ({type(exc).__name__}: {exc}). Re-save or remove the "
            "file, or load the dataset with on_error='skip' (which decodes every image and "
            "leaves broken ones out)."
        ) from exc


def _thumbnail(path, size: int, n_bins: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        im.draft("RGB", (size * 4, size * 4))  # JPEG: decode at reduced scale
        im = _upright_rgb(im)
        stats_src = im.resize((64, 64), Image.Resampling.BILINEAR) if max(im.size) > 64 else im
        thumb = im.resize((size, size), Image.Resampling.BOX)
    a = np.asarray(thumb, dtype=np.float32).reshape(-1) / 255.0
    s = np.asarray(stats_src, dtype=np.float32).reshape(-1, 3) / 255.0
    hist = [np.histogram(s[:, c], bins=n_bins, range=(0, 1))[0] / len(s) for c in range(3)]
    return np.concatenate([a, s.mean(0), s.std(0), *hist]).astype(np.float32)


class ThumbnailEmbedder(BaseEmbedder):
    """Embed an image by its pixels: a small thumbnail plus colour statistics, then PCA.

    Each image is decoded (JPEG at reduced scale), converted to RGB and resized to
    ``size x size`` (box filter); the thumbnail's pixels are joined by the per-channel
    mean, standard deviation and a ``bins``-bin histogram. The columns are standardised and
    projected on their first ``n_components`` principal components (fitted on the
    dataset). Needs Pillow and numpy only.

    Parameters
    ----------
    size : int, default=16
        Thumbnail side in pixels (``3 * size**2`` pixel features).
    n_components : int or None, default=64
        PCA dimensions (at most ``min(n_images, n_features)``); None keeps every feature.
    bins : int, default=8
        Histogram bins per colour channel.
    batch_size : int, default=256
        Images decoded per batch.
    n_jobs : int, default=1
        Threads decoding images (Pillow releases the GIL while decoding).
    random_state : int, default=0
        Seed of the randomized PCA solver.
    cache_dir : str or Path, optional
        Folder for the on-disk cache.
    progress : bool, default=False
        Show a progress bar.

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import load_yolo, make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ds = load_yolo(make_shapes_dataset(tmp, n_train=12, n_val=2))
    ...     X = ThumbnailEmbedder(size=8, n_components=5).embed(ds)
    >>> X.shape
    (12, 5)
    """

    name = "thumbnail"

    def __init__(self, size: int = 16, n_components: int | None = 64, *, bins: int = 8,
                 batch_size: int = 256, n_jobs: int = 1, random_state: int = 0,
                 cache_dir=None, progress: bool = False):
        for pname, v, lo in (("size", size, 1), ("bins", bins, 1), ("batch_size", batch_size, 1),
                             ("n_jobs", n_jobs, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"{pname}={v!r} must be an int >= {lo}.")
        if n_components is not None and (isinstance(n_components, bool) or not isinstance(
                n_components, (int, np.integer)) or n_components < 1):
            raise ValueError(f"n_components={n_components!r} must be an int >= 1 or None.")
        self.size, self.n_components, self.bins = int(size), n_components, int(bins)
        self.batch_size, self.n_jobs, self.random_state = int(batch_size), int(n_jobs), random_state
        self.cache_dir, self.progress = cache_dir, progress

    def _params(self):
        return {"size": self.size, "n_components": self.n_components, "bins": self.bins,
                "random_state": self.random_state}

    def raw_features(self, dataset, progress: bool = False) -> np.ndarray:
        """Thumbnail and colour features before standardisation and PCA (float32)."""
        paths = dataset.images
        n = len(paths)
        d = 3 * self.size**2 + 6 + 3 * self.bins
        out = np.empty((n, d), dtype=np.float32)
        starts = range(0, n, self.batch_size)
        pool = None
        if self.n_jobs > 1:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(self.n_jobs)
        try:
            for s in tqdm(starts, total=len(starts), desc="thumbnails", unit="batch",
                           disable=not progress):
                batch = paths[s: s + self.batch_size]
                if pool is None:
                    rows = [_load_thumbnail(p, self.size, self.bins) for p in batch]
                else:
                    rows = list(pool.map(lambda p: _load_thumbnail(p, self.size, self.bins),
                                         batch))
                out[s: s + len(batch)] = rows
        finally:
            if pool is not None:
                pool.shutdown()
        return out

    def _embed(self, dataset, progress):
        F = self.raw_features(dataset, progress)  # float32 keeps memory at n x d x 4 bytes
        F -= F.mean(axis=0)
        std = F.std(axis=0)
        F /= np.where(std > 1e-6, std, 1.0)
        k = self.n_components
        if k is None:
            return F
        k = min(k, *F.shape)
        from sklearn.decomposition import PCA

        solver = "randomized" if min(F.shape) > 4 * k else "full"
        return PCA(n_components=k, svd_solver=solver, random_state=self.random_state).fit_transform(F)


# -------------------------------------------------------------------------- ultralytics
class UltralyticsEmbedder(BaseEmbedder):
    """Embed an image by pooled features of an Ultralytics YOLO model (``YOLO.embed``).

    Needs the ``detection`` extra and *trained* weights. It never downloads: a missing
    weights file is a ``FileNotFoundError`` naming it. A model without trained weights (a
    ``.yaml`` architecture, random weights) gives embeddings that are nearly identical for
    every image, so it is refused unless ``allow_untrained=True`` (then a loud warning).

    Parameters
    ----------
    model : str, Path or ultralytics.YOLO
        A weights file (``.pt``), or a YOLO object.
    layers : list of int, optional
        Layer indices pooled (default: Ultralytics' choice, the second-to-last layer).
    imgsz : int, default=320
        Inference image size.
    batch_size : int, default=16
        Images per forward pass.
    device : str, default="cpu"
        Torch device.
    allow_untrained : bool, default=False
        Accept a model without trained weights (for tests and timing only).
    cache_dir : str or Path, optional
        Folder for the on-disk cache.
    progress : bool, default=False
        Show a progress bar.

    Examples
    --------
    >>> UltralyticsEmbedder("missing-weights.pt")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    FileNotFoundError: weights file not found: missing-weights.pt ...
    """

    name = "ultralytics"

    def __init__(self, model, *, layers=None, imgsz: int = 320, batch_size: int = 16,
                 device: str = "cpu", allow_untrained: bool = False, cache_dir=None,
                 progress: bool = False):
        self.layers = None if layers is None else [int(i) for i in layers]
        self.imgsz, self.batch_size, self.device = int(imgsz), int(batch_size), device
        self.allow_untrained, self.cache_dir, self.progress = allow_untrained, cache_dir, progress
        self.model = model
        self._yolo = None
        if isinstance(model, (str, Path)):
            p = Path(model)
            if p.suffix.lower() in (".yaml", ".yml"):
                self._untrained(f"{p.name} is a model architecture (random weights)")
            elif not p.is_file():
                raise FileNotFoundError(
                    f"weights file not found: {p}. UltralyticsEmbedder never downloads "
                    "weights; pass the path of a trained .pt file (or use "
                    "ThumbnailEmbedder / LabelEmbedder, which need no model)."
                )

    def _untrained(self, why: str) -> None:
        msg = (f"UltralyticsEmbedder: {why}. Untrained YOLO embeddings are nearly identical "
               "for every image (std across images ~1e-8), so a reduction based on them is "
               "arbitrary.")
        if not self.allow_untrained:
            raise ValueError(msg + " Pass trained weights (.pt), or allow_untrained=True for "
                                   "tests and timing only.")
        warnings.warn(msg + " Continuing because allow_untrained=True.", UserWarning, stacklevel=3)

    def _params(self):
        m = self.model
        label = str(m) if isinstance(m, (str, Path)) else (
            getattr(m, "ckpt_path", None) or type(m).__name__)
        return {"model": str(label), "layers": self.layers, "imgsz": self.imgsz,
                "device": self.device}

    def _get_model(self):
        if self._yolo is not None:
            return self._yolo
        try:
            from ultralytics import YOLO
        except ImportError as exc:
            raise ImportError("UltralyticsEmbedder needs the 'detection' extra: "
                              f"pip install 'datareduce[detection]' ({exc})") from exc
        m = self.model
        if isinstance(m, (str, Path)):
            self._yolo = YOLO(str(m))
        else:
            self._yolo = m
            if not getattr(m, "ckpt", None) and not getattr(m, "ckpt_path", None):
                self._untrained("the YOLO object has no trained checkpoint (built from a .yaml?)")
        return self._yolo

    def _embed(self, dataset, progress):
        yolo = self._get_model()
        paths = [str(p) for p in dataset.images]
        kwargs = {"imgsz": self.imgsz, "device": self.device, "verbose": False}
        if self.layers:
            kwargs["embed"] = self.layers
        rows = []
        starts = range(0, len(paths), self.batch_size)
        for s in tqdm(starts, total=len(starts), desc="yolo embed", unit="batch",
                      disable=not progress):
            batch = paths[s: s + self.batch_size]
            out = yolo.embed(batch, batch=len(batch), **kwargs)
            rows += [np.asarray(t.detach().cpu().numpy(), dtype=np.float64).reshape(-1)
                     for t in out]
        X = np.vstack(rows)
        if X.shape[0] > 1 and float(X.std(axis=0).max()) < 1e-6:
            warnings.warn(
                "UltralyticsEmbedder: embeddings are (nearly) identical for every image "
                f"(max std across images {float(X.std(axis=0).max()):.1e}); the model is "
                "probably untrained. A reduction on them is arbitrary.",
                UserWarning, stacklevel=3,
            )
        return X
