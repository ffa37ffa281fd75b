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
