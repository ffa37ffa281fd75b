"""Input validation shared by reducers, metrics and the CLI.

Every error names the argument and says how to fix it.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

__all__ = [
    "as_array",
    "check_X",
    "check_y",
    "check_indices",
    "to_numpy",
    "label_rows_note",
    "unusable_label_rows",
    "check_keep",
    "check_keeps",
    "draw_seed",
    "check_random_generator",
    "is_dataframe",
    "is_series",
    "minmax_ranges",
    "seeded_clone",
    "seeded_estimator",
    "user_stacklevel",
]


#: Packages whose frames a warning is never attributed to: this package, and the libraries
#: that call a reducer for the user (scikit-learn's fit wrapper and pipelines,
#: imbalanced-learn's pipeline, joblib's loops in cross-validation)
_THROUGH = ("datareduce", "sklearn", "imblearn", "joblib")


def _internal_dirs() -> tuple[str, ...]:
    import os
    import sys

    dirs = []
    for name in _THROUGH:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            dirs.append(os.path.dirname(os.path.abspath(path)) + os.sep)
    return tuple(dirs)


def user_stacklevel() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` made by the function that calls this one,
    attributing the warning to the first frame outside datareduce, scikit-learn,
    imbalanced-learn and joblib: the user's line, whichever entry point (``fit``,
    ``fit_resample``, ``fit_transform``, a pipeline, a cross-validation) led there, so that
    Python's once-per-location filter keeps the warnings of different calls apart
    (review6/r3 03; ``skip_file_prefixes`` needs Python 3.12)."""
    import sys

    dirs = _internal_dirs()
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(dirs):
        frame = frame.f_back
        level += 1
    return level


def is_temporal_dtype(dtype) -> bool:
    """A date (``datetime64``, time zone or not, pyarrow's timestamps and dates) or duration
    (``timedelta64``, pyarrow's durations) dtype."""
    import pandas as pd

    if isinstance(dtype, pd.ArrowDtype):  # timestamp, date32/64, duration
        return dtype.kind in "mM"
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
        dtype)


def number_columns(frame):
    """The columns of a DataFrame that hold plain numbers (dates and durations, which pandas
    may count as numbers, left out): where infinite values can be."""
    num = frame.select_dtypes(include="number")
    return num[[c for c in num.columns if not is_temporal_dtype(num[c].dtype)]]


def is_dataframe(obj) -> bool:
    """True for a pandas DataFrame, without importing pandas when it is absent."""
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns") and hasattr(obj, "iloc")


def library_of(obj) -> str:
    """The top-level package of ``obj``'s type (``"pandas"``, ``"polars"``, ``"pyarrow"``,
    ``"numpy"``, ...), to tell containers apart without importing their libraries."""
    return type(obj).__module__.split(".")[0]


def is_series(obj) -> bool:
    """True for a pandas Series."""
    return type(obj).__name__ == "Series" and hasattr(obj, "iloc") and hasattr(obj, "index")


