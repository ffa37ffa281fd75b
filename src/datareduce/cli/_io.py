"""Reading and writing tables and reports for the CLI (CSV and Parquet, by file extension).

Outputs are checked before any work (:func:`check_output_file`, :func:`check_output_dir`)
and written atomically (:func:`write_table`, :func:`write_text`): to a temporary file in
the same folder, then renamed, so an interrupted or failed run leaves no half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import CLIError

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise CLIError(f"{path}: unknown table format {suffix!r}; use .csv or .parquet.")
    return _FORMATS[suffix]


def check_input(path, label: str = "input") -> Path:
    """An existing, readable table file (checked before anything else is done)."""
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{label} file not found: {path}")
    if path.is_dir():
        raise CLIError(f"{label} {path} is a folder; pass a .csv or .parquet file.")
    table_format(path)
    if not os.access(path, os.R_OK):
        raise CLIError(f"{label} {path} is not readable (permission denied).")
    return path


def read_table(path, label: str = "input"):
    """Read a CSV or Parquet table; every failure is one line naming the file."""
    import pandas as pd

    path = check_input(path, label)
    fmt = table_format(path)
    try:
        if fmt == "csv":
            df = pd.read_csv(path, low_memory=False)
        else:
            df = pd.read_parquet(path)
    except ImportError as exc:
        raise CLIError(f"reading Parquet needs pyarrow: pip install pyarrow ({exc})") from exc
    except pd.errors.EmptyDataError:
        raise CLIError(f"{label} {path} is empty (no header, no rows).") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CLIError(f"{label} {path} could not be read as CSV: "
                       f"{' '.join(str(exc).split())}") from None
    except PermissionError:
        raise CLIError(f"{label} {path} is not readable (permission denied).") from None
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise CLIError(f"{label} {path} could not be read as {fmt}: "
                       f"{' '.join(str(exc).split())[:300]}") from None
    if df.shape[1] == 0:
        raise CLIError(f"{label} {path} has no columns.")
    if len(df) == 0:
        raise CLIError(f"{label} {path} has a header ({df.shape[1]} columns) but no rows.")
    return df


def _check_parent(path: Path, option: str) -> None:
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"{option} {path}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK):
        raise CLIError(f"{option} {path}: cannot write in {parent} (permission denied).")


def check_output_file(path, option: str, *, overwrite: bool, kind: str = "table") -> Path:
    """Check an output file before any work: format, folder, and no silent replacement.

    ``kind`` is ``"table"`` (.csv or .parquet) or ``"json"``.
    """
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{option} {path} is a folder; give a file name (e.g. "
                       f"{path / ('report.json' if kind == 'json' else 'out.csv')}).")
    if kind == "table":
        table_format(path)
    elif kind == "json" and path.suffix.lower() != ".json":
        raise CLIError(f"{option} {path}: give a file name ending in .json.")
    if path.exists() and not overwrite:
        raise CLIError(f"{option} {path} exists: pass --overwrite to replace it, "
                       f"or choose another {option}.")
    _check_parent(path, option)
    return path


def check_output_dir(path, option: str, *, overwrite: bool, files) -> Path:
    """Check an output folder before any work: not a file, and ``files`` not replaced."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CLIError(f"{option} {path} is a file; give a folder name.")
    if path.is_dir() and not overwrite:
        present = [f for f in files if (path / f).exists()]
        if present:
            raise CLIError(f"{option} {path} already holds {', '.join(present)}: pass "
                           f"--overwrite to replace them, or choose another {option}.")
    _check_parent(path / "x", option)
    return path


def _atomic(path, write) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_table(df, path) -> None:
    """Write a table (format from the extension) atomically, without the index."""
    fmt = table_format(path)
    if fmt == "csv":
        _atomic(path, lambda p: df.to_csv(p, index=False))
    else:
        _atomic(path, lambda p: df.to_parquet(p, index=False))


def write_text(text: str, path) -> None:
    """Write a text file atomically."""
    _atomic(path, lambda p: Path(p).write_text(text))


def write_bytes_with(path, writer) -> None:
    """Write a file atomically with ``writer(tmp_path)`` (e.g. ``fig.savefig``)."""
    _atomic(path, writer)


def split_target(df, target: str | None):
    """Split a table into the other columns and the target column."""
    if target is None:
        return df, None
    if target not in df.columns:
        from ._common import unknown_column

        raise CLIError(unknown_column("--target", target, df.columns))
    return df.drop(columns=[target]), df[target]
