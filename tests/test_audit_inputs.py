"""audit_subset's inputs as users give them: rows as DataFrames, repeated index labels,
whole-number regression targets."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from datareduce.metrics import audit_split, audit_subset


def _quiet(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return audit_subset(*args, **kw)


def test_rows_with_xs_columns_are_audited_by_their_values_not_their_labels():
    """Synthetic rows in a DataFrame with a fresh index 0..19 were matched to X's rows 0..19
    by label and their values ignored (an MMD of 0.10 instead of 1.08)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300)})
    syn = pd.DataFrame({"x": rng.normal(size=20) + 50, "z": rng.normal(size=20) + 50})
    as_df = _quiet(X, syn, n_draws=5).calibration.metrics
    as_np = _quiet(X, syn.to_numpy(), n_draws=5).calibration.metrics
    assert as_df["mmd"].value == pytest.approx(as_np["mmd"].value)
    assert as_df["mmd"].value > 0.5
    # X's own rows (any order, columns reordered) are still matched by label
    rows = X.iloc[[5, 3, 200]][["z", "x"]]
    by_label = _quiet(X, rows, n_draws=5).calibration.metrics["mmd"].value
    by_pos = _quiet(X, np.array([5, 3, 200]), n_draws=5).calibration.metrics["mmd"].value
    assert by_label == pytest.approx(by_pos)
    with pytest.raises(ValueError, match="lacks columns of X"):
        audit_subset(X, syn[["x"]], n_draws=5)


def test_a_repeated_index_is_named_not_a_pandas_error():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=100)}, index=np.arange(100) % 50)
    with pytest.raises(ValueError, match="X's index repeats labels.*positions"):
        audit_subset(X, X.iloc[:10], n_draws=5)


def test_a_whole_number_regression_target_is_binned_by_the_one_rule():
    """Prices from 0 to 999 in 300 rows: the package's rule says regression (10 quantile
    bins); the audit had made 254 classes and an infinite coverage."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = rng.integers(0, 1000, 300)
    audit = _quiet(X, np.arange(0, 300, 10), y, n_draws=3)
    assert audit.task == "regression"
    assert len(audit.calibration.metrics["coverage"].per_class) == 10
    assert np.isfinite(audit.calibration.metrics["coverage"].value)
    split = audit_split(X[:200], X[200:], y[:200], y[200:], n_draws=3)
    assert split.representativeness.task == "regression" and split.classes is None


def test_the_drawn_diagrams_are_the_ones_the_bottleneck_distance_compares():
    """The figures drew exact H0 diagrams of every row (about 2 minutes on 200,000 rows)
    while the calibrated distance compares landmark diagrams: a subset of every row showed
    two different pictures for a distance of 0."""
    from datareduce.metrics.interface import get_metric

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    audit = _quiet(X, np.arange(400), topology=True, max_points=60, n_draws=3,
                   space="passthrough")
    assert audit.calibration.metrics["bottleneck"].value == pytest.approx(0.0, abs=1e-12)
    ref = get_metric("bottleneck", max_points=60).diagrams(X)
    for k, (full, kept) in audit.diagrams.items():
        np.testing.assert_allclose(full, kept)
        np.testing.assert_allclose(full, ref.diagrams[k])


def test_large_subsets_are_scored_through_a_class_stratified_sample():
    """MMD and energy compare every pair of kept rows (a subset of 20,000 of 200,000 rows
    took about 2.5 minutes); above max_subset_rows they score a sample of the subset and of
    every draw, weighted to keep each class's mass. Coverage keeps every row; a biased
    subset is still found; random subsets stay random (percentiles spread around 50)."""
    from datareduce.metrics import calibrate
    from datareduce.metrics.calibration import _thinned

    rng = np.random.default_rng(0)
    y_sub = np.repeat([0, 1, 2], [500, 300, 200])
    w = rng.uniform(0.5, 2.0, 1000)
    pos, ws = _thinned(y_sub, w, 1000, 100, rng)
    assert pos.size == 100 and len(np.unique(pos)) == 100
    assert np.bincount(y_sub[pos]).tolist() == [34, 33, 33]  # a floor of 100 // 3 each
    for c in range(3):
        assert ws[y_sub[pos] == c].sum() == pytest.approx(w[y_sub == c].sum())
    X = rng.normal(size=(6000, 3))
    y = rng.integers(0, 3, 6000)
    every = calibrate(X, np.arange(1000), y, n_draws=5, max_subset_rows=None)
    thin = calibrate(X, np.arange(1000), y, n_draws=5, max_subset_rows=150)
    assert thin.metrics["coverage"].value == every.metrics["coverage"].value
    assert thin.metrics["mmd"].value != every.metrics["mmd"].value
    biased = np.argsort(-X[:, 0])[:1000]
    cal = calibrate(X, biased, y, n_draws=10, max_subset_rows=150)
    assert cal.metrics["mmd"].percentile["srs"] == 0.0
    pct = [calibrate(X, rng.choice(6000, 1000, replace=False), y, n_draws=9,
                     metrics=("mmd",), max_subset_rows=150, max_rows=500,
                     random_state=s).metrics["mmd"].percentile["srs"] for s in range(24)]
    assert 30 < np.mean(pct) < 70 and np.std(pct) > 15


def test_the_colourbar_lists_only_target_bins_with_kept_rows():
    """The map's colourbar listed every target bin, one with no kept row too (a colour no
    point has); it lists the bins drawn, and the legend names the others 'no kept row'."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = rng.normal(size=400)
    keep = np.flatnonzero(y < np.quantile(y, 0.75))[::3]  # no row of the top bins
    audit = _quiet(X, keep, y, n_draws=3)
    (fig,) = [f for _, alt, f in audit.figures() if alt.startswith("map of")]
    ax, bar = fig.axes
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    bins = audit._label_order(audit.class_rows)
    empty = [b for b in bins if audit.class_rows[b][1] == 0]
    assert len(empty) >= 2 and len(ticks) == len(bins) - len(empty)
    assert ticks == [b for b in bins if b not in empty]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [f"target bin {b}: no kept row" for b in empty] == legend[-len(empty):]
    # a split audit's words
    split = audit_split(X[keep], np.delete(X, keep, axis=0), y[keep],
                        np.delete(y, keep), n_draws=3)
    (fig,) = [f for _, alt, f in split.figures() if alt.startswith("map of")]
    assert not [t for t in fig.axes[0].get_legend().get_texts()
                if "no test row" in t.get_text()]  # every bin has a test row there


