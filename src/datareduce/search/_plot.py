"""The search's plot, and the one method -> colour mapping of every search/compare plot.

:data:`METHOD_COLORS` gives each registry method a fixed colour (and :data:`METHOD_MARKERS`
a fixed marker), so ``srs`` has the same colour whichever methods ran; a name outside the
registry (a reducer given in ``methods={...}``) gets a colour from :data:`OTHER_COLORS`
chosen from its name alone. matplotlib is imported when drawing.
"""

from __future__ import annotations

import zlib

import numpy as np

from ..evaluation.plots import _plot_curve, _plot_runs, _quartiles, _reference_line

__all__ = ["METHOD_COLORS", "METHOD_MARKERS", "method_style", "plot_compare", "plot_search",
           "score_range"]

#: One fixed colour per registry method (matplotlib's tab10 first, then darker tones); grey
#: and black are left for the full data, the tolerance band and the threshold.
METHOD_COLORS = {
    "srs": "#1f77b4",      # blue
    "mms": "#ff7f0e",      # orange
    "herding": "#2ca02c",  # green
    "kt": "#d62728",       # red
    "clc": "#9467bd",      # purple
    "des": "#8c564b",      # brown
    "prd": "#e377c2",      # pink
    "nrmd": "#bcbd22",     # olive
    "phl": "#17becf",      # cyan
    "vq": "#393b79",       # indigo
    "flow": "#8c6d31",     # ochre
    "fes": "#637939",      # moss
    "random": "#6baed6",   # light blue (plain random rows, SRS's cousin)
}
#: Colours for names outside the registry, picked by a hash of the name.
OTHER_COLORS = ("#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
                "#636363", "#d6616b", "#a55194", "#5254a3")
#: One fixed marker per registry method.
METHOD_MARKERS = {"srs": "o", "mms": "s", "herding": "^", "kt": "D", "clc": "v", "des": "P",
                  "prd": "X", "nrmd": "<", "phl": ">", "vq": "h", "flow": "p", "fes": "d",
                  "random": "8"}
_OTHER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")

# scorers whose values lie in a known range (the confidence bands are clipped to it);
# r2, explained variance and the neg_* errors are unbounded on one side: left alone
_UNIT_SCORERS = ("accuracy", "balanced_accuracy", "top_k_accuracy", "f1", "fbeta",
                 "precision", "recall", "jaccard", "roc_auc", "average_precision")
# scorers in [-1, 1] (names or a callable scorer's metric function)
_SIGNED_UNIT_SCORERS = ("matthews_corrcoef", "cohen_kappa_score")


def method_style(name):
    """``{"color", "marker"}`` of a method: fixed for registry names, from a hash of the
    name otherwise (the same in every plot and every run)."""
    key = str(name).lower()
    if key in METHOD_COLORS:
        return {"color": METHOD_COLORS[key], "marker": METHOD_MARKERS[key]}
    h = zlib.crc32(key.encode())
    return {"color": OTHER_COLORS[h % len(OTHER_COLORS)],
            "marker": _OTHER_MARKERS[h % len(_OTHER_MARKERS)]}


def score_range(scoring):
    """``(low, high)`` of a scorer bounded on both sides (``(0, 1)`` for accuracy, F1,
    F-beta, precision, recall, ROC AUC ...; ``(-1, 1)`` for the Matthews correlation and
    Cohen's kappa), else None."""
    name = str(scoring)
    if name in _SIGNED_UNIT_SCORERS:
        return (-1.0, 1.0)
    if any(name == s or name.startswith(s + "_") for s in _UNIT_SCORERS):
        return (0.0, 1.0)
    return None


def _percent(x, _pos=None):
    """A kept fraction as a tick label: 0.01 -> '1%', 0.005 -> '0.5%'."""
    return f"{100 * x:.3g}%"


def _offsets(rows, methods, step=0.012):
    """Multiplicative x offsets (a fraction of a decade) that spread the methods measured
    at one kept fraction side by side, centred on it."""
    out = {}
    for keep, group in rows.groupby("keep", sort=False):
        present = [m for m in methods if (group["method"] == m).any()]
        for j, m in enumerate(present):
            out[(m, keep)] = 10 ** (step * (j - (len(present) - 1) / 2))
    return out


def _title_chars(ax, fontsize="medium"):
    """Characters of a title line that fit above ``ax``: the title is centred on the axes,
    so a line may be twice the distance from the axes' centre to the nearer edge of the
    figure wide (an average character taken as 0.55 of the font size, a margin kept)."""
    from matplotlib.font_manager import FontProperties

    pos = ax.get_position()
    centre = (pos.x0 + pos.x1) / 2
    room = 2 * min(centre, 1 - centre) * ax.figure.get_figwidth() * 72  # points
    size = FontProperties(size=fontsize).get_size_in_points()
    return max(30, int(0.9 * room / (0.55 * size)))


