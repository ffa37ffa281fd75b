"""review14/a: the audit, the representativeness metrics and `datareduce audit` / `score`
(repros in notes/review14/a)."""

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main
from datareduce.metrics import audit_split, audit_subset


def _missing_labels():
    rng = np.random.default_rng(0)
    classes = rng.choice(["a", "b"], 200).astype(object)
    classes[[3, 7]] = None
    target = np.where(np.arange(200) % 10 == 0, np.nan, rng.normal(size=200))
    return rng.normal(size=(200, 3)), classes, target


@pytest.mark.parametrize("kind", ["classes", "target"])
def test_audit_subset_refuses_missing_labels_naming_their_rows(kind):
    # 01: None labels were a class "None" of their own; a NaN in a regression target gave
    # scikit-learn's "Input y contains NaN."
    X, classes, target = _missing_labels()
    y = classes if kind == "classes" else target
    with pytest.raises(ValueError, match=r"labels: drop or fill those rows.*at rows"):
        audit_subset(X, np.arange(20), y, n_draws=5)


@pytest.mark.parametrize("kind", ["classes", "target"])
def test_audit_split_refuses_missing_labels_naming_the_split(kind):
    X, classes, target = _missing_labels()
    y = classes if kind == "classes" else target
    df = pd.DataFrame(X, columns=["u", "v", "w"]).assign(t=y)
    with pytest.raises(
        ValueError,
        match=r"train\['t'\] contains .*rows 3, 7|train\['t'\] "
        r"contains .*rows 0, 10",
    ):
        audit_split(df.iloc[:150], df.iloc[150:], target="t", n_draws=5)


@pytest.mark.parametrize("frame", [False, True])
def test_subset_rows_of_another_width_are_refused_by_name(frame):
    # 02: pandas' "Length mismatch: Expected axis has 2 elements, new values have 3"
    X = np.random.default_rng(0).normal(size=(200, 3))
    full = pd.DataFrame(X, columns=["a", "b", "c"]) if frame else X
    with pytest.raises(ValueError, match=r"subset: rows with 2 columns but X has 3"):
        audit_subset(full, X[:20, :2], n_draws=5)


def test_verdicts_name_a_few_classes_with_no_kept_row_and_count_the_rest():
    # 03: the coverage verdict named each of 180 absent classes in one line (915 characters)
    X = np.random.default_rng(0).normal(size=(400, 2))
    y = np.arange(400) % 200
    audit = audit_subset(
        X, np.flatnonzero(y < 20), y, task="classification", n_draws=5, metrics=("coverage", "mmd")
    )
    line = audit.verdicts()[0][0]
    assert "180 classes" in line and "(20, 21, 22, 23, 24, 25, 26, 27 and 172 more)" in line
    assert max(len(v) for v, _ in audit.verdicts()) < 300
    assert len(audit.to_dict()["class_rows"]) == 200  # every class stays in the JSON


def test_score_report_takes_classes_written_as_fractional_numbers(tmp_path, capsys):
    # 04: FULL's classes 1.5, 2.5 became text, REDUCED's stayed numbers: "REDUCED has
    # labels that FULL has not: 1.5, 2.5, 3.5"
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    df["rating"] = rng.choice([1.5, 2.5, 3.5], 200)
    df.to_csv(tmp_path / "full.csv", index=False)
    df[df.rating < 3].sample(30, random_state=0).to_csv(tmp_path / "red.csv", index=False)
    args = ["score", str(tmp_path / "full.csv"), str(tmp_path / "red.csv"), "--target"]
    args += ["rating", "--task", "classification", "--metric", "euclidean", "--dims", "0"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "per class: 1.5: " in out and "3.5: inf" in out


def test_long_class_names_keep_the_maps_legend_and_the_bars_readable():
    # 05: 60-character class names pushed the map's legend out of the figure and squashed
    # the per-class chart's bars to 0.6 inch ("constrained_layout not applied")
    import warnings

    from datareduce.metrics._plots import FIG_DPI, figure_to_data_uri

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=600), "z": rng.normal(size=600)})
    names = [f"Department of {w} and Long Descriptive Category Name" for w in "ABCDE"]
    y = rng.choice(names, 600)
    figs = audit_subset(df, rng.choice(600, 60, replace=False), y, n_draws=5).figures()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied"
        for _, _, fig in figs:
            figure_to_data_uri(fig)
    fmap, fbars = figs[0][2], figs[3][2]
    width = fmap.get_figwidth() * FIG_DPI  # extents: pixels of the last drawing
    for text in fmap.axes[0].get_legend().get_texts():
        box = text.get_window_extent()
        assert box.y0 >= 0 and box.x0 >= 0 and box.x1 <= width, text.get_text()
    assert fbars.axes[0].get_window_extent().width / FIG_DPI > 1.5


