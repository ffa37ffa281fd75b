"""Calibrated metrics, the subset audit and its HTML page (issue 23)."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from datareduce import RandomReducer
from datareduce.metrics import (
    audit_space,
    audit_subset,
    calibrate,
    get_metric,
    mmd_test,
)
from datareduce.metrics.calibration import _percentile, draw_subsets

pd = pytest.importorskip("pandas")


@pytest.fixture
def mixed():
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.exponential(size=n),
                       "colour": rng.choice(["red", "green", "blue"], n),
                       "size": rng.choice(["S", "M", "L", "XL"], n)})
    df.loc[rng.random(n) < 0.1, "a"] = np.nan
    df.loc[rng.random(n) < 0.1, "colour"] = None
    y = rng.choice(["yes", "no"], n, p=[0.3, 0.7])
    return df, y


def test_percentile_counts_further_draws_and_half_the_ties():
    assert _percentile(1.0, [0.5, 1.0, 2.0, 3.0]) == pytest.approx(100 * 2.5 / 4)
    assert _percentile(0.0, [1.0, 2.0]) == 100.0 and _percentile(9.0, [1.0, 2.0]) == 0.0


def test_srs_draws_keep_class_counts_and_stand_for_their_class():
    y = np.array([0] * 90 + [1] * 10)
    ys = np.array([0] * 9 + [1] * 3)
    stands_for = np.r_[np.full(9, 10.0), np.full(3, 10 / 3)]  # weighted draws need weights
    for idx, w in draw_subsets(100, 12, y, ys, kind="srs", n_draws=5, random_state=0,
                               weights=stands_for):
        assert np.sum(y[idx] == 0) == 9 and np.sum(y[idx] == 1) == 3
        assert np.allclose(w[y[idx] == 0], 10.0) and np.allclose(w[y[idx] == 1], 10 / 3)
    for idx, w in draw_subsets(100, 12, kind="random", n_draws=3, random_state=0):
        assert w is None and len(np.unique(idx)) == 12


def test_calibration_flags_a_biased_subset_and_not_a_random_one():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    corner = np.argsort(X[:, 0])[:60]
    cal = calibrate(X, corner, n_draws=20, metrics=("coverage", "mmd", "energy"))
    for m in cal.metrics.values():
        assert m.percentile["random"] == 0.0 and "further" in m.verdict
        assert m.p_value["random"] == pytest.approx(1 / 21)
    # a random subset is not flagged: its percentiles spread around the middle
    pct = [calibrate(X, rng.choice(600, 60, replace=False), n_draws=20, metrics=("mmd",),
                     random_state=s).metrics["mmd"].percentile["random"] for s in range(8)]
    assert 20 < np.mean(pct) < 80


def test_calibrated_mmd_agrees_with_mmd_test():
    """The same question as metrics.mmd_test, answered on the same evaluation rows."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 2))
    y = rng.integers(0, 2, 300)
    corner = np.argsort(X[:, 0])[:30]
    cal = calibrate(X, corner, y, metrics=("mmd",), n_draws=49, max_rows=None)
    test = mmd_test(X, X[corner], y=y, y_reduced=y[corner], n_permutations=49)
    m = cal.metrics["mmd"]
    assert m.value == pytest.approx(test.statistic)
    assert m.p_value["srs"] == pytest.approx(test.p_value) == pytest.approx(0.02)


