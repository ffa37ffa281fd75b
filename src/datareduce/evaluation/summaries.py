"""Summaries of a :func:`datareduce.evaluation.compare` table: medians, correlations, Markdown."""

from __future__ import annotations

import numpy as np

__all__ = ["differences", "epsilon_correlation", "headline_metric", "medians",
           "to_markdown"]

#: ``attrs`` key of a :func:`compare` table listing its score columns, in order
SCORING_ATTR = "scoring"
#: compare's columns that are not scores
_RUN_COLUMNS = ("method", "keep", "repeat", "n_train", "n_kept", "reduction_seconds",
                "training_seconds", "total_seconds", "time_ratio")

FULL = "full"
#: key of ``results.attrs`` where :func:`compare` lists its metric columns, headline first
METRICS_ATTR = "metrics"

#: Metric columns of :func:`compare` by default: the audit's defaults
#: (``datareduce.metrics.calibration.DEFAULT_METRICS``), headline first (MMD predicted the
#: downstream difference to simple random sampling best, see docs/audit.md). The paper's
#: epsilon is not among them: in L-infinity it is 1.0 for nearly every subset of a table with
#: one-hot columns (no default sits at a constant); name it to get it, ``metrics=("mmd",
#: "epsilon")``.
COMPARE_METRICS = ("mmd", "energy", "coverage")

_ID_COLUMNS = ("method", "keep", "repeat")


def _check_results(results):
    missing = [c for c in _ID_COLUMNS if c not in getattr(results, "columns", ())]
    if missing:
        raise ValueError(f"results must be the DataFrame returned by compare (missing columns "
                         f"{missing}).")


def headline_metric(results) -> str:
    """The first metric column of a :func:`compare` table (``"epsilon"`` when not recorded).

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full"], "keep": [1.0], "repeat": 0, "mmd": [0.0]})
    >>> res.attrs["metrics"] = ["mmd"]
    >>> headline_metric(res)
    'mmd'
    """
    names = getattr(results, "attrs", {}).get(METRICS_ATTR) or ["epsilon"]
    return names[0]


def _method_order(results):
    return [m for m in dict.fromkeys(results["method"]) if m != FULL]


def medians(results, value=None):
    """Medians over repeats: per (method, keep), or the paper's keep x method table.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    value : str, optional
        A column (e.g. ``"accuracy"``, ``"epsilon"``, ``"total_seconds"``). With it, the
        result is a table with one row per kept fraction and one column per method, the
        full-data median as the last row (``keep=1.0``) in every column, as in the paper.
        When a run kept one row (``keeps`` holding the row count 1, which shows as 1.0 in a
        float ``keep`` column), the full-data row is labelled ``"full"`` instead, so the
        one-row runs keep their own row.

    Returns
    -------
    pandas.DataFrame
        Without ``value``: one row per (method, keep) with the median of every numeric
        column. With ``value``: the keep x method table; a ``UserWarning`` names the cells
        whose median is over fewer repeats than the results hold (a run that failed under
        ``on_error="warn"``, a NaN value).

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "srs", "full", "srs", "srs"],
    ...                     "keep": [1.0, 0.1, 0.5] * 2, "repeat": [0, 0, 0, 1, 1, 1],
    ...                     "accuracy": [0.9, 0.6, 0.8, 0.8, 0.7, 0.9]})
    >>> table = medians(res, "accuracy")
    >>> table.index.tolist(), table["srs"].round(3).tolist()
    ([0.1, 0.5, 1.0], [0.65, 0.85, 0.85])
    """
    _check_results(results)
    if value is None:
        numeric = [c for c in results.columns
                   if c not in _ID_COLUMNS and results[c].dtype.kind in "biuf"]
        out = results.groupby(["method", "keep"], sort=False)[numeric].median().reset_index()
        order = {m: i for i, m in enumerate([*_method_order(results), FULL])}
        return out.sort_values(["method", "keep"], key=lambda s: s.map(order)
                               if s.name == "method" else s).reset_index(drop=True)
    if value not in results.columns:
        raise ValueError(f"value={value!r} is not a column of results "
                         f"(columns: {list(results.columns)}).")
    _warn_fewer_repeats(results, value)
    runs = results[results["method"] != FULL]
    table = runs.pivot_table(index="keep", columns="method", values=value, aggfunc="median",
                             sort=True)
    table = table[[m for m in _method_order(results) if m in table.columns]]
    full = results.loc[results["method"] == FULL, value]
    if len(full):
        # a run's keep of 1 is one row (compare refuses the fraction 1.0): the baseline row
        # then gets the label "full", not 1.0, which would overwrite the one-row runs
        label = FULL if (table.index == 1).any() else 1.0
        table.loc[label] = float(full.median())
    table.columns.name = "method"
    return table