def test_a_sampled_subsets_percentiles_are_averaged_and_marked_approximate():
    """Above max_subset_rows MMD and energy scored one sample of the subset: a rare class
    had a handful of rows in it (6 of its 30 here) and its percentile moved from 0 to 97
    with the seed alone. Each class now gets min(its rows, 200, size / classes) rows, the
    subset is scored on 5 samples (percentiles and values: their mean), and every output
    says the percentiles are approximate: 'sampled: ±N' (N: their standard deviation over
    the samples) on the page and in the printed audit, sampled / spread in the JSON."""
    from datareduce.metrics.calibration import _thinned

    rng = np.random.default_rng(0)
    y_sub = np.repeat(["a", "b", "rare"], [600, 370, 30])
    pos, _ = _thinned(y_sub, None, 1000, 200, rng)
    assert (y_sub[pos] == "rare").sum() == 30  # was 6 (3% of 200)
    X = rng.normal(size=(4000, 3))
    y = rng.choice(["a", "b", "rare"], 4000, p=[0.6, 0.37, 0.03])
    keep = np.flatnonzero(rng.random(4000) < 0.25)
    audit = _quiet(X, keep, y, n_draws=10, max_subset_rows=200)
    mmd = audit.calibration.metrics["mmd"]
    assert mmd.sampled == 5 and set(mmd.spread) == {"srs", "random"}
    assert set(mmd.per_class_spread) == {"a", "b", "rare"}
    assert audit.calibration.metrics["coverage"].sampled == 0  # every row
    d = audit.to_dict()["calibration"]["metrics"]["mmd"]
    assert d["sampled"] == 5 and set(d["per_class_spread"]) == {"a", "b", "rare"}
    text = str(audit)
    assert re.search(r"mmd \| [^|]+ \| [^|]+ \| \d+ \(sampled: ±\d+\)", text), text
    page = audit.to_html()
    per_class = page[page.index("<h2>Per class"):page.index("<h2>Figures")]
    assert "(sampled: ±" in per_class
    # below the threshold nothing is sampled and nothing is marked
    small = _quiet(X, keep, y, n_draws=10)
    assert small.calibration.metrics["mmd"].sampled == 0 and "sampled" not in str(small)


