"""Strata and quotas: what the target is, its strata, and how many rows each stratum keeps.

:func:`target_kind` is the package's one rule for the target type (reducers, the CLI, the
evaluation and the search call it); :func:`quantile_strata` is its one binning of a
regression target, with :data:`N_BINS` bins unless told otherwise.
"""

from __future__ import annotations

import numpy as np

__all__ = ["N_BINS", "TASKS", "allocate_quotas", "bin_codes", "quantile_strata",
           "stratify_params", "target_kind", "whole_number_threshold"]

#: Quantile bins of a regression target when none are asked for (reducers' ``stratify=True``,
#: the CLI's ``--bins``, the evaluation's ``n_bins``).
N_BINS = 10

#: What a target can be declared as; ``"auto"`` applies :func:`target_kind`'s rule.
TASKS = ("auto", "classification", "regression")


def whole_number_threshold(n_samples: int) -> int:
    """More distinct whole numbers than this make a numeric target of ``n_samples`` rows a
    regression target unless its values repeat (:func:`target_kind`'s rule, first clause):
    ``max(50, n_samples // 20)``."""
    return max(50, n_samples // 20)


#: Second clause of the rule: whole numbers with at least this many rows per distinct value
#: on average (0.8 x 20: a 5-fold training split of classes decided by the first clause) ...
REPEATS = 16
#: ... and at most this share of their distinct values seen once are classes.
SINGLE_SHARE = 0.05


def classes_by_counts(n_distinct: float, n_samples: float, n_single: float) -> bool:
    """The whole-number clause of :func:`target_kind` on a target's counts: classes when
    there are at most :func:`whole_number_threshold` distinct values, or when the values
    repeat (at least :data:`REPEATS` rows per value on average, at most :data:`SINGLE_SHARE`
    of the values seen once: a subsample of classes keeps its classes, prices and counts
    keep many values seen once)."""
    if n_distinct <= whole_number_threshold(int(n_samples)):
        return True
    return n_distinct <= n_samples / REPEATS and n_single <= SINGLE_SHARE * n_distinct


def classes_limit(n_samples: float) -> float:
    """More distinct whole numbers than this in ``n_samples`` rows fail both clauses of
    :func:`classes_by_counts` whatever their counts (a regression target): ``max(
    whole_number_threshold(n), n / REPEATS)``. The bound the block readers stop counting at
    (the CLI's batches, reduce_parquet's partitions and its distributed estimate)."""
    return max(whole_number_threshold(int(n_samples)), n_samples / REPEATS)


#: The share of the rows a training split keeps, by which a decision close to the boundary
#: is judged: 3-fold cross-validation's (the search's default), and its inverse for more rows
SPLIT = 2 / 3
#: A decision is close to the boundary when at least this share of the 3-fold training
#: splits would be decided otherwise (the splits' counts drawn from their normal
#: approximation; see :func:`_split_flips`)
FLIP_SHARE = 0.02
#: Draws of a split's counts (fixed seed: the warning is deterministic)
_DRAWS = 2000


def _split_flips(counts: np.ndarray, decided: bool) -> float:
    """The share of 3-fold training splits (each row kept with probability 2/3) that the
    rule would decide otherwise than ``decided``. A split's distinct-value count D and
    singleton count S are sums over the values of independent indicators (value ``i``, seen
    ``c`` times, is in the split with probability 1 - (1/3)^c, once with probability
    c (2/3) (1/3)^(c-1)); (D, S) is drawn from the normal law with their means, variances
    and covariance, rounded to whole counts: O(number of values) plus a fixed 2,000 draws,
    where the expected counts alone missed splits that flip (review6/r3 04)."""
    c = counts.astype(np.float64)
    p = 1 - (1 - SPLIT) ** c                        # in the split
    q = c * SPLIT * (1 - SPLIT) ** (c - 1)          # in the split once
    mean = np.array([p.sum(), q.sum()])
    cov = np.array([[np.sum(p * (1 - p)), np.sum(q * (1 - p))],
                    [np.sum(q * (1 - p)), np.sum(q * (1 - q))]])
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = np.random.default_rng(0).standard_normal((_DRAWS, 2))
    d, single = np.rint(mean + z @ root.T).T
    single = np.clip(single, 0, None)
    m = SPLIT * c.sum()
    classes = (d <= whole_number_threshold(int(m))) | (
        (d <= m / REPEATS) & (single <= SINGLE_SHARE * d))
    return float(np.mean(classes != decided))


def _near_boundary(counts: np.ndarray, decided: bool) -> bool:
    """Whether 3-fold training splits of these rows (two thirds) would be decided otherwise
    (at least :data:`FLIP_SHARE` of them, :func:`_split_flips`), or 1.5 times as many rows
    of the same kind (every value seen 1.5 times as often)."""
    larger = classes_by_counts(len(counts), counts.sum() / SPLIT, 0)
    return larger != decided or _split_flips(counts, decided) >= FLIP_SHARE


def target_kind(y, task: str = "auto", *, name: str = "y", warn: bool = False,
                override: str = "task='classification'", stacklevel: int = 2) -> str:
    """``"classification"`` or ``"regression"``: the one rule for the target type.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target (a pandas Series or categorical keeps its dtype information).
    task : {"auto", "classification", "regression"}, default="auto"
        ``"classification"`` or ``"regression"`` is returned as given (overrides the rule;
        regression needs numbers). ``"auto"``:

        * text, booleans and pandas categoricals are classes;
        * numbers that scikit-learn's ``type_of_target`` calls ``"continuous"`` (not all
          whole numbers) are a regression target;
        * whole numbers (ints, or floats such as ``3.0``) are classes when they have at
          most ``max(50, n_samples // 20)`` distinct values, or when their values repeat
          (at least 16 rows per value on average and at most 5 % of the values seen once);
          otherwise (prices, counts, grams) they are a regression target.
    name : str, default="y"
        The argument's name in messages.
    warn : bool, default=False
        Warn when whole numbers are taken for a regression target (the case a reader may
        not expect), naming ``override``, the way to say they are classes; and when whole
        numbers are decided close to the rule's boundary (at least 2 % of 3-fold training
        splits, two thirds of the rows, or 1.5 times as many rows would be decided
        otherwise), naming both values of ``task``.
    override : str, default="task='classification'"
        How the warning tells the caller to declare classes (the CLI: ``--task
        classification``).
    stacklevel : int, default=2
        The warning's ``stacklevel``, counted from the caller of this function.

    Returns
    -------
    str

    Examples
    --------
    >>> target_kind([0.5, 1.25, 3.0]), target_kind(["a", "b"]), target_kind([1.0, 2.0, 1.0])
    ('regression', 'classification', 'classification')
    >>> target_kind(np.arange(1000, 1100))   # 100 distinct whole numbers
    'regression'
    >>> target_kind(np.arange(1000, 1100), task="classification")
    'classification'
    """
    if task not in TASKS:
        raise ValueError(f"task={task!r}: give one of {', '.join(map(repr, TASKS))}.")
    dtype = getattr(y, "dtype", None)
    categorical = getattr(dtype, "name", None) == "category"
    from .validation import as_array

    arr = as_array(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} holds complex numbers; pass "
                         "class labels or real numbers.")
    if arr.dtype == object and not categorical and task == "auto":
        arr = _object_numbers(arr)
        if arr.dtype.kind == "f" and np.isinf(arr).any():  # Decimal('Infinity'), 1e999
            from .validation import label_rows_note, unusable_label_rows

            raise ValueError(f"{name} contains infinite values: drop or fill those rows. "
                             + label_rows_note(y, unusable_label_rows(y), name=name))
    numeric = arr.dtype.kind in "iuf" and not categorical
    if task == "classification":
        return task
    if task == "regression":
        if categorical:
            cats = dtype.categories
            numeric_categories = cats.dtype.kind in "iuf"
            raise ValueError(
                f"task='regression' needs a numeric {name}; it is a pandas categorical (class "
                f"labels by definition) with {cats.dtype} categories. "
                + (f"To use its categories as a regression target, convert it: "
                   f"{name}.astype(float)." if numeric_categories else
                   "Pass task='classification' or 'auto' for class labels."))
        if not numeric:
            if arr.dtype == object:
                try:
                    arr.astype(np.float64)
                    return task
                except (TypeError, ValueError):
                    pass
            example = arr.ravel()[0] if arr.size else None
            raise ValueError(f"task='regression' needs a numeric {name}; it holds "
                             f"{arr.dtype} values (e.g. {example!r}). Pass task='classification' "
                             "or 'auto' for class labels.")
        return task
    if categorical or not numeric:
        return "classification"
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(arr, input_name=name)
    if kind not in ("binary", "multiclass", "continuous"):
        raise ValueError(f"{name} is {kind!r}: one class label or one number per row is "
                         "expected (a 1-D target).")
    if kind == "continuous":
        return "regression"
    counts = np.unique(arr, return_counts=True)[1]
    n_distinct = len(counts)
    classes = classes_by_counts(n_distinct, len(arr), int(np.sum(counts == 1)))
    near = warn and _near_boundary(counts, classes)  # only when it may be said
    if warn and (near or not classes):
        import warnings

        what = ("class labels" if classes else
                "a regression target (stratified by quantile bins)")
        msg = f"{name} has {n_distinct} distinct whole numbers in {len(arr)} rows: treated as {what}"
        if near:
            both = ("--task classification or --task regression" if override.startswith("--")
                    else "task='classification' or task='regression'")
            msg += (f", close to the rule's boundary; pass {both}: a subsample of these rows "
                    "may decide otherwise (a cross-validation fold, a search's split)")
            if override.startswith("fit("):
                msg += f"; for example {override}"
            msg += "."
        else:
            msg += f"; pass {override} to treat them as classes."
        warnings.warn(msg, UserWarning, stacklevel=stacklevel + 1)
    return "classification" if classes else "regression"


