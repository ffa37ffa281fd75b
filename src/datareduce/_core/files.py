"""Writing a file atomically: the one writer of the reports (``metrics``) and of the CLI's
outputs (``cli``); and :func:`is_within`, the one rule for "this path lies inside that
folder" (detection's outputs, ``reduce_parquet``'s output).

The new content goes to a temporary file in the same folder, which is then renamed over the
path: a reader never sees a half-written file, a failed write leaves the path as it was, and
a link at the path is replaced, never written through into its target. Whether an existing
file may be replaced is the caller's to check (the CLI refuses one without ``--overwrite``
before any work; a report's ``to_html(path)`` replaces it).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text", "is_within"]


def atomic_write(path, write) -> Path:
    """Have ``write(tmp)`` create the file ``tmp`` beside ``path``, then rename it over
    ``path`` (its folder is created first). ``tmp`` keeps the suffix of ``path``, for
    writers that take the format from it (``fig.savefig``); it is removed if ``write``
    fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path, text: str) -> Path:
    """:func:`atomic_write` of ``text`` in UTF-8; the temporary file is created new (never
    opened through a link left at its name), with the permissions the umask gives."""

    def create(tmp):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)

    return atomic_write(path, create)


def is_within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or inside it (whole path components compared; the
    caller resolves links and normalises both first).

    >>> is_within(Path("/data/kept.parquet"), Path("/data")), is_within(Path("/data2"),
    ...                                                                  Path("/data"))
    (True, False)
    """
    try:
        Path(path).relative_to(folder)
        return True
    except ValueError:
        return False
