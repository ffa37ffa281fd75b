"""Plot helpers of the audit pages: one function per plot shape, each drawing into an axes.

Each helper takes the numbers to draw and a matplotlib ``Axes`` and returns the axes, in
the manner of scikit-learn's display objects; the page builder (:mod:`._html`) only lays
them out. ``figure_to_data_uri`` turns a figure into an embeddable PNG.
"""

from __future__ import annotations

import base64
import io

import numpy as np

KEPT_COLOR, DROPPED_COLOR = "#c0392b", "#bdbdbd"
BAD_COLOR = "#c62828"
VERDICT_COLORS = {"good": "#2e7d32", "": "#90a4ae", "warn": "#f9a825", "bad": BAD_COLOR}


def verdict_class(percentile) -> str:
    """CSS class of a verdict line from its percentile: "good" (green) at 50 and above,
    neutral ("") from 10 to 50 (one random subset in two is further than the median; no
    alarm), "warn" (amber) from 5 to 10, "bad" (red) below 5. None: neutral; NaN, a verdict
    with no percentile because the value is not finite (e.g. a class with no kept row):
    bad. The charts use the same rule (:func:`percentile_color`); the pages colour their verdict
    lines with it."""
    import math

    if percentile is None:
        return ""
    if not math.isfinite(percentile):
        return "bad"
    if percentile >= 50:
        return "good"
    return "" if percentile >= 10 else "warn" if percentile >= 5 else "bad"


def percentile_color(p) -> str:
    """Bar colour of a percentile: the rule of the verdicts (:func:`verdict_class`:
    green >= 50, neutral grey-blue 10-50, amber 5-10, red < 5 or not finite)."""
    return VERDICT_COLORS[verdict_class(float(p))]


def new_axes(n=1, *, width=4.6, height=3.6):
    """A figure with ``n`` axes side by side (Agg, not shown)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * n, height), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    return fig, list(axes)


#: PNG resolution of the pages' figures: drawn at 150 dpi and shown at half their pixel
#: width (75 CSS pixels per inch), so that they stay sharp on high-density screens
FIG_DPI = 150
#: legend text size (points)
LEGEND_PT = 8.5


#: characters per line of a name in the map's legend and in a bar chart's labels: longer
#: names (classes such as "Department of Finance and ...") are wrapped, at most
#: :data:`LABEL_LINES` lines, then cut with "…"; unwrapped, a 60-character class name pushed
#: the map's legend out of the figure and squashed the per-class chart's bars to 0.6 inch
LEGEND_CHARS = 44
TICK_CHARS = 40
#: the map's legend has two columns while its lines are at most this long, else one (two
#: columns of 44 characters are wider than the figure)
LEGEND_TWO_COLUMNS = 34
LABEL_LINES = 3


def wrap_label(text, width, *, max_lines=LABEL_LINES) -> str:
    """``text`` as a matplotlib label: in lines of at most ``width`` characters, at most
    ``max_lines`` of them (the last one ending in "…" when cut; the tables keep the whole
    name), its dollar signs literal (matplotlib reads "$...$" as math: the class "$0-$50"
    was drawn "0 - 50", and "$5^$ off" failed the page with a ParseSyntaxException).

    Examples
    --------
    >>> wrap_label("kept, class Department of Finance", 20)
    'kept, class\\nDepartment of\\nFinance'
    >>> wrap_label("short", 20)
    'short'
    >>> wrap_label("$0-$50", 20)
    '\\\\$0-\\\\$50'
    """
    import textwrap

    text = str(text)
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:width - 1].rstrip() + "…"
    text = text if len(lines) <= 1 else "\n".join(lines)
    return text.replace("$", r"\$")


def percentiles_height(names, notes=()) -> float:
    """Height in inches of a :func:`plot_percentiles` figure of these bars: a row per bar
    and note, and room for the wrapped lines of long names."""
    extra = sum(wrap_label(n, TICK_CHARS).count("\n") for n in names)
    return 0.9 + 0.22 * (len(names) + len(notes)) + 0.13 * extra


def figure_to_data_uri(fig, *, dpi=FIG_DPI) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


#: classes drawn in a colour and marker of their own on the map, at most (the colours
#: repeat beyond 10); the others are drawn alike, as one legend entry "k more classes"
MAP_CLASSES = 10
#: classes with no kept row named in the map's legend, at most (the others: "k more")
MAP_ABSENT = 4
#: target bins named on the map's colourbar, at most (every n-th beyond)
MAP_TICKS = 12


#: markers of :func:`styles`, cycled alongside the colours
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h")


def styles(names):
    """A distinct (colour, marker) per name, in order: tab10's colours up to 10 names,
    tab20's beyond (distinct up to 20; with the 11 markers a pair repeats only after 220).
    The same names give the same styles in every plot (``evaluation.plots``, the coverage
    curve)."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
    n = cmap.N
    return {m: {"color": cmap(i % n), "marker": MARKERS[i % len(MARKERS)]}
            for i, m in enumerate(names)}


