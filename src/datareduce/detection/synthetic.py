"""A small generated detection dataset in YOLO layout (drawn shapes; nothing downloaded).

Used by the tests, the benchmark and the documentation examples: images show filled
shapes of several classes at known positions (so the boxes are exact), some classes are
rare, some images are near-duplicates of others and a few are background-only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["SHAPE_NAMES", "make_shapes_dataset"]

#: Class names of the generated dataset, in class-id order.
SHAPE_NAMES = ("square", "circle", "triangle", "cross", "star")

# relative frequency of each class among drawn shapes: "cross" and "star" are rare
_CLASS_P = np.array([0.42, 0.36, 0.18, 0.03, 0.01])


def _draw_shape(draw, cls: int, box, color) -> None:
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if cls == 0:
        draw.rectangle(box, fill=color)
    elif cls == 1:
        draw.ellipse(box, fill=color)
    elif cls == 2:
        draw.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=color)
    elif cls == 3:
        tx, ty = (x1 - x0) / 6, (y1 - y0) / 6
        draw.rectangle((cx - tx, y0, cx + tx, y1), fill=color)
        draw.rectangle((x0, cy - ty, x1, cy + ty), fill=color)
    else:
        rx, ry = (x1 - x0) / 2, (y1 - y0) / 2
        pts = []
        for k in range(10):
            ang = -np.pi / 2 + k * np.pi / 5
            f = 1.0 if k % 2 == 0 else 0.45
            pts.append((cx + f * rx * np.cos(ang), cy + f * ry * np.sin(ang)))
        draw.polygon(pts, fill=color)


def _make_image(rng, size: int, n_classes: int, class_p, max_shapes: int, p_empty: float):
    """Draw one image; return (PIL image, boxes as (k, 5) [cls, x, y, w, h] normalised)."""
    from PIL import Image, ImageDraw

    bg = rng.integers(0, 256, size=3)
    img = Image.new("RGB", (size, size), tuple(int(v) for v in bg))
    draw = ImageDraw.Draw(img)
    boxes = []
    n_shapes = 0 if rng.random() < p_empty else int(rng.integers(1, max_shapes + 1))
    for _ in range(n_shapes):
        cls = int(rng.choice(n_classes, p=class_p))
        w = int(rng.integers(size // 6, size // 2))
        h = int(rng.integers(size // 6, size // 2))
        x0 = int(rng.integers(0, size - w))
        y0 = int(rng.integers(0, size - h))
        # a colour far from the background so the shape is visible
        color = tuple(int(v) for v in (bg + 128 + rng.integers(-40, 40, size=3)) % 256)
        _draw_shape(draw, cls, (x0, y0, x0 + w - 1, y0 + h - 1), color)
        boxes.append([cls, (x0 + w / 2) / size, (y0 + h / 2) / size, w / size, h / size])
    return img, np.array(boxes, dtype=np.float64).reshape(-1, 5)


def _write_labels(path: Path, boxes: np.ndarray) -> None:
    lines = [f"{int(b[0])} {b[1]:.6f} {b[2]:.6f} {b[3]:.6f} {b[4]:.6f}" for b in boxes]
    path.write_text("\n".join(lines) + ("\n" if lines else ""))


def make_shapes_dataset(
    root,
    n_train: int = 40,
    n_val: int = 8,
    *,
    image_size: int = 64,
    max_shapes: int = 3,
    p_empty: float = 0.05,
    n_near_duplicates: int = 4,
    rare_images: int = 2,
    image_format: str = "png",
    random_state=0,
) -> Path:
    """Write a small YOLO dataset of drawn shapes under ``root`` and return its data YAML.

    Layout: ``root/images/{train,val}/*.png``, ``root/labels/{train,val}/*.txt`` and
    ``root/data.yaml`` (no ``path:`` key, so it resolves relative to the YAML's folder).
    Class ids follow :data:`SHAPE_NAMES`; ``cross`` and ``star`` are rare.

    Parameters
    ----------
    root : str or Path
        Folder to create (may exist; files are overwritten).
    n_train, n_val : int
        Number of training and validation images (near-duplicates included in ``n_train``).
    image_size : int
        Side of the square images in pixels.
    max_shapes : int
        Maximum number of shapes per image.
    p_empty : float
        Probability that an image has no shape (a background image, empty label file).
    n_near_duplicates : int
        Number of training images that copy another training image with slight pixel noise
        (same boxes). Their names end in ``_dup``.
    rare_images : int
        Training images forced to contain each rare class (``cross`` and ``star``), so the
        rare classes are present however small ``n_train`` is.
    image_format : {"png", "jpg"}
        Image file format.
    random_state : int
        Seed.

    Returns
    -------
    Path
        The data YAML.

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import load_yolo, make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ds = load_yolo(make_shapes_dataset(tmp, n_train=12, n_val=2))
    ...     len(ds), ds.names[3]
    (12, 'cross')
    """
    import yaml
    from PIL import Image

    if image_format not in ("png", "jpg"):
        raise ValueError(f"image_format={image_format!r}: use 'png' or 'jpg'.")
    n_rare = 2 * rare_images
    if n_train < n_near_duplicates + n_rare + 1:
        raise ValueError(
            f"n_train={n_train} is too small for n_near_duplicates={n_near_duplicates} and "
            f"rare_images={rare_images}: pass n_train >= {n_near_duplicates + n_rare + 1}."
        )
    root = Path(root)
    rng = np.random.default_rng(random_state)
    n_classes = len(SHAPE_NAMES)
    for split, n in (("train", n_train), ("val", n_val)):
        img_dir, lbl_dir = root / "images" / split, root / "labels" / split
        img_dir.mkdir(parents=True, exist_ok=True)
        lbl_dir.mkdir(parents=True, exist_ok=True)
        n_dup = n_near_duplicates if split == "train" else 0
        forced = ([3] * rare_images + [4] * rare_images) if split == "train" else []
        made = []
        for i in range(n - n_dup):
            if i < len(forced):
                p = np.zeros(n_classes)
                p[forced[i]] = 1.0
                img, boxes = _make_image(rng, image_size, n_classes, p, 1, 0.0)
            else:
                img, boxes = _make_image(rng, image_size, n_classes, _CLASS_P, max_shapes, p_empty)
            name = f"{split}_{i:05d}"
            made.append((name, img, boxes))
        for j in range(n_dup):
            name, img, boxes = made[int(rng.integers(len(forced), len(made)))]
            arr = np.asarray(img, dtype=np.int16)
            arr = np.clip(arr + rng.integers(-3, 4, size=arr.shape), 0, 255).astype(np.uint8)
            made.append((f"{name}_{j}_dup", Image.fromarray(arr), boxes.copy()))
        for name, img, boxes in made:
            img.save(img_dir / f"{name}.{image_format}")
            _write_labels(lbl_dir / f"{name}.txt", boxes)
    data = {
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(SHAPE_NAMES)),
    }
    yaml_path = root / "data.yaml"
    yaml_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return yaml_path