def _object_numbers(arr: np.ndarray) -> np.ndarray:
    """An object array whose values are all real numbers (``numbers.Real`` or ``Decimal``,
    not bool, not text; missing values allowed) as numbers, so that the rule judges them as
    numbers (Parquet decimals, SQL NUMERIC, ints held as objects); ``arr`` otherwise.
    Whole numbers without missing values become int64 (exact: IDs beyond 2**53 stay
    distinct), the others float64; values beyond either range leave ``arr`` as it is. One
    rule for ints and Decimals: a whole-number Decimal (``Decimal(10**18)``, a Parquet
    decimal128(p, 0), SQL NUMERIC(20, 0)) is a whole number like an int (review6/r3 06)."""
    import numbers
    from decimal import Decimal

    import pandas as pd

    values = arr.ravel()
    if not values.size:
        return arr
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.all():
        return arr
    present = values[~missing]
    objects = present.tolist() if present.dtype == object else present
    kinds = set(map(type, objects))
    if any(issubclass(t, (bool, np.bool_)) or not issubclass(t, (numbers.Real, Decimal))
           for t in kinds):
        return arr
    try:
        if not missing.any() and _all_whole(objects, kinds):
            if any(isinstance(v, Decimal) and v.adjusted() >= 19 for v in objects):
                # beyond int64 (10**19 and up), as an int would be; checked before int(v),
                # which builds Decimal('1E+999999999'), a few characters, digit by digit
                return arr
            return np.asarray([int(v) for v in objects], dtype=np.int64).reshape(arr.shape)
        out = np.full(values.shape, np.nan)
        out[~missing] = np.asarray([float(v) for v in present.tolist()], dtype=np.float64)
    except (OverflowError, ValueError):  # beyond int64 / float64: not judged as numbers
        return arr
    return out.reshape(arr.shape)