def test_no_default_metric_is_constant_on_a_one_hot_table():
    """On one-hot columns the L-infinity epsilon is 1 for nearly every subset; the defaults
    must still tell subsets apart."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.choice(list("abcdef"), 500) for i in range(6)})
    A, _, _ = audit_space(df)
    subsets = [rng.choice(500, 50, replace=False) for _ in range(8)]
    linf = [get_metric("epsilon_linf")(A, A[s]).value for s in subsets]
    assert len(set(np.round(linf, 9))) == 1  # the paper's epsilon: one value for all
    for name in ("coverage", "mmd", "energy"):
        vals = [get_metric(name)(A, A[s]).value for s in subsets]
        assert len(set(np.round(vals, 9))) == len(subsets), name


def test_audit_accepts_a_dataframe_with_strings_and_nan(mixed):
    df, y = mixed
    audit = audit_subset(df, RandomReducer(keep=0.2, random_state=0), y, n_draws=10)
    assert audit.n_kept == 80 and audit.n_samples == 400 and audit.method == "RandomReducer"
    assert "categorical one-hot" in audit.space and "missing-indicator" in audit.space
    cal = audit.calibration
    assert list(cal.metrics) == ["mmd", "energy", "coverage"]  # the headline first
    for m in cal.metrics.values():
        assert set(m.percentile) == {"srs", "random"} and len(m.reference["srs"]) == 10
        assert set(m.per_class) == {"no", "yes"}
    text = str(audit)
    assert "closer to the full data than" in text or "further from the full data than" in text
    d = json.loads(audit.to_json())
    assert d["n_kept"] == 80 and len(d["verdicts"]) >= 3


def test_subset_as_positions_mask_or_rows_gives_the_same_audit(mixed):
    df, y = mixed
    idx = np.arange(0, 400, 5)
    mask = np.zeros(400, bool)
    mask[idx] = True
    vals = [audit_subset(df, s, y, n_draws=5).calibration.metrics["coverage"].value
            for s in (idx, mask, df.iloc[idx])]
    assert vals[0] == vals[1] == vals[2]
    with pytest.raises(ValueError, match="row positions"):
        audit_subset(df, np.array([0, 400]), n_draws=5)


def test_regression_target_is_binned(mixed):
    df, _ = mixed
    y = np.random.default_rng(1).normal(size=400)
    audit = audit_subset(df, np.arange(0, 400, 4), y, n_draws=5)
    assert audit.task == "regression"
    assert len(audit.calibration.headline.per_class) == 10  # the package's one bin count


def test_topology_flag_adds_the_diagram_metric_and_figure():
    X = np.random.default_rng(0).normal(size=(200, 2))
    audit = audit_subset(X, np.arange(0, 200, 4), n_draws=5, topology=True, max_points=60)
    assert "bottleneck" in audit.calibration.metrics and set(audit.diagrams) == {0, 1}
    assert any(alt == "persistence diagrams" for _, alt, _ in audit.figures())


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.imgs, self.scripts, self.links = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(a)
        if tag == "script":
            self.scripts += 1
        if tag in ("link", "a") and ("href" in a):
            self.links.append(a["href"])


def parse_page(text):
    page = _Page()
    page.feed(text)
    return page


def test_html_page_is_self_contained_with_figures(mixed, tmp_path):
    df, y = mixed
    audit = audit_subset(df, np.arange(0, 400, 4), y, n_draws=5)
    path = tmp_path / "sub" / "audit.html"
    text = audit.to_html(path)
    assert path.read_text(encoding="utf-8") == text
    page = parse_page(text)
    assert page.tags[0] == "html" and "h1" in page.tags and "table" in page.tags
    assert len(page.imgs) >= 4 and page.scripts == 0 and page.links == []
    assert all(img["src"].startswith("data:image/png;base64,") and img.get("alt")
               for img in page.imgs)
    assert text.index('class="verdicts"') < text.index("<table")  # verdicts at the top
    inline = audit._repr_html_()
    assert inline.startswith("<div") and "verdicts" in inline and "<img" in inline


def test_a_subset_of_every_row_ties_with_its_draws():
    """Every draw of a full-size subset is the full data; the metrics' rounding (an MMD of
    ~1e-8 for the weighted subset, exactly 0 for some draws) decided the verdict (before:
    "further than 55 %" or percentile 0 of random draws)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = np.repeat([0, 1, 2], 100)
    w = np.ones(300)
    cal = calibrate(X, rng.permutation(300), y, weights=w, n_draws=10,
                    metrics=("mmd", "energy", "coverage"), max_rows=None)
    for m in cal.metrics.values():
        assert m.percentile == {"srs": 50.0, "random": 50.0}, (m.name, m.value, m.reference)
        assert set(m.p_value.values()) == {1.0}
        assert set(m.per_class_percentile.values()) <= {50.0}
    # a different table of the same size is no tie: it is further than every draw
    other = calibrate(X, X_subset=X + 0.5, y=y, y_subset=y, n_draws=10, metrics=("mmd",))
    assert other.metrics["mmd"].percentile["srs"] == 0.0


def _percentile_axes(values, names=None):
    from datareduce.metrics import _plots

    fig, (ax,) = _plots.new_axes(1)
    names = names or [f"m{i}" for i in range(len(values))]
    _plots.plot_percentiles(ax, names, values, title="t")
    return ax


