"""The selection space: how a table's rows are turned into vectors for distances.

Reducers measure distances, densities and kernels between rows. Real tables have categorical
columns, missing values and columns in different units, so the rows a method *compares* are
not the rows it *returns*. This module builds the comparison space with scikit-learn's own
transformers; the reducers return the original rows (original values, NaN included, original
index) whatever space was used.

The default preparation (:func:`make_selection_space`):

- numeric and boolean columns, and dates and durations (``datetime64``, with or without a
  time zone, ``timedelta64``, pandas periods as their start, and ISO 8601 dates written as
  text, as in a CSV file: as seconds, so that nearer dates are nearer rows): missing
  values imputed by the column median, with one
  missing-indicator column per column that had missing values
  (:class:`~sklearn.impute.SimpleImputer` with ``add_indicator=True``), then scaled
  (:class:`~sklearn.preprocessing.StandardScaler` by default, or min-max);
- categorical columns (object, string, category): missing values become their own
  category ``"missing"``, then one-hot encoded
  (:class:`~sklearn.preprocessing.OneHotEncoder`); a column with more than ``max_onehot``
  categories keeps its ``max_onehot - 1`` most frequent ones and pools the rest in one
  "infrequent" column, so the width stays bounded whatever the cardinality.

``space="auto"`` (every reducer's default) uses the data as given when it is all numeric and
complete (put your own scaler before the reducer, as for any distance-based scikit-learn
step), and the default preparation otherwise.
"""

from __future__ import annotations

import numpy as np

from ._core.validation import is_temporal_dtype as _is_temporal

__all__ = ["make_selection_space", "describe_space", "resolve_space", "SPACE_OPTIONS"]

SPACE_OPTIONS = ("auto", "standard", "minmax", "passthrough")


def _as_frame(X):
    import pandas as pd

    from ._core.validation import is_dataframe, library_of

    if is_dataframe(X):
        return X
    if library_of(X) in ("polars", "pyarrow") and hasattr(X, "to_pandas"):
        # a step's output under set_output(transform="polars"): the same columns and dtypes
        return X.to_pandas()
    arr = np.asarray(X, dtype=object) if not hasattr(X, "dtype") else np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D, got an array with {arr.ndim} dimension(s).")
    return pd.DataFrame(arr)


def _is_text(dtype) -> bool:
    """Text: object, or pandas' and pyarrow's string dtypes (categories are not)."""
    import pandas as pd

    return dtype == np.dtype(object) or pd.api.types.is_string_dtype(dtype)


#: ISO 8601 dates and times as text ("2024-05-01", "2024-05-01T12:30:00Z", "... +02:00").
_ISO_DATE = (r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
             r"(?:Z|[+-]\d{2}(?::?\d{2})?)?")


#: Share of a column's values that must be ISO 8601 dates for it to be a date column (the
#: others, a typo or a 31 February, become missing values, as they would in new rows).
DATE_SHARE = 0.99


def _dates_in_text(s):
    """The column as UTC dates (values that are no date as NaT) when at least
    ``DATE_SHARE`` of the values it holds are ISO 8601 dates or times (text, as a CSV gives
    them, or date objects in an object column), else None."""
    import pandas as pd

    if not _is_text(s.dtype):
        return None
    given = s.dropna()
    if not len(given):
        return None
    head = given.iloc[:64].astype(str).str.fullmatch(_ISO_DATE)
    if head.mean() < 0.5:
        return None  # (the first values decide most columns cheaply)
    if given.astype(str).str.fullmatch(_ISO_DATE).mean() < DATE_SHARE:
        return None
    try:
        parsed = pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
    except (TypeError, ValueError, OverflowError):  # pragma: no cover - defensive
        return None
    return parsed if parsed.notna().sum() >= DATE_SHARE * len(given) else None


def _seconds(s):
    """One column of dates (seconds since 1970, UTC) or durations (seconds) as floats, NaT
    and unparseable text as NaN."""
    import pandas as pd

    if isinstance(s.dtype, pd.PeriodDtype):  # a month, a quarter: when it starts
        s = s.dt.start_time
    if not _is_temporal(s.dtype):  # text: ISO 8601, anything else missing
        s = pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
    if isinstance(s.dtype, pd.ArrowDtype):  # pyarrow's own seconds overflow at ns
        if getattr(s.dtype.pyarrow_dtype, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        s = s.astype(s.dtype.numpy_dtype)
    elif getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):  # durations
        return s.dt.total_seconds().astype(np.float64)
    return (s - np.datetime64("1970-01-01")).dt.total_seconds().astype(np.float64)


