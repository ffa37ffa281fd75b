"""Input checks of the reducer contract that scikit-learn's validate_data does not make.

The package's messages for missing and infinite values, one-hot targets and methods that
never read X's values live here, in one place.
"""

from __future__ import annotations

import numpy as np

from .validation import as_array, check_y, index_labels, is_dataframe, number_columns


class _RowsOnly:
    """Stands in for X for methods that never read the values: only its shape and rows."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def __getitem__(self, rows):
        return _RowsOnly((len(np.arange(self.shape[0])[rows]), self.shape[1]))


def _one_hot_to_labels(y, n):
    """y as a 1-D label array; a one-hot (one-vs-all) indicator matrix becomes its labels."""
    arr = as_array(y)
    if arr.ndim == 2 and arr.shape[1] > 1 and arr.shape[0] == n and np.isin(arr, (0, 1)).all() \
            and (arr.sum(axis=1) == 1).all():
        return arr.argmax(axis=1)
    return check_y(y, n)  # y itself: a refusal names its index labels


def _plain(v):
    """numpy scalars as plain Python values (readable in messages and dict keys)."""
    return v.item() if isinstance(v, np.generic) else v


def _few(values, limit: int = 5) -> str:
    """A handful of values for a message: ``[a, b, c, d, e, ... (+N more)]``."""
    values = [_plain(v) for v in values]
    shown = ", ".join(repr(v) for v in values[:limit])
    more = f", ... (+{len(values) - limit} more)" if len(values) > limit else ""
    return f"[{shown}{more}]"


def _check_finite(X, synthetic=False):
    """NaN / inf in numeric X used as given: a message counting the rows concerned."""
    try:
        arr = X.to_numpy(dtype=np.float64, na_value=np.nan) if is_dataframe(X) \
            else np.asarray(X)
    except (TypeError, ValueError):
        return  # not numeric: validate_data gives its message
    if arr.dtype.kind != "f" or arr.ndim != 2 or np.isfinite(arr).all():
        return  # the common case: one pass
    index = X.index if is_dataframe(X) else None
    _raise_on_inf(np.isinf(arr), index)
    bad = np.isnan(arr)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        cols = np.flatnonzero(bad.any(axis=0))
        how = ("synthetic centroids (output='centroids') are computed in X's own columns: "
               "use output='medoids' (real rows; missing values are then imputed for the "
               "selection only)" if synthetic else
               "with space='passthrough' the features are used as given: use space='auto' "
               "(missing values imputed for the selection only, rows returned unchanged)")
        raise ValueError(
            f"X contains missing values (NaN) in {len(rows)} row(s) (e.g. rows "
            f"{rows[:5].tolist()}{_index_labels(rows, index)}) and {len(cols)} column(s): "
            f"{how}, or impute / drop them first.")


def _index_labels(rows, index) -> str:
    """For a DataFrame whose index is not 0..n-1, the index labels of the first ``rows``
    (positions), so that ``df.loc[...]`` finds them: ``"; positions in X, index labels
    [...]"``; ``""`` otherwise."""
    labels = index_labels(index, rows)
    return "" if labels is None else f"; positions in X, index labels {labels}"


def _raise_on_inf(inf, index=None):
    """One message for infinite values, which no space can impute (rows named: positions,
    and a DataFrame's index labels)."""
    if inf.any():
        rows = np.flatnonzero(inf.any(axis=1))
        raise ValueError(f"X contains infinite values in {len(rows)} row(s) (e.g. rows "
                         f"{rows[:5].tolist()}{_index_labels(rows, index)}): replace them "
                         "(with NaN, a missing value, which space='auto' imputes for the "
                         "selection only) or drop those rows.")


def _check_no_inf(X):
    """Infinite values cannot be imputed; name the rows."""
    import pandas as pd

    frame = X if is_dataframe(X) else pd.DataFrame(np.asarray(X, dtype=object))
    num = number_columns(frame)
    if num.shape[1]:
        vals = num.to_numpy(dtype=np.float64, na_value=np.nan)
        _raise_on_inf(np.isinf(vals), frame.index if is_dataframe(X) else None)