def test_a_percentile_of_zero_is_drawn_worst_first_with_its_value():
    """A percentile of 0, the most alarming, drew a bar of width 0: nothing (visual review)."""
    ax = _percentile_axes([60.0, 0.0, 20.0], ["ok", "worst", "mid"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["worst", "mid", "ok"]
    dots = np.vstack([c.get_offsets() for c in ax.collections])
    assert [0.0, 0.0] in dots.tolist()  # a marker at the value 0, on the first row
    assert {"0", "20", "60"} <= {t.get_text() for t in ax.texts}


def _missing_class_audit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = np.repeat(["a", "b", "c"], 100)
    keep = np.r_[np.arange(0, 100, 5), np.arange(100, 200, 5)]  # no row of class "c"
    return audit_subset(X, keep, y, n_draws=5)


def test_a_class_with_no_kept_row_is_a_failure_not_a_green_tie():
    """coverage = inf (a class with no kept row) tied with every stratified draw (also inf)
    and was coloured green via a percentile of 50; its per-class bars were green 50s."""
    from datareduce.metrics._html import verdict_class

    audit = _missing_class_audit()
    (text, p), = [(t, p) for t, p in audit.verdicts() if t.startswith("coverage")]
    assert "no row in the subset (c)" in text and verdict_class(p) == "bad"
    cap, _, fig = [f for f in audit.figures() if f[1] == "per-class percentiles"][0]
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("n/a: no kept row") == 3  # one per metric, for class "c"
    assert len(ax.patches) == 3 * 2  # bars for the classes with kept rows only
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(lab.endswith("· c") for lab in labels[:3])  # failures first


def test_infinite_values_are_explained_not_printed_raw():
    """Tables read "coverage | inf | inf | 50" and the coverage histogram was an empty box
    when every draw was infinite."""
    audit = _missing_class_audit()
    page = audit.to_html()
    assert "∞ (a class has no kept row)" in page and ">inf<" not in page
    text = str(audit)
    assert "∞ (a class has no kept row)" in text and " inf " not in text + " "
    (row,) = [r for r in audit._rows() if r[0] == "coverage"]
    assert row[3] == "—"  # no percentile for an infinite value
    _, _, fig = [f for f in audit.figures() if f[1] == "reference distributions"][0]
    (ax,) = [a for a in fig.axes if a.get_title() == "coverage"]
    notes = " ".join(t.get_text() for t in ax.texts)
    assert "no histogram" in notes and "subset: ∞" in notes


def test_colour_rule_is_neutral_above_10_amber_5_to_10_red_below_5():
    """Every percentile from 5 to 50 was amber, flooding the charts when nothing was wrong;
    the verdicts and the bars follow one rule (docs/audit.md)."""
    from matplotlib.colors import to_hex

    from datareduce.metrics._html import verdict_class
    from datareduce.metrics._plots import VERDICT_COLORS

    assert [verdict_class(p) for p in (80, 50, 30, 10, 7, 5, 3, 0)] == [
        "good", "good", "", "", "warn", "warn", "bad", "bad"]
    ax = _percentile_axes([30.0, 7.0, 3.0, 60.0])
    got = [to_hex(b.get_facecolor()) for b in ax.patches]  # worst first: 3, 7, 30, 60
    assert got == [VERDICT_COLORS[k] for k in ("bad", "warn", "", "good")]


def test_percentiles_are_whole_percents_in_tables(mixed):
    """With 3 draws a percentile is a multiple of 16.67: tables printed "33.33" and "6.667",
    a precision 30 draws do not have."""
    import re

    df, y = mixed
    audit = audit_subset(df, np.arange(0, 400, 4), y, n_draws=3)
    pcts = [r[i] for r in audit._rows() for i in (3, 5)]
    assert pcts and all(re.fullmatch(r"\d{1,3}|—", p) for p in pcts), pcts
    page = audit.to_html()
    per_class = page[page.index("<h2>Per class"):page.index("<h2>Figures")]
    cells = re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td></tr>", per_class)
    assert cells and all(re.fullmatch(r"\d{1,3}", c) for c in cells), cells


def test_target_bins_are_named_and_ordered_by_value_with_a_colourbar(mixed):
    """Regression bins were called "class" and sorted as strings ("[-0.5, ..]" before
    "[-1.2, ..]"); the map had a legend entry per bin over the points."""
    df, _ = mixed
    y = np.random.default_rng(1).normal(size=400)
    audit = audit_subset(df, np.arange(0, 400, 4), y, n_draws=5)
    figs = {alt: fig for _, alt, fig in audit.figures()}
    fig = figs["map of kept and dropped rows"]
    ax, bar = fig.axes  # the map and its colourbar
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    lows = [float(t[1:].split(",")[0]) for t in ticks]
    assert len(ticks) == 10 and lows == sorted(lows)
    assert "target bin" in bar.get_ylabel()
    fig.canvas.draw()  # the legend lies outside the map
    leg = ax.get_legend().get_window_extent()
    assert leg.y1 <= ax.get_window_extent().y0
    assert "per-target bin percentiles" in figs
    page = audit.to_html()
    assert "<h2>Per target bin" in page and "metric · target bin" in page
    rows = page[page.index("<h2>Per target bin"):page.index("<h2>Figures")]
    mmd = [float(c) for c in re.findall(r"<td>mmd · \[([-\d.e+]+),", rows)]
    assert len(mmd) == 10 and mmd == sorted(mmd)


def test_a_metric_most_draws_tie_gets_no_confident_verdict():
    """A bottleneck distance identical in 28 of 30 draws gave "closer to the full data than
    53% ..." (half-ties), a confident percentile for a metric that does not vary."""
    from dataclasses import replace

    from datareduce.metrics._html import verdict_class
    from datareduce.metrics.calibration import CalibratedMetric

    ref = np.r_[np.full(28, 0.5), 0.7, 0.9]
    m = CalibratedMetric(name="bottleneck", description="", value=0.5, per_class={},
                         reference={"srs": ref}, per_class_reference={},
                         percentile={"srs": _percentile(0.5, ref)}, per_class_percentile={},
                         p_value={"srs": 1.0})
    assert m.verdict == ("bottleneck: equal to most random subsets (the value hardly varies "
                         "here: 28 of 30 stratified random subsets have the same value)")
    audit = _missing_class_audit()
    cal = audit.calibration
    audit.calibration = replace(cal, metrics={"bottleneck": m, **cal.metrics})
    (text, p), = [(t, p) for t, p in audit.verdicts() if t.startswith("bottleneck")]
    assert p is None and verdict_class(p) == ""
    # a varying metric keeps its percentile verdict
    varied = replace(m, reference={"srs": np.linspace(0.4, 0.6, 30)})
    assert "closer to the full data than" in varied.verdict
    (row,) = [r for r in audit._rows() if r[0] == "bottleneck"]
    assert row[3] == "28 of 30 draws equal"


def test_notebook_view_carries_a_scoped_style_and_draws_figures_once(mixed, monkeypatch):
    """The notebook view dropped the page's style: no verdict colours, no table borders, a
    huge h1; each display drew every figure again."""
    from datareduce.metrics import _plots

    df, y = mixed
    audit = audit_subset(df, np.arange(0, 400, 4), y, n_draws=5)
    calls = []
    real = _plots.figure_to_data_uri
    monkeypatch.setattr(_plots, "figure_to_data_uri",
                        lambda fig, **kw: calls.append(1) or real(fig, **kw))
    inline = audit._repr_html_()
    style = re.search(r"<style>(.*?)</style>", inline, re.S).group(1)
    assert ".datareduce-audit .verdicts li.bad{" in style
    assert ".datareduce-audit td,.datareduce-audit th{border:1px solid" in style
    assert ".datareduce-audit h1{font-size:1.15em" in style
    rules = [r.split("{")[0] for r in style.split("}") if "{" in r]
    assert all(sel.strip().startswith(".datareduce-audit")
               for r in rules for sel in r.split(","))  # nothing leaks into the notebook
    n = len(calls)
    assert n >= 4 and audit._repr_html_() == inline and len(calls) == n  # cached
    assert audit.to_html().count("<img") == n and len(calls) == n


def test_figures_are_sharp_and_the_page_fits_narrow_windows(mixed):
    """Figures were 80-dpi PNGs with 7-pt legends (blurry); no viewport meta, and wide
    tables pushed narrow windows sideways."""
    import base64
    import struct

    df, y = mixed
    audit = audit_subset(df, np.arange(0, 400, 4), y, n_draws=5)
    page = audit.to_html()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert page.count("<table") == page.count('<div class="scroll"><table') > 0
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)" width="(\d+)"', page)
    assert len(imgs) == page.count("<img") >= 4
    for data, shown in imgs:
        png_width = struct.unpack(">I", base64.b64decode(data[:40])[16:20])[0]
        assert abs(png_width - 2 * int(shown)) <= 2  # drawn at 2x, shown at half
        assert png_width >= 3.6 * 150 - 2  # the narrowest figure, 3.6 in, at 150 dpi
    for _, _, fig in audit.figures():
        for ax in fig.axes:
            if ax.get_legend() is not None:
                assert min(t.get_fontsize() for t in ax.get_legend().get_texts()) >= 8


def test_titles_name_the_method_by_its_registry_name(mixed):
    """The page read "Subset audit: MaxMinReducer"; the package calls the method "mms"."""
    from datareduce import get_reducer
    from datareduce.reducers.random import RandomReducer as Base

    df, y = mixed
    audit = audit_subset(df, get_reducer("mms", keep=0.1, random_state=0), y, n_draws=3)
    assert audit.method == "MaxMinReducer" and audit.method_name == "mms"
    assert "<h1>Subset audit: mms</h1>" in audit.to_html()
    assert str(audit).startswith("Subset audit (mms): kept")

    class Mine(Base):
        pass

    own = audit_subset(df, Mine(keep=0.1, random_state=0), y, n_draws=3)
    assert own.method_name is None and "<h1>Subset audit: Mine</h1>" in own.to_html()


def _whole_class_audit(**kw):
    """3 classes; the subset keeps 30 of 300 rows of "a", 20 of 200 of "b" and all 40 of
    "c"."""
    rng = np.random.default_rng(1)
    n = [300, 200, 40]
    X = np.vstack([rng.normal(loc=2.0 * i, size=(k, 4)) for i, k in enumerate(n)])
    y = np.repeat(np.array(["a", "b", "c"]), n)
    keep = np.sort(np.r_[rng.choice(300, 30, replace=False),
                         300 + rng.choice(200, 20, replace=False), np.arange(500, 540)])
    return audit_subset(X, keep, y, n_draws=30, **kw)


def test_a_class_kept_whole_ties_with_its_stratified_draws():
    """Stratified draws keep the subset's class counts, so a class the subset keeps whole is
    the same rows (with the same weights) in every draw: an exact tie. Before, the metrics'
    rounding (values equal to 1e-15, an energy of 1.5e-8 for an exact 0) or the sample of a
    large subset ranked it anywhere (here energy 42, mmd and energy 47 when sampled)."""
    from datareduce.metrics._plots import VERDICT_COLORS

    uneven = np.r_[np.full(50, 10.0), np.linspace(0.5, 1.5, 40)]
    for kw in ({}, {"max_subset_rows": 30}, {"weights": np.r_[np.full(50, 10.0),
                                                               np.ones(40)]}):
        audit = _whole_class_audit(**kw)
        mets = audit.calibration.metrics.values()
        assert {m.name: m.per_class_percentile["c"] for m in mets} == dict.fromkeys(
            ("mmd", "energy", "coverage"), 50.0), kw
        for m in mets:
            assert m.kept_whole == ("c",), (kw, m.name)
            assert m.to_dict()["kept_whole"] == ["c"]
    # the page says why: a tie, not a verdict
    page = audit.to_html()
    per_class = page[page.index("<h2>Per class"):page.index("<h2>Figures")]
    assert per_class.count("tie: every row of this class is in the subset") == 3
    _, _, fig = [f for f in audit.figures() if f[1] == "per-class percentiles"][0]
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts].count("tie: class kept whole") == 3
    from matplotlib.colors import to_hex
    assert to_hex(VERDICT_COLORS[""]) in {to_hex(b.get_facecolor()) for b in ax.patches}
    # uneven weights within the kept class: its rows are the draws' rows, weighted otherwise
    audit = _whole_class_audit(weights=uneven)
    assert all(m.kept_whole == () for m in audit.calibration.metrics.values())


