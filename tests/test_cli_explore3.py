"""The tester's report explore3/cli: the audit follows --task/--bins (01), numeric columns
with a missing-value marker such as ``?`` (02), a CSV with another delimiter (03), the
audit map with many classes (05)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main


# ------------------------------------------------------------------ 01: --task / --bins
@pytest.fixture
def prices(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    full = pd.DataFrame({"x1": rng.normal(size=n).round(3), "x2": rng.normal(size=n).round(3),
                         "price": (rng.normal(size=n) * 10 + 50).round(2),
                         "code": rng.permutation(np.arange(n) % 60)})
    full.to_csv(tmp_path / "full.csv", index=False)
    full.sample(60, random_state=0).to_csv(tmp_path / "red.csv", index=False)
    return tmp_path


def test_score_audit_uses_bins(prices):
    tmp = prices
    assert main(["score", str(tmp / "full.csv"), str(tmp / "red.csv"), "--target", "price",
                 "--exclude", "code", "--bins", "3", "-q", "--json", str(tmp / "r.json")]) == 0
    d = json.loads((tmp / "r.json").read_text())
    assert d["task"] == "regression" and len(d["class_rows"]) == 3


def test_score_audit_uses_task_classification(prices):
    # 60 distinct whole numbers in 240 rows: a regression target by the auto rule
    tmp = prices
    assert main(["score", str(tmp / "full.csv"), str(tmp / "red.csv"), "--target", "code",
                 "--exclude", "price", "--task", "classification", "-q",
                 "--json", str(tmp / "r.json")]) == 0
    d = json.loads((tmp / "r.json").read_text())
    assert d["task"] == "classification" and len(d["class_rows"]) == 60


def test_reduce_report_stratified_as_the_reduction(prices):
    tmp = prices
    assert main(["reduce", str(tmp / "full.csv"), "--target", "price", "--exclude", "code",
                 "--task", "regression", "--bins", "3", "--method", "srs", "--keep", "0.25",
                 "-o", str(tmp / "o.csv"), "--report", str(tmp / "r.json"), "-q"]) == 0
    d = json.loads((tmp / "r.json").read_text())
    assert d["task"] == "regression" and len(d["class_rows"]) == 3
    # every bin keeps its share: the reduction's strata are the audit's
    assert all(k > 0 for k in (v["kept"] for v in d["class_rows"].values()))


def test_audit_subset_task_and_bins_parameters():
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    y = rng.normal(size=150)
    kept = rng.choice(150, 40, replace=False)
    au = audit_subset(X, kept, y, n_bins=4, n_draws=5)
    assert au.task == "regression" and len(au.class_rows) == 4
    au = audit_subset(X, kept, np.arange(150) % 3 * 1.5, task="regression", n_bins=2,
                      n_draws=5)
    assert au.task == "regression" and len(au.class_rows) == 2
    au = audit_subset(X, kept, (np.arange(150) % 7).astype(float), n_draws=5,
                      task="classification")
    assert au.task == "classification" and len(au.class_rows) == 7
    for bad in ({"task": "classes"}, {"n_bins": 0}, {"n_bins": True}, {"n_bins": 2.5}):
        with pytest.raises(ValueError, match="task|n_bins"):
            audit_subset(X, kept, y, n_draws=5, **bad)


# ------------------------------------------------- 02: numbers with a '?' for missing values
@pytest.fixture
def question_marks(tmp_path):
    rng = np.random.default_rng(2)
    lines = ["age,income,kind,label"]
    for i in range(120):
        age = "?" if i % 25 == 0 else str(int(rng.integers(18, 90)))
        inc = "?" if i % 30 == 0 else f"{rng.lognormal(10, 1):.2f}"
        kind = ("NA", "EU", "?")[i % 3]  # text: a class 'NA' (North America) stays a value
        lines.append(f"{age},{inc},{kind},{'>50K' if rng.random() < .3 else '<=50K'}")
    (tmp_path / "adult.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_numbers_with_a_marker_are_named_in_a_warning(question_marks, capsys):
    tmp = question_marks
    assert main(["reduce", str(tmp / "adult.csv"), "--target", "label", "--method", "mms",
                 "--keep", "0.2", "-o", str(tmp / "out.csv")]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "warning:" in line and "?" in line]
    assert len(warned) == 2, err
    assert "'age'" in warned[0] and "(5 rows)" in warned[0] and "--na-values '?'" in warned[0]
    assert "'income'" in warned[1] and "(4 rows)" in warned[1]
    assert "kind" not in " ".join(warned)  # a text column is not numbers


def test_na_values_reads_the_marker_as_missing(question_marks, capsys):
    tmp = question_marks
    assert main(["reduce", str(tmp / "adult.csv"), "--target", "label", "--method", "mms",
                 "--keep", "0.2", "-o", str(tmp / "out.csv"), "--na-values", "?",
                 "--report", str(tmp / "r.json")]) == 0
    err = capsys.readouterr().err
    assert "warning: column" not in err
    space = [line for line in err.splitlines() if line.startswith("space:")][0]
    assert "2 numeric" in space and "1 categorical" in space
    # the rows written are the input's rows, '?' included
    lines = (tmp / "adult.csv").read_text().splitlines()
    out = (tmp / "out.csv").read_text().splitlines()
    assert out[0] == lines[0] and set(out[1:]) <= set(lines[1:])
    d = json.loads((tmp / "r.json").read_text())
    assert "2 numeric" in d["space"]
    # the same in the commands that compare two tables
    assert main(["score", str(tmp / "adult.csv"), str(tmp / "out.csv"), "--target", "label",
                 "--na-values", "?", "-q", "--json", str(tmp / "s.json")]) == 0
    assert "2 numeric" in json.loads((tmp / "s.json").read_text())["space"]
    assert "warning: column" not in capsys.readouterr().err


def test_na_values_in_a_text_column(question_marks, capsys):
    tmp = question_marks
    assert main(["reduce", str(tmp / "adult.csv"), "--target", "label", "--features", "kind",
                 "--method", "srs", "--keep", "0.2", "-o", str(tmp / "o.csv"),
                 "--na-values", "?", "--report", str(tmp / "r.json"), "-q"]) == 0
    # '?' is missing (a category of its own in the space), 'NA' still a value
    from datareduce.cli._io import read_table

    df = read_table(tmp / "adult.csv", na_values=["?"])
    assert df["kind"].isna().sum() == 40 and (df["kind"] == "NA").sum() == 40
    assert (read_table(tmp / "adult.csv")["kind"] == "?").sum() == 40


# ------------------------------------------------------------ 03: another delimiter than ','
@pytest.mark.parametrize("sep, words", [(";", "';' (semicolons)"), ("\t", "tabs")])
def test_other_delimiter_is_named(tmp_path, capsys, sep, words):
    path = tmp_path / "semi.csv"
    path.write_text(sep.join(["code", "x", "z", "label"]) + "\n"
                    + "".join(sep.join([f"000{i}", f"{i}.5", "2.0", "AB"[i % 2]]) + "\n"
                              for i in range(6)))
    assert main(["reduce", str(path), "--target", "label", "--keep", "2",
                 "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"use {words} between fields" in err
    assert f"sep={sep!r}" in err and not (tmp_path / "o.csv").exists()
    # decimal commas too (pandas then reads more fields than the header names)
    path.write_text("code;x;label\n0001;1,5;A\n0002;0,5;B\n0003;2,5;A\n")
    (tmp_path / "red.csv").write_text("code,x,label\n0001,1.5,A\n")
    assert main(["score", str(path), str(tmp_path / "red.csv"), "--target", "label"]) == 2
    assert "';' (semicolons)" in capsys.readouterr().err


def test_one_column_named_with_a_semicolon_is_read(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("a;b\n" + "".join(f"{i * 7 % 5}\n" for i in range(10)))
    assert main(["reduce", str(path), "--keep", "3", "-o", str(tmp_path / "o.csv"), "-q"]) == 0
    assert (tmp_path / "o.csv").read_text().splitlines()[0] == "a;b"


# ------------------------------------------------------------ 05: the map with many classes
def test_map_legend_with_many_classes_keeps_the_axes(tmp_path):
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(0)
    n = 1200
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.array([f"class_{i}" for i in range(60)])[np.arange(n) % 60]
    absent = np.isin(y, [f"class_{i}" for i in range(6)])  # six classes without a kept row
    kept = rng.choice(np.flatnonzero(~absent), 300, replace=False)
    au = audit_subset(df, kept, y, n_draws=3)
    fig = au.figures()[0][2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # constrained_layout's "axes sizes collapsed"
        fig.savefig(tmp_path / "map.png", dpi=60)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(names) <= 16, names
    assert "kept, 45 more classes" in names  # 54 classes drawn, 9 of them on their own
    assert "3 more classes with no kept row" in names
    assert sum(name.endswith(": no kept row") for name in names) == 3
    assert ax.get_position().height > 0.4  # the axes keep a good share of the figure


# ------------------------------------------------ review3/r1 02: --na-values on Parquet
def test_na_values_on_parquet_reads_numbers_and_writes_the_marker(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    n = 200
    age = rng.integers(18, 80, n).astype(str).astype(object)
    age[[3, 10, 50, 77]] = "?"
    df = pd.DataFrame({"age": age, "income": np.round(rng.normal(50, 10, n), 1),
                       "label": rng.choice(["a", "b"], n)})
    df.to_parquet(tmp_path / "q.parquet", index=False)  # age: text, '?' for missing
    base = ["reduce", str(tmp_path / "q.parquet"), "--target", "label", "--method", "mms",
            "--keep", "0.5"]
    # the warning's advice, on a Parquet file too
    assert main([*base, "-o", str(tmp_path / "a.parquet")]) == 0
    err = capsys.readouterr().err
    assert "column 'age' is numbers except '?' (4 rows)" in err and "--na-values '?'" in err
    # following it: age is numbers, the written rows keep '?' (text, as stored)
    assert main([*base, "-o", str(tmp_path / "o.parquet"), "--na-values", "?"]) == 0
    err = capsys.readouterr().err
    space = next(line for line in err.splitlines() if line.startswith("space:"))
    assert "2 numeric" in space and "categorical" not in space, space
    assert "warning: column" not in err
    out = pd.read_parquet(tmp_path / "o.parquet")
    assert out["age"].notna().all() and out["age"].map(type).eq(str).all()
    assert (out["age"] == "?").sum() >= 1  # (mms keeps some of the four)
    assert set(map(tuple, out.to_numpy().tolist())) <= set(map(tuple, df.to_numpy().tolist()))
    from datareduce.cli._io import read_table

    read = read_table(tmp_path / "q.parquet", na_values=["?"])
    assert read["age"].dtype.kind in "if" and read["age"].isna().sum() == 4
    # a text column with the marker but words too stays text
    words = df.assign(age=np.where(np.arange(n) % 2, "old", age))
    words.to_parquet(tmp_path / "w.parquet", index=False)
    assert read_table(tmp_path / "w.parquet", na_values=["?"])["age"].dtype.kind not in "iuf"


# ------------------------------------- review3/r1 06: the delimiter advice keeps the data
def test_the_delimiter_advice_keeps_every_field_as_written(tmp_path, capsys):
    import re

    path = tmp_path / "semi.csv"
    path.write_text("code;x;note;label\n0001;1,5;NA;A\n0002;0,5;b;B\n0003;2,5;c;A\n")
    assert main(["reduce", str(path), "--target", "label", "--keep", "2",
                 "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip()
    advice = re.search(r"pandas\.(read_csv\(path.*?index=False\))", err).group(1)
    assert advice == ("read_csv(path, sep=';', dtype=str, keep_default_na=False)"
                      ".to_csv(new_path, index=False)")
    new_path = tmp_path / "commas.csv"
    eval("pd." + advice, {"pd": pd, "path": path, "new_path": new_path})  # the advice as given
    assert new_path.read_text().splitlines() == [
        "code,x,note,label", '0001,"1,5",NA,A', '0002,"0,5",b,B', '0003,"2,5",c,A']
    assert "decimal commas" in err and "decimal=','" not in err


# --------------------------- review3/r1 04: the keeps refusal in the options' names (CLI)
def test_the_keeps_refusal_names_keeps_and_cv(tmp_path, capsys):
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 4, random_state=0)
    d = pd.DataFrame(X, columns=list("abcd")).assign(label=y)
    d.to_csv(tmp_path / "cls.csv", index=False)
    assert main(["search", str(tmp_path / "cls.csv"), "--target", "label", "--keeps", "0.7",
                 "0.8", "--budget", "20", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("datareduce search: error: --keeps 0.7 0.8 with --cv 3: "), err
    assert err.endswith("give --keeps of at most 0.66, or use more folds (--cv 6 holds "
                        "--keeps 0.8)."), err
    assert "keeps=" not in err and "cv=" not in err


def test_audit_split_takes_task_and_bins(prices):
    """datareduce audit (TRAIN/TEST) had no --task/--bins: a price was always cut in 10
    bins, and whole numbers with many values could not be declared classes."""
    tmp = prices
    full = pd.read_csv(tmp / "full.csv")
    full.iloc[:180].to_csv(tmp / "tr.csv", index=False)
    full.iloc[180:].to_csv(tmp / "te.csv", index=False)
    args = ["audit", str(tmp / "tr.csv"), str(tmp / "te.csv"), "--draws", "5", "-q"]
    assert main([*args, "--target", "price", "--exclude", "code", "--bins", "3",
                 "--json", str(tmp / "a.json")]) == 0
    d = json.loads((tmp / "a.json").read_text())
    rep = d.get("representativeness", d)
    assert rep["task"] == "regression" and len(rep["class_rows"]) == 3
    assert main([*args, "--target", "code", "--exclude", "price", "--task", "classification",
                 "--json", str(tmp / "b.json")]) == 0
    d = json.loads((tmp / "b.json").read_text())
    rep = d.get("representativeness", d)
    assert rep["task"] == "classification" and len(rep["class_rows"]) == 60
    assert main([*args, "--bins", "3"]) == 2  # --bins without --target


def test_na_values_on_parquet_with_a_repeated_stored_index(tmp_path):
    """review3/r4 02: a Parquet file saved with set_index('patient_id') and two visits per
    patient: the marker column was written as nulls (rows found by index label, which
    repeats); the kept rows are now found by position."""
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    n = 120
    age = rng.integers(18, 80, n).astype(str).astype(object)
    age[::9] = "?"
    df = pd.DataFrame({"patient_id": np.repeat(np.arange(n // 2), 2), "age": age,
                       "income": np.round(rng.normal(50, 10, n), 1),
                       "label": rng.choice(["a", "b"], n)}).set_index("patient_id")
    df.to_parquet(tmp_path / "v.parquet")
    assert main(["reduce", str(tmp_path / "v.parquet"), "--target", "label", "--method", "srs",
                 "--keep", "0.5", "--na-values", "?", "-q",
                 "-o", str(tmp_path / "o.parquet")]) == 0
    out = pd.read_parquet(tmp_path / "o.parquet")
    assert out.index.name == "patient_id" and len(out) == 60
    assert out["age"].notna().all() and out["age"].map(type).eq(str).all()
    pairs = set(zip(df.index, df["age"], df["income"], strict=True))
    assert set(zip(out.index, out["age"], out["income"], strict=True)) <= pairs


def test_search_group_keeps_each_group_in_one_fold(tmp_path, monkeypatch):
    """datareduce search --group: the library took groups (fit(X, y, groups=)), the command
    could not pass them, so rows of one patient were split across folds."""
    from sklearn.model_selection import StratifiedGroupKFold

    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "patient": np.repeat(np.arange(40), 6),
                       "label": rng.choice(["a", "b"], n)})
    df.to_csv(tmp_path / "t.csv", index=False)
    seen = []
    real_split = StratifiedGroupKFold.split

    def spy(self, X, y=None, groups=None):
        for tr, va in real_split(self, X, y, groups):
            seen.append(set(groups[tr]) & set(groups[va]))
            yield tr, va

    monkeypatch.setattr(StratifiedGroupKFold, "split", spy)
    base = ["search", str(tmp_path / "t.csv"), "--target", "label", "--methods", "srs",
            "--keeps", "0.3", "--budget", "none", "-q"]
    assert main([*base, "--group", "patient", "-o", str(tmp_path / "o")]) == 0
    assert seen and all(not s for s in seen)  # no patient on both sides of a split
    kept = pd.read_csv(tmp_path / "o" / "kept.csv")
    assert "patient" in kept.columns
    assert main([*base, "--group", "patinet"]) == 2
    assert main([*base, "--group", "patient", "--cv", "50"]) == 2  # 40 groups < 50 folds
