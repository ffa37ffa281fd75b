"""The datareduce command, run as a user would: in a subprocess."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "datareduce.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    df["name"] = [f"row{i}" for i in range(200)]
    df["label"] = np.repeat(["x", "y"], [150, 50])
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path, df


def test_methods_lists_registry():
    import datareduce

    out = cli("methods")
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert names == datareduce.available_reducers()


def test_reduce_csv_keeps_all_columns(table, tmp_path):
    path, df = table
    out_path = tmp_path / "out.csv"
    res = cli("reduce", path, "--target", "label", "--method", "srs", "--keep", "0.1",
              "--output", out_path, "--seed", "3")
    assert res.returncode == 0, res.stderr
    assert "kept 20 of 200" in res.stdout
    out = pd.read_csv(out_path)
    assert list(out.columns) == list(df.columns)
    assert out["label"].value_counts().to_dict() == {"x": 15, "y": 5}
    # the kept rows are rows of the input, unchanged
    merged = out.merge(df, on=list(df.columns), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    again = tmp_path / "again.csv"
    cli("reduce", path, "--target", "label", "--method", "srs", "--keep", "0.1",
        "--output", again, "--seed", "3")
    pd.testing.assert_frame_equal(out, pd.read_csv(again))


def test_reduce_parquet_and_count_keep(table, tmp_path):
    path, df = table
    pq = tmp_path / "data.parquet"
    df.to_parquet(pq)
    out_path = tmp_path / "out.parquet"
    res = cli("reduce", pq, "--method", "random", "--keep", "30", "--output", out_path, "-q")
    assert res.returncode == 0, res.stderr
    assert res.stdout == ""
    assert len(pd.read_parquet(out_path)) == 30


def test_reduce_report_json(table, tmp_path):
    import json

    path, _ = table
    res = cli("reduce", path, "--target", "label", "--keep", "0.2", "--output",
              tmp_path / "o.csv", "--report", tmp_path / "r.json", "-q")
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    # the audit (calibrated metrics, headline first), not the uncalibrated epsilon
    assert list(report["calibration"]["metrics"])[0] == "mmd"
    assert "epsilon" not in report and report["n_kept"] == 40


@pytest.mark.parametrize("args, message", [
    (["missing.csv", "--keep", "0.1"], "input file not found"),
    (["{data}", "--target", "nope", "--keep", "0.1"], "--target 'nope' is not a column"),
    (["{data}", "--method", "nope", "--keep", "0.1"], "--method 'nope' is not a method"),
    (["{data}", "--keep", "1.5"], "--keep=1.5"),
    (["{data}", "--keep", "0"], "--keep=0"),
    (["{data}", "--keep", "500"], "larger than the data"),
    (["{data}", "--keep", "0.1", "--param", "nonsense"], "NAME=VALUE"),
])
def test_reduce_errors(args, message, table, tmp_path):
    path, _ = table
    args = [a.format(data=path) for a in args]
    res = cli("reduce", *args, "--output", tmp_path / "o.csv")
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("datareduce reduce: error:")
    assert not (tmp_path / "o.csv").exists()


def test_reduce_refuses_to_overwrite(table, tmp_path):
    path, _ = table
    out = tmp_path / "o.csv"
    out.write_text("precious")
    res = cli("reduce", path, "--keep", "0.1", "--output", out)
    assert res.returncode == 2 and "--overwrite" in res.stderr
    assert out.read_text() == "precious"


def test_demo_small():
    res = cli("demo", "--methods", "random", "srs", "--keep", "0.1", "-q")
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| method")
    assert [line.split("|")[1].strip() for line in lines[1:]] == ["full", "random", "srs"]
    full_acc = float(lines[1].split("|")[-2])
    assert full_acc > 0.9
    assert int(lines[2].split("|")[3]) == 135


def test_demo_draws_no_progress_bar_into_a_captured_stderr():
    """Progress bars are drawn only on a terminal (cli.md); the demo forced its bar into a
    redirected stderr."""
    res = cli("demo", "--methods", "srs", "--keep", "0.1")
    assert res.returncode == 0, res.stderr
    assert "compare:" not in res.stderr and "it/s" not in res.stderr and "run/s" not in res.stderr


def test_demo_skips_methods_whose_extra_is_missing(tmp_path):
    # a sitecustomize that hides torch, as on a core-only install
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'zuko'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, _Hide())\n")
    import os

    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    res = subprocess.run([sys.executable, "-m", "datareduce.cli", "demo", "--methods", "srs",
                          "flow", "--keep", "0.1", "-q"], capture_output=True, text=True,
                         env=env)
    assert res.returncode == 0, res.stderr
    assert "skipping flow" in res.stderr and "'flow' extra" in res.stderr
    methods = [line.split("|")[1].strip() for line in res.stdout.splitlines()
               if line.startswith("| ")][1:]
    assert methods == ["full", "srs"]


def test_the_time_probe_keeps_its_own_warnings(tmp_path):
    """reduce times the method on 50-1000 row probes first; at keep 0.02 the 50-row probe
    keeps one row for three classes, and its warning ("classes [0, 2] keep no rows") was
    printed though the real run (60 rows of 3,000) keeps every class."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(3000, 3)), columns=["a", "b", "c"])
    df["label"] = np.arange(3000) % 3
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    res = cli("reduce", path, "--target", "label", "--method", "mms", "--keep", "0.02",
              "-o", tmp_path / "o.csv")
    assert res.returncode == 0, res.stderr
    assert "keep allows" not in res.stderr and "keep no rows" not in res.stderr
    assert pd.read_csv(tmp_path / "o.csv")["label"].nunique() == 3