def test_the_map_draws_every_class_with_a_kept_row():
    """The map draws at most MAP_ROWS // 2 kept rows, chosen uniformly: the one kept row of
    a rare class was left out, and the legend named a class with no point on the map."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 2))
    y = np.array(["a"] * 3990 + ["r"] * 10)
    audit = audit_subset(X, np.r_[np.arange(3000), 3990], y, n_draws=3,
                         metrics=("coverage",))
    pr = audit.projection
    assert pr["kept"].sum() == 1500 and (pr["labels"][pr["kept"]] == "r").sum() == 1
    (fig,) = [fig for _, alt, fig in audit.figures() if alt.startswith("map of")]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["dropped", "kept, class a", "kept, class r"]
    # a class with no kept row is named as such, without a marker
    legend = [t.get_text() for t in [fig for _, alt, fig in _missing_class_audit().figures()
                                     if alt.startswith("map of")][0].axes[0]
              .get_legend().get_texts()]
    assert legend == ["dropped", "kept, class a", "kept, class b", "class c: no kept row"]


def test_a_class_with_no_kept_row_is_named_by_every_output():
    """With MMD alone, a class with no kept row was in no verdict and no line of the printed
    audit ("closer than 60% ...": the stratified draws miss it too), the page called its
    percentile "n/a" and the JSON 50 (a tie of infinities)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = np.repeat(["a", "b", "c"], 100)
    keep = np.r_[np.arange(0, 100, 5), np.arange(100, 200, 5)]  # no row of class "c"
    audit = audit_subset(X, keep, y, n_draws=5, metrics=("mmd",))
    line = "1 class of the full data has no kept row (c): its rows are unrepresented"
    assert line in str(audit)
    (p,) = [p for t, p in audit.verdicts() if t == line]
    assert p is not None and np.isnan(p)  # red, as a metric with no finite value
    d = json.loads(audit.to_json())
    assert line in d["verdicts"]
    assert d["calibration"]["metrics"]["mmd"]["per_class_percentile"]["c"] is None
    assert d["calibration"]["metrics"]["mmd"]["per_class"]["c"] == "Infinity"
    assert d["class_rows"]["c"] == {"full": 100, "kept": 0}
    assert line in audit.to_html()
    # coverage already names the class in its own verdict: no second line
    audit = audit_subset(X, keep, y, n_draws=5, metrics=("mmd", "coverage"))
    assert sum("(c)" in t for t, _ in audit.verdicts()) == 1