def kept_counts(keeps):
    """Whether the kept values of compare's runs (without the full-data row) are row
    counts: ``"all"`` when every one is a whole number >= 1, ``"some"`` when some are (a
    list mixing fractions and counts), ``""`` for fractions."""
    k = np.asarray(keeps, dtype=float)
    rows = (k >= 1) & (k == np.round(k))
    return "all" if len(k) and rows.all() else "some" if rows.any() else ""


def _warn_fewer_repeats(results, value):
    """Warn when a (method, keep) median of ``value`` is over fewer repeats than the
    results hold (runs left out by ``on_error="warn"``, NaN values): a median over other
    splits than its neighbours' and the full data's, which the table cannot show."""
    import warnings

    n = results["repeat"].nunique()
    counts = results.assign(_v=results[value].notna()).groupby(
        ["method", "keep"], sort=False)["_v"].sum()
    short = counts[counts < n]
    if not len(short):
        return
    shown = "; ".join(f"{m!r} at keep {k:g}: {int(c)} of {n}" for (m, k), c in
                      short.iloc[:5].items())
    more = f"; ... (+{len(short) - 5} more)" if len(short) > 5 else ""
    warnings.warn(f"medians of {value!r} over fewer repeats than the results hold ({shown}"
                  f"{more}; failed runs left out by on_error='warn', or NaN values): those "
                  "medians are not over the same splits as the others'.", UserWarning,
                  stacklevel=3)


#: compare's scores where lower is better (``"mae"``, the mean absolute error itself)
LOWER_IS_BETTER = ("mae",)
#: key of ``results.attrs`` where :func:`compare` lists its score columns where lower is
#: better (``"mae"`` under any column name of a dict ``scoring``)
LOWER_ATTR = "lower_is_better"
#: compare's columns of time and energy (lower is better)
_COST_COLUMNS = ("reduction_seconds", "training_seconds", "total_seconds", "time_ratio",
                 "energy_kwh", "emissions_kg")


def lower_is_better(results, column) -> bool:
    """Whether a lower value of ``column`` of a :func:`compare` table is better: the mean
    absolute error (``"mae"``, under the column name a dict ``scoring`` gave it, recorded in
    ``attrs``), the metric columns (distances: lower is closer to the data), the bottleneck
    distances, and time and energy."""
    from ..metrics import available_metrics

    attrs = getattr(results, "attrs", {})
    if column in attrs.get(SCORING_ATTR, ()):  # a score: its scorer says
        return column in attrs.get(LOWER_ATTR, LOWER_IS_BETTER)
    return (column in LOWER_IS_BETTER or column in attrs.get(METRICS_ATTR, ())
            or column in available_metrics() or str(column).startswith("bottleneck_h")
            or column in _COST_COLUMNS)


