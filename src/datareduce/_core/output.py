"""The reduced set in the container it came in (numpy, pandas, lists, sparse)."""

from __future__ import annotations

import numpy as np

from .validation import is_dataframe, is_series

__all__ = ["reduced_set"]


def reduced_set(reducer, X, y=None):
    """``(X_reduced, y_reduced)`` of a reducer fitted on ``(X, y)``.

    Synthetic rows (``synthetic_``, e.g. cluster centroids) replace the real rows when the
    reducer emitted them; containers come back as they went in (a DataFrame keeps the kept
    rows' original index and columns, a Series its name).
    """
    reducer._check_fitted()
    if isinstance(X, list) or isinstance(y, list):
        Xr, yr = reduced_set(reducer, np.asarray(X) if isinstance(X, list) else X,
                             np.asarray(y) if isinstance(y, list) else y)
        return (Xr.tolist() if isinstance(X, list) else Xr,
                yr.tolist() if isinstance(y, list) else yr)
    idx = reducer.sample_indices_
    synthetic = getattr(reducer, "synthetic_", None)
    if synthetic is not None:
        Xr = _synthetic_like(X, synthetic)
    elif is_dataframe(X):
        Xr = X.iloc[idx]
    elif hasattr(X, "tocsr"):  # scipy.sparse
        Xr = X.tocsr()[idx]
    else:
        Xr = np.asarray(X)[idx] if not isinstance(X, np.ndarray) else X[idx]
    if y is None:
        return Xr, None
    if is_series(y) or is_dataframe(y):
        if synthetic is not None and is_series(y):
            import pandas as pd

            return Xr, pd.Series(np.asarray(y)[idx], name=y.name)
        return Xr, y.iloc[idx]
    return Xr, np.asarray(y)[idx]


def _synthetic_like(X, synthetic: np.ndarray):
    """Synthetic rows in X's container and dtype (DataFrames get a fresh RangeIndex)."""
    if is_dataframe(X):
        import pandas as pd

        out = pd.DataFrame(synthetic, columns=X.columns)
        for col, dt in X.dtypes.items():
            if getattr(dt, "kind", None) == "f":
                out[col] = out[col].astype(dt)
        return out
    arr = np.asarray(X)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    return np.asarray(synthetic, dtype=dtype)