def test_report_takes_a_regression_target_per_quantile_bin():
    # 06: every distinct value of a regression target was a class: epsilon inf, 300 classes
    from datareduce import get_reducer
    from datareduce.metrics import epsilon_representativeness, representativeness_report

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + rng.normal(size=300)
    srs = get_reducer("srs", keep=0.1, random_state=0)
    rep = representativeness_report(X, srs, y, homology_dimensions=(0,))
    assert np.isfinite(rep.epsilon.value) and len(rep.epsilon.per_class) == 10
    # the same as the kept rows given as values, and as epsilon per bin by hand
    idx = srs.sample_indices_
    again = representativeness_report(X, X[idx], y, y[idx], homology_dimensions=(0,))
    assert again.epsilon.per_class == rep.epsilon.per_class
    codes = np.searchsorted(np.quantile(y, np.linspace(0, 1, 11))[1:-1], y, side="right")
    hand = epsilon_representativeness(X, X[idx], codes, codes[idx])
    assert sorted(hand.per_class.values()) == sorted(rep.epsilon.per_class.values())
    # task="classification" keeps the values as classes, as asked
    with pytest.warns(UserWarning, match="no row in the reduced set"):
        as_classes = representativeness_report(
            X, X[idx], y, y[idx], homology_dimensions=(0,), task="classification"
        )
    assert np.isinf(as_classes.epsilon.value)


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"max_rows": 0}, "max_rows"),
        ({"max_rows": -5}, "max_rows"),
        ({"max_rows": 1.5}, "max_rows"),
        ({"max_subset_rows": 0}, "max_subset_rows"),
        ({"n_draws": True}, "n_draws"),
        ({"projection": "tsne"}, "projection"),
        ({"metrics": ()}, "metrics"),
    ],
)
def test_meaningless_audit_parameters_are_refused_by_name(kw, word):
    # 07: max_rows=0 evaluated the metrics on one row per class, projection="tsne" drew a
    # PCA map, metrics=() printed a bare StopIteration: all silently accepted
    X = np.random.default_rng(0).normal(size=(200, 3))
    y = np.repeat(["a", "b"], 100)
    with pytest.raises(ValueError, match=rf"^{word}="):
        audit_subset(X, np.arange(0, 200, 10), y, **{"n_draws": 5, **kw})


def test_split_and_calibrate_refuse_meaningless_row_counts():
    from datareduce.metrics import calibrate

    X = np.random.default_rng(0).normal(size=(200, 3))
    with pytest.raises(ValueError, match=r"^max_split_rows=0"):
        audit_split(X[:150], X[150:], n_draws=3, max_split_rows=0)
    with pytest.raises(ValueError, match=r"^max_rows=-1"):
        calibrate(X, np.arange(20), max_rows=-1)
    # one metric by name is one metric (was split into the letters of its name)
    assert list(calibrate(X, np.arange(20), metrics="mmd", n_draws=3).metrics) == ["mmd"]


def test_a_mask_of_integers_and_positions_outside_x_are_refused_by_name():
    # 08: a 0/1 "kept" column was taken as positions (rows 0 and 1, "kept 200 of 200");
    # positions outside X were refused without naming them ("indices must be ...")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    mask = (rng.random(200) < 0.1).astype(int)
    with pytest.raises(ValueError, match=r"subset holds only 0 and 1.*astype\(bool\)"):
        audit_subset(X, mask, n_draws=3)
    assert audit_subset(X, mask.astype(bool), n_draws=3).n_kept == mask.sum()
    with pytest.raises(
        ValueError, match=r"subset: 2 value\(s\) are not row positions in \[0, 200\) .* 200, 250"
    ):
        audit_subset(X, np.array([3, 200, 250]), n_draws=3)


