"""Plots of a :func:`datareduce.evaluation.compare` table (matplotlib, imported when drawing)."""

from __future__ import annotations

import numpy as np

from ..metrics._plots import styles
from .summaries import (  # noqa: F401 - SCORING_ATTR re-exported (plots.SCORING_ATTR)
    SCORING_ATTR,
    _check_results,
    _headline,
    _method_order,
    first_score,
    kept_counts,
)

__all__ = ["plot_comparison", "plot_curves", "plot_epsilon", "plot_scores", "plot_time"]

FULL = "full"
#: a distinct (colour, marker) per method, the same in every plot (shared with metrics)
_styles = styles


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
    return ax


def plot_curves(curves, *, ax=None, reference=None, reference_band=None,
                reference_label="full data", xlabel="kept fraction", ylabel="score",
                logx=False, logy=False):
    """One line per method with a shaded band: the helper behind every curve plot.

    Used by :func:`plot_scores` and :func:`plot_time` (bands: quartiles over repeats) and by
    :meth:`datareduce.ReductionSearchCV.plot` (bands: confidence intervals over folds).

    Parameters
    ----------
    curves : pandas.DataFrame
        Long format: columns ``method``, ``x``, ``y`` and optionally ``low`` and ``high``
        (the band; left out where NaN). One line per method, in order of first appearance.
    ax : matplotlib Axes, optional
        Where to draw (a new figure otherwise).
    reference : float, optional
        A horizontal dashed line (e.g. the full-data score).
    reference_band : (float, float), optional
        A shaded horizontal band (e.g. the tolerance below the full-data score).
    reference_label, xlabel, ylabel : str
        Labels.
    logx, logy : bool, default=False
        Log scales.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> curves = pd.DataFrame({"method": ["srs", "srs"], "x": [0.1, 0.5], "y": [0.7, 0.8],
    ...                        "low": [0.6, 0.75], "high": [0.8, 0.85]})
    >>> ax = plot_curves(curves, reference=0.9)
    >>> len(ax.lines), len(ax.collections)
    (2, 1)
    """
    ax = _axes(ax)
    methods = list(dict.fromkeys(curves["method"]))
    styles = _styles(methods)
    band = "low" in curves and "high" in curves
    for method in methods:
        c = curves[curves["method"] == method].sort_values("x")
        _plot_curve(ax, c["x"], c["y"], c["low"] if band else None,
                    c["high"] if band else None, label=method, style=styles[method])
    _reference_line(ax, reference, reference_label)
    if reference_band is not None:
        ax.axhspan(*reference_band, color="grey", alpha=0.15, linewidth=0)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small", ncol=2)
    return ax


def _plot_curve(ax, x, y, low=None, high=None, *, label, style, band="fill_between"):
    """One method's line and its band: the drawing of every curve plot (those of
    :func:`plot_curves` and ``datareduce compare``'s, with ``search._plot.plot_compare``).

    ``style``: the line's keywords (``color``, ``marker``). ``band="fill_between"`` shades
    the band between ``low`` and ``high`` where both are finite (a single such point: an
    error bar); ``band="errorbar"`` draws it as an error bar at every point. No band
    without ``low`` and ``high``."""
    ax.plot(x, y, label=label, **style)
    if low is None or high is None:
        return
    if band == "errorbar":
        ax.errorbar(x, y, yerr=[y - low, high - y], fmt="none", capsize=3,
                    color=style["color"], alpha=0.6)
        return
    ok = np.isfinite(np.asarray(low, float)) & np.isfinite(np.asarray(high, float))
    if ok.sum() >= 2:
        ax.fill_between(x[ok], low[ok], high[ok], alpha=0.15, color=style["color"],
                        linewidth=0)
    elif ok.any():  # a single point: its band as an error bar
        y, lo, hi = (np.asarray(v, float)[ok] for v in (y, low, high))
        ax.errorbar(x[ok], y, yerr=[y - lo, hi - y], fmt="none", capsize=3,
                    color=style["color"], alpha=0.6)


