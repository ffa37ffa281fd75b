"""ReductionSearchCV.plot() as a reader sees it: the threshold the choice is held to, the
choice starred, failed points hollow, the answer in the title, fixed method colours,
bands inside the scorer's range, percent ticks, racers side by side."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from datareduce.search import ReductionSearchCV

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402


def easy(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def fit(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ReductionSearchCV(**kw).fit(X, y)


@pytest.fixture(scope="module")
def chosen():
    X, y = easy()
    return fit(X, y, estimator=LogisticRegression(), methods=["srs", "mms"],
               keeps=(0.2, 0.5), tolerance=0.05, budget=None, random_state=0)


@pytest.fixture(scope="module")
def no_reduction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = (np.sin(4 * X[:, 0]) * np.cos(4 * X[:, 1]) > 0).astype(int)
    return fit(X, y, estimator=KNeighborsClassifier(1), methods=["srs"], keeps=(0.05, 0.1),
               scoring="accuracy", tolerance=0.0, budget=None, min_rows=5, random_state=0)


def legend(ax):
    leg = ax.get_legend()
    return {t.get_text(): h for t, h in zip(leg.get_texts(), leg.legend_handles,
                                                       strict=True)}


def test_threshold_is_a_labelled_line_and_the_band_is_named(chosen):
    ax = chosen.plot()
    labels = legend(ax)
    assert any(t.startswith(f"threshold {chosen.threshold_:.3f}") for t in labels)
    assert any("tolerance band" in t for t in labels)
    flat = [ln for ln in ax.lines if len(set(np.ravel(ln.get_ydata()))) == 1]
    assert any(np.isclose(ln.get_ydata()[0], chosen.threshold_) for ln in flat)
    plt.close("all")


def test_the_choice_is_starred_and_named_in_the_title(chosen):
    assert chosen.within_tolerance_
    ax = chosen.plot()
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(stars) == 1
    assert np.allclose([stars[0].get_xdata()[0], stars[0].get_ydata()[0]],
                       [chosen.best_keep_, chosen.best_score_])
    assert ax.get_title().startswith(f"choice: {chosen.best_method_} keeping")
    plt.close("all")


def test_no_reduction_title_says_keep_all_rows_not_full(no_reduction):
    assert not no_reduction.within_tolerance_ and not no_reduction.budget_exhausted_
    ax = no_reduction.plot()
    title = ax.get_title()
    assert title.startswith("no reduction within tolerance (keep all rows)")
    assert "full" not in title.split("\n")[0] and "budget" not in title
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(stars) == 1 and stars[0].get_xdata()[0] == 1.0
    # every fraction failed: hollow markers, and the legend says what hollow means
    hollow = [ln for ln in ax.lines if ln.get_marker() == "o"
              and ln.get_markerfacecolor() in ("white", "w", (1.0, 1.0, 1.0, 1.0))
              and len(ln.get_xdata())]
    assert sum(len(ln.get_xdata()) for ln in hollow) == 2
    assert "not within tol." in legend(ax)
    plt.close("all")


def test_budget_ran_out_is_in_the_title():
    X, y = easy(n=1500)
    s = fit(X, y, estimator=LogisticRegression(), methods=["srs"], tolerance=0.01,
            budget=1e-3, min_budget=0.0, random_state=0)
    assert s.budget_exhausted_
    title = s.plot().get_title()
    assert title.startswith("no reduction within tolerance (keep all rows)")
    assert "budget ran out before" in title
    plt.close("all")


def test_lower_bound_column_decides_within_tolerance(chosen, no_reduction):
    for s in (chosen, no_reduction):
        df = s.results_frame()
        runs = df[(df.method != "full") & np.isfinite(df.lower_bound)]
        assert len(runs)
        assert ((runs.lower_bound >= s.threshold_) == runs.within_tolerance).all()
        assert (runs.lower_bound <= runs.mean_test_score).all()


def test_a_methods_colour_does_not_depend_on_which_methods_ran():
    X, y = easy(n=400)
    colours = []
    for methods in (["srs", "mms"], ["herding", "mms"]):  # mms ran second, then third
        s = fit(X, y, estimator=LogisticRegression(), methods=methods, keeps=(0.3,),
                tolerance=0.05, budget=None, random_state=0)
        labels = legend(s.plot())
        colours.append({m: to_hex(labels[m].get_color()) for m in ("srs", "mms")})
        plt.close("all")
    assert colours[0] == colours[1]


def test_bands_stay_inside_the_scorers_range_and_ticks_are_percent():
    X, y = easy(n=300)
    y = (X[:, 0] > 0).astype(int)  # separable: scores near 1, t-intervals past 1.0
    s = fit(X, y, estimator=LogisticRegression(), methods=["srs", "mms"], keeps=(0.2, 0.4),
            tolerance=0.05, budget=None, random_state=0)
    assert np.nanmax(s.cv_results_["ci_high"]) > 1.0  # the table keeps the t-interval
    ax = s.plot()
    tops = [np.max(p.vertices[:, 1]) for c in ax.collections for p in c.get_paths()
            if len(p.vertices)]
    assert tops and max(tops) <= 1.0
    fmt = ax.xaxis.get_major_formatter()
    assert [fmt(v) for v in (0.01, 0.1, 1.0)] == ["1%", "10%", "100%"]
    plt.close("all")


def test_racers_at_one_keep_are_drawn_side_by_side(chosen):
    ax = chosen.plot()
    df = chosen.results_frame()
    shared = df[df.method != "full"].groupby("keep").method.nunique()
    keep = float(shared[shared > 1].index[0])
    xs = sorted({round(float(x), 6) for ln in ax.lines if ln.get_linestyle() == "None"
                 and ln.get_marker() not in ("*", "_") for x in ln.get_xdata()
                 if abs(np.log10(x / keep)) < 0.05})
    assert len(xs) >= 2 and xs[0] < keep < xs[-1]
    plt.close("all")


def test_compare_plots_use_the_same_method_colours_with_titles_and_a_size_legend(
        tmp_path, monkeypatch):
    import pandas as pd

    from datareduce.cli import main
    from datareduce.search._plot import METHOD_COLORS

    X, y = easy(n=200)
    path = tmp_path / "t.csv"
    pd.DataFrame(X, columns=["a", "b", "c"]).assign(label=y).to_csv(path, index=False)
    figs = []
    monkeypatch.setattr(plt, "close", lambda fig=None: figs.append(fig))
    assert main(["compare", str(path), "--target", "label", "--methods", "herding", "srs",
                 "--keep", "0.2", "0.5", "--repeats", "2", "--metric", "mmd",
                 "--output", str(tmp_path / "out"), "--quiet"]) == 0
    axes = {f.axes[0].get_title().split(" ")[0]: f.axes[0] for f in figs}
    assert all(ax.get_title() for ax in axes.values()) and len(axes) == 3
    for ax in axes.values():
        colours = {}
        for leg in [a for a in ax.get_children() if isinstance(a, matplotlib.legend.Legend)]:
            for t, h in zip(leg.get_texts(), leg.legend_handles, strict=True):
                colours[t.get_text()] = to_hex(h.get_color() if hasattr(h, "get_color")
                                               else h.get_facecolor()[0])
        assert colours.get("srs") == METHOD_COLORS["srs"]
        assert colours.get("herding") == METHOD_COLORS["herding"]
    # the metric plot's marker size is the kept fraction: a legend says so
    texts = [t.get_text() for t in axes["mmd"].get_legend().get_texts()]
    assert "kept 20%" in texts and "kept 50%" in texts
    monkeypatch.undo()
    plt.close("all")