def test_mmd_test_refuses_reduced_sets_random_subsets_cannot_match():
    # 09: numpy's "Cannot take a larger sample than population"; a class of 30 rows against
    # 25 in X drew smaller null subsets and returned p = 1.0; n_permutations=True ran one
    from datareduce.metrics import mmd_test

    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.repeat([0, 1], 25)
    with pytest.raises(ValueError, match=r"X_reduced has 55 rows but X has 50"):
        mmd_test(X, np.r_[X, X[:5]], n_permutations=9)
    with pytest.raises(ValueError, match=r"more rows of a class than X has: 0 \(30 of 25\)"):
        mmd_test(X, X[:30], y=y, y_reduced=np.zeros(30, int), n_permutations=9)
    with pytest.raises(ValueError, match=r"n_permutations=True"):
        mmd_test(X, X[:10], n_permutations=True)
    assert mmd_test(X, X[:25], y=y, y_reduced=y[:25], n_permutations=9).null.size == 9


def test_rows_of_x_with_nullable_missing_values_are_matched_as_kept_rows():
    # 10: X.iloc[...] rows failed with "boolean value of NA is ambiguous" (pd.NA in Int64 /
    # string columns) where their positions worked
    rng = np.random.default_rng(0)
    gaps = rng.random((2, 200)) < 0.2
    df = pd.DataFrame(
        {
            "i": pd.array(np.where(gaps[0], None, rng.integers(0, 5, 200)), dtype="Int64"),
            "s": pd.array(np.where(gaps[1], None, rng.choice(["a", "b"], 200)), dtype="string"),
            "x": rng.normal(size=200),
        }
    )
    y = rng.choice(["u", "v"], 200)
    rows = audit_subset(df, df.iloc[::5], y, n_draws=5)
    positions = audit_subset(df, np.arange(0, 200, 5), y, n_draws=5)
    assert rows.n_kept == 40
    for name, m in rows.calibration.metrics.items():
        other = positions.calibration.metrics[name]
        assert m.value == other.value and m.percentile == other.percentile
    # a row whose missing value is filled is not that row of X: its values are audited
    changed = df.iloc[::5].copy()
    changed.loc[changed["i"].isna(), "i"] = 99
    with pytest.raises(ValueError, match="labels of synthetic rows are unknown"):
        audit_subset(df, changed, y, n_draws=5)


def test_audit_command_warns_of_a_row_id_used_as_a_feature(tmp_path, capsys):
    # 11: row_id was a feature without a word: 5 records copied into the test split under
    # new ids were "no exact duplicates", and the ids shifted the test split
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(300, 2)), columns=["x", "z"])
    df["label"] = rng.choice(["a", "b"], 300)
    train, test = df.iloc[:200].copy(), df.iloc[200:].copy()
    test.iloc[:5, :] = train.iloc[:5, :].to_numpy()
    train.insert(0, "row_id", np.arange(200))
    test.insert(0, "row_id", np.arange(200, 300))
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    files = [str(tmp_path / "train.csv"), str(tmp_path / "test.csv")]
    assert main(["audit", *files, "--target", "label", "--draws", "3"]) == 0
    assert "'row_id' looks like a row id" in capsys.readouterr().err
    assert main(["audit", *files, "--target", "label", "--draws", "3", "--id", "row_id"]) == 0
    out = capsys.readouterr()
    assert "5 test row(s) are exact duplicates" in out.out and "row id" not in out.err


