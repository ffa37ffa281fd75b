"""``datareduce search``: the library's search_table from the command line, with the CLI's
rules (checked before work, one-line errors with exit status 2, nothing replaced without
--overwrite, --features/--exclude/--id like ``reduce``)."""

import json

import numpy as np
import pandas as pd
import pytest

from test_cli_errors import assert_refused, cli, snapshot

FAST = ["--model", "knn", "--methods", "srs", "mms", "--keeps", "0.1", "0.3",
        "--budget", "none", "--cv", "3", "-q"]


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(rng.normal(size=(n, 3)).round(4), columns=["a", "b", "c"])
    df.insert(0, "rowid", np.arange(1000, 1000 + n))
    df["color"] = rng.choice(["red", "blue", None], size=n)
    df["label"] = np.where(df["a"] + 0.5 * df["b"] > 0, "p", "q")
    df["value"] = df["a"] * 3 + rng.normal(scale=0.1, size=n)
    df.loc[[4, 9], "c"] = np.nan  # missing values come back as they were
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    return tmp_path, path, pd.read_csv(path)


@pytest.mark.filterwarnings("ignore:ReductionSearchCV:UserWarning")
def test_search_happy_path_writes_everything_and_matches_the_library(table):
    from datareduce.search import search_table

    tmp, path, df = table
    out = tmp / "res"
    res = cli("search", path, "--target", "label", "--id", "rowid", "--exclude", "value",
              *FAST, "--output", out)
    assert res.returncode == 0, res.stderr
    assert "choice:" in res.stdout and "search cost:" in res.stdout
    assert "training-time saving" in res.stdout and "full training set" in res.stdout
    assert {p.name for p in out.iterdir()} == {"results.csv", "summary.md", "choice.json",
                                               "kept.csv", "curves.png"}
    choice = json.loads((out / "choice.json").read_text())
    kept = pd.read_csv(out / "kept.csv")
    assert choice["method"] in ("srs", "mms", "full") and choice["keep"] in (0.1, 0.3, 1.0)
    assert (choice["keep"] == 1.0) != choice["within_tolerance"]
    assert (choice["check_scores"] is None) == (not choice["within_tolerance"])
    assert (choice["no_reduction_reason"] is None) == choice["within_tolerance"]
    if not choice["within_tolerance"]:
        assert choice["no_reduction_reason"] in res.stdout
        assert choice["training_time_saving"] == choice["total_time_saving"] == 0.0
    assert all(not isinstance(c["scores"], str) for c in choice["failed_checks"])
    assert len(choice["all_rows_gain"]) == 3
    assert choice["baseline_gain"] >= 0
    if choice["within_tolerance"]:  # the baseline was measured: the bound is a number
        assert choice["check_bound"] >= -choice["tolerance"]
    else:
        assert choice["check_bound"] is None
    assert len(kept) == choice["n_kept"] == round(choice["keep"] * len(df))
    assert choice["features"] == ["a", "b", "c", "color"]  # not the id, not excluded value
    # the kept rows are the input's own rows, every column unchanged (NaN included)
    full = df.set_index("rowid")
    again = full.loc[kept["rowid"]].reset_index()
    pd.testing.assert_frame_equal(kept, again)
    # the same as the library on the same columns and options
    lib = search_table(df[["a", "b", "c", "color", "label"]], "label", model="knn",
                       methods=["srs", "mms"], keeps=(0.1, 0.3), budget=None, cv=3,
                       task="classification", n_bins=5, random_state=0)
    assert (lib.best_method_, lib.best_keep_) == (choice["method"], choice["keep"])
    # (for "no reduction" every row, in the input's order: review12/c 10)
    rows = lib.best_reducer_.sample_indices_ if lib.within_tolerance_ else np.arange(len(df))
    np.testing.assert_array_equal(df["rowid"].to_numpy()[rows], kept["rowid"].to_numpy())
    results = pd.read_csv(out / "results.csv")
    assert set(results["method"]) >= {"full", "srs"}
    # a second run into the same folder is refused; --overwrite replaces
    before = snapshot(tmp)
    assert_refused(cli("search", path, "--target", "label", *FAST, "--output", out),
                   "--output", "--overwrite")
    assert snapshot(tmp) == before
    res = cli("search", path, "--target", "label", "--id", "rowid", *FAST, "--output", out,
              "--overwrite", "--no-plot")
    assert res.returncode == 0, res.stderr