def _reference_line(ax, value, label):
    """The full data's value as a horizontal dashed line (none for None or NaN)."""
    if value is not None and np.isfinite(value):
        ax.axhline(value, color="black", linestyle="--", linewidth=1, label=label)


def _quartiles(results, column):
    """Median (``y``) and quartiles (``low``, ``high``) over repeats per (method, keep), in
    order of first appearance; the full data's median (None without a full-data row)."""
    runs = results[results["method"] != FULL]
    grp = runs.groupby(["method", "keep"], sort=False)[column]
    curves = grp.median().rename("y").to_frame()
    curves["low"], curves["high"] = grp.quantile(0.25), grp.quantile(0.75)
    curves = curves.reset_index()
    full = results.loc[results["method"] == FULL, column]
    return curves, (float(full.median()) if len(full) else None)


def _quartile_curves(results, column):
    """:func:`_quartiles` as :func:`plot_curves` takes them (``keep`` as ``x``), sorted by
    method and kept fraction."""
    _check_results(results)
    curves, full = _quartiles(results, column)
    curves = curves.rename(columns={"keep": "x"})
    order = {m: i for i, m in enumerate(_method_order(results))}
    curves = curves.sort_values(["method", "x"], key=lambda s: s.map(order)
                                if s.name == "method" else s, kind="stable")
    return curves, full


def plot_scores(results, score=None, ax=None):
    """Median score vs. kept fraction per method (band: quartiles over repeats), full data dashed.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, optional
        The score column; default: the results' first score (:func:`first_score`:
        ``"accuracy"`` for compare's classification default, ``"r2"`` for regression).
    ax : matplotlib Axes, optional
        Where to draw (a new figure otherwise).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "srs"], "keep": [1.0, 0.1, 0.5],
    ...                     "repeat": 0, "accuracy": [0.9, 0.7, 0.8]})
    >>> ax = plot_scores(res)
    >>> ax.get_ylabel()
    'accuracy (median)'
    """
    score = first_score(results) if score is None else score
    if score not in results.columns:
        raise ValueError(f"score={score!r} is not a column of results.")
    curves, full = _quartile_curves(results, score)
    return plot_curves(curves, ax=ax, reference=full, ylabel=f"{score} (median)",
                       xlabel=_keep_label(results))


def _keep_label(results):
    """The x axis of a curve over compare's keeps: fractions or row counts."""
    counts = kept_counts(results.loc[results["method"] != FULL, "keep"])
    return {"all": "kept rows", "some": "kept fraction (< 1) or rows (>= 1)"}.get(
        counts, "kept fraction")


def plot_time(results, ax=None, relative: bool = True):
    """Median time (reduction + training) vs. kept fraction per method.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    ax : matplotlib Axes, optional
        Where to draw.
    relative : bool, default=True
        Plot ``time_ratio`` (1.0 = training on the full split, log scale) instead of
        seconds.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs"], "keep": [1.0, 0.5], "repeat": 0,
    ...                     "total_seconds": [2.0, 1.0], "time_ratio": [1.0, 0.5]})
    >>> plot_time(res).get_ylabel()
    'time / full-data training time (median)'
    """
    col = "time_ratio" if relative else "total_seconds"
    curves, full = _quartile_curves(results, col)
    return plot_curves(curves, ax=ax, reference=full, logy=relative,
                       xlabel=_keep_label(results),
                       ylabel="time / full-data training time (median)" if relative
                       else "reduction + training seconds (median)")