def test_class_names_with_dollar_signs_are_drawn_as_written():
    # 12: "$0-$50" was drawn "0 - 50" (mathtext) and "$5^$ off" failed to_html
    from datareduce.metrics._plots import figure_to_data_uri

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = rng.choice(["$0-$50", "$50-$100", "$5^$ off"], 300)
    audit = audit_subset(X, rng.choice(300, 40, replace=False), y, n_draws=5)
    figs = audit.figures()
    for _, _, fig in figs:
        figure_to_data_uri(fig)
    legend = figs[0][2].axes[0].get_legend().get_texts()
    assert not [t.get_text() for t in legend if t._preprocess_math(t.get_text())[1]]
    bars = [t.get_text() for t in figs[3][2].axes[0].get_yticklabels()]
    assert r"mmd · \$0-\$50" in bars  # drawn as "$0-$50"
    assert "$0-$50" in audit.to_html()


def test_coverage_curve_plot_draws_dollar_class_names_as_written():
    # 12: the same mathtext reading in CoverageCurve.plot's legend
    import matplotlib

    matplotlib.use("Agg")
    from datareduce.metrics import coverage_curve

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = rng.choice(["$0-$50", "$5^$ off"], 100)
    ax = coverage_curve(X, X[::4], y, y[::4]).plot()
    ax.figure.canvas.draw()  # "$5^$ off" raised a ParseSyntaxException here
    texts = ax.get_legend().get_texts()
    assert not [t.get_text() for t in texts if t._preprocess_math(t.get_text())[1]]


def test_score_matches_float32_rows_written_to_csv_by_reduce(tmp_path, capsys):
    # 13: FULL.parquet's float32 values written to reduced.csv ("0.6836862") read back as
    # other float64 values: "30 row(s) of REDUCED are not rows of FULL"
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(300, 2)).astype("float32"), columns=["x", "z"])
    df["label"] = rng.choice(["a", "b"], 300)
    full, red = tmp_path / "full.parquet", tmp_path / "reduced.csv"
    df.to_parquet(full)
    reduce = ["reduce", str(full), "--target", "label", "--method", "srs", "--keep", "0.1"]
    assert main([*reduce, "-o", str(red), "-q"]) == 0
    assert main(["score", str(full), str(red), "--target", "label", "-q"]) == 0
    assert "kept 30 of 300 rows" in capsys.readouterr().out
    # a row that is not FULL's, even at float32's precision, is still refused
    other = pd.read_csv(red)
    other.loc[0, "x"] += 1e-3
    other.to_csv(red, index=False)
    assert main(["score", str(full), str(red), "--target", "label", "-q"]) == 2
    assert "1 row(s) of REDUCED are not rows of FULL" in capsys.readouterr().err


def test_split_audit_finds_exact_copies_across_float32_and_csv_files(tmp_path):
    # 13: a float32 TRAIN.parquet and a TEST.csv holding 4 of its rows: the copies were
    # only "near duplicates" (their float32 values read back as other float64 values)
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(300, 2)).astype("float32"), columns=["x", "z"])
    test = df.iloc[200:].copy()
    test.iloc[:4, :] = df.iloc[:4, :].to_numpy()
    test.to_csv(tmp_path / "test.csv", index=False)
    audit = audit_split(df.iloc[:200], pd.read_csv(tmp_path / "test.csv"), n_draws=3)
    assert audit.n_exact == 4 and audit.n_near == 0


def test_a_column_of_numbers_in_one_split_and_text_in_the_other(tmp_path, capsys):
    # 14: one '?' in the test split's numeric column: pooled as categories, 41 phantom
    # near duplicates were reported, without a word about the column
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(300, 2)).round(3), columns=["x", "z"])
    df["label"] = rng.choice(["a", "b"], 300)
    train, test = df.iloc[:200], df.iloc[200:].astype({"x": object})
    test.iloc[5, 0] = "?"
    with pytest.raises(ValueError, match=r"'x' holds numbers in train but text in test .*'\?'"):
        audit_split(train, test, n_draws=3)
    # the command reads both files' column as text: it names the marker and --na-values
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    files = [str(tmp_path / "train.csv"), str(tmp_path / "test.csv")]
    assert main(["audit", *files, "--target", "label", "--draws", "3"]) == 0
    assert "pass --na-values '?'" in capsys.readouterr().err
    assert main(["audit", *files, "--target", "label", "--draws", "3", "--na-values", "?"]) == 0
    assert "no test row is one of the near duplicates" in capsys.readouterr().out
