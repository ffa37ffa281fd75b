"""Object-level selection: embed each box, aggregate per image and class; score box shapes.

Image-level embeddings describe a whole frame; in detection the objects are what the
model learns. Two object-level tools:

- :class:`CropEmbedder` embeds the crop of every box (a small thumbnail of the pixels in
  the box, or features of a user's trained Ultralytics model) and aggregates the crops
  of each class in each image into one vector: an image's embedding is the concatenation
  over classes of its mean crop vector for that class (zeros for classes it does not
  contain). These are the image-and-class vectors of CSOD (Lee et al., "Coreset
  Selection for Object Detection", CVPR Workshops 2024, which averages RoI features per
  class and image). Any reducer then selects on them; MMS spreads the kept images over
  object appearances class by class.
- :class:`ShapeComplexityScorer` scores every image from its labels alone, in the
  spirit of TFDP (Dai et al., "Training-Free Dataset Pruning for Instance
  Segmentation", ICLR 2025, which ranks instances by a scale-invariant, class-balanced
  shape-complexity score): a box's or polygon's complexity is ``perimeter / sqrt(area)``
  (scale-invariant; 4 for a square, larger for elongated boxes and ragged polygons),
  divided by its class's mean (class-balanced: each class's mean instance is 1), and an
  image scores the sum over its instances. :class:`TopScoreReducer` keeps the
  highest-scoring images (per image category when stratified):
  ``DetectionReducer("top", embedder="shape")``.

With YOLO boxes only, the complexity of a box measures its elongation; polygon label
lines (segmentation datasets) give the real boundary complexity.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ..base import BaseReducer, Selection
from .dataset import _upright_rgb
from .embedders import BaseEmbedder
from .yolo import _box_fields, _kpt_fields

__all__ = ["CropEmbedder", "ShapeComplexityScorer", "TopScoreReducer", "shape_complexity"]


# ------------------------------------------------------------------------------ crops
def _crop_features(im, boxes, size: int, margin: float) -> np.ndarray:
    from PIL import Image

    W, H = im.size
    rows = []
    for _c, x, y, w, h in boxes:
        w2, h2 = w * (1 + margin) / 2, h * (1 + margin) / 2
        box = (max(0, int((x - w2) * W)), max(0, int((y - h2) * H)),
               min(W, int(np.ceil((x + w2) * W))), min(H, int(np.ceil((y + h2) * H))))
        if box[2] <= box[0] or box[3] <= box[1]:
            box = (0, 0, W, H)
        crop = im.crop(box).resize((size, size), Image.Resampling.BOX)
        a = np.asarray(crop, dtype=np.float32).reshape(-1, 3) / 255.0
        rows.append(np.concatenate([a.reshape(-1), a.mean(0), a.std(0),
                                    [np.log(w / h), np.sqrt(w * h)]]))
    return np.asarray(rows, dtype=np.float32).reshape(len(boxes), -1)


class CropEmbedder(BaseEmbedder):
    """Embed each box's crop and aggregate per image and class (CSOD-style vectors).

    Each box is cut out with a ``margin`` (fraction of its size) and turned into a
    ``size x size`` RGB thumbnail plus colour mean/std, ``log(w/h)`` and ``sqrt(area)``
    (or, with ``model``, the pooled features of a trained Ultralytics model on the crop).
    The crop vectors are standardised and projected on ``n_components`` principal
    components (fitted on up to ``max_fit_crops`` crops). An image's row is, for each
    class, the mean of its crops' vectors of that class (zeros when absent), concatenated
    over classes: ``n_classes * n_components`` columns. Background images are all zeros.

    Parameters
    ----------
    size : int, default=8
        Crop thumbnail side.
    n_components : int, default=8
        PCA dimensions per class.
    margin : float, default=0.1
        Context around each box, as a fraction of its width and height.
    model : str, Path or ultralytics.YOLO, optional
        Trained weights to embed crops with (never downloaded; see UltralyticsEmbedder).
    imgsz, device : int, str
        Inference size and device of ``model``.
    max_fit_crops : int, default=20000
        Crops used to fit the PCA (a seeded sample); all crops are transformed.
    random_state : int, default=0
    cache_dir : str or Path, optional
    progress : bool, default=False

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import load_yolo, make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ds = load_yolo(make_shapes_dataset(tmp, n_train=12, n_val=2))
    ...     X = CropEmbedder(size=4, n_components=3).embed(ds)
    >>> X.shape
    (12, 15)
    """

    name = "crops"

    def __init__(self, size: int = 8, n_components: int = 8, *, margin: float = 0.1,
                 model=None, imgsz: int = 64, device: str = "cpu",
                 max_fit_crops: int = 20000, random_state: int = 0, cache_dir=None,
                 progress: bool = False):
        for pname, v in (("size", size), ("n_components", n_components),
                         ("max_fit_crops", max_fit_crops)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{pname}={v!r} must be an int >= 1.")
        if not 0 <= margin <= 1:
            raise ValueError(f"margin={margin!r} must be in [0, 1].")
        self.size, self.n_components, self.margin = int(size), int(n_components), float(margin)
        self.model, self.imgsz, self.device = model, int(imgsz), device
        self.max_fit_crops, self.random_state = int(max_fit_crops), random_state
        self.cache_dir, self.progress = cache_dir, progress
        self._yolo = None
        if model is not None and not hasattr(model, "embed"):
            from .embedders import UltralyticsEmbedder

            UltralyticsEmbedder(model)  # the same checks: file exists, not a .yaml

    def _params(self):
        return {"size": self.size, "n_components": self.n_components, "margin": self.margin,
                "model": None if self.model is None else str(self.model),
                "random_state": self.random_state}

    def _model_features(self, crops) -> np.ndarray:
        if self._yolo is None:
            if hasattr(self.model, "embed"):
                self._yolo = self.model
            else:
                from ultralytics import YOLO

                self._yolo = YOLO(str(self.model))
        arrs = [np.asarray(c.convert("RGB"))[:, :, ::-1] for c in crops]  # BGR, as cv2
        out = self._yolo.embed(arrs, imgsz=self.imgsz, device=self.device, verbose=False)
        return np.vstack([np.asarray(t.detach().cpu().numpy(), np.float32).reshape(1, -1)
                          for t in out])

    def crop_features(self, dataset, progress: bool = False):
        """Per box: the raw crop features, and the image index and class of each box."""
        from PIL import Image

        feats, owner, cls = [], [], []
        it = tqdm(range(len(dataset)), desc="box crops", unit="image", disable=not progress)
        for i in it:
            b = dataset.boxes[i]
            if not len(b):
                continue
            try:
                with Image.open(dataset.images[i]) as im:
                    im = _upright_rgb(im)  # the boxes refer to the upright image
                    if self.model is None:
                        f = _crop_features(im, b, self.size, self.margin)
                    else:
                        crops = [im.crop(_pixel_box(im.size, row, self.margin)) for row in b]
                        f = self._model_features(crops)
            except OSError as exc:
                raise OSError(f"{dataset.images[i]}: cannot be decoded ({exc}); load the "
                              "dataset with on_error='skip' to leave it out.") from exc
            feats.append(f)
            owner.append(np.full(len(b), i))
            cls.append(b[:, 0].astype(np.int64))
        if not feats:
            return np.zeros((0, 1), np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.vstack(feats), np.concatenate(owner), np.concatenate(cls)

    def _embed(self, dataset, progress):
        F, owner, cls = self.crop_features(dataset, progress)
        nc, k = dataset.n_classes, self.n_components
        out = np.zeros((len(dataset), nc * k))
        if len(F) == 0:
            return out
        F = F.astype(np.float64)
        F -= F.mean(axis=0)
        sd = F.std(axis=0)
        F /= np.where(sd > 1e-6, sd, 1.0)
        k_eff = min(k, *F.shape)
        from sklearn.decomposition import PCA

        rng = np.random.default_rng(self.random_state)
        fit_rows = F if len(F) <= self.max_fit_crops else F[
            rng.choice(len(F), self.max_fit_crops, replace=False)]
        Z = PCA(n_components=k_eff, random_state=self.random_state).fit(fit_rows).transform(F)
        # mean crop vector per (image, class): sums and counts with one bincount per column
        key = owner * nc + cls
        counts = np.bincount(key, minlength=len(dataset) * nc).astype(np.float64)
        for c in range(k_eff):
            s = np.bincount(key, weights=Z[:, c], minlength=len(dataset) * nc)
            mean = np.divide(s, counts, out=np.zeros_like(s), where=counts > 0)
            out[:, c::k] = mean.reshape(len(dataset), nc)
        return out


def _pixel_box(size, row, margin):
    W, H = size
    _c, x, y, w, h = row
    w2, h2 = w * (1 + margin) / 2, h * (1 + margin) / 2
    return (max(0, int((x - w2) * W)), max(0, int((y - h2) * H)),
            max(1, min(W, int(np.ceil((x + w2) * W)))), max(1, min(H, int(np.ceil((y + h2) * H)))))


# ---------------------------------------------------------------------- shape complexity
def shape_complexity(coords) -> float:
    """``perimeter / sqrt(area)`` of a polygon given as ``x1 y1 x2 y2 ...`` (or a box
    ``w h`` pair); scale-invariant, 4 for a square, ``2 * sqrt(pi)`` for a circle.

    Examples
    --------
    >>> round(shape_complexity([0.2, 0.2]), 6), round(shape_complexity([0.4, 0.1]), 6)
    (4.0, 5.0)
    >>> round(shape_complexity([0, 0, 1, 0, 1, 1, 0, 1]), 6)
    4.0
    """
    c = np.asarray(coords, dtype=np.float64).reshape(-1)
    if len(c) == 2:
        w, h = c
        return float(2 * (w + h) / np.sqrt(w * h))
    xs, ys = c[0::2], c[1::2]
    area = 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))
    per = float(np.hypot(np.diff(np.append(xs, xs[0])), np.diff(np.append(ys, ys[0]))).sum())
    return float(per / np.sqrt(area)) if area > 0 else float("nan")


class ShapeComplexityScorer(BaseEmbedder):
    """Label-only image score: class-balanced shape complexity of its boxes (TFDP-style).

    Per instance, :func:`shape_complexity` of its polygon when the label line is a
    polygon, else of its box; divided by the mean complexity of its class over the
    dataset; an image's score is the sum over its instances (0 for a background image).
    ``embed`` returns this score as the first column and the image's position as the
    second (ties are broken by dataset order in :class:`TopScoreReducer`).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.detection import DetectionDataset
    >>> ds = DetectionDataset(images=["/d/a.png", "/d/b.png", "/d/c.png"],
    ...                       boxes=[[[0, .5, .5, .2, .2]], [[0, .5, .5, .4, .1]], np.zeros((0, 5))],
    ...                       names={0: "a"})
    >>> ShapeComplexityScorer().scores(ds).round(3).tolist()
    [0.889, 1.111, 0.0]
    """

    name = "shape"

    def __init__(self, *, use_polygons: bool = True, cache_dir=None, progress: bool = False):
        self.use_polygons, self.cache_dir, self.progress = use_polygons, cache_dir, progress

    def _params(self):
        return {"use_polygons": self.use_polygons}

    def instance_complexity(self, dataset) -> list:
        """Per image, the complexity of each instance (polygon when available, else box)."""
        # a pose row is a box followed by keypoints (not a polygon): read as its box
        kpt = _kpt_fields(dataset.data or {}, dataset.yaml_path)
        out = []
        for b, lf in zip(dataset.boxes, dataset.label_files, strict=True):
            vals = [shape_complexity([w, h]) for _c, _x, _y, w, h in b]
            if self.use_polygons and lf is not None and len(b):
                polys = []
                for line in lf.read_text(encoding="utf-8-sig").splitlines():
                    parts = _box_fields(line.split(), kpt)
                    if len(parts) >= 7:
                        polys.append(shape_complexity([float(v) for v in parts[1:]]))
                    elif len(parts) == 5:
                        polys.append(None)
                if len(polys) == len(vals):
                    vals = [p if p is not None and np.isfinite(p) else v
                            for p, v in zip(polys, vals, strict=True)]
            out.append(np.asarray(vals, dtype=np.float64))
        return out

    def scores(self, dataset) -> np.ndarray:
        """The class-balanced image scores (higher = more complex objects)."""
        inst = self.instance_complexity(dataset)
        nc = dataset.n_classes
        tot, cnt = np.zeros(nc), np.zeros(nc)
        for b, v in zip(dataset.boxes, inst, strict=True):
            c = b[:, 0].astype(np.int64)
            np.add.at(tot, c, v)
            np.add.at(cnt, c, 1)
        mean = np.divide(tot, cnt, out=np.ones(nc), where=cnt > 0)
        return np.array([float((v / mean[b[:, 0].astype(np.int64)]).sum()) if len(b) else 0.0
                         for b, v in zip(dataset.boxes, inst, strict=True)])

    def _embed(self, dataset, progress):
        s = self.scores(dataset)
        return np.column_stack([s, np.arange(len(s), dtype=np.float64)])


class TopScoreReducer(BaseReducer):
    """Keep the rows with the highest first column (ties: smallest second column).

    The ranking reducer behind ``DetectionReducer("top", embedder="shape")``: X holds a
    score per image (and its position). With ``stratify`` and categories, the top of
    each category is kept, in proportion to category sizes.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([[0.1, 3.0, 2.0, 3.0], np.arange(4)])
    >>> TopScoreReducer(keep=2, stratify=False).fit(X).sample_indices_.tolist()
    [1, 3]
    """

    _selection = "score"  # the base keeps the top of each category

    def __init__(self, keep=0.1, *, stratify: bool = True, random_state=None):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state

    def _score(self, X, y, rng):
        second = X[:, 1] if X.shape[1] > 1 else np.arange(len(X))
        order = np.lexsort((second, -X[:, 0]))
        scores = np.empty(len(X))
        scores[order] = np.arange(len(X), 0, -1, dtype=np.float64)  # higher kept first
        return Selection(scores=scores)
