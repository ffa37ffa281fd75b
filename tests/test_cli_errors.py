"""Each failure mode of issue 18: one line on stderr naming the option, exit status 2, no
traceback, and no file written or changed.

The cases run in-process through ``datareduce.cli.main`` (the entry point itself, so the
exit statuses and messages are the real ones; a subprocess costs seconds of imports each);
``test_failure_modes_in_subprocesses`` runs a selection of them as real processes.
"""

import hashlib
import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main


def cli(*args):
    """Run ``datareduce ARGS`` in this process; the exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def cli_process(*args):
    return subprocess.Popen([sys.executable, "-m", "datareduce.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(folder):
    return {p.relative_to(folder): hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file()
            else "dir" for p in sorted(folder.rglob("*"))}


def assert_refused(res, *needles):
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert ": error: " in last, res.stderr
    for needle in needles:
        assert needle in last, (needle, last)


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    df.insert(0, "rownames", np.arange(1, n + 1))
    df["name"] = [f"row{i}" for i in range(n)]
    df["label"] = np.repeat(["x", "y"], [160, 80])
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return tmp_path, path, df


def test_score_dims_out_of_range_is_refused_not_aborted(data):
    tmp, path, df = data
    small = tmp / "small.csv"
    df.iloc[::10].to_csv(small, index=False)
    before = snapshot(tmp)
    res = cli("score", path, small, "--dims", "0", "5")
    assert_refused(res, "--dims 0 5")
    assert snapshot(tmp) == before


def test_score_dims_2_is_bounded_with_a_warning(data):
    tmp, _, df = data
    full, small = tmp / "full.csv", tmp / "small.csv"
    df.iloc[:100].to_csv(full, index=False)  # H2 of 100 rows: quick
    df.iloc[:100:4].to_csv(small, index=False)
    res = cli("score", full, small, "--id", "rownames", "--dims", "0", "1", "2",
              "--json", tmp / "r.json")
    assert res.returncode == 0, res.stderr
    assert "score: warning: --dims 2" in res.stderr and "at most 200 rows" in res.stderr
    assert "Traceback" not in res.stderr and "warnings.warn" not in res.stderr
    report = json.loads((tmp / "r.json").read_text())
    assert report["subsampling"]["max_points"] == 200


def test_compare_output_existing_file_refused_before_work(data):
    tmp, path, _ = data
    target = tmp / "results"
    target.write_text("not a folder")
    before = snapshot(tmp)
    res = cli("compare", path, "--target", "label", "--methods", "srs", "--keep", "0.2",
              "--repeats", "1", "--estimator", "knn", "--output", target)
    assert_refused(res, "--output", "is a file")
    assert snapshot(tmp) == before


def test_compare_output_with_results_needs_overwrite(data):
    tmp, path, _ = data
    out = tmp / "res"
    out.mkdir()
    (out / "results.csv").write_text("old")
    before = snapshot(tmp)
    args = ("compare", path, "--target", "label", "--id", "rownames", "--methods", "srs",
            "--keep", "0.2", "--repeats", "1", "--estimator", "knn", "--output", out,
            "--no-plots", "-q")
    assert_refused(cli(*args), "--output", "--overwrite")
    assert snapshot(tmp) == before
    res = cli(*args, "--overwrite")
    assert res.returncode == 0, res.stderr
    assert (out / "results.csv").read_text() != "old"


def test_reduce_report_existing_folder_refused_before_output(data):
    tmp, path, _ = data
    (tmp / "rep").mkdir()
    (tmp / "garbage.csv").write_bytes(bytes(range(256)) * 4)
    before = snapshot(tmp)
    res = cli("reduce", path, "--keep", "0.1", "--output", tmp / "o.csv",
              "--report", tmp / "rep")
    assert_refused(res, "--report", "is a folder")
    assert snapshot(tmp) == before


@pytest.mark.parametrize("option", ["--report", "--output"])
def test_reduce_existing_outputs_need_overwrite(data, option):
    tmp, path, _ = data
    (tmp / "r.json").write_text("precious")
    (tmp / "o.csv").write_text("precious")
    other = {"--report": ("--output", tmp / "new.csv"), "--output": ("--report", tmp / "n.json")}
    existing = tmp / ("r.json" if option == "--report" else "o.csv")
    before = snapshot(tmp)
    res = cli("reduce", path, "--keep", "0.1", option, existing, *other[option])
    assert_refused(res, option, "--overwrite")
    assert snapshot(tmp) == before
    res = cli("reduce", path, "--keep", "0.1", option, existing, *other[option],
              "--overwrite", "-q")
    assert res.returncode == 0, res.stderr
    assert existing.read_text() != "precious"


def test_score_json_existing_needs_overwrite(data):
    tmp, path, df = data
    small = tmp / "small.csv"
    df.iloc[::10].to_csv(small, index=False)
    (tmp / "r.json").write_text("precious")
    before = snapshot(tmp)
    assert_refused(cli("score", path, small, "--json", tmp / "r.json"), "--json", "--overwrite")
    assert snapshot(tmp) == before


def test_id_column_is_carried_not_used(data):
    tmp, path, df = data
    res = cli("reduce", path, "--target", "label", "--id", "rownames", "--method", "mms",
              "--keep", "0.1", "--output", tmp / "with_id.csv")
    assert res.returncode == 0, res.stderr
    assert "id: rownames" in res.stderr and "looks like a row id" not in res.stderr
    df.drop(columns="rownames").to_csv(tmp / "no_id.csv", index=False)
    res = cli("reduce", tmp / "no_id.csv", "--target", "label", "--method", "mms",
              "--keep", "0.1", "--output", tmp / "without.csv", "-q")
    assert res.returncode == 0, res.stderr
    with_id, without = pd.read_csv(tmp / "with_id.csv"), pd.read_csv(tmp / "without.csv")
    # the same rows are kept as without the id column, and the id comes back unchanged
    pd.testing.assert_frame_equal(with_id.drop(columns="rownames"), without)
    assert with_id.merge(df, how="left", indicator=True)["_merge"].eq("both").all()
    # left alone, the id-like column is used as a feature, with a warning saying so
    res = cli("reduce", path, "--target", "label", "--method", "mms", "--keep", "0.1",
              "--output", tmp / "warned.csv")
    assert "warning: column 'rownames' looks like a row id" in res.stderr
    assert "warnings.warn" not in res.stderr


def test_features_and_exclude_globs(data):
    tmp, path, df = data
    res = cli("reduce", path, "--target", "label", "--features", "[ab]", "--method", "mms",
              "--keep", "0.1", "--output", tmp / "ab.csv")
    assert res.returncode == 0, res.stderr
    assert "2 feature column(s): a, b" in res.stderr
    res = cli("reduce", path, "--target", "label", "--exclude", "c", "rownames", "--method",
              "mms", "--keep", "0.1", "--output", tmp / "ex.csv", "-q")
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp / "ab.csv"), pd.read_csv(tmp / "ex.csv"))
    before = snapshot(tmp)
    assert_refused(cli("reduce", path, "--features", "d*", "--keep", "0.1", "--output",
                       tmp / "z.csv"), "--features 'd*' matches no column")
    assert_refused(cli("reduce", path, "--target", "label", "--features", "label", "a",
                       "--keep", "0.1", "--output", tmp / "z.csv"), "--target column")
    assert snapshot(tmp) == before


def test_compare_uses_the_same_column_handling(data):
    tmp, path, _ = data
    res = cli("compare", path, "--target", "label", "--exclude", "rownames", "--methods",
              "srs", "--keep", "0.2", "--repeats", "1", "--estimator", "knn",
              "--output", tmp / "res", "--no-plots")
    assert res.returncode == 0, res.stderr
    assert "not used (text with a different value on every row: an id or free text): name" \
        in res.stderr
    assert "not used (--exclude): rownames" in res.stderr


def test_seed_and_random_state_conflict(data):
    tmp, path, _ = data
    before = snapshot(tmp)
    assert_refused(cli("reduce", path, "--keep", "0.1", "--output", tmp / "o.csv", "--seed",
                       "1", "--param", "random_state=2"), "--seed 1", "random_state=2")
    assert snapshot(tmp) == before
    # one of them alone is the seed: the same rows either way
    a = cli("reduce", path, "--keep", "0.1", "--output", tmp / "a.csv", "--seed", "5", "-q")
    b = cli("reduce", path, "--keep", "0.1", "--output", tmp / "b.csv", "--param",
            "random_state=5", "-q")
    assert a.returncode == b.returncode == 0
    assert (tmp / "a.csv").read_text() == (tmp / "b.csv").read_text()


def test_scoring_f1_with_string_labels_needs_pos_label(data):
    tmp, path, _ = data
    args = ("compare", path, "--target", "label", "--id", "rownames", "--methods", "srs",
            "--keep", "0.2", "--repeats", "1", "--estimator", "knn", "--no-plots",
            "--scoring", "f1", "--output")
    before = snapshot(tmp)
    assert_refused(cli(*args, tmp / "r1"), "--pos-label")
    assert_refused(cli(*args, tmp / "r1", "--pos-label", "z"), "--pos-label 'z'")
    assert snapshot(tmp) == before
    res = cli(*args, tmp / "r2", "--pos-label", "y")
    assert res.returncode == 0, res.stderr
    assert "f1" in pd.read_csv(tmp / "r2" / "results.csv").columns


def test_misspelled_target_says_did_you_mean_and_lists_columns(data):
    tmp, path, _ = data
    res = cli("reduce", path, "--target", "lable", "--keep", "0.1", "--output", tmp / "o.csv")
    assert_refused(res, "did you mean 'label'?", "rownames, a, b, c, name, label")
    assert not (tmp / "o.csv").exists()


def test_score_swapped_or_foreign_rows_refused(data):
    tmp, path, df = data
    small = tmp / "small.csv"
    df.iloc[::10].to_csv(small, index=False)
    assert_refused(cli("score", small, path), "more rows", "full table first")
    other = df.iloc[::10].copy()
    other["a"] += 1.0
    other.to_csv(tmp / "other.csv", index=False)
    assert_refused(cli("score", path, tmp / "other.csv"), "not rows of FULL",
                   "--allow-new-rows")
    res = cli("score", path, tmp / "other.csv", "--allow-new-rows", "--dims", "0")
    assert res.returncode == 0, res.stderr


def test_compare_mixed_keeps_refused(data):
    tmp, path, _ = data
    before = snapshot(tmp)
    assert_refused(cli("compare", path, "--target", "label", "--keep", "0.1", "20",
                       "--output", tmp / "res"), "mixes fractions and row counts")
    assert snapshot(tmp) == before


@pytest.mark.parametrize("content, needle", [
    ("a,b,label\n", "has a header (3 columns) but no rows"),
    ("", "is empty"),
    ('a,b\n1,"2\n', "could not be read as CSV"),
])
def test_bad_input_tables(tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert_refused(cli("reduce", path, "--keep", "0.1", "--output", tmp_path / "o.csv"),
                   needle)
    assert not (tmp_path / "o.csv").exists()


def test_missing_values_counted_per_row_and_column(tmp_path):
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2.0, np.nan, np.nan],
                       "c": [1, 2, 3, 4]})
    df.to_csv(tmp_path / "d.csv", index=False)
    res = cli("reduce", tmp_path / "d.csv", "--keep", "2", "--output", tmp_path / "o.csv",
              "--space", "none", "--method", "mms")
    assert_refused(res, "3 row(s)", "a (1), b (2)", "--space none")
    df.loc[3, "a"] = np.inf
    df.to_csv(tmp_path / "d.csv", index=False)
    res = cli("reduce", tmp_path / "d.csv", "--keep", "2", "--output", tmp_path / "o.csv",
              "--method", "mms")
    assert_refused(res, "1 row(s)", "infinite")
    assert not (tmp_path / "o.csv").exists()


def test_failure_modes_in_subprocesses(data):
    """The real command, as a script runs it: started together to share the import cost."""
    tmp, path, df = data
    df.iloc[::10].to_csv(tmp / "small.csv", index=False)
    (tmp / "results").write_text("a file")
    (tmp / "rep").mkdir()
    (tmp / "garbage.csv").write_bytes(bytes(range(256)) * 4)
    before = snapshot(tmp)
    cases = [
        (("score", path, tmp / "small.csv", "--dims", "0", "5"), "--dims 0 5"),
        (("compare", path, "--target", "label", "--output", tmp / "results"), "is a file"),
        (("reduce", path, "--keep", "0.1", "-o", tmp / "o.csv", "--report", tmp / "rep"),
         "is a folder"),
        (("reduce", tmp / "garbage.csv", "--keep", "0.1", "-o", tmp / "o.csv"),
         "could not be read as CSV"),
        (("compare", path, "--target", "label", "--keep", "0.1", "5", "--output", tmp / "c"),
         "mixes fractions"),
    ]
    procs = [cli_process(*args) for args, _ in cases]
    for (_, needle), proc in zip(cases, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=300)
        res = SimpleNamespace(returncode=proc.returncode, stdout=stdout, stderr=stderr)
        assert_refused(res, needle)
        assert len(stderr.strip().splitlines()) <= 3, stderr
    assert snapshot(tmp) == before


def test_docs_page_lists_every_option():
    """docs/cli.md has every option of every table subcommand (with an example in its
    table); the yolo subcommands, documented in detection.md, need their section."""
    from pathlib import Path

    from datareduce.cli import build_parser

    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    missing = []
    for name, parser in sub.choices.items():
        assert f"## `datareduce {name}`" in page, name
        if name.startswith("yolo"):
            continue
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag not in ("--help",) and flag not in page:
                    missing.append(f"{name} {flag}")
    assert not missing, missing


def test_unreadable_input_and_unwritable_output(data, monkeypatch):
    """Permissions (simulated: the tests may run as root, who can read anything)."""
    import os

    tmp, path, _ = data
    real = os.access
    monkeypatch.setattr(os, "access",
                        lambda p, mode: False if str(p) in (str(path), str(tmp / "ro"))
                        else real(p, mode))
    before = snapshot(tmp)
    assert_refused(cli("reduce", path, "--keep", "0.1", "-o", tmp / "o.csv"),
                   "not readable (permission denied)")
    (tmp / "ro").mkdir()
    before = snapshot(tmp)
    assert_refused(cli("score", tmp / "small.csv", path, "--json", tmp / "ro" / "r.json"),
                   "--json", "cannot write in")
    assert snapshot(tmp) == before


@pytest.mark.parametrize("args, option, low", [
    (["reduce", "IN.csv", "-o", "o.csv", "--keep", "0.1", "--bins", "0"], "--bins", 1),
    (["reduce", "IN.csv", "-o", "o.csv", "--keep", "0.1", "--scheduler", "local",
      "--workers", "0"],
     "--workers", 1),
    (["score", "F.csv", "R.csv", "--bins", "-2"], "--bins", 1),
    (["score", "F.csv", "R.csv", "--max-points", "1"], "--max-points", 2),
    (["search", "IN.csv", "--target", "y", "--bins", "0"], "--bins", 1),
    (["search", "IN.csv", "--target", "y", "--cv", "1"], "--cv", 2),
    (["compare", "IN.csv", "--target", "y", "--bins", "0"], "--bins", 1),
    (["compare", "IN.csv", "--target", "y", "--repeats", "0"], "--repeats", 1),
    (["audit", "F.csv", "R.csv", "--draws", "0"], "--draws", 1),
])
def test_integer_options_are_refused_while_parsing(tmp_path, monkeypatch, args, option, low):
    """One rule for every integer option with a lower bound: refused by argparse, before any
    file is looked at (the inputs here do not exist), with the same one line."""
    monkeypatch.chdir(tmp_path)
    res = cli(*args)
    value = args[args.index(option) + 1]
    assert_refused(res, f"{option} {value}: give an integer >= {low}.")
    assert "does not exist" not in res.stderr and "not found" not in res.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["reduce", "IN.csv", "-o", "o.csv", "--keep", "0.1"],
    ["search", "IN.csv", "--target", "y"],
    ["compare", "IN.csv", "--target", "y"],
    ["yolo", "data.yaml", "--keep", "0.5", "-o", "out"],
    ["yolo-split", "data.yaml", "-o", "out"],
    ["demo"],
])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_numpy_refuses_is_refused_while_parsing(tmp_path, monkeypatch, args, seed):
    """--seed -1 used to pass parsing, read the data, and end in scikit-learn's message about
    'random_state' (naming neither --seed nor the fix)."""
    monkeypatch.chdir(tmp_path)
    res = cli(*args, "--seed", seed)
    assert_refused(res, f"--seed {seed}: give an integer from 0 to {2**32 - 1}.")
    assert list(tmp_path.iterdir()) == []


def test_a_repeated_warning_is_printed_once(monkeypatch):
    """compare's MLP warned 'ConvergenceWarning: Stochastic Optimizer ...' once per training
    (4 identical lines for one repeat of two methods); each line is now shown once a run."""
    import warnings

    from datareduce.cli import methods

    def run(args):
        # each training's own warnings context makes Python's once-per-place rule forget
        for _ in range(3):
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.warn("the same words", UserWarning, stacklevel=1)
        warnings.warn("other words", UserWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(methods, "run", run)
    res = cli("methods")
    lines = res.stderr.strip().splitlines()
    assert lines == ["datareduce methods: warning: the same words",
                     "datareduce methods: warning: other words"], lines