def test_yolo_commands_have_quiet(tmp_path):
    """-q/--quiet on yolo, yolo-audit and yolo-split, as on every other writing command: no
    progress bars (even with --progress) and no notes on stderr; the reports are still
    printed, warnings still shown (before: -q was an unrecognized argument, exit status 2)."""
    pytest.importorskip("PIL")
    pytest.importorskip("yaml")
    from datareduce.detection import make_shapes_dataset

    make_shapes_dataset(tmp_path / "src", n_train=12, n_val=3, random_state=0)
    data = tmp_path / "src" / "data.yaml"

    def noise(stderr, command):  # what is left on stderr besides one-line warnings
        return [line for line in stderr.splitlines()
                if not line.startswith(f"datareduce {command}: warning:")]

    yolo = ("yolo", data, "--dry-run", "--keep", "4", "--progress", "--embedder-param", "size=4")
    loud = cli(*yolo)
    assert loud.returncode == 0, loud.stderr
    assert "keeping 4 images" in loud.stderr and "thumbnails" in loud.stderr
    for flag in ("-q", "--quiet"):
        quiet = cli(*yolo, flag)
        assert quiet.returncode == 0, quiet.stderr
        assert noise(quiet.stderr, "yolo") == []
        assert "images: 12 -> 4" in quiet.stdout and "dry run: nothing written" in quiet.stdout
    out = tmp_path / "small"
    quiet = cli("yolo", data, "--keep", "0.5", "--progress", "-q", "-o", out)
    assert quiet.returncode == 0 and noise(quiet.stderr, "yolo") == []
    assert (out / "data.yaml").is_file() and "wrote" in quiet.stdout

    loud = cli("yolo-audit", data, "--progress")
    assert loud.returncode == 0 and "perceptual hashes" in loud.stderr
    quiet = cli("yolo-audit", data, "--progress", "-q", "--json", tmp_path / "leaks.json")
    assert quiet.returncode == 0 and noise(quiet.stderr, "yolo-audit") == []
    assert quiet.stdout == loud.stdout and (tmp_path / "leaks.json").is_file()

    quiet = cli("yolo-split", data, "--group", "^(.{7})", "--val", "0.3", "-q",
                "-o", tmp_path / "split")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "" and noise(quiet.stderr, "yolo-split") == []
    assert (tmp_path / "split" / "data.yaml").is_file()