def test_search_regression_target_without_output(table):
    tmp, path, _ = table
    before = snapshot(tmp)
    res = cli("search", path, "--target", "value", "--exclude", "label", "--id", "rowid",
              "--model", "logistic", "--methods", "srs", "--keeps", "0.2", "--budget", "none",
              "--scoring", "mae", "--tolerance", "0.5", "-q")
    assert res.returncode == 0, res.stderr
    assert "regression" in res.stdout and "neg_mean_absolute_error" in res.stdout
    assert snapshot(tmp) == before  # nothing written without --output


@pytest.mark.parametrize("extra, needles", [
    (["--budget", "0"], ["--budget '0'"]),
    (["--budget", "fast"], ["--budget 'fast'"]),
    (["--keeps", "0.1", "1.5"], ["--keeps 1.5", "(0, 1)"]),
    (["--keeps", "x"], ["--keeps 'x'"]),
    (["--methods", "srs", "msm"], ["--methods 'msm'", "did you mean 'mms'"]),
    (["--scoring", "f1_makro"], ["--scoring 'f1_makro'", "did you mean 'f1_macro'"]),
    (["--scoring", "r2"], ["--scoring r2", "regression scorer"]),
    (["--scoring", "f1"], ["--scoring f1", "f1_macro"]),
    (["--tolerance", "-1"], ["--tolerance"]),
    (["--cv", "1"], ["--cv 1"]),
    (["--bins", "0"], ["--bins 0"]),
    (["--features", "nope"], ["--features 'nope'"]),
    (["--id", "rowidd"], ["--id 'rowidd'", "did you mean 'rowid'"]),
    (["--output", "t.csv"], ["--output", "is a file"]),
])
def test_search_bad_arguments_are_one_line_and_write_nothing(table, extra, needles,
                                                             monkeypatch):
    tmp, path, _ = table
    monkeypatch.chdir(tmp)
    before = snapshot(tmp)
    args = ["search", path, "--target", "label", "--output", tmp / "new", *extra]
    assert_refused(cli(*args), *needles)
    assert snapshot(tmp) == before


def test_search_errors_found_in_the_data(table):
    tmp, path, df = table
    before = snapshot(tmp)
    assert_refused(cli("search", path, "--target", "lable", "-o", tmp / "o"),
                   "--target 'lable'", "did you mean 'label'")
    assert_refused(cli("search", path, "--target", "label", "--cv", "200", "-o", tmp / "o"),
                   "fewer than --cv 200")
    assert_refused(cli("search", path, "--target", "value", "--methods", "des", "-o",
                       tmp / "o"), "need class labels", "regression")
    assert_refused(cli("search", path, "--target", "value", "--scoring", "accuracy",
                       "-o", tmp / "o"), "classification scorer")
    missing = df.copy()
    missing.loc[[1, 2], "label"] = np.nan
    missing.to_csv(tmp / "m.csv", index=False)
    before = snapshot(tmp)
    assert_refused(cli("search", tmp / "m.csv", "--target", "label", "-o", tmp / "o"),
                   "missing in 2 row(s)", "--drop-missing-target")
    assert snapshot(tmp) == before


@pytest.mark.filterwarnings("ignore:ReductionSearchCV:UserWarning")
def test_search_budget_too_small_answers_no_reduction_with_the_budget_needed(table):
    tmp, path, _ = table
    res = cli("search", path, "--target", "label", "--id", "rowid", "--exclude", "value",
              "--model", "knn", "--methods", "srs", "mms", "clc", "--keeps", "0.1", "0.3",
              "--budget", "0.001")
    assert res.returncode == 0, res.stderr
    assert "no reduction found within tolerance=0.01 (the budget ran out" in res.stdout
    assert "a budget of at least" in res.stdout
    assert "datareduce search: budget exhausted" in res.stderr
    assert "kept rows: 300 of 300 (full at keep=1.0)" in res.stdout