def _temporal_as_seconds(frame, positions):
    """Dates as seconds since 1970 (UTC for a time zone; ISO 8601 text too), durations as
    seconds, NaT as NaN; other columns unchanged. ``positions``: where the date columns were
    when the space was built (new rows are converted alike, text that is no date becoming
    NaN; positions, since scikit-learn renames integer-named columns on the way)."""
    frame = _as_frame(frame)
    out = frame.copy(deep=False)  # the other columns are shared, never written
    for i in positions:
        out.isetitem(i, _seconds(frame.iloc[:, i]))
    return out


def _objects_as_numbers(frame, positions):
    """Numbers held as objects (the numeric columns of dtype object) as floats, pandas' NA
    and None as NaN; other columns unchanged. numpy cannot convert ``pd.NA`` (``df.astype(
    object)`` of a nullable column holds it), so the imputer's own conversion failed with
    "float() argument must be ... not 'NAType'"."""
    import pandas as pd

    frame = _as_frame(frame)
    out = frame.copy(deep=False)  # the other columns are shared, never written
    for i in positions:
        out.isetitem(i, pd.to_numeric(frame.iloc[:, i], errors="coerce").astype(np.float64))
    return out


def check_unique_columns(frame) -> None:
    """Refuse a DataFrame (or pyarrow Table) whose column names repeat, in the package's
    words (the selection
    space reads columns by name; scikit-learn's feature-name check refuses them too, in
    narwhals' words "Expected unique column names")."""
    names = list(getattr(frame, "column_names", None) or frame.columns)  # (pyarrow's Table)
    if len(set(names)) < len(names):
        dups = list(dict.fromkeys(n for i, n in enumerate(names) if n in names[:i]))
        raise ValueError(f"X has duplicate column names {dups[:5]}: columns are read by name "
                         "(scikit-learn's feature names, the selection space); rename them "
                         "(e.g. X.columns = [...]) first.")


def _column_roles(frame):
    """``(numeric, categorical, dates)``: numeric columns (incl. boolean, dates and
    durations) and categorical ones, by dtype and content, and which of the numeric columns
    are dates or durations (each column's text read once)."""
    import pandas as pd

    check_unique_columns(frame)
    numeric, categorical, dates = [], [], []
    for col in frame.columns:
        s = frame[col]
        if _is_temporal(s.dtype) or isinstance(s.dtype, pd.PeriodDtype):
            numeric.append(col)  # a period (a month, a quarter) as its start
            dates.append(col)
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            numeric.append(col)
        elif _is_text(s.dtype) and _all_numbers(s):
            # numbers held as objects (a numpy object array) or as text, whichever dtype
            # pandas gives text (object, or pandas 3's default string dtype)
            numeric.append(col)
        elif _dates_in_text(s) is not None:
            numeric.append(col)  # ISO 8601 dates as text: seconds
            dates.append(col)
        else:
            categorical.append(col)
    return numeric, categorical, dates


def _all_numbers(s) -> bool:
    """Whether every value a column holds (missing values aside) is a number or text that
    reads as one. (As floats: pyarrow's parse of text that is no number is a NaN, which is
    no missing value to pyarrow.)"""
    import pandas as pd

    try:
        parsed = pd.to_numeric(s, errors="coerce").astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return int(parsed.notna().sum()) == int(s.notna().sum())