def differences(results, baseline="srs", score=None, *, confidence=0.95):
    """Paired differences to a baseline method (SRS by default) over the repeats.

    Every method of a :func:`compare` table is trained and scored on the same split as the
    baseline in each repeat, so ``score(method) - score(baseline)`` of the same repeat and
    kept fraction is a paired difference: its mean and Student-t interval over the repeats
    say whether the method gains or loses against the baseline, more sharply than two
    medians side by side.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    baseline : str, default="srs"
        The method the others are compared with (a ``method`` of ``results``).
    score : str, optional
        The score (or any numeric) column; default: the results' first score
        (:func:`first_score`).
    confidence : float, default=0.95
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per (method, keep) other than the baseline and the full data, in the
        results' order: ``n`` (repeats where both ran and scored), ``mean``, ``std`` (over
        the repeats), ``low`` and ``high`` (the interval ``mean +- t * std / sqrt(n)``, NaN
        below 2 pairs, and when every pair differs by the same amount: a discrete score
        moved by the same test rows in each repeat has no spread to measure, and the
        zero-width interval claimed a certain gain, e.g. +1 test row of 45 in 3 of 3
        repeats), and ``wins``, ``ties``, ``losses`` (repeats where the method scored
        better than, as well as, worse than the baseline; lower is better for ``"mae"``,
        the metric columns (distances), time and energy: :func:`lower_is_better`).
        ``attrs`` records ``baseline``, ``score`` and ``confidence``.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "mms"] * 2, "keep": [1.0, 0.1, 0.1] * 2,
    ...                     "repeat": [0, 0, 0, 1, 1, 1],
    ...                     "accuracy": [0.9, 0.7, 0.8, 0.9, 0.8, 0.8]})
    >>> d = differences(res)
    >>> print(d[["method", "keep", "n", "mean", "wins", "ties", "losses"]].to_string(index=False))
    method  keep  n  mean  wins  ties  losses
       mms   0.1  2  0.05     1     1       0
    """
    import pandas as pd

    from .._core.stats import t_interval

    _check_results(results)
    score = first_score(results) if score is None else score
    if score not in results.columns:
        raise ValueError(f"results has no column {score!r} (score={score!r}); pass score= one "
                         f"of its columns: {list(results.columns)}.")
    methods = _method_order(results)
    if baseline not in methods:
        raise ValueError(f"baseline={baseline!r} is not a method of results (methods: "
                         f"{methods}); run compare with it, e.g. methods=['srs', ...].")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be in (0, 1), e.g. 0.95.")
    sign = -1.0 if lower_is_better(results, score) else 1.0
    base = results[results["method"] == baseline].set_index(["keep", "repeat"])[score]
    rows = []
    for method in methods:
        if method == baseline:
            continue
        runs = results[results["method"] == method]
        for keep, grp in runs.groupby("keep", sort=False):
            pairs = grp.set_index(["keep", "repeat"])[score]
            d = (pairs - base.reindex(pairs.index)).to_numpy(float)
            d = d[np.isfinite(d)]
            mean, std, low, high = t_interval(d, confidence)
            # no spread (to rounding: 0.978 - 0.956 and 0.956 - 0.933 differ in the last
            # bits): not a certainty (see Returns)
            if len(d) > 1 and np.allclose(d, d[0], rtol=1e-9, atol=1e-12):
                low = high = np.nan
            better = sign * d
            rows.append({"method": method, "keep": keep, "n": len(d), "mean": mean,
                         "std": std, "low": low, "high": high,
                         "wins": int((better > 0).sum()), "ties": int((better == 0).sum()),
                         "losses": int((better < 0).sum())})
    out = pd.DataFrame(rows, columns=["method", "keep", "n", "mean", "std", "low", "high",
                                      "wins", "ties", "losses"])
    out.attrs.update(baseline=baseline, score=score, confidence=confidence)
    return out


