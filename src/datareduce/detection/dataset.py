"""The detection dataset type and what its readers share (file checks, problem reports).

The readers live in :mod:`datareduce.detection.yolo` (Ultralytics data YAMLs) and
:mod:`datareduce.detection.coco` (COCO JSON); both return a :class:`DetectionDataset`.

The YOLO reader follows the layouts Ultralytics reads: a data YAML with an optional
``path:`` (the dataset root; relative paths are tried against the YAML's folder, then the
current directory), and splits (``train:``, ``val:``, ``test:``) that are a folder of
images (searched recursively), a ``.txt`` file listing image paths, a single image, or a
list of those. An image's label file is found by replacing the last ``images`` folder of
its path by ``labels`` and its extension by ``.txt``; no label file means a background
image. Label lines are ``class x_center y_center width height`` (normalised to [0, 1]) or
segmentation polygons ``class x1 y1 x2 y2 ...`` (turned into their bounding box); a
pose dataset's rows (``kpt_shape:``) are read as their box, without the keypoints.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._core.validation import check_indices

__all__ = [
    "IMG_FORMATS",
    "DetectionDataset",
    "LabelIssue",
    "image_to_label_path",
]

#: Image extensions read by Ultralytics (lower case, without the dot): a copy of
#: ``ultralytics.data.utils.IMG_FORMATS`` (8.4), written out rather than imported so that
#: ``import datareduce`` and ``load_yolo`` stay light (importing Ultralytics takes seconds
#: and pulls in torch). tests/test_review8_detection.py compares it with the installed
#: Ultralytics' set whenever Ultralytics is importable: update both together.
IMG_FORMATS = frozenset(
    {"avif", "bmp", "dng", "heic", "heif", "jp2", "jpeg", "jpg", "mpo", "png", "tif", "tiff",
     "webp"}
)
#: What Pillow may call the content of an image Ultralytics trains on (``check_image``:
#: ``im.format.lower() in IMG_FORMATS | {"jpeg2000"}``); any other format (a GIF saved as
#: ``.png``) is ignored by Ultralytics as a corrupt image.
_PIL_FORMATS = IMG_FORMATS | {"jpeg2000"}
#: Extensions whose images Pillow reads only with a HEIF plugin (pi-heif), which Ultralytics
#: registers (installing it) the first time Pillow cannot identify a file.
_HEIF_SUFFIXES = ("heic", "heif")
_ON_ERROR = ("raise", "skip")
_COORD_TOL = 1e-6
#: The advice every loading error ends with; the CLI rewrites it to its own flag.
SKIP_HINT = "on_error='skip'"
#: Ultralytics skips images smaller than this (pixels, either side).
MIN_IMAGE_SIDE = 10


@dataclass(frozen=True)
class LabelIssue:
    """A problem found in one file of a dataset (the file, the line when known, what is wrong).

    ``kind`` sorts the notes on rows Ultralytics reads anyway (``"clipped"``: coordinates a
    little outside [0, 1], clipped; ``"outside"``: a box wholly in the 1 % margin, dropped;
    ``"zero_area"``: a box of no width or height as written, dropped; ``"duplicate"``: a
    row identical to an earlier one of its file, read once as Ultralytics reads it) from
    the problems that stop a file (``"problem"``, the default). The notes are warned about,
    grouped by kind; label files are never rewritten for them.

    Examples
    --------
    >>> str(LabelIssue("labels/a.txt", 3, "expected 5 fields, got 4"))
    'labels/a.txt:3: expected 5 fields, got 4'
    """

    file: str
    line: int | None
    message: str
    kind: str = "problem"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class DetectionDataset:
    """A list of images with boxes: what every embedder and :class:`DetectionReducer` reads.

    Attributes
    ----------
    images : list of Path
        Absolute image paths, in dataset order.
    boxes : list of ndarray of shape (k, 5)
        Per image, one row per box: ``class, x_center, y_center, width, height``
        (normalised to [0, 1]); shape ``(0, 5)`` for a background image.
    names : dict of int to str
        Class names by class id.
    label_files : list of Path or None
        The source label file of each image (None when there is none, e.g. COCO).
    split : str
        The split read (``"train"`` by default).
    yaml_path : Path or None
        The data YAML read (None for COCO).
    root : Path or None
        The dataset root (the YAML's ``path:`` resolved).
    splits : dict of str to list of str
        Every split of the YAML, its entries resolved to absolute paths.
    data : dict
        The YAML's content as read (other keys are carried into a written YAML).
    issues : list of LabelIssue
        Problems found while loading; with ``on_error="skip"`` the images concerned are left
        out of the dataset and listed here. Label files without an image (ignored, as
        Ultralytics ignores them) are listed here too.
    source_format : str
        ``"yolo"`` or ``"coco"``.

    Examples
    --------
    >>> import numpy as np
    >>> ds = DetectionDataset(images=[Path("/d/images/a.png"), Path("/d/images/b.png")],
    ...                       boxes=[np.array([[0, .5, .5, .2, .2]]), np.zeros((0, 5))],
    ...                       names={0: "cat", 1: "dog"})
    >>> len(ds), ds.instances_per_class().tolist()
    (2, [1, 0])
    """

    images: list
    boxes: list
    names: dict
    label_files: list | None = None
    split: str = "train"
    yaml_path: Path | None = None
    root: Path | None = None
    splits: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    issues: list = field(default_factory=list)
    source_format: str = "yolo"

    def __post_init__(self):
        self.images = [Path(p) for p in self.images]
        self.boxes = [np.asarray(b, dtype=np.float64).reshape(-1, 5) for b in self.boxes]
        if self.label_files is None:
            self.label_files = [None] * len(self.images)
        if not (len(self.images) == len(self.boxes) == len(self.label_files)):
            raise ValueError(
                f"images ({len(self.images)}), boxes ({len(self.boxes)}) and label_files "
                f"({len(self.label_files)}) must have one entry per image."
            )
        self.names = {int(k): str(v) for k, v in dict(self.names).items()}

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        src = self.yaml_path or (self.root or "memory")
        return (
            f"DetectionDataset({len(self)} images, {self.n_boxes} boxes, "
            f"{self.n_classes} classes, split={self.split!r}, source={str(src)!r})"
        )

    @property
    def n_classes(self) -> int:
        """Number of classes (``max class id + 1`` of ``names``)."""
        return (max(self.names) + 1) if self.names else 0

    @property
    def n_boxes(self) -> int:
        """Total number of boxes."""
        return int(sum(len(b) for b in self.boxes))

    def class_name(self, cls: int) -> str:
        """The name of class id ``cls`` (``str(cls)`` when unnamed)."""
        return self.names.get(int(cls), str(int(cls)))

    def instances_per_class(self, indices=None) -> np.ndarray:
        """Number of boxes of each class id over all images (or the images ``indices``)."""
        idx = range(len(self)) if indices is None else positions(indices, len(self))
        counts = np.zeros(self.n_classes, dtype=np.int64)
        for i in idx:
            if len(self.boxes[i]):
                counts += np.bincount(self.boxes[i][:, 0].astype(np.int64),
                                      minlength=self.n_classes)[: self.n_classes]
        return counts

    def images_per_class(self, indices=None) -> np.ndarray:
        """Number of images containing at least one box of each class id."""
        idx = range(len(self)) if indices is None else positions(indices, len(self))
        counts = np.zeros(self.n_classes, dtype=np.int64)
        for i in idx:
            present = np.unique(self.boxes[i][:, 0].astype(np.int64))
            counts[present] += 1
        return counts

    def image_classes(self) -> list:
        """Per image, the sorted tuple of class ids present."""
        return [tuple(np.unique(b[:, 0].astype(np.int64)).tolist()) for b in self.boxes]

    def subset(self, indices) -> DetectionDataset:
        """A dataset of the images ``indices`` (same names, splits and source): positions, or
        a boolean mask of the images (a reducer's ``get_support()``).

        Examples
        --------
        >>> import numpy as np
        >>> ds = DetectionDataset(images=["/d/a.png", "/d/b.png"],
        ...                       boxes=[np.zeros((0, 5)), [[1, .5, .5, .1, .1]]], names={0: "a", 1: "b"})
        >>> ds.subset([1]).images
        [PosixPath('/d/b.png')]
        """
        idx = positions(indices, len(self))
        return DetectionDataset(
            images=[self.images[i] for i in idx],
            boxes=[self.boxes[i].copy() for i in idx],
            names=dict(self.names),
            label_files=[self.label_files[i] for i in idx],
            split=self.split,
            yaml_path=self.yaml_path,
            root=self.root,
            splits=dict(self.splits),
            data=dict(self.data),
            issues=list(self.issues),
            source_format=self.source_format,
        )


# ---------------------------------------------------------------------------- helpers
def positions(indices, n: int, what: str = "indices") -> np.ndarray:
    """``indices`` as image positions in ``0..n-1`` (int array): whole numbers, or a boolean
    mask of the ``n`` images (a reducer's ``get_support()``), read as the positions of its
    True entries, never as the numbers 0 and 1 (a 0/1 integer mask is refused): the rule of
    :func:`datareduce._core.validation.check_indices`.

    Examples
    --------
    >>> positions([True, False, True], 3).tolist(), positions([2, 0], 3).tolist()
    ([0, 2], [2, 0])
    """
    return check_indices(indices, n, name=what, unit="images", mask=True)


def image_to_label_path(image) -> Path:
    """The label file Ultralytics reads for ``image``: last ``images`` folder -> ``labels``.

    Examples
    --------
    >>> image_to_label_path("/data/images/train/a.jpg").as_posix()
    '/data/labels/train/a.txt'
    >>> image_to_label_path("/data/flat/a.jpg").as_posix()
    '/data/flat/a.txt'
    """
    s = str(image)
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    if sa in s:
        s = sb.join(s.rsplit(sa, 1))
    return Path(s).with_suffix(".txt")


def _check_on_error(on_error: str) -> None:
    if on_error not in _ON_ERROR:
        raise ValueError(f"on_error={on_error!r}: use 'raise' (stop at bad files) or 'skip' "
                         "(leave the images concerned out and list them in dataset.issues).")


def _is_image(path) -> bool:
    return str(path).rpartition(".")[-1].lower() in IMG_FORMATS


def _upright(im):
    """``im`` turned as its EXIF orientation tag says, as Ultralytics (OpenCV) loads images
    and as YOLO boxes are drawn: a phone photo stored sideways with orientation 6 is read
    upright. Call it after ``draft`` (a JPEG decodes at reduced scale) and before anything
    reads pixels."""
    from PIL import ImageOps

    return ImageOps.exif_transpose(im)


#: Pillow modes of images with more than 8 bits a pixel (16-bit grayscale PNGs and TIFFs:
#: thermal cameras, depth maps, medical images); ``convert("RGB")`` clips them at 255
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def _upright_rgb(im):
    """``im`` upright (:func:`_upright`) and in 8-bit RGB as OpenCV, and so Ultralytics,
    reads it: a 16-bit image is scaled by 1/256 (``IMREAD_COLOR``), where Pillow's own
    ``convert("RGB")`` clips every value above 255 and a thermal or depth frame becomes
    a blank white square (every such image then a near duplicate of every other)."""
    from PIL import Image

    im = _upright(im)
    if im.mode in _WIDE_MODES:
        a = np.asarray(im)
        if im.mode != "I" or a.max(initial=0) > 255:  # an "I" image of 8-bit values as is
            a = np.clip(np.rint(a.astype(np.float64) / 256.0), 0, 255)
        im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return im.convert("RGB")


def _tiff_sample_bits(im):
    """The samples of a TIFF that OpenCV cannot read, in words (``"32-bit"``,
    ``"32-bit floating-point"``: more than 16 bits, as thermal and depth exports), else
    None."""
    bits = getattr(im, "tag_v2", {}).get(258)  # BitsPerSample
    bits = bits if isinstance(bits, tuple) else (bits,)
    wide = max([b for b in bits if isinstance(b, int)] or [32 if im.mode == "F" else 0])
    if im.mode == "F":
        return f"{max(wide, 32)}-bit floating-point"
    return f"{wide}-bit" if wide > 16 else None


def _register_heif() -> bool:
    """Register a HEIF opener with Pillow (pi-heif, else pillow-heif) as Ultralytics'
    ``image_open`` patch does; False when neither is installed."""
    for module in ("pi_heif", "pillow_heif"):
        try:
            register = __import__(module).register_heif_opener
        except (ImportError, AttributeError):
            continue
        register()
        return True
    return False


def _decode_problem(path) -> str | None:
    """None when ``path`` decodes completely, else what is wrong (in words).

    Also a problem, as for Ultralytics' ``check_image``: an image under
    ``MIN_IMAGE_SIDE`` pixels a side, and content whose format (as Pillow names it) is not
    one of ``IMG_FORMATS`` or ``jpeg2000`` (a GIF saved as ``.png``: Ultralytics ignores
    it, "Invalid image format GIF"). Only the content's format counts, not whether it
    matches the extension: a PNG saved as ``.jpg`` is read by Ultralytics and is fine."""
    from PIL import Image, UnidentifiedImageError

    def _open():
        try:
            return Image.open(path)
        except UnidentifiedImageError:
            suffix = str(path).rpartition(".")[-1].lower()
            if suffix not in _HEIF_SUFFIXES or not _register_heif():
                raise
            return Image.open(path)

    try:
        with _open() as im:
            im.verify()  # structure and checksums (PNG)
        with _open() as im:
            w, h = im.size
            fmt = (im.format or "").lower()
            if fmt in ("jpeg", "mpo"):
                im.draft("RGB", (64, 64))  # decode the whole stream at a reduced scale
            im.load()  # pixel data: a truncated file fails here
            wide = _tiff_sample_bits(im) if fmt == "tiff" else None
    except Exception as exc:  # Pillow raises many types for broken files
        hint = ""
        if (isinstance(exc, UnidentifiedImageError)
                and str(path).rpartition(".")[-1].lower() in _HEIF_SUFFIXES):
            hint = (" (Pillow reads HEIF images only with the pi-heif plugin, which Ultralytics "
                    "installs when it meets one: pip install pi-heif)")
        return (f"cannot be decoded ({type(exc).__name__}: {exc}){hint}; re-save the image "
                "from its source or remove it")
    if wide:
        return (f"is a TIFF of {wide} samples, which OpenCV, and so Ultralytics' training, "
                "cannot read ('can not handle images with 32-bit samples'); convert it to an "
                "8- or 16-bit PNG or TIFF "
                "(scaled to its range), or remove it")
    if min(w, h) < MIN_IMAGE_SIDE:
        return (f"image too small ({w}x{h} pixels; Ultralytics skips images under "
                f"{MIN_IMAGE_SIDE} pixels a side)")
    if fmt not in _PIL_FORMATS:
        suffix = Path(path).suffix or "without an extension"
        return (f"is a {fmt.upper() or 'unknown-format'} image named {suffix}: Ultralytics "
                f"reads only {', '.join(sorted(IMG_FORMATS))} images and ignores this one "
                f"('Invalid image format {fmt.upper()}'); re-save it as PNG or JPEG, or "
                "remove it")
    return None


def _decode_problems(paths, n_jobs: int = 1) -> list:
    """``_decode_problem`` of every path (threads: Pillow releases the GIL while decoding)."""
    if n_jobs <= 1 or len(paths) < 64:
        return [_decode_problem(p) for p in paths]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(n_jobs) as pool:
        return list(pool.map(_decode_problem, paths, chunksize=32))


def _finish(issues: list, bad: set, on_error: str, what: str) -> None:
    if not issues:
        return
    shown = "\n  ".join(str(i) for i in issues[:10])
    more = f"\n  ... and {len(issues) - 10} more" if len(issues) > 10 else ""
    if on_error == "raise":
        raise ValueError(
            f"{what}: {len(issues)} problem(s) in {len(bad)} image(s):\n  {shown}{more}\n"
            f"Fix these files, or pass {SKIP_HINT} to leave these images out (they are "
            "listed in dataset.issues and in the written manifest)."
        )
    warnings.warn(
        f"{what}: left out {len(bad)} image(s) with problems (see dataset.issues):\n  "
        f"{shown}{more}",
        UserWarning,
        stacklevel=3,
    )
