"""Reading and writing tables for the CLI (CSV and Parquet, chosen by file extension)."""

from __future__ import annotations

from pathlib import Path

from . import CLIError

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise CLIError(f"{path}: unknown table format {suffix!r}; use .csv or .parquet.")
    return _FORMATS[suffix]


def read_table(path):
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"input file not found: {path}")
    fmt = table_format(path)
    try:
        return pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    except ImportError as exc:
        raise CLIError(f"reading Parquet needs pyarrow: pip install pyarrow ({exc})") from exc


def write_table(df, path) -> None:
    path = Path(path)
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)


def split_target(df, target: str | None):
    """Split a table into features (numeric columns) and the target column."""
    if target is None:
        return df, None
    if target not in df.columns:
        cols = ", ".join(map(str, list(df.columns)[:10]))
        raise CLIError(f"--target {target!r} is not a column of the input (columns: {cols}).")
    return df.drop(columns=[target]), df[target]
