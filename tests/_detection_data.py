"""Helpers shared by the detection tests (the dataset generator itself is
:func:`datareduce.detection.make_shapes_dataset`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree_hash(root) -> str:
    """Hash of every path, file content and link target under ``root``."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            h.update(str(p.relative_to(root)).encode())
            if p.is_symlink():
                h.update(os.readlink(p).encode())
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def plant_duplicates(root, *, n_train: int = 40, n_val: int = 10, seed: int = 0) -> dict:
    """A generated YOLO dataset with planted duplicates; returns the known answers.

    Planted in ``train``: 4 exact copies (same bytes, new names), 4 near duplicates (pixel
    noise of +-3, a brightness shift of 4, a JPEG re-encode at quality 85, a resize to 60
    pixels). Planted in ``val``: 2 exact copies and 2 noisy copies of training images.
    Answers: ``exact``/``near`` as sets of (original, copy) file names within train, and
    ``leak_exact``/``leak_near`` as sets of (train name, val name).
    """
    import shutil

    import numpy as np
    from PIL import Image

    from datareduce.detection import make_shapes_dataset

    root = Path(root)
    make_shapes_dataset(root, n_train=n_train, n_val=n_val, n_near_duplicates=0,
                        rare_images=0, random_state=seed, max_shapes=4, p_empty=0.0)
    rng = np.random.default_rng(seed + 1)
    tr_img, tr_lbl = root / "images" / "train", root / "labels" / "train"
    va_img, va_lbl = root / "images" / "val", root / "labels" / "val"
    originals = sorted(tr_img.iterdir())
    picks = rng.choice(len(originals), 14, replace=False)
    src = [originals[i] for i in picks]
    answers = {"exact": set(), "near": set(), "leak_exact": set(), "leak_near": set()}

    def copy_label(img, dst_lbl_dir, new_stem):
        shutil.copy(tr_lbl / f"{img.stem}.txt", dst_lbl_dir / f"{new_stem}.txt")

    def noisy(img, amp=3, shift=0):
        a = np.asarray(Image.open(img).convert("RGB"), dtype=np.int16)
        a = a + rng.integers(-amp, amp + 1, size=a.shape) + shift
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

    for k, img in enumerate(src[:4]):  # exact copies in train
        new = f"zz_copy{k}"
        shutil.copy(img, tr_img / f"{new}.png")
        copy_label(img, tr_lbl, new)
        answers["exact"].add((img.name, f"{new}.png"))
    variants = [
        lambda p: (noisy(p), "png"),
        lambda p: (noisy(p, amp=0, shift=4), "png"),
        lambda p: (Image.open(p).convert("RGB"), "jpg"),
        lambda p: (Image.open(p).convert("RGB").resize((60, 60), Image.Resampling.BILINEAR), "png"),
    ]
    for k, (img, make) in enumerate(zip(src[4:8], variants, strict=True)):
        im, ext = make(img)
        new = f"zz_near{k}"
        im.save(tr_img / f"{new}.{ext}", **({"quality": 85} if ext == "jpg" else {}))
        copy_label(img, tr_lbl, new)
        answers["near"].add((img.name, f"{new}.{ext}"))
    for k, img in enumerate(src[8:10]):  # exact leaks into val
        new = f"zz_leak{k}"
        shutil.copy(img, va_img / f"{new}.png")
        copy_label(img, va_lbl, new)
        answers["leak_exact"].add((img.name, f"{new}.png"))
    for k, img in enumerate(src[10:12]):  # near leaks into val
        new = f"zz_nearleak{k}"
        noisy(img).save(va_img / f"{new}.png")
        copy_label(img, va_lbl, new)
        answers["leak_near"].add((img.name, f"{new}.png"))
    return answers


def write_group_layout(root, layout, *, seed: int = 0) -> dict:
    """A tiny YOLO dataset of sequences: ``layout`` is a list of ``{split: n_frames}`` per
    sequence (a sequence with two splits is a planted split group). Frame ``k`` of
    sequence ``g`` is ``seq{g:03d}_f{k:03d}.png`` (32x32 pixels: the sequence's random
texture plus a little noise per frame; one box). Returns the
    sequences present in more than one split: ``{"seq007": {"train": 3, "val": 1}}``.
    """
    import numpy as np
    from PIL import Image

    root = Path(root)
    rng = np.random.default_rng(seed)
    used = set()
    for g, where in enumerate(layout):
        texture = rng.integers(0, 256, size=(4, 4, 3)).repeat(8, 0).repeat(8, 1)
        k = 0
        for split, n in where.items():
            if not n:
                continue
            (root / "images" / split).mkdir(parents=True, exist_ok=True)
            (root / "labels" / split).mkdir(parents=True, exist_ok=True)
            used.add(split)
            for _ in range(n):
                stem = f"seq{g:03d}_f{k:03d}"
                frame = np.clip(texture + rng.integers(-3, 4, texture.shape), 0, 255)
                Image.fromarray(frame.astype(np.uint8)).save(root / "images" / split / f"{stem}.png")
                (root / "labels" / split / f"{stem}.txt").write_text(f"{g % 2} 0.5 0.5 0.2 0.2\n")
                k += 1
    lines = [f"path: {root}"] + [f"{s}: images/{s}" for s in ("train", "val", "test") if s in used]
    if "val" not in used:
        lines.append("val: images/train")
    (root / "data.yaml").write_text("\n".join(lines + ["names:", "  0: a", "  1: b", ""]))
    return {f"seq{g:03d}": {s: n for s, n in where.items() if n}
            for g, where in enumerate(layout) if sum(1 for n in where.values() if n) > 1}