def check_X(X, *, name: str = "X", allow_empty: bool = False) -> np.ndarray:
    """Return X as a finite 2-D floating array (float32 stays float32).

    Accepts numpy arrays, pandas DataFrames (numeric or boolean columns) and nested lists.
    The input is never modified: a float array is returned as a read-only view when no
    conversion is needed.
    """
    if X is None:
        raise TypeError(f"{name} is None: pass a 2-D array-like of shape (n_samples, n_features).")
    if is_dataframe(X):
        bad = [c for c, dt in X.dtypes.items() if not (_is_numeric_dtype(dt))]
        if bad:
            shown = ", ".join(repr(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
            raise TypeError(
                f"{name} has non-numeric columns ({shown}): encode them first "
                "(e.g. sklearn.preprocessing.OneHotEncoder or OrdinalEncoder) or drop them."
            )
        arr = X.to_numpy()
        if arr.dtype == object:  # e.g. nullable extension dtypes
            arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # pragma: no cover - exotic containers
            raise TypeError(f"{name} could not be converted to an array: {exc}") from exc
    if arr.dtype == object or arr.dtype.kind in "USV":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must be numeric; got values of dtype {arr.dtype} that are not numbers. "
                "Encode categorical features before reducing."
            ) from exc
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} is complex; pass real-valued features.")
    if arr.ndim == 1 and name == "X_reduced":
        # a metric's reduced set: row indices are the likely mistake, not a missing reshape
        index_like = arr.dtype.kind in "iub"
        raise ValueError(
            f"X_reduced is 1-D (shape {arr.shape})"
            + (", integers: row indices?" if index_like else "")
            + "; it must be the reduced rows, a 2-D array with X's columns: for kept row "
            "indices idx pass X[idx], or pass a fitted reducer= instead of X_reduced."
            + ("" if index_like else " (One feature: X_reduced.reshape(-1, 1).)")
        )
    if arr.ndim == 1:
        raise ValueError(
            f"{name} is 1-D (shape {arr.shape}); reducers need a 2-D array. "
            "Use X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single row."
        )
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got an array with {arr.ndim} dimensions.")
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (0 rows): there is nothing to reduce.")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features: pass at least one column.")
    if arr.dtype.kind not in "f":
        arr = arr.astype(np.float64)
    elif arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        n_bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise ValueError(
            f"{name} contains NaN or infinite values in {n_bad} row(s): impute them "
            "(e.g. sklearn.impute.SimpleImputer) or drop those rows before reducing."
        )
    return arr


def _is_numeric_dtype(dtype) -> bool:
    kind = getattr(dtype, "kind", None)
    if kind in ("b", "i", "u", "f"):
        return True
    # pandas extension dtypes (Int64, Float64, boolean)
    return getattr(dtype, "_is_numeric", False) or str(dtype).lower() in ("boolean",)


def as_array(y) -> np.ndarray:
    """``y`` as a numpy array: a pandas object through ``to_numpy()`` (nullable and
    extension dtypes as their numpy form), anything else through ``np.asarray``."""
    return np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)


def unusable_label_rows(y) -> np.ndarray:
    """Positions of the missing (None, NaN, pd.NA, NaT) and infinite labels of ``y``
    (numbers held as objects too: ``Decimal('Infinity')``, and a number beyond a float
    counts as infinite)."""
    import math
    from decimal import Decimal

    import pandas as pd

    arr = as_array(y).ravel()
    bad = np.asarray(pd.isna(arr), dtype=bool)
    if arr.dtype.kind == "f":
        bad |= np.isinf(arr)
    elif arr.dtype == object:
        kind = pd.api.types.infer_dtype(arr, skipna=True)
        if kind in ("string", "empty", "boolean", "bytes", "categorical"):
            return np.flatnonzero(bad)  # no number among the labels (C speed)
        if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
            rest = np.flatnonzero(~bad)  # numbers only: compared at C speed, not one by one
            try:
                bad[rest[np.isinf(arr[rest].astype(np.float64))]] = True
                return np.flatnonzero(bad)
            except (OverflowError, TypeError, ValueError, ArithmeticError):
                pass  # an int beyond a float: one by one
        for i, v in enumerate(arr):
            if not bad[i] and isinstance(v, (numbers.Real, Decimal)) and \
                    not isinstance(v, (bool, np.bool_)):
                try:
                    bad[i] = math.isinf(float(v))
                except (OverflowError, ValueError):  # beyond a float: as infinite
                    bad[i] = True
    return np.flatnonzero(bad)


def index_labels(index, rows):
    """The labels of a pandas ``index`` at the first five positions ``rows``, so that
    ``.loc[...]`` finds them, or None when the index is not a pandas one or is 0..n-1 (the
    positions say it all; a list's or tuple's ``.index`` is a method)."""
    import pandas as pd

    if not isinstance(index, pd.Index) or index.equals(pd.RangeIndex(len(index))):
        return None
    return [v.item() if isinstance(v, np.generic) else v for v in index[rows[:5]]]