def make_selection_space(X, *, scale: str | None = "standard", max_onehot: int = 20):
    """An unfitted transformer that maps X's rows into the default selection space.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        The table (used only to decide which columns are numeric and which categorical).
    scale : {"standard", "minmax"} or None, default="standard"
        Scaler of the numeric columns after imputation.
    max_onehot : int, default=20
        Largest number of one-hot columns per categorical column; rarer categories are
        pooled into one "infrequent" column.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``FunctionTransformer`` (to a DataFrame) followed by a ``ColumnTransformer``; fit it
        with ``fit_transform(X)``. It returns a numpy array whatever scikit-learn's global
        ``transform_output`` (the reducers, the search and ``compare`` read it so); for a
        table with the output columns' names call ``.set_output(transform="pandas")`` (or
        ``"polars"``) on it.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"mass": [3.1, None, 4.0], "island": ["a", "b", None]})
    >>> Z = make_selection_space(df).fit_transform(df)
    >>> Z.shape  # mass, its missing indicator, 3 one-hot columns (a, b, missing)
    (3, 5)
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        MinMaxScaler,
        OneHotEncoder,
        StandardScaler,
    )

    if scale not in ("standard", "minmax", None):
        raise ValueError(f"scale={scale!r} must be 'standard', 'minmax' or None.")
    frame = _as_frame(X)
    numeric, categorical, date_columns = _column_roles(frame)
    parts = []
    if numeric:
        steps = [SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)]
        dates = [i for i, c in enumerate(numeric) if c in date_columns]
        if dates:  # (positions in the numeric columns, which the ColumnTransformer hands on)
            steps.insert(0, FunctionTransformer(_temporal_as_seconds,
                                                kw_args={"positions": dates},
                                                feature_names_out="one-to-one"))
        objects = [i for i, c in enumerate(numeric)
                   if c not in date_columns and _is_text(frame[c].dtype)]
        if objects:
            steps.insert(0, FunctionTransformer(_objects_as_numbers,
                                                kw_args={"positions": objects},
                                                feature_names_out="one-to-one"))
        if scale == "standard":
            steps.append(StandardScaler())
        elif scale == "minmax":
            steps.append(MinMaxScaler())
        parts.append(("numeric", make_pipeline(*steps), _positions(frame, numeric)))
    if categorical:
        parts.append((
            "categorical",
            make_pipeline(
                FunctionTransformer(_categories_as_strings, feature_names_out="one-to-one"),
                SimpleImputer(strategy="constant", fill_value="missing"),
                OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=max_onehot,
                              sparse_output=False),
            ),
            _positions(frame, categorical),
        ))
    columns = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)
    space = Pipeline([("frame", FunctionTransformer(_as_frame, feature_names_out="one-to-one")),
                      ("columns", columns)])
    # the space is internal: its steps read pandas frames whatever the caller's global
    # output container (set_config(transform_output="polars") broke the text columns'
    # step, review10/b 01)
    return space.set_output(transform="default")


def _positions(frame, columns):
    """Column positions: ``ColumnTransformer`` reads integer labels as positions, so a table
    whose integer column names are not 0, 1, ... in order must be addressed by position."""
    wanted = set(columns)
    return [i for i, c in enumerate(frame.columns) if c in wanted]


def _categories_as_strings(frame):
    """Categorical values as plain strings (NaN kept as NaN for the imputer)."""
    frame = _as_frame(frame)
    out = frame.astype(object)
    return out.where(frame.notna(), np.nan).map(lambda v: v if v is np.nan else str(v))


def resolve_space(space, X):
    """The transformer for ``space`` on X, or None for "use X as given".

    ``"auto"`` gives None when X is all numeric (bool included) and has no missing value, and
    the default preparation otherwise; ``"standard"`` / ``"minmax"`` always give the default
    preparation with that scaler; ``"passthrough"`` / None give None; a transformer is
    cloned.

    Parameters
    ----------
    space : "auto", "standard", "minmax", "passthrough", None or transformer
        A reducer's ``space`` parameter.
    X : array-like or DataFrame of shape (n_samples, n_features)
        The data the space is for (``"auto"`` looks at its columns).

    Returns
    -------
    transformer or None
        An unfitted transformer, or None for X as given.
    """
    from sklearn.base import clone

    if space is None or (isinstance(space, str) and space == "passthrough"):
        return None
    if isinstance(space, str):
        if space == "auto":
            return None if _numeric_and_complete(X) else make_selection_space(X)
        if space in ("standard", "minmax"):
            return make_selection_space(X, scale=space)
        raise ValueError(
            f"space={space!r} is not supported; use one of {', '.join(map(repr, SPACE_OPTIONS))}"
            ", None, or a scikit-learn transformer.")
    if not hasattr(space, "fit_transform"):
        raise TypeError(f"space={type(space).__name__} is not a transformer: pass an object "
                        "with fit_transform (e.g. a ColumnTransformer) or one of "
                        f"{', '.join(map(repr, SPACE_OPTIONS))}.")
    return clone(space)


def _temporal_table(X) -> bool:
    """Whether a polars or pyarrow table has a date, time or duration column (read from its
    schema, the table not converted): numpy turned polars' dates into microseconds, used as
    given, and failed on pyarrow's beside numbers (DTypePromotionError), where a pandas
    table's dates go through the default preparation as seconds."""
    from ._core.validation import library_of

    schema = getattr(X, "schema", None)
    if schema is None:
        return False
    if library_of(X) == "polars":
        return any(dtype.is_temporal() for dtype in schema.values())
    if library_of(X) == "pyarrow":
        import pyarrow as pa

        return any(pa.types.is_temporal(field.type) for field in schema)
    return False