def _all_whole(values, kinds) -> bool:
    """Whether every value is a whole number held exactly: ints (``numbers.Integral``), and
    finite Decimals equal to their integral value, checked one by one (the types once)."""
    import numbers
    from decimal import Decimal

    if not all(issubclass(t, (numbers.Integral, np.integer, Decimal)) for t in kinds):
        return False
    if not any(issubclass(t, Decimal) for t in kinds):
        return True
    return all(not isinstance(v, Decimal) or (v.is_finite() and v == v.to_integral_value())
               for v in values)


def allocate_quotas(counts, total: int, *, min_one: bool = True) -> np.ndarray:
    """Split ``total`` rows over groups proportionally to ``counts`` (largest remainder).

    The result sums to ``total`` exactly and never exceeds a group's size. With
    ``min_one=True`` every group keeps at least one row whenever ``total >= len(counts)``;
    the rows needed for that are taken from the groups furthest above their ideal share.
    Ties are broken by group order, so the result is deterministic.

    Examples
    --------
    >>> allocate_quotas([50, 30, 20], 10).tolist()
    [5, 3, 2]
    >>> allocate_quotas([97, 2, 1], 10).tolist()
    [8, 1, 1]
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError("counts must be a 1-D array of non-negative group sizes.")
    n = int(counts.sum())
    total = int(total)
    if total < 0 or total > n:
        raise ValueError(f"total={total} must be between 0 and the number of rows ({n}).")
    if n == 0:
        return np.zeros_like(counts)
    ideal = total * counts / n
    quotas = np.floor(ideal).astype(np.int64)
    remainder = total - int(quotas.sum())
    if remainder:
        frac = ideal - quotas
        # largest fractional part first; stable sort keeps group order for ties
        order = np.argsort(-frac, kind="stable")
        order = [g for g in order if quotas[g] < counts[g]]
        for g in order[:remainder]:
            quotas[g] += 1
    if min_one and total >= int((counts > 0).sum()):
        for g in np.flatnonzero((quotas == 0) & (counts > 0)):
            # take one row from the group that is furthest above its ideal share
            surplus = np.where(quotas > 1, quotas - ideal, -np.inf)
            donor = int(np.argmax(surplus))
            quotas[donor] -= 1
            quotas[g] += 1
    return quotas


def stratify_params(reducer, task: str, n_bins: int) -> dict:
    """``{"stratify": n_bins}`` for a reducer that stratifies a regression target with the
    default number of bins (``stratify=True``): how a caller's number of bins (the CLI's
    ``--bins``, the evaluation's ``n_bins``) reaches the reducer's own binning; ``{}``
    otherwise."""
    strat = reducer.get_params(deep=False).get("stratify")
    if task != "regression" or strat is not True or n_bins == N_BINS:
        return {}
    return {"stratify": int(n_bins)} if n_bins >= 2 else {"stratify": False}


def bin_codes(y, edges) -> np.ndarray:
    """The quantile bin of each value of ``y`` given the ``edges`` of :func:`quantile_strata`
    (values outside the edges go to the first or last bin)."""
    edges = np.asarray(edges, dtype=np.float64)
    return np.searchsorted(edges[1:-1], np.asarray(y, dtype=np.float64), side="right"
                           ).astype(np.intp)


def lost_strata_text(owner, lost, labels, edges=None) -> str:
    """The warning's first sentence for strata a subset kept no row of: ``lost`` are the
    positions in ``labels`` (classes), or, with ``edges`` (:func:`quantile_strata`'s), the
    quantile bins of a regression target, each said with its range of y.

    Examples
    --------
    >>> lost_strata_text("SRS", [1], np.array(["a", "b", "c"]))
    "SRS kept no row of 1 of 3 classes ['b']: a model trained on the subset cannot learn them."
    >>> lost_strata_text("SRS", [0, 2], np.arange(3), np.array([0.0, 1.5, 2.5, 9.0]))
    'SRS kept no row of 2 of 3 target bins [0, 2] (y in [0, 1.5) and [2.5, 9]): the subset has no target values there.'
    """
    from .input import _few

    lost = np.asarray(lost, dtype=np.intp)
    k = len(labels)
    if edges is None:
        return (f"{owner} kept no row of {len(lost)} of {k} classes {_few(labels[lost])}: a "
                "model trained on the subset cannot learn them.")
    last = len(edges) - 2

    def span(b):
        return f"[{edges[b]:.4g}, {edges[b + 1]:.4g}{']' if b == last else ')'}"

    spans = [span(int(b)) for b in lost[:5]]
    said = (" and ".join(spans) if len(spans) <= 2 else ", ".join(spans)) + (
        ", ..." if len(lost) > 5 else "")
    return (f"{owner} kept no row of {len(lost)} of {k} target bins {_few(lost.tolist())} "
            f"(y in {said}): the subset has no target values there.")


def quantile_strata(y, n_bins: int = N_BINS):
    """Stratum codes of a regression target: ``n_bins`` quantile bins (equal-count).

    The package's one binning of a regression target (reducers, CLI, evaluation, search).
    Bins whose edges coincide (many tied values) are merged, so there may be fewer bins.

    Returns
    -------
    codes : ndarray of int, shape (n_samples,)
        Bin of each row, 0 for the lowest values.
    edges : ndarray of float
        The bin edges (``len(edges) == n_used_bins + 1``).

    Examples
    --------
    >>> codes, edges = quantile_strata(np.arange(10.0), n_bins=2)
    >>> codes.tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    """
    if isinstance(n_bins, (bool, np.bool_)) or not isinstance(n_bins, (int, np.integer)) \
            or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}.")
    y = np.asarray(y, dtype=np.float64).ravel()
    edges = np.unique(np.quantile(y, np.linspace(0.0, 1.0, int(n_bins) + 1)))
    if len(edges) < 2:
        return np.zeros(y.shape[0], dtype=np.intp), np.array([y.min(), y.max()])
    return bin_codes(y, edges), edges


def classes_missing_from_splits(labels, splits, sides=("training", "validation")):
    """``{(side, split): [classes]}``: the classes of ``labels`` with no row on a side of a
    split (``splits``: ``(train, test)`` positions; ``sides`` names the two). A group
    splitter keeps each group on one side, so a class whose rows are in few groups can miss
    one; the search and ``compare`` warn about it."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    out = {}
    for i, parts in enumerate(splits):
        for side, rows in zip(sides, parts, strict=True):
            absent = np.setdiff1d(classes, labels[rows])
            if len(absent):
                out[(side, i)] = absent.tolist()
    return out