def label_rows_note(y, rows, *, name: str = "y") -> str:
    """Where the unusable labels ``rows`` of ``y`` are, for a refusal: their count, the
    first positions and, for a pandas object with its own index, their index labels."""
    n = len(as_array(y).ravel())
    shown = ", ".join(str(int(r)) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
    labels = index_labels(getattr(y, "index", None), rows)
    where = "" if labels is None else f"; index labels {labels}" + (
        " ..." if len(rows) > 5 else "")
    return (f"Missing or infinite: {len(rows)} of {n} labels, at "
            f"row{'s' * (len(rows) > 1)} {shown} (positions in {name}{where}).")


def check_y(y, n_samples: int, *, name: str = "y") -> np.ndarray:
    """Return y as a 1-D array of length ``n_samples``; missing or infinite labels are
    refused naming their rows (:func:`label_rows_note`)."""
    arr = as_array(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per row), got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} labels but X has {n_samples} rows: pass one label per row."
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite labels: drop or fill those rows. "
                         + label_rows_note(y, unusable_label_rows(arr), name=name))
    if arr.dtype == object:
        import pandas as pd

        if pd.isna(arr).any():
            raise ValueError(f"{name} contains missing labels: drop or fill those rows. "
                             + label_rows_note(y, unusable_label_rows(arr), name=name))
        text = np.fromiter((isinstance(v, str) for v in arr), dtype=bool, count=len(arr))
        if text.any() and not text.all():
            examples = [arr[np.flatnonzero(text)[0]], arr[np.flatnonzero(~text)[0]]]
            raise ValueError(
                f"{name} mixes text and numbers as labels (e.g. {examples[0]!r} and "
                f"{examples[1]!r}; {int((~text).sum())} of {len(arr)} are not text): they "
                "cannot be sorted into classes. Give every label one type, e.g. "
                f"{name}.astype(str).")
    return arr


def check_keep(keep, n_samples: int | None = None, *, name: str = "keep",
               allow_all: bool = True):
    """The package's one ``keep`` validator: a fraction in (0, 1] or a count >= 1.

    With ``n_samples`` the number of rows kept is returned: a fraction keeps
    ``round(keep * n)`` rows (half rounds up), and always at least one; a count must not
    exceed ``n_samples``. Without ``n_samples`` the checked value is returned (an int count or
    a float fraction). ``allow_all=False`` refuses the fraction 1.0 (where keeping every row
    is a separate baseline, as in the evaluation and the search).

    Examples
    --------
    >>> check_keep(0.25, 10), check_keep(3, 10), check_keep(0.5)
    (3, 3, 0.5)
    """
    if isinstance(keep, (bool, np.bool_)):
        raise TypeError(f"{name} must be a float in (0, 1] or an int >= 1, got a bool ({keep}).")
    top = "1]" if allow_all else "1)"
    if isinstance(keep, numbers.Integral):
        keep = int(keep)
        if keep < 1:
            raise ValueError(f"{name}={keep}: an int keep is a number of rows and must be >= 1.")
        if n_samples is None:
            return keep
        if keep > n_samples:
            raise ValueError(
                f"{name}={keep} is larger than the data ({n_samples} rows): pass at most "
                f"{n_samples}, or a fraction such as 0.1."
            )
        return keep
    if isinstance(keep, numbers.Real):
        keep = float(keep)
        if not (0.0 < keep <= 1.0) or not np.isfinite(keep) or (keep == 1.0 and not allow_all):
            extra = (" (keeping every row is the full-data baseline, always included)"
                     if keep == 1.0 else "")
            raise ValueError(
                f"{name}={keep}: a float keep is the fraction of rows kept and must be in (0, "
                f"{top}{extra}; pass an int for a number of rows."
            )
        if n_samples is None:
            return keep
        return int(min(n_samples, max(1, np.floor(keep * n_samples + 0.5))))
    raise TypeError(
        f"{name} must be a float in (0, {top} or an int >= 1, got {type(keep).__name__}."
    )