def _numeric_and_complete(X) -> bool:
    from ._core.validation import is_dataframe

    if _temporal_table(X):
        return False  # as a pandas table's dates: the default preparation
    if is_dataframe(X):
        _, categorical, dates = _column_roles(X)
        if categorical or dates:
            return False  # dates and durations go through the default preparation
        try:
            values = X.to_numpy(dtype=np.float64, na_value=np.nan)
        except TypeError:  # numbers held as objects beside pandas' NA: missing values
            return False
    else:
        try:
            import scipy.sparse as sp

            if sp.issparse(X):
                return True  # sparse matrices are numeric; validation decides the rest
        except ImportError:  # pragma: no cover
            pass
        values = np.asarray(X)
        if values.dtype.kind in "mM":
            return False  # dates or durations: the default preparation takes them as seconds
        if values.dtype.kind in "OUSV":
            try:
                values = values.astype(np.float64)
            except (TypeError, ValueError):
                return False
        elif values.dtype.kind not in "biuf":
            return True  # let validation produce its message (e.g. complex)
    return not np.isnan(values).any() if values.dtype.kind == "f" else True


#: Categorical columns whose one-hot width :func:`describe_space` names (the others counted)
_DESCRIBED_COLUMNS = 5


def describe_space(transformer, n_features_in: int | None = None) -> str:
    """A one-line description of a fitted selection space (for reports and manifests).

    Parameters
    ----------
    transformer : fitted transformer or None
        What :func:`resolve_space` gave, fitted; None for the features as given.
    n_features_in : int, optional
        Number of columns, named in the description when ``transformer`` is None.
    """
    if transformer is None:
        return ("features as given" + (f" ({n_features_in} columns)" if n_features_in else ""))
    steps = getattr(transformer, "named_steps", None)
    ct = steps.get("columns") if hasattr(steps, "get") else None
    if not {part[0] for part in getattr(ct, "transformers_", ())} & {"numeric", "categorical"}:
        # the default preparation's layout (a fitted ColumnTransformer "columns" with its
        # "numeric" / "categorical" parts), not any pipeline with a step named "columns"
        return f"user transformer {type(transformer).__name__}"
    parts = []
    for name, pipe, cols in ct.transformers_:
        if name == "numeric":
            steps = [type(s).__name__ for s in pipe]
            scaler = ("standardised" if "StandardScaler" in steps
                      else "min-max scaled" if "MinMaxScaler" in steps else "unscaled")
            imputer = next((s for s in pipe if type(s).__name__ == "SimpleImputer"), None)
            n_ind = len(imputer.indicator_.features_) if getattr(
                imputer, "indicator_", None) is not None else 0
            timed = any(getattr(s, "func", None) is _temporal_as_seconds for s in pipe)
            parts.append(f"{len(cols)} numeric ("
                         + (f"{imputer.strategy}-imputed, " if imputer is not None else "")
                         + scaler
                         + (f", {n_ind} missing-indicator column(s)" if n_ind else "")
                         + (", dates and durations as seconds" if timed else "") + ")")
        elif name == "categorical":
            enc = pipe[-1]
            infrequent = getattr(enc, "infrequent_categories_", None) or [None] * len(cols)
            widths = []
            names = getattr(ct, "feature_names_in_", None)  # the columns are positions
            for c, cats, rare in zip(cols, enc.categories_, infrequent, strict=True):
                if names is not None and isinstance(c, (int, np.integer)):
                    c = names[c]
                if rare is None or not len(rare):
                    widths.append(f"{c}: {len(cats)} columns")
                else:  # the rare categories share one "infrequent" column
                    widths.append(f"{c}: {len(cats) - len(rare) + 1} columns, {len(rare)} "
                                  "rare categories pooled")
            if len(widths) > _DESCRIBED_COLUMNS:  # one line, however wide the table
                more = len(widths) - _DESCRIBED_COLUMNS
                widths = widths[:_DESCRIBED_COLUMNS] + [f"... +{more} more columns"]
            parts.append(f"{len(cols)} categorical one-hot ({'; '.join(widths)})")
    width = len(transformer.get_feature_names_out()) if hasattr(
        transformer, "get_feature_names_out") else "?"
    return "; ".join(parts) + f" -> {width} dimensions"