def test_repeated_positions_do_not_make_a_class_kept_whole():
    """One row of a class of 10 kept 10 times has the class's count, not its rows: it is
    compared with the draws (the class itself), not called a tie."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.repeat(["a", "b"], [50, 10])
    cal = calibrate(X, np.r_[np.arange(0, 50, 10), [50] * 10], y, n_draws=20,
                    metrics=("mmd", "coverage"))
    for m in cal.metrics.values():
        assert m.kept_whole == () and m.per_class_percentile["b"] == 0.0, m.name


def test_regression_bins_read_without_exponents_and_the_bar_chart_fits_its_figure():
    """Prices 949-5399 were binned as '[949, 1.5e+03]'; in the per-bin bar chart the title
    ('... (higher is cl') and the values written after full bars ('100') were cut off."""
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from datareduce.metrics.audit import audit_labels

    rng = np.random.default_rng(0)
    price = rng.integers(949, 5400, size=600).astype(float)
    labels, task = audit_labels(price, 600)
    assert task == "regression" and not any("e+" in str(v) for v in set(labels))
    assert all(re.fullmatch(r"\[\d+, \d+\]", str(v)) for v in set(labels)), set(labels)
    X = np.column_stack([price / 1000 + rng.normal(size=600), rng.normal(size=600)])
    audit = audit_subset(X, np.arange(0, 600, 5), y=price, n_draws=10, random_state=0)
    cap, _, fig = audit.figures()[-1]
    assert cap.startswith("Per target bin")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    box = fig.bbox
    ax = fig.axes[0]
    for t in [ax.title, *ax.texts]:
        e = t.get_window_extent(r)
        assert e.x0 >= box.x0 - 1 and e.x1 <= box.x1 + 1, t.get_text()
    # the written values stay inside the axes (not clipped at its right edge)
    right = ax.get_window_extent(r).x1
    assert all(t.get_window_extent(r).x1 <= right + 1 for t in ax.texts)


def test_audit_labels_takes_a_categorical_target_as_classes_as_a_reducer_does():
    """review3/r2 06: the rule ran on np.asarray(y), which drops a categorical's dtype: 80
    numeric category codes were binned as a regression target, a reducer's fit took them
    as 80 classes."""
    import pandas as pd

    from datareduce.metrics.audit import audit_labels

    y = pd.Series(pd.Categorical(np.arange(400) % 80))
    labels, task = audit_labels(y, 400)
    from datareduce import get_reducer

    red = get_reducer("srs", keep=0.5, random_state=0).fit(np.zeros((400, 2)), y)
    assert task == "classification" and len(np.unique(labels)) == len(red.classes_) == 80