def check_keeps(keeps, *, name: str = "keeps", distinct: bool = True) -> list:
    """A list of kept fractions / row counts, each checked by :func:`check_keep` (the full
    fraction 1.0 excluded: it is the baseline); a single number is a list of one.

    ``distinct=True`` refuses a value given twice (its runs would count twice in every
    median and paired difference); ``distinct=False`` leaves repeats to the caller (the
    search, which sorts and de-duplicates its fractions).

    Examples
    --------
    >>> check_keeps(0.1), check_keeps([0.1, 20])
    ([0.1], [0.1, 20])
    """
    if isinstance(keeps, (numbers.Real, np.number)) and not isinstance(keeps, (bool, np.bool_)):
        keeps = [keeps]
    out = []
    for k in keeps:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Real, np.number)):
            raise ValueError(f"{name}: {k!r} is not a number; give fractions in (0, 1) or row "
                             "counts >= 1.")
        out.append(check_keep(k, name=name, allow_all=False))
    if not out:
        raise ValueError(f"{name} must contain at least one kept fraction, e.g. "
                         f"{name}=(0.1, 0.3).")
    repeated = [k for i, k in enumerate(out) if k in out[:i]]
    if distinct and repeated:
        raise ValueError(f"{name}: {repeated[0]!r} is given twice ({', '.join(map(repr, out))}):"
                         " each kept value is evaluated once; give distinct values.")
    return out


def seeded_clone(estimator, seed, *, overwrite: bool = False, **params):
    """The package's one "seed a clone": an unfitted clone of ``estimator`` with ``params``
    set, and ``random_state=seed`` when it has that parameter and it is None (or always, with
    ``overwrite=True``: the caller derives the seed from the estimator's own).

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> seeded_clone(SGDClassifier(), 3).random_state, seeded_clone(SGDClassifier(
    ...     random_state=1), 3).random_state
    (3, 1)
    """
    from sklearn.base import clone

    est = clone(estimator)
    current = est.get_params(deep=False)
    if "random_state" in current and (overwrite or current["random_state"] is None) \
            and "random_state" not in params:
        params["random_state"] = seed
    if params:
        est.set_params(**params)
    return est


def seeded_estimator(estimator, seed):
    """A model seeded for training: :func:`seeded_clone`, and every nested ``random_state``
    left at None (a pipeline's steps, ``mlpclassifier__random_state``) set to ``seed`` too,
    so that two trainings on the same rows start alike (the evaluation's runs, the search's
    candidates) and a seeded search gives one answer; values the user set are kept.

    Examples
    --------
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> seeded_estimator(make_pipeline(MLPClassifier()), 3).get_params()[
    ...     "mlpclassifier__random_state"]
    3
    """
    est = seeded_clone(estimator, seed)
    try:
        params = est.get_params(deep=True)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator: its own seed only
        return est
    unset = {k: seed for k, v in params.items()
             if k.endswith("__random_state") and v is None}
    if unset:
        est.set_params(**unset)
    return est


def check_random_generator(random_state) -> np.random.Generator:
    """A numpy Generator from None, an int, a Generator or a legacy RandomState.

    A bool is refused naming ``random_state`` (``True`` is an ``Integral`` and was taken as
    seed 1, hiding a mistaken ``random_state=True`` meant as "random")."""
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(f"random_state={random_state!r} is a bool: pass None (fresh entropy) "
                        "or an int >= 0 seed.")
    if random_state is None or isinstance(random_state, (numbers.Integral, np.integer)):
        if random_state is not None and int(random_state) < 0:
            raise ValueError(f"random_state={random_state} must be a non-negative int or None.")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState; "
        f"got {type(random_state).__name__}."
    )


