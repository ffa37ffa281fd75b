"""Argument helpers shared by subcommands."""

from __future__ import annotations

from .._validation import minmax_ranges
from . import CLIError


def parse_keep(text: str):
    """'0.1' -> 0.1 (fraction), '100' -> 100 (rows)."""
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise CLIError(
                f"--keep {text!r}: pass a fraction in (0, 1] or a number of rows."
            ) from None
    if isinstance(value, float) and not 0 < value <= 1:
        raise CLIError(f"--keep {text}: a fraction must be in (0, 1]; pass an int for rows.")
    if isinstance(value, int) and value < 1:
        raise CLIError(f"--keep {text}: a number of rows must be >= 1.")
    return value


def parse_params(items) -> dict:
    """['k=3', 'output=medoids'] -> {'k': 3, 'output': 'medoids'} (numbers, bools, None parsed)."""
    params = {}
    for item in items or ():
        if "=" not in item:
            raise CLIError(f"--param {item!r}: write NAME=VALUE.")
        key, raw = item.split("=", 1)
        params[key.strip()] = _literal(raw.strip())
    return params


def _literal(raw: str):
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def numeric_features(df):
    """The numeric (and boolean) columns of a table, and the names of those left out."""
    numeric = [c for c, dt in df.dtypes.items() if getattr(dt, "kind", "O") in "biuf"]
    other = [c for c in df.columns if c not in numeric]
    if not numeric:
        raise CLIError("the input has no numeric feature columns to reduce on.")
    return df[numeric], other


def scale(X, how: str):
    """Scale features for the reduction only (the output keeps the original values)."""
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    if how == "none":
        return X
    if how == "minmax":
        lo, span = minmax_ranges(X)
        return (X - lo) / span
    if how == "standard":
        sd = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    raise CLIError(f"--scale {how!r}: use minmax, standard or none.")