def test_the_printed_audit_names_the_lowest_per_class_percentiles():
    """The page and the JSON had per-class percentiles, the printed audit none: one line
    lists the headline metric's lowest three, a class with no kept row first."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = np.repeat(["a", "b", "c", "d", "e"], 120)
    X[y == "b"] += 0.5
    keep = np.r_[np.arange(0, 120, 4), np.argsort(X[120:240, 0])[:30] + 120,
                 np.arange(240, 360, 4), np.arange(360, 480, 4)]  # e: no kept row
    audit = _quiet(X, keep, y, n_draws=20)
    line = [x for x in str(audit).splitlines() if "per class" in x]
    assert len(line) == 1, str(audit)
    assert line[0].strip().startswith("per class, mmd SRS percentile, lowest 3 of 5 classes: "
                                      "e n/a (no kept row), b 0, ")
    assert line[0].endswith("; 2 more on the page")


def test_the_evaluation_sample_has_at_most_max_rows_rows():
    """Rounding each class's share up had given 1,501 rows for max_rows=1500 with 4 classes
    (the page said 'averaging metrics on 1501 rows'); the quotas are the package's largest
    remainders, one row per class at least."""
    from datareduce.metrics.calibration import _stratified_sample

    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b", "c", "d"], [1171, 1357, 1090, 713])  # hpc's classes
    for size in (1500, 100, 7):
        rows = _stratified_sample(y, len(y), size, rng)
        assert len(rows) == size == len(np.unique(rows))
        assert set(y[rows]) == {"a", "b", "c", "d"}
    assert len(_stratified_sample(y, len(y), 2, rng)) == 4  # one row of every class


def test_the_map_draws_a_table_of_thousands_of_classes(monkeypatch):
    """One kept row of each of 3,200 text classes: the map put one row of every class first,
    more than its 3,000 rows, and failed ('negative dimensions are not allowed'). Here the
    map's 3,000 rows are 300 and the classes 320."""
    pytest.importorskip("matplotlib")
    from datareduce.metrics import audit as audit_module

    monkeypatch.setattr(audit_module, "MAP_ROWS", 300)
    rng = np.random.default_rng(0)
    y = np.repeat([f"c{i}" for i in range(320)], 2)
    X = rng.normal(size=(640, 3))
    audit = audit_subset(X, np.arange(0, 640, 2), y=y, n_draws=3, metrics=("coverage",),
                         random_state=0)
    figs = audit.figures()
    assert figs and figs[0][0].startswith("Kept rows")


def test_the_per_class_line_counts_every_class_and_the_sampled_marks_are_honest():
    """A class kept whole was left out of the count ('lowest 3 of 3' with 4 classes); a
    spread of 0.4 printed '(sampled: ±0)'; a mean of five p-values can be half a valid one."""
    from datareduce.metrics.calibration import CalibratedMetric

    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    y = np.repeat(["a", "b", "c", "d"], 100)
    keep = np.r_[np.arange(0, 300, 5), np.arange(300, 400)]  # d kept whole
    audit = _quiet(X, keep, y, n_draws=10)
    line = [x for x in str(audit).splitlines() if "per class" in x][0]
    assert "lowest 3 of 4 classes (1 kept whole, a tie): " in line, line
    one = _quiet(X[:100], np.arange(0, 100, 3), np.repeat(["a"], 100), n_draws=10)
    assert not [x for x in str(one).splitlines() if "per class" in x]
    m = CalibratedMetric(name="mmd", description="", value=0.1, per_class={},
                         reference={}, per_class_reference={}, percentile={},
                         per_class_percentile={}, p_value={}, sampled=5,
                         spread={"srs": 0.4, "random": 2.5})
    assert m.approx("srs") == " (sampled: ±1)" and m.approx("random") == " (sampled: ±2)"


def test_a_sampled_subsets_p_value_is_twice_the_mean_of_its_samples():
    from datareduce.metrics import calibrate

    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 2))
    y = np.repeat(["a", "b"], 1500)
    # each class's 750 rows of smallest x0: every sample is further than every draw, each
    # sample's p-value is the smallest, 1 / (1 + n_draws); their mean is that, not valid
    idx = np.r_[np.argsort(X[:1500, 0])[:750], 1500 + np.argsort(X[1500:, 0])[:750]]
    cal = calibrate(X, idx, y, metrics=("mmd",), n_draws=9, max_rows=500,
                    max_subset_rows=400, random_state=0)
    m = cal.metrics["mmd"]
    assert m.sampled == 5 and m.percentile["srs"] == 0
    assert m.p_value["srs"] == pytest.approx(2 / 10)  # was 1 / 10