def draw_seed(random_state) -> int | None:
    """An int seed for code that wants one, drawn from ``random_state``.

    None stays None; an int is returned as is; a numpy Generator or RandomState gives a new
    int in ``[0, 2**31 - 1)`` (advancing it), so the result is reproducible from the seed of
    the caller's generator.

    Examples
    --------
    >>> draw_seed(7), draw_seed(None)
    (7, None)
    >>> draw_seed(np.random.default_rng(0)) == draw_seed(np.random.default_rng(0))
    True
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    return int(random_state)


def to_numpy(values):
    """numpy view of an array-like or a torch tensor (detached, on the CPU).

    Floating tensors numpy has no type for (``torch.bfloat16``, the float8 types) are
    converted to float32 first (exact for bfloat16)."""
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        values = values.detach().cpu()
        try:
            values = values.numpy()
        except TypeError:
            if not getattr(values.dtype, "is_floating_point", False):
                raise
            values = values.float().numpy()
    return np.asarray(values)


def check_indices(indices, n_samples, *, name="indices", unit="rows", mask=False):
    """``indices`` as a 1-D int64 array of positions in ``[0, n_samples)`` (whole floats
    pass; a torch tensor too).

    ``mask=True`` also takes a boolean mask of the ``n_samples`` items (a reducer's
    ``get_support()``), read as the positions of its True entries, never as the numbers 0
    and 1, and refuses a mask written as integers (``n_samples > 2`` values, all 0 or 1), as
    the metrics' audit does. ``name`` (the argument) and ``unit`` (what is counted, plural)
    word the messages.

    Examples
    --------
    >>> check_indices([True, False, True], 3, mask=True).tolist(), check_indices([2, 0], 3).tolist()
    ([0, 2], [2, 0])
    """
    idx = to_numpy(indices)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if mask and idx.dtype == bool:
        if idx.shape != (n_samples,):
            raise ValueError(
                f"{name} is a boolean mask of shape {idx.shape} but there are "
                f"{n_samples} {unit}: pass one True/False for each, or positions."
            )
        return np.flatnonzero(idx).astype(np.int64)
    if idx.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {idx.shape}.")
    if idx.size == 0:
        return idx.astype(np.int64)
    if idx.dtype.kind not in "iu":
        if idx.dtype.kind != "f" or not np.all(np.mod(idx, 1) == 0):
            also = f" or a boolean mask of the {n_samples} {unit}" if mask else ""
            raise TypeError(
                f"{name} must be integer positions of the {unit} (whole "
                f"numbers){also}, got dtype {idx.dtype} (e.g. {idx[0]!r})."
            )
    idx = idx.astype(np.int64)
    if idx.min() < 0 or idx.max() >= n_samples:
        raise ValueError(
            f"{name} must be positions in [0, {n_samples - 1}] ({n_samples} {unit}); "
            f"got values from {int(idx.min())} to {int(idx.max())}."
        )
    if mask and n_samples > 2 and idx.size == n_samples and np.isin(idx, (0, 1)).all():
        # a "kept" column of 0/1 integers: as positions every entry is item 0 or item 1
        raise ValueError(
            f"{name} holds only 0 and 1, {n_samples} values for the {n_samples} "
            f"{unit}: a mask written as integers ({int(idx.sum())} ones)? Pass it "
            "as booleans (mask.astype(bool)), or the kept positions."
        )
    return idx


def warn_if_duplicates(X: np.ndarray, *, name: str = "X") -> None:
    """Warn (not fail) when X has duplicate rows: they are valid but degenerate."""
    if X.shape[0] < 2:
        return
    import pandas as pd

    hashed = pd.util.hash_pandas_object(pd.DataFrame(X), index=False)
    n_dup = int(hashed.duplicated().sum())
    if n_dup:
        warnings.warn(
            f"{name} has {n_dup} duplicate row(s); several methods treat duplicates as one point "
            "(zero distance), so the kept set may contain copies of the same row.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def minmax_ranges(X):
    """Column minima and spans for min-max scaling (``(X - lo) / span``).

    A constant column gets span 1, so it scales to 0 instead of dividing by zero. Apply the
    ranges of the full data to other tables (e.g. a reduced set) to compare them.
    """
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    return lo, np.where(hi > lo, hi - lo, 1.0)
