"""Review 14 (reviewer C): the reduce / compare / methods / demo commands, the evaluation
package and the user docs. Each test names its repro in notes/review14/c/ and fails before
its fix."""

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main


# 01_distinct_text_dates_dropped.py
def test_a_csv_date_column_with_a_date_per_row_is_a_feature(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 60
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "day": pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d"),
            "note": [f"free text {i}" for i in range(n)],
            "y": rng.choice(["a", "b"], n),
        }
    )
    df.to_csv(tmp_path / "t.csv", index=False)
    assert (
        main(
            [
                "reduce",
                str(tmp_path / "t.csv"),
                "--target",
                "y",
                "--method",
                "mms",
                "--keep",
                "10",
                "-o",
                str(tmp_path / "o.csv"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if ln.startswith("columns:"))
    assert "2 feature column(s): x, day" in line
    assert "an id or free text): note" in line  # free text still left out
    assert "dates and durations as seconds" in err


# 02_baseline_energy_includes_scoring.py
class _ClockTracker:
    """A codecarbon stand-in whose task energy is the task's seconds (as kWh)."""

    def start_task(self, name):
        import time

        self._t0 = time.perf_counter()

    def stop_task(self):
        import time
        from types import SimpleNamespace

        s = time.perf_counter() - self._t0
        return SimpleNamespace(energy_consumed=s, emissions=s)

    def stop(self):
        pass


def test_the_baselines_energy_is_its_training_not_its_scoring(monkeypatch):
    import time

    from sklearn.neighbors import KNeighborsClassifier

    from datareduce.evaluation import protocol

    class SlowPredict(KNeighborsClassifier):
        def predict(self, X):
            time.sleep(0.3)
            return super().predict(X)

    monkeypatch.setattr(protocol, "start_tracker", _ClockTracker)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    res = protocol.compare(
        X,
        y,
        methods=["srs"],
        keeps=[0.5],
        repeats=1,
        estimator=SlowPredict(),
        energy=True,
        random_state=0,
        scoring=["accuracy"],
        metrics=["mmd"],
    )
    for r in res.itertuples():  # reduction + training, never the test split's scoring
        assert r.energy_kwh < r.total_seconds + 0.05, (r.method, r.energy_kwh)


# 03_format_errors_name_no_option.py
def test_format_errors_name_the_option_and_report_takes_html(tmp_path, capsys):
    pd.DataFrame({"x": range(30), "y": [0, 1] * 15}).to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "t.txt").write_text((tmp_path / "t.csv").read_text())
    t_csv, t_txt = str(tmp_path / "t.csv"), str(tmp_path / "t.txt")
    cases = [
        ([t_csv, "--keep", "0.5", "-o", str(tmp_path / "out.txt")], "--output "),
        ([t_txt, "--keep", "0.5", "-o", str(tmp_path / "o.csv")], "input "),
        (
            [
                t_csv,
                "--keep",
                "0.5",
                "-o",
                str(tmp_path / "o.csv"),
                "--report",
                str(tmp_path / "r.txt"),
            ],
            "or .html",
        ),
    ]
    for args, want in cases:
        assert main(["reduce", *args]) == 2
        err = capsys.readouterr().err
        assert want in err, err
    assert not (tmp_path / "o.csv").exists()


# 04_not_utf8_csv_no_fix.py
def test_a_csv_that_is_not_utf8_is_refused_with_its_line_and_a_fix(tmp_path, capsys):
    import codecs

    rows = "".join(f"{i},Café {i % 3},{'ab'[i % 2]}\n" for i in range(30))
    (tmp_path / "t.csv").write_bytes(b"x,town,label\n" + rows.encode("cp1252"))
    (tmp_path / "u.csv").write_bytes(codecs.BOM_UTF16_LE + "x,label\n1,a\n".encode("utf-16-le"))
    for name, where, encoding in (
        ("t.csv", "line 2 holds the byte 0xe9 at byte 18", "cp1252"),
        ("u.csv", "UTF-16 byte-order mark", "utf-16"),
    ):
        args = [
            "reduce",
            str(tmp_path / name),
            "--target",
            "label",
            "--keep",
            "1",
            "-o",
            str(tmp_path / "o.csv"),
        ]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert "is not UTF-8 text" in err and where in err, err
        assert f"encoding={encoding!r}" in err
    # a character cut by the reading chunk (1 MiB) is not a bad byte: the line is right
    good = "".join(f"{i},été,{'ab'[i % 2]}\n" for i in range(100_000)).encode()
    head = b"x,town,label\n"
    pad = (1 << 20) - 1 - (head + good).rindex(b"\xc3", 0, 1 << 20)  # é across the cut
    data = b"x,town" + b"_" * pad + b",label\n" + good + "1,Café,a\n".encode("cp1252")
    assert data[(1 << 20) - 1] == 0xC3
    (tmp_path / "b.csv").write_bytes(data)
    assert (
        main(
            [
                "reduce",
                str(tmp_path / "b.csv"),
                "--target",
                "label",
                "--keep",
                "1",
                "-o",
                str(tmp_path / "o.csv"),
            ]
        )
        == 2
    )
    assert "line 100002 holds the byte 0xe9" in capsys.readouterr().err


# 05_repeated_keeps_counted_twice.py
def test_repeated_keeps_are_refused_by_compare_and_the_demo(capsys):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from datareduce.evaluation import compare

    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"keeps: 0\.2 is given twice"):
        compare(
            X,
            y,
            methods=["srs"],
            keeps=[0.2, 0.3, 0.2],
            repeats=2,
            estimator=LogisticRegression(max_iter=300),
            random_state=0,
        )
    assert main(["demo", "--methods", "srs", "--keep", "0.1", "0.10", "-q"]) == 2
    assert "--keep: 0.1 is given twice (0.1, 0.1)" in capsys.readouterr().err
    assert main(["demo", "--methods", "srs", "--keep", "2000", "-q"]) == 2
    err = capsys.readouterr().err
    assert "--keep 2000 is more than the 1347 rows" in err and "test_size" not in err


# 06_notebook_says_every_reducer_stratified.py
def test_the_tabular_notebook_names_the_reducers_it_does_not_stratify():
    import json
    import warnings
    from pathlib import Path

    from sklearn.datasets import load_wine
    from sklearn.preprocessing import MinMaxScaler

    import datareduce

    path = Path(__file__).resolve().parents[1] / "notebooks" / "tabular_audit.ipynb"
    cells = json.loads(path.read_text())["cells"]
    text = "".join(cells[4]["source"])
    code = "".join(cells[5]["source"])
    names = code.split("candidates = [", 1)[1].split("]", 1)[0]
    methods = [m.strip().strip('"') for m in names.split(",")]
    data = load_wine(as_frame=True)
    X = pd.DataFrame(MinMaxScaler().fit_transform(data.data))
    y = data.target
    counts = {}
    for m in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kept = datareduce.get_reducer(m, keep=0.2, random_state=0).fit_resample(X, y)[1]
        counts[m] = np.bincount(kept).tolist()
    assert "stratified by class" in text
    for m, c in counts.items():
        if c != counts["srs"]:  # not stratified: the cell must say so
            assert m.upper() in text, (m, c, counts["srs"])


# 07_compare_one_class_target.py
def test_compare_refuses_a_target_with_one_class_before_any_run(tmp_path, capsys):
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=60), "y": ["a"] * 60}).to_csv(
        tmp_path / "t.csv", index=False
    )
    for est in ("mlp", "logistic"):
        out = tmp_path / f"out_{est}"
        assert (
            main(
                [
                    "compare",
                    str(tmp_path / "t.csv"),
                    "--target",
                    "y",
                    "--methods",
                    "srs",
                    "--keep",
                    "0.3",
                    "--repeats",
                    "2",
                    "--estimator",
                    est,
                    "--output",
                    str(out),
                    "--no-plots",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert "--target 'y' has a single class ('a')" in err, err
        assert not out.exists()


# 08_clc_centroids_drop_space.py
def test_clc_centroids_under_a_scaled_space_are_refused_not_computed_unscaled(tmp_path, capsys):
    from sklearn.datasets import load_wine

    load_wine(as_frame=True).frame.to_csv(tmp_path / "wine.csv", index=False)
    base = [
        "reduce",
        str(tmp_path / "wine.csv"),
        "--target",
        "target",
        "--method",
        "clc",
        "--keep",
        "20",
    ]
    for space in ("minmax", "standard"):
        out = tmp_path / f"{space}.csv"
        assert main([*base, "--param", "output=centroids", "--space", space, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"not in --space {space}" in err and "--space none" in err
        assert not out.exists()
    # with --space none the centroids are the user's: the rows nearest them are written
    assert (
        main(
            [
                *base,
                "--param",
                "output=centroids",
                "--space",
                "none",
                "-o",
                str(tmp_path / "none.csv"),
            ]
        )
        == 0
    )


# 09_zero_width_interval_claims_gain.py
def test_equal_paired_differences_give_no_interval_and_no_claim():
    from types import SimpleNamespace

    from datareduce.cli.compare import _differences_md
    from datareduce.evaluation import differences

    acc = {
        "full": [44 / 45, 43 / 45, 44 / 45],
        "srs": [43 / 45, 42 / 45, 43 / 45],
        "clc": [44 / 45, 43 / 45, 44 / 45],
        "mms": [44 / 45, 44 / 45, 45 / 45],
    }
    rows = [
        {"method": m, "keep": 1.0 if m == "full" else 0.3, "repeat": r, "accuracy": vs[r]}
        for r in range(3)
        for m, vs in acc.items()
    ]
    res = pd.DataFrame(rows)
    d = differences(res, score="accuracy").set_index("method")
    assert np.isnan(d.loc["clc", "low"]) and np.isnan(d.loc["clc", "high"])
    assert d.loc["clc", "wins"] == 3 and d.loc["clc", "mean"] == pytest.approx(1 / 45)
    assert np.isfinite(d.loc["mms", "low"])  # differences that vary keep their interval
    args = SimpleNamespace(scoring=["accuracy"], repeats=3, quiet=False)
    md = "\n".join(_differences_md(args, res))
    assert "+0.022 (3/0/0)" in md and "[+0.022, +0.022]" not in md


# 10_compare_budget_ignores_metrics.py
def test_compare_budget_counts_the_metric_columns(monkeypatch):
    import time
    from types import SimpleNamespace

    import pytest

    import datareduce.metrics as metrics
    from datareduce.cli import CLIError
    from datareduce.cli._progress import Clock
    from datareduce.cli.compare import _plan

    class SlowMetric:  # prepared and scored in 3e-9 s x rows^2 (2.7 s at 30,000 rows)
        def prepare(self, X, y):
            rows = len(X)

            class Prepared:
                def score(self, X_red, y_red, weights):
                    time.sleep(3e-9 * rows**2)

            return Prepared()

    monkeypatch.setattr(metrics, "get_metric", lambda name, **kw: SlowMetric())
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40_000, 3))
    y = (X[:, 0] > 0).astype(int)
    args = SimpleNamespace(
        estimator="logistic",
        repeats=1,
        keep=[0.1],
        topology=False,
        metrics=["mmd"],
        budget=1.5,
        quiet=True,
    )
    with pytest.raises(CLIError, match="no method fits the budget"):
        _plan(args, X, y, ["srs"], 30_000, Clock(1.5), "classification")


# 11_compare_energy_without_codecarbon.py
def test_compare_energy_without_codecarbon_is_refused_before_the_work(
    tmp_path, capsys, monkeypatch
):
    import sys

    monkeypatch.setitem(sys.modules, "codecarbon", None)  # not installed
    pd.DataFrame({"x": np.arange(40.0), "y": [0, 1] * 20}).to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "out"
    assert (
        main(
            [
                "compare",
                str(tmp_path / "t.csv"),
                "--target",
                "y",
                "--methods",
                "srs",
                "--keep",
                "0.3",
                "--repeats",
                "2",
                "--estimator",
                "logistic",
                "--energy",
                "--output",
                str(out),
                "--no-plots",
            ]
        )
        == 2
    )
    assert "--energy needs codecarbon" in capsys.readouterr().err
    assert not out.exists()


# 12_metric_plot_drops_infinite_runs.py
def test_the_metric_plot_says_which_runs_it_cannot_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from datareduce.evaluation import plot_epsilon

    res = pd.DataFrame(
        {
            "method": ["full", "srs", "srs", "mms", "mms"],
            "keep": [1.0, 8, 30, 8, 30],
            "repeat": 0,
            "epsilon": [0.0, np.inf, 1.0, np.inf, 0.9],
            "accuracy": [0.97, 0.5, 0.8, 0.6, np.nan],
        }
    )
    ax = plot_epsilon(res, score="accuracy", metric="epsilon")
    (note,) = [t.get_text() for t in ax.texts]
    assert "2 with an infinite epsilon" in note and "1 with a missing" in note
    assert "of the 4 runs" in note
    finite = res.assign(epsilon=[0.0, 0.5, 1.0, 0.6, 0.9], accuracy=0.8)
    assert len(plot_epsilon(finite, score="accuracy", metric="epsilon").texts) == 0
    plt.close("all")


# 13_param_value_refused_late_unnamed.py
def test_a_bad_param_value_is_refused_before_reading_naming_param(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("x,y\n1,a\n2,b\n3,a\n4,b\n")
    base = [
        "reduce",
        str(tmp_path / "t.csv"),
        "--method",
        "mms",
        "--keep",
        "2",
        "-o",
        str(tmp_path / "o.csv"),
        "--target",
        "not_a_column",
    ]
    for param in ("selection=bogus", "random_state=-1", "n_neighbors=0"):
        assert main([*base, "--param", param]) == 2
        err = capsys.readouterr().err
        assert f"--param {param}: The '{param.split('=')[0]}' parameter" in err, err
    assert main([*base, "--param", "selection=reference"]) == 2  # a good value: read on
    assert "--target 'not_a_column' is not a column" in capsys.readouterr().err


# 14_keep_1e5_refused_by_reduce.py
def test_reduce_reads_a_whole_keep_in_e_notation_as_rows_as_compare_does():
    import pytest

    from datareduce.cli import CLIError
    from datareduce.cli._common import parse_keep
    from datareduce.cli.compare import _number

    for text, value in (("1e2", 100), ("2E3", 2000), ("5e-2", 0.05), ("0.3", 0.3), ("40", 40)):
        assert parse_keep(text) == value and type(parse_keep(text)) is type(value)
        assert _number(text) == value  # the same reading as compare's --keep
    with pytest.raises(CLIError, match="pass an int"):
        parse_keep("100.0")  # a point: a fraction, refused by both


# 15_compare_overwrite_leaves_stale_plots.py
def test_compare_names_the_earlier_plots_it_does_not_replace(tmp_path, capsys):
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {"a": rng.normal(size=120), "b": rng.normal(size=120), "y": ["p", "q", "r"] * 40}
    ).to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "res"
    out.mkdir()
    for name in ("scores.png", "time.png", "mmd.png", "energy.png", "notes.png"):
        (out / name).write_bytes(b"old")
    base = [
        "compare",
        str(tmp_path / "t.csv"),
        "--target",
        "y",
        "--keep",
        "0.3",
        "--repeats",
        "2",
        "--estimator",
        "logistic",
        "--output",
        str(out),
        "--methods",
        "srs",
        "--overwrite",
    ]
    assert main([*base, "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert "holds scores.png, time.png, energy.png, mmd.png of an earlier" in err, err
    assert "notes.png" not in err  # not a name compare writes
    assert (out / "scores.png").read_bytes() == b"old"  # named, never removed