def epsilon_correlation(results, score=None, metric=None):
    """Spearman correlation between epsilon (or another metric) and a score, per kept fraction.

    As in the paper, runs are pooled over methods and repeats at each kept fraction (the
    full-data baseline is left out). A negative rho means that better-covered reduced sets
    (smaller epsilon) tend to score higher.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, optional
        The score column. By default the first of ``results.attrs["scoring"]`` (compare's
        first scorer, as in :func:`plot_scores`; ``"accuracy"`` for a table without that
        record).
    metric : str, optional
        The metric column (e.g. ``"mmd"``, see :func:`compare`'s ``metrics``). By default
        :func:`headline_metric` (the first of ``results.attrs["metrics"]``, as in
        :func:`plot_epsilon`).

    Returns
    -------
    pandas.DataFrame
        Rows ``rho`` and ``p-value``, one column per kept fraction (NaN where fewer than
        three runs or a constant column make the correlation undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["a", "b", "c", "d"], "keep": [0.1] * 4,
    ...                     "repeat": 0, "epsilon": [0.1, 0.2, 0.3, 0.4],
    ...                     "accuracy": [0.9, 0.8, 0.7, 0.6]})
    >>> float(epsilon_correlation(res).loc["rho", 0.1])
    -1.0
    """
    import pandas as pd
    from scipy.stats import spearmanr


    _check_results(results)
    if metric is None:
        metric = _headline(results)
    if score is None:
        score = first_score(results)
    for arg, col in (("metric", metric), ("score", score)):
        if col not in results.columns:
            raise ValueError(f"results has no column {col!r} ({arg}={col!r}); pass {arg}= one "
                             f"of its columns: {list(results.columns)}.")
    runs = results[results["method"] != FULL]
    out = {}
    for keep, grp in runs.groupby("keep", sort=True):
        e, s = grp[metric].to_numpy(float), grp[score].to_numpy(float)
        ok = np.isfinite(e) & np.isfinite(s)
        e, s = e[ok], s[ok]
        if len(e) < 3 or np.ptp(e) == 0 or np.ptp(s) == 0:
            out[keep] = (np.nan, np.nan)
        else:
            res = spearmanr(e, s)
            out[keep] = (float(res.statistic), float(res.pvalue))
    return pd.DataFrame(out, index=["rho", "p-value"])


def to_markdown(table, floatfmt: str = ".3f") -> str:
    """A DataFrame as a GitHub-flavoured Markdown table (no extra dependency).

    Parameters
    ----------
    table : pandas.DataFrame
        The table; its index becomes the first column.
    floatfmt : str, default=".3f"
        Format of floating-point cells.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> print(to_markdown(pd.DataFrame({"srs": [0.91234]}, index=pd.Index([0.1], name="keep"))))
    | keep | srs |
    |---|---|
    | 0.1 | 0.912 |
    """
    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return str(float(v)) if not np.isfinite(v) else format(float(v), floatfmt)
        return str(v)

    index_name = table.index.name if table.index.name is not None else ""
    header = [str(index_name), *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in table.iterrows():
        cells = [str(idx), *(fmt(v) for v in row.tolist())]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def first_score(results) -> str:
    """The first score column of a :func:`compare` table: ``attrs["scoring"][0]``; without
    that record (e.g. a table read from CSV) ``"accuracy"`` when it is a column, else the
    first column after ``time_ratio`` that is not one of compare's own columns or a metric
    (compare writes the scores there), else ``"accuracy"``.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full"], "keep": [1.0], "repeat": 0,
    ...                     "time_ratio": [1.0], "r2": [0.9], "mae": [0.1], "mmd": [0.0]})
    >>> first_score(res)
    'r2'
    """
    attrs = getattr(results, "attrs", {})
    if attrs.get(SCORING_ATTR):
        return attrs[SCORING_ATTR][0]
    cols = list(getattr(results, "columns", ()))
    if "accuracy" in cols or "time_ratio" not in cols:
        return "accuracy"
    skip = set(_RUN_COLUMNS) | set(attrs.get(METRICS_ATTR) or ())
    after = [c for c in cols[cols.index("time_ratio") + 1:] if c not in skip]
    return after[0] if after else "accuracy"


def _headline(results) -> str:
    """:func:`headline_metric`, or for a table without that record (read from CSV) the first
    of compare's default metrics among its columns."""
    name = headline_metric(results)
    if name in getattr(results, "columns", ()) or getattr(results, "attrs", {}).get(
            METRICS_ATTR):
        return name
    return next((m for m in COMPARE_METRICS if m in results.columns), name)
