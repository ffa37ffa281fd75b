"""The reduced set a metric compares with the full set: explicit arrays or a fitted reducer."""

from __future__ import annotations

from collections import Counter

import numpy as np

from .._core.validation import check_X, check_y

__all__ = ["check_fitted_reducer", "check_reduced_labels", "check_same_columns",
           "reduced_inputs"]


def frame_columns(X):
    """A DataFrame's column labels as a list, else None (arrays carry no names)."""
    from .._core.validation import is_dataframe

    return list(X.columns) if is_dataframe(X) else None


def check_same_columns(columns, X_reduced, *, name: str = "X_reduced",
                       full: str = "X") -> None:
    """A reduced table's columns are the full table's, in the same order, when both are
    DataFrames (``columns``: the full table's, or None for an array). Arrays are compared
    by position; two tables with the same columns in another order were compared column
    by column by position, silently (epsilon of the swapped columns). Other labels are
    refused when both tables name their columns with text; labels that are not all text
    (pandas' default 0, 1, 2) are no names, and the columns are then taken by position."""
    other = frame_columns(X_reduced)
    if columns is None or other is None or other == list(columns):
        return
    columns = list(columns)

    def shown(cols):
        return ", ".join(map(repr, cols[:5])) + (", ..." if len(cols) > 5 else "")

    if Counter(other) == Counter(columns):
        raise ValueError(f"{name} has {full}'s columns in another order ({shown(other)} vs "
                         f"{shown(columns)}): pass {name}[{full}.columns] so that each "
                         "column is compared with its own.")
    if not all(isinstance(c, str) for c in (*columns, *other)):
        # labels that are not all text are no names (scikit-learn's rule for feature
        # names): pd.DataFrame(array)'s 0, 1, 2, or X's 0, 1, 2 read back from a CSV as
        # '0', '1', '2' -- compared by position, as an array is (review11/a 01)
        return
    missing = [c for c in columns if c not in other]
    extra = [c for c in other if c not in columns]
    what = "; ".join(part for part in (
        f"missing {shown(missing)}" if missing else "",
        f"not in {full}: {shown(extra)}" if extra else "") if part)
    raise ValueError(f"{name}'s columns are not {full}'s ({what}): pass the same columns, "
                     f"e.g. {name}[{full}.columns].")


def check_reduced_labels(y_reduced, n_reduced: int) -> np.ndarray:
    """``y_reduced`` as :func:`check_y` takes it, its length compared with the reduced rows
    by their name (check_y's message said "but X has 10 rows" for X_reduced's)."""
    n = len(y_reduced) if hasattr(y_reduced, "__len__") else None
    if n is not None and np.ndim(y_reduced) == 1 and n != n_reduced:
        raise ValueError(f"y_reduced has {n} labels but X_reduced has {n_reduced} rows: pass "
                         "one label per reduced row.")
    return check_y(y_reduced, n_reduced, name="y_reduced")


def check_fitted_reducer(reducer, X_reduced, n_samples: int) -> None:
    """A metric's ``reducer=`` argument: fitted, on ``n_samples`` rows, and not with X_reduced."""
    if X_reduced is not None:
        raise ValueError("pass either X_reduced or reducer, not both.")
    if not hasattr(reducer, "sample_indices_"):
        raise ValueError("reducer is not fitted: call reducer.fit(X, y) first.")
    if getattr(reducer, "n_samples_in_", n_samples) != n_samples:
        raise ValueError(f"reducer was fitted on {reducer.n_samples_in_} rows but X has "
                         f"{n_samples}: pass the data the reducer was fitted on.")


def warn_if_regression_labels(y) -> None:
    """Warn when the labels of a per-class metric are numbers that are not all whole (a
    regression target, not classes nor bin codes): each value is then a class, and the values without a kept row
    make the per-class results infinite (200 distinct floats, 20 kept: epsilon inf, MMD inf
    for 180 "classes"). The report and the audit bin such a target themselves."""
    import warnings

    from sklearn.utils.multiclass import type_of_target

    from .._core.validation import user_stacklevel

    # numbers that are not all whole only: whole numbers may be classes or bin codes (the
    # CLI's --bins passes codes of 1,000 bins), which the caller chose to compare
    y = np.asarray(y)
    if y.dtype.kind == "f" and type_of_target(y) == "continuous":
        warnings.warn(
            f"y looks like a regression target ({len(np.unique(y))} distinct numbers): each "
            "value is taken as a class, so a value without a kept row gives an infinite "
            "per-class result. Bin both with the same edges (codes, edges = "
            "datareduce.base.quantile_strata(y); bin_codes(y_reduced, edges) from "
            "datareduce._core.strata), or use representativeness_report / audit_subset, "
            "which bin a regression target (task='regression').", UserWarning,
            stacklevel=user_stacklevel())


def reduced_inputs(X, X_reduced, weights, y, y_reduced, reducer):
    """Arrays (X, Z, q, y, y_z) from either an explicit reduced set or a fitted reducer."""
    Xa = check_X(X)
    if reducer is not None:
        check_fitted_reducer(reducer, X_reduced, Xa.shape[0])
        idx = reducer.sample_indices_
        synthetic = getattr(reducer, "synthetic_", None)
        Z = np.asarray(synthetic if synthetic is not None else Xa[idx], dtype=np.float64)
        if weights is None:
            weights = reducer.sample_weight_
        if y is not None:
            y_reduced = check_y(y, Xa.shape[0])[idx]
    elif X_reduced is None:
        raise ValueError("pass the reduced data as X_reduced, or a fitted reducer=.")
    else:
        check_same_columns(frame_columns(X), X_reduced)
        Z = np.asarray(check_X(X_reduced, name="X_reduced"), dtype=np.float64)
    if Z.shape[1] != Xa.shape[1]:
        raise ValueError(f"X_reduced has {Z.shape[1]} features but X has {Xa.shape[1]}: "
                         "they must describe the same columns.")
    if weights is None:
        q = np.ones(Z.shape[0])
    else:
        q = np.asarray(weights, dtype=np.float64)
        if q.shape != (Z.shape[0],):
            raise ValueError(f"weights has shape {q.shape} but X_reduced has {Z.shape[0]} "
                             "rows: pass one weight per reduced row.")
        bad = ~np.isfinite(q) | (q < 0)
        if bad.any():
            rows = ", ".join(map(str, np.flatnonzero(bad)[:5].tolist()))
            raise ValueError(f"weights has {int(bad.sum())} value(s) that are negative, NaN or "
                             f"infinite (reduced rows {rows}{', ...' if bad.sum() > 5 else ''})"
                             ": pass finite weights >= 0, one per reduced row.")
        if not q.sum() > 0:
            raise ValueError("weights are all 0: no reduced row counts; pass positive weights "
                             "(e.g. a reducer's sample_weight_) or weights=None.")
    ya = yz = None
    if y is not None:
        if y_reduced is None:
            raise ValueError("y is given but y_reduced is not: pass the labels of the reduced "
                             "rows.")
        ya = check_y(y, Xa.shape[0])
        yz = check_reduced_labels(y_reduced, Z.shape[0])
        warn_if_regression_labels(ya)
    elif y_reduced is not None:
        raise ValueError("y_reduced is given but y is not: pass the labels of X too.")
    return np.asarray(Xa, dtype=np.float64), Z, q, ya, yz