def plot_epsilon(results, score=None, ax=None, *, metric=None):
    """Epsilon (or another metric) vs. score, one point per run, coloured by method (marker
    size by keep).

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, optional
        The score column; default: the results' first score (:func:`first_score`:
        ``"accuracy"`` for compare's classification default, ``"r2"`` for regression).
    ax : matplotlib Axes, optional
        Where to draw.
    metric : str, optional
        The metric column on the x axis (e.g. ``"epsilon"``); default: compare's headline
        metric (``"mmd"`` by default; ``"epsilon"`` for a table that does not record its
        metrics and has that column).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "mms"], "keep": [1.0, 0.1, 0.1],
    ...                     "repeat": 0, "epsilon": [0.0, 0.5, 0.2],
    ...                     "accuracy": [0.9, 0.7, 0.8]})
    >>> plot_epsilon(res).get_xlabel()
    'epsilon'
    """
    ax = _axes(ax)
    _check_results(results)
    score = first_score(results) if score is None else score
    metric = _headline(results) if metric is None else metric
    _plot_runs(ax, results, _styles(_method_order(results)), x=metric, y=score,
               full_label="full data")
    ax.set_xlabel(metric)
    ax.set_ylabel(score)
    ax.legend(fontsize="small", ncol=2)
    return ax


def _plot_runs(ax, results, styles, *, x, y, full_label):
    """One point per run, ``x`` vs. ``y``, for each method of ``styles`` (its scatter
    keywords ``color`` and ``marker``), the marker's area growing with the kept fraction;
    the full data's median ``y`` dashed. Returns the marker area of a kept fraction (for
    a legend of sizes). The drawing of :func:`plot_epsilon` and of ``datareduce compare``'s
    metric plot."""
    runs = results[results["method"] != FULL]
    keeps = runs["keep"].astype(float)
    kmax = float(keeps.max()) if len(keeps) else 1.0

    def size(keep):
        return 15 + 60 * keep / (kmax or 1.0)

    for method, style in styles.items():
        grp = runs[runs["method"] == method]
        ax.scatter(grp[x], grp[y], s=size(grp["keep"].astype(float)), alpha=0.7,
                   label=method, **style)
    full = results.loc[results["method"] == FULL, y]
    if len(full):
        ax.axhline(float(full.median()), color="black", linestyle="--", linewidth=1,
                   label=full_label)
    _note_runs_not_drawn(ax, runs, x, y)
    return size


def _note_runs_not_drawn(ax, runs, x, y):
    """A line in the corner of the axes counting the runs matplotlib does not draw: an
    infinite ``x`` (epsilon or coverage of a class with no kept row) or a missing value.
    They vanished silently: at keep 8 rows of digits every run's epsilon is infinite, and
    the plot "one point per run" showed only the other kept values."""
    xs, ys = (runs[c].to_numpy(dtype=float, na_value=np.nan) for c in (x, y))
    inf = np.isinf(xs) & ~np.isnan(ys)
    other = ~(np.isfinite(xs) & np.isfinite(ys)) & ~inf
    parts = []
    if inf.any():
        parts.append(f"{int(inf.sum())} with an infinite {x} (a class with no kept row)")
    if other.any():
        parts.append(f"{int(other.sum())} with a missing or infinite value")
    if parts:
        ax.text(0.01, 0.01, f"not drawn: {' and '.join(parts)} of the {len(runs)} runs",
                transform=ax.transAxes, fontsize="small", ha="left", va="bottom",
                color="dimgrey", bbox={"facecolor": "white", "alpha": 0.7,
                                       "edgecolor": "none"})


def plot_comparison(results, score=None, metric=None):
    """The three plots side by side: score, time and a metric vs. score.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, optional
        The score column; default: the results' first score (:func:`first_score`:
        ``"accuracy"`` for compare's classification default, ``"r2"`` for regression).
    metric : str, optional
        The metric column of the third plot; default: :func:`compare`'s headline metric
        (for a table that does not record its metrics: ``"epsilon"`` if a column, else the
        first of compare's default metrics present).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs"], "keep": [1.0, 0.5], "repeat": 0,
    ...                     "accuracy": [0.9, 0.8], "epsilon": [0.0, 0.3],
    ...                     "total_seconds": [2.0, 1.0], "time_ratio": [1.0, 0.5]})
    >>> len(plot_comparison(res).axes)
    3
    """
    import matplotlib.pyplot as plt

    score = first_score(results) if score is None else score
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    plot_scores(results, score, ax=axes[0])
    plot_time(results, ax=axes[1])
    plot_epsilon(results, score, ax=axes[2], metric=metric or _headline(results))
    fig.tight_layout()
    return fig