def _title(search, width=None):
    """The answer in words; the "no reduction" reason (up to ~200 characters) wrapped to
    ``width`` characters a line (:func:`_title_chars`), not cut by the figure's edges."""
    import textwrap

    if search.within_tolerance_:
        return (f"choice: {search.best_method_} keeping {100 * search.best_keep_:.3g}% of "
                f"the rows (within tolerance {search.tolerance:g})")
    reason = search.no_reduction_reason()
    if width is not None:
        reason = textwrap.fill(reason, width, break_on_hyphens=False)
    return "no reduction within tolerance (keep all rows)\n" + reason


def plot_search(search, ax=None):
    """The search's answer on its learning curves; see :meth:`ReductionSearchCV.plot`."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from ._evaluate import FULL

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 5), layout="constrained")
    df = search.results_frame()
    runs = df[df["method"] != FULL]
    methods = list(dict.fromkeys(runs["method"]))
    shift = _offsets(runs, methods)
    from ..evaluation.tasks import _scorer_column

    bounds = score_range(_scorer_column(search.scoring_))
    level = f"{100 * float(getattr(search, 'racing_level', 0.9)):.0f}%"
    handles = []
    for m in methods:
        style = method_style(m)
        c = runs[runs["method"] == m].sort_values("keep")
        x = c["keep"].to_numpy(float) * np.array([shift[(m, k)] for k in c["keep"]])
        y = c["mean_test_score"].to_numpy(float)
        lo, hi = c["ci_low"].to_numpy(float), c["ci_high"].to_numpy(float)
        if bounds is not None:  # a 95 % t-interval of F1 may reach past 1.0: clip it
            lo, hi = np.clip(lo, *bounds), np.clip(hi, *bounds)
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.plot(x, y, "-", color=style["color"], linewidth=1.3, zorder=2, label=m)
        if ok.sum() >= 2 and (c["stage"] == "curve").any():  # the learning curve: a band
            ax.fill_between(x[ok], lo[ok], hi[ok], color=style["color"], alpha=0.12,
                            linewidth=0, zorder=1)
        else:
            ax.errorbar(x[ok], y[ok], yerr=[y[ok] - lo[ok], hi[ok] - y[ok]], fmt="none",
                        capsize=3, color=style["color"], alpha=0.6, zorder=2)
        passed = c["within_tolerance"].to_numpy(bool)
        ax.plot(x[passed], y[passed], linestyle="none", marker=style["marker"],
                color=style["color"], zorder=3)
        ax.plot(x[~passed], y[~passed], linestyle="none", marker=style["marker"],
                markerfacecolor="white", markeredgecolor=style["color"], zorder=3)
        if "lower_bound" in c:
            lb = c["lower_bound"].to_numpy(float)
            fin = np.isfinite(lb)
            ax.plot(x[fin], lb[fin], linestyle="none", marker="_", markersize=10,
                    markeredgewidth=2, color=style["color"], zorder=3)
        handles.append(Line2D([], [], color=style["color"], marker=style["marker"],
                              label=m))
    base = search.baseline_score_
    known = base is not None and np.isfinite(base)  # None: the budget ran out first
    thr = search.threshold_
    tol = float(search.tolerance)
    if known:
        ax.axhline(base, color="black", linestyle="--", linewidth=1, zorder=1,
                   label="full set")
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1,
                              label="full set" + ("" if search.baseline_kind_ == "measured"
                                                  else f" ({search.baseline_kind_})")))
    if thr is not None and np.isfinite(thr):
        ax.axhspan(thr, thr + tol, color="grey", alpha=0.18, linewidth=0, zorder=0)
        gain = getattr(search, "baseline_gain_", 0.0) or 0.0
        handles.append(Patch(color="grey", alpha=0.3, label=f"tolerance band ({tol:g})"))
        ax.axhline(thr, color="dimgrey", linestyle="-", linewidth=1.2, zorder=1,
                   label="threshold")
        how = " (full+gain-tol)" if gain >= 5e-5 else ""
        handles.append(Line2D([], [], color="dimgrey", linewidth=1.2,
                              label=f"threshold {thr:.3f}{how}"))
    if "lower_bound" in runs and np.isfinite(runs["lower_bound"].to_numpy(float)).any():
        handles.append(Line2D([], [], color="black", marker="_", markersize=10,
                              markeredgewidth=2, linestyle="none",
                              label=f"{level} lower bound"))
    if len(runs) and not runs["within_tolerance"].all():
        handles.append(Line2D([], [], color="black", marker="o", markerfacecolor="white",
                              linestyle="none", label="not within tol."))
    law = getattr(search.learning_curve_, "law", None)
    if law is not None:
        # over the fractions measured (not the grid asked for: fractions below min_rows are
        # never run, and the power law extrapolated there can leave the scorer's range and
        # squash every measured point), clipped to the scorer's range when it has one
        start = float(runs["keep"].min()) if len(runs) else min(search.keeps)
        x = np.geomspace(start, 1.0, 50)
        yv = law.predict(x * search.n_samples_in_)
        if bounds is not None:
            yv = np.clip(yv, *bounds)
        ax.plot(x, yv, ":", color="grey", zorder=1, label="fitted learning curve")
        handles.append(Line2D([], [], color="grey", linestyle=":",
                              label="fitted learning curve"))
    if search.within_tolerance_:
        star = (search.best_keep_, search.best_score_, method_style(search.best_method_)
                ["color"], f"choice: {search.best_method_} at {100 * search.best_keep_:.3g}%")
    elif known:
        star = (1.0, base, "black", "choice: all rows")
    else:
        star = None
    if star is not None:
        ax.plot(star[0], star[1], linestyle="none", marker="*", markersize=16,
                markerfacecolor=star[2], markeredgecolor="black", zorder=4)
        handles.append(Line2D([], [], linestyle="none", marker="*", markersize=12,
                              markerfacecolor=star[2], markeredgecolor="black",
                              label=star[3]))
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_percent))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("kept fraction of the training rows (log scale)")
    ax.set_ylabel(f"{_scorer_column(search.scoring_)} (CV mean, 95% interval)")
    ax.legend(handles=handles, fontsize="x-small", ncol=3, loc="upper center",
              bbox_to_anchor=(0.45, -0.15), frameon=False, columnspacing=1.0,
              handlelength=1.6)
    title = _title(search, _title_chars(ax))
    if not known:
        title += "\n(full training set not measured: no reference line)"
    ax.set_title(title, fontsize="medium")
    return ax


# ----------------------------------------------------------- datareduce compare's plots
def _keep_axis(ax, keeps, counts):
    keeps = np.asarray(keeps, dtype=float)
    if len(keeps) and keeps.min() > 0 and keeps.max() / keeps.min() >= 10:
        ax.set_xscale("log")
    if not counts:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(_percent))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("kept rows" if counts else "kept fraction of the training split")


def plot_compare(results, kind, *, score, metric=None, ax=None, counts=False):
    """One plot of ``datareduce compare`` with the search's fixed method colours and a
    title: ``kind`` is ``"scores"`` (median score vs. keep, band: quartiles over repeats),
    ``"time"`` (median time over a training on the full split, log scale) or ``"metric"``
    (``metric`` vs. ``score``, one point per run, marker size by keep with its own legend)."""
    from matplotlib.lines import Line2D

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4.2), layout="constrained")
    methods = [m for m in dict.fromkeys(results["method"]) if m != "full"]
    repeats = results["repeat"].nunique() if "repeat" in results else 1
    if kind in ("scores", "time"):
        column = score if kind == "scores" else "time_ratio"
        curves, full = _quartiles(results, column)
        shift = _offsets(curves, methods, step=0.008)
        quartiles = repeats > 1  # drawn as error bars
        for m in methods:
            c = curves[curves["method"] == m].sort_values("keep")
            x = c["keep"].to_numpy(float) * np.array([shift[(m, k)] for k in c["keep"]])
            _plot_curve(ax, x, c["y"], *((c["low"], c["high"]) if quartiles else ()),
                        label=m, style=method_style(m), band="errorbar")
        _reference_line(ax, full, "full training split")
        _keep_axis(ax, curves["keep"], counts)
        bars = ", bars: quartiles)" if repeats > 1 else ")"
        if kind == "time":
            from matplotlib.ticker import FuncFormatter

            ax.set_yscale("log")
            ratio = FuncFormatter(lambda v, _pos: f"{v:g}x")
            ax.yaxis.set_major_formatter(ratio)
            ax.yaxis.set_minor_formatter(ratio)
            ax.tick_params(axis="y", which="minor", labelsize="x-small")
            ax.set_ylabel("time / training on the full split")
            ax.set_title(f"reduction + training time (median of {repeats} repeats{bars}",
                         fontsize="medium")
        else:
            ax.set_ylabel(score)
            ax.set_title(f"{score} on the test split (median of {repeats} repeats{bars}",
                         fontsize="medium")
        ax.legend(fontsize="small", ncol=2)
        return ax
    size = _plot_runs(ax, results, {m: method_style(m) for m in methods}, x=metric, y=score,
                      full_label="full training split")
    keeps = sorted(results.loc[results["method"] != "full", "keep"].astype(float).unique())
    shown = keeps if len(keeps) <= 4 else [keeps[0], keeps[len(keeps) // 2], keeps[-1]]
    sizes = [Line2D([], [], linestyle="none", marker="o", color="grey",
                    markersize=np.sqrt(size(k)),
                    label="kept " + (f"{k:.0f} rows" if counts else _percent(k)))
             for k in shown]
    handles, _ = ax.get_legend_handles_labels()  # one legend: methods, full data, sizes
    ax.legend(handles=handles + sizes, fontsize="small", ncol=2, loc="best",
              framealpha=0.8)
    ax.set_xlabel(metric)
    ax.set_ylabel(score)
    ax.set_title(f"{metric} vs. {score}, one point per run (size: kept)", fontsize="medium")
    return ax
