"""CoverageCurve.plot with many classes (explore5/audit_visual 05): distinct styles beyond
10 classes, the legend outside the axes, the labels inside the figure plot() creates."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from datareduce.metrics import coverage_curve  # noqa: E402


def _curve(n_classes, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), 40)
    X = rng.normal(size=(y.size, 3)) + y[:, None] * 0.3
    kept = np.concatenate([np.flatnonzero(y == c)[:4] for c in range(n_classes)])
    return coverage_curve(X, X[kept], y=y, y_reduced=y[kept])


def _legend(ax):
    leg = ax.get_legend()
    return leg, [t.get_text() for t in leg.get_texts()], leg.legend_handles


def test_twelve_classes_distinct_styles_legend_outside_labels_inside():
    ax = _curve(12).plot()
    fig = ax.figure
    try:
        fig.canvas.draw()
        leg, names, handles = _legend(ax)
        assert names[0] == "all rows" and len(names) == 13
        colours = [to_hex(h.get_color()) for h in handles]
        assert len(set(colours)) == len(colours), dict(zip(names, colours, strict=True))
        # the legend does not sit over the curves
        lb, axb = leg.get_window_extent(), ax.get_window_extent()
        assert lb.x0 >= axb.x1
        # every label and the legend inside the saved figure
        fb = fig.bbox
        for art in (ax.xaxis.label, ax.yaxis.label, leg):
            b = art.get_window_extent()
            assert b.x0 >= fb.x0 and b.y0 >= fb.y0 and b.x1 <= fb.x1 and b.y1 <= fb.y1, art
    finally:
        plt.close(fig)


def test_many_classes_capped_as_the_audit_map():
    from datareduce.metrics.coverage import CURVE_CLASSES

    cc = _curve(30)
    ax = cc.plot()
    try:
        _, names, handles = _legend(ax)
        assert len(names) == 1 + (CURVE_CLASSES - 1) + 1
        assert names[-1] == f"{30 - CURVE_CLASSES + 1} more classes"
        coloured = [to_hex(h.get_color()) for h in handles[1:-1]]
        assert len(set(coloured)) == len(coloured)
        # the classes drawn in their own style are the least covered ones
        mean = {c: float(np.mean(f)) for c, f in cc.per_class.items()}
        worst = sorted(mean, key=mean.get)[:CURVE_CLASSES - 1]
        assert {f"class {c}" for c in worst} == set(names[1:-1])
        # one grey line per remaining class, all drawn
        assert len(ax.lines) == 1 + 30 + 1  # all rows, the classes, epsilon
    finally:
        plt.close(ax.figure)


def test_few_classes_keep_the_legend_inside_and_a_given_axes_is_used():
    fig, ax = plt.subplots()
    try:
        out = _curve(3).plot(ax=ax)
        assert out is ax
        _, names, _ = _legend(ax)
        assert names == ["all rows", "class 0", "class 1", "class 2"]
        assert ax.get_legend().get_bbox_to_anchor().bounds == ax.bbox.bounds
    finally:
        plt.close(fig)


def test_evaluation_plots_share_the_styles_helper():
    from datareduce.evaluation import plots
    from datareduce.metrics import _plots

    assert plots._styles is _plots.styles
    st = _plots.styles([f"m{i}" for i in range(12)])
    assert len({to_hex(s["color"]) for s in st.values()}) == 12