def _plural(name: str) -> str:
    return name + ("es" if name.endswith("s") else "s")


def plot_map(ax, P, kept, labels=None, *, title="2-D map", xlabel="PC1", ylabel="PC2",
             kept_name="kept", dropped_name="dropped", order=None, sequential=False,
             group_name="class"):
    """Scatter of a 2-D projection: dropped rows grey, kept rows coloured by class (marker
    per class), the legend outside the axes. A class of ``order`` with no kept point is
    listed without a marker as "``group_name`` c: no ``kept_name`` row".

    ``order``: the labels in the order to list them (default: sorted). ``sequential``
    (ordered groups, e.g. the quantile bins of a regression target): kept rows coloured on
    a sequential colormap with a colourbar naming each ``group_name`` drawn instead of a
    legend entry per group (a group with no kept point is named in the legend as above).

    Many classes: the :data:`MAP_CLASSES` - 1 with the most rows on the map get a colour
    and marker each, the others one dark grey marker and one entry ("``k`` more
    classes"); at most :data:`MAP_ABSENT` classes with no kept point are named (then "k
    more ... with no kept row"), so that the legend never crowds out the axes."""
    markers = "os^Dv<>pP*X"
    more = None
    if labels is not None and order is None:
        order = list(np.unique(labels))
    ax.scatter(P[~kept, 0], P[~kept, 1], s=5, color=DROPPED_COLOR, label=dropped_name,
               linewidths=0)
    if labels is None:
        ax.scatter(P[kept, 0], P[kept, 1], s=14, color="C0", edgecolors="black",
                   linewidths=0.3, label=kept_name)
    elif sequential:
        from matplotlib.colors import BoundaryNorm

        # the colourbar names the groups drawn; the legend names the others (below)
        drawn = [c for c in order if ((labels == c) & kept).any()]
        code = {c: i for i, c in enumerate(drawn)}
        idx = np.array([code[c] for c in labels[kept]], dtype=float)
        k = max(len(drawn), 1)
        cmap = _cmap("viridis", k)
        sc = ax.scatter(P[kept, 0], P[kept, 1], s=16, c=idx, cmap=cmap,
                        norm=BoundaryNorm(np.arange(-0.5, k), cmap.N), edgecolors="black",
                        linewidths=0.3, label=f"{kept_name} (colour: {group_name})")
        if drawn:
            step = -(-k // MAP_TICKS)  # every step-th bin named: at most MAP_TICKS labels
            ticks = np.arange(0, k, step)
            bar = ax.figure.colorbar(sc, ax=ax, ticks=ticks, fraction=0.06, pad=0.02)
            bar.ax.set_yticklabels([str(drawn[i]) for i in ticks], fontsize=8)
            bar.set_label(f"{group_name} of the {kept_name} rows", fontsize=9)
    else:
        drawn = [c for c in order if ((labels == c) & kept).any()]
        own = drawn
        if len(drawn) > MAP_CLASSES:  # (drawn first, below the others; listed after them)  # the most populous on the map, listed in order
            rows = {c: int(np.sum(labels == c)) for c in drawn}
            top = set(sorted(drawn, key=lambda c: -rows[c])[:MAP_CLASSES - 1])
            own = [c for c in drawn if c in top]
            rest = kept & ~np.isin(labels, own)
            more = ax.scatter(P[rest, 0], P[rest, 1], s=10, marker=".", color="0.3",
                              linewidths=0, label=f"{kept_name}, {len(drawn) - len(own)} "
                                                  f"more {_plural(group_name)}")
        for g, c in enumerate(own):  # a class with no kept row drawn gets no marker
            sel = (labels == c) & kept
            ax.scatter(P[sel, 0], P[sel, 1], s=14, marker=markers[g % len(markers)],
                       color=f"C{g % 10}", edgecolors="black", linewidths=0.3,
                       label=f"{kept_name}, {group_name} {c}")
    handles, names = ax.get_legend_handles_labels()
    if more is not None:
        i = handles.index(more)
        handles.append(handles.pop(i))
        names.append(names.pop(i))
    if labels is not None:
        from matplotlib.lines import Line2D

        # named, without a marker: a class of the data none of whose kept rows is drawn
        absent = [c for c in order if not ((labels == c) & kept).any()]
        named = absent if len(absent) <= MAP_ABSENT else absent[:MAP_ABSENT - 1]
        for c in named:
            handles.append(Line2D([], [], linestyle="none"))
            names.append(f"{group_name} {c}: no {kept_name} row")
        if len(named) < len(absent):
            handles.append(Line2D([], [], linestyle="none"))
            names.append(f"{len(absent) - len(named)} more {_plural(group_name)} with no "
                         f"{kept_name} row")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    names = [wrap_label(t, LEGEND_CHARS) for t in names]
    ncol = 2 if max(len(x) for t in names for x in t.split("\n")) <= LEGEND_TWO_COLUMNS else 1
    ax.legend(handles, names, fontsize=LEGEND_PT, loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=ncol, markerscale=1.2, frameon=False)
    # the figure grows by the legend's lines beyond one per row of two entries, so that
    # long class names do not squash the map
    lines = sum(max(t.count("\n") + 1 for t in names[i:i + ncol])
                for i in range(0, len(names), ncol))
    extra = lines - -(-len(names) // 2)
    if extra > 0:
        ax.figure.set_figheight(ax.figure.get_figheight() + 0.15 * extra)
    return ax


def _cmap(name, k):
    import matplotlib

    return matplotlib.colormaps[name].resampled(k)


def plot_band(ax, x, curve, lo, mid, hi, *, title, xlabel, ylabel, label="subset",
              band_label="random subsets (5-95%)", mid_label="random subsets, median"):
    """A curve against the band of the same curve over random subsets (and their median)."""
    ax.fill_between(x, lo, hi, color="0.8", label=band_label)
    ax.plot(x, mid, color="0.45", lw=1, ls="--", label=mid_label)
    ax.plot(x, curve, color=KEPT_COLOR, lw=2, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=LEGEND_PT, loc="lower right")
    return ax


def plot_percentiles(ax, names, values, *, title, xlabel="percentile among random subsets",
                     na_text="n/a", ties=None, tie_text="tie", notes=()):
    """Horizontal bars of percentiles (0-100), worst (lowest) first, with the 5% and 50%
    marks. Each bar ends in a dot and its value written next to it, so that a percentile
    of 0 (the most alarming) is as visible as any other. A missing percentile (NaN: e.g. a
    class with no row in the subset) draws no bar but ``na_text`` in red, first.
    ``ties`` (one bool per bar): percentiles that are a tie by construction (a class kept
    whole, as in every draw), drawn neutral (grey-blue) with ``tie_text`` for their value.
    ``notes``: lines written below the bars (e.g. "52 more classes, all at 23 or above").
    A chart of more than 10 rows has its percentile axis at the top as well."""
    vals = np.asarray(values, dtype=float)
    tie = np.zeros(vals.size, bool) if ties is None else np.asarray(ties, dtype=bool)
    order = np.argsort(np.where(np.isnan(vals), -1.0, vals), kind="stable")
    names = [wrap_label(names[i], TICK_CHARS) for i in order]  # (percentiles_height)
    vals, tie = vals[order], tie[order]
    y = np.arange(len(names))
    ok = ~np.isnan(vals)
    colors = [VERDICT_COLORS[""] if t else percentile_color(v)
              for v, t in zip(vals[ok], tie[ok], strict=True)]
    ax.barh(y[ok], vals[ok], color=colors, height=0.7)
    ax.scatter(vals[ok], y[ok], s=22, color=colors, edgecolors="black", linewidths=0.5,
               zorder=3)
    for yi, v, t in zip(y, vals, tie, strict=True):
        if np.isnan(v):
            ax.text(1, yi, na_text, va="center", ha="left", fontsize=8, color=BAD_COLOR,
                    fontweight="bold")
        else:
            ax.text(v + 1.5, yi, tie_text if t else f"{v:.0f}", va="center", ha="left",
                    fontsize=8)
    ax.axvline(50, color="0.4", lw=1, ls="--")
    ax.axvline(5, color=BAD_COLOR, lw=1, ls=":")
    for i, note in enumerate(notes):
        ax.text(0, len(names) + i, note, va="center", ha="left", fontsize=8, color="0.3",
                style="italic", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_yticks(y, names, fontsize=8)
    # room right of 100 for the value written after a bar ("100" had been cut at 108)
    ax.set_xlim(-2, 116)
    ax.set_xticks(np.arange(0, 101, 20))
    ax.set_ylim(len(names) + len(notes) - 0.5, -0.5)
    if len(names) + len(notes) > 10:  # the axis readable where the worst bars are
        ax.tick_params(axis="x", top=True, labeltop=True)
    ax.set(title=title, xlabel=xlabel)
    return ax


def plot_reference(ax, draws, value, *, title, xlabel, label="subset",
                   ylabel="random subsets", kept="kept"):
    """Histogram of a metric over random subsets, with the subset's value as a line."""
    draws = np.asarray(draws, dtype=float)
    finite = draws[np.isfinite(draws)]
    notes = []
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        # draws equal up to rounding (every draw the same rows' distances, summed in another
        # order) leave no room for finite-sized bins: one bar around their value
        if hi - lo <= 1e-9 * max(abs(lo), abs(hi), 1e-300):
            pad = max(abs(hi), 1.0) * 1e-3
            ax.hist(finite, bins=1, range=(lo - pad, hi + pad), color="0.7")
        else:
            ax.hist(finite, bins=min(20, max(5, finite.size // 3)), color="0.7")
        if finite.size < draws.size:
            notes.append(f"{draws.size - finite.size} of {draws.size} draws: ∞\n"
                         "(a class has no row), not shown")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        notes.append(f"no histogram: all {draws.size} draws are ∞\n(each misses a class)")
    if np.isfinite(value):
        ax.axvline(value, color=KEPT_COLOR, lw=2, label=label)
        ax.legend(fontsize=LEGEND_PT)
    else:
        notes.append(f"{label}: ∞\n(a class has no {kept} row)")
    if notes:
        ax.text(0.5, 0.5, "\n".join(notes), transform=ax.transAxes, ha="center",
                va="center", fontsize=8, color="0.25",
                bbox={"facecolor": "white", "edgecolor": "0.6", "alpha": 0.9})
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax


def plot_diagram(ax, full, reduced, *, title, full_label="full", label="subset"):
    """Two persistence diagrams (birth, death) overlaid, with the diagonal."""
    hi = max([1e-12] + [float(d[:, 1].max()) for d in (full, reduced) if len(d)])
    ax.plot([0, hi * 1.05], [0, hi * 1.05], color="0.6", lw=1)
    ax.scatter(full[:, 0], full[:, 1], s=12, alpha=0.6, label=f"{full_label} ({len(full)})")
    ax.scatter(reduced[:, 0], reduced[:, 1], s=18, marker="x", color=KEPT_COLOR,
               label=f"{label} ({len(reduced)})")
    ax.set(title=title, xlabel="birth", ylabel="death")
    ax.legend(fontsize=LEGEND_PT, loc="lower right")
    return ax


def project_2d(X, *, method="auto", random_state=0):
    """2-D coordinates of X's rows: UMAP when installed and ``method`` allows, else PCA.

    Returns ``(P, name)``.
    """
    if method in ("auto", "umap"):
        try:
            import umap  # type: ignore[import-not-found]

            P = umap.UMAP(n_components=2, random_state=random_state).fit_transform(X)
            return np.asarray(P), "UMAP"
        except ImportError:
            if method == "umap":
                raise ImportError("method='umap' needs the umap-learn package.") from None
    from sklearn.decomposition import PCA

    k = min(2, X.shape[1], X.shape[0])
    P = PCA(n_components=k, random_state=random_state).fit_transform(X)
    if P.shape[1] < 2:
        P = np.c_[P, np.zeros((len(P), 2 - P.shape[1]))]
    return P, "PCA"
