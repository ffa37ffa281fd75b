"""What the commands read and write is the data as it is in the files: ``reduce`` writes the
kept rows unchanged, two compared files are read with one type per column, outputs never
replace inputs, and the command's edges (pipes, bad files, option errors) behave."""

import csv
import json

import numpy as np
import pandas as pd
import pytest

from test_cli_errors import assert_refused, cli


def _records(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture
def awkward_csv(tmp_path):
    """A CSV whose text pandas' type inference would change: zips with leading zeros,
    prices with trailing zeros, TRUE/FALSE, whole numbers with gaps, a class named NA,
    a repeated and an empty column name, quoted newlines, CRLF line ends, ids with leading
    zeros."""
    rng = np.random.default_rng(1)
    lines = ["pid,zip,price,flag,opt,region,a,a,,note"]
    for i in range(60):
        opt = "" if i % 7 == 0 else str(i % 5 * 10)
        lines.append(f"{i:05d},{rng.integers(0, 3000):05d},{rng.integers(1, 99)}.50,"
                     f"{'TRUE' if i % 2 else 'FALSE'},{opt},{'NA' if i % 3 else 'EU'},"
                     f"{rng.normal():.3f},{rng.normal():.2f},{i % 4},"
                     f'"line one {i}\r\nline, two"')
    path = tmp_path / "awkward.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_reduce_writes_the_kept_rows_as_they_are_in_the_csv(awkward_csv, tmp_path):
    out = tmp_path / "out.csv"
    res = cli("reduce", awkward_csv, "--target", "region", "--id", "pid", "--keep", "1.0",
              "--output", out, "-q")
    assert res.returncode == 0, res.stderr
    raw_in, raw_out = awkward_csv.read_bytes(), out.read_bytes()
    assert raw_out.split(b"\r\n")[0] == raw_in.split(b"\r\n")[0]  # header as written
    assert b"\r\n" in raw_out and raw_out.count(b"\n") == raw_in.count(b"\n")  # CRLF kept
    got, want = _records(out), _records(awkward_csv)
    assert got[0] == want[0] == ["pid", "zip", "price", "flag", "opt", "region", "a", "a", "",
                                 "note"]
    assert sorted(got[1:]) == sorted(want[1:])  # every field's text unchanged


def test_reduce_keeps_a_class_named_NA_and_the_ids_text(awkward_csv, tmp_path):
    out = tmp_path / "out.csv"
    res = cli("reduce", awkward_csv, "--target", "region", "--id", "pid", "--keep", "12",
              "--method", "srs", "--output", out, "-q")
    assert res.returncode == 0, res.stderr  # 'NA' is a class, not a missing target
    rows = _records(out)[1:]
    assert {r[5] for r in rows} == {"NA", "EU"}
    ids = {r[0] for r in _records(awkward_csv)[1:]}
    assert all(len(r[0]) == 5 and r[0] in ids for r in rows)


def test_search_writes_the_kept_rows_as_they_are_in_the_csv(awkward_csv, tmp_path):
    res = cli("search", awkward_csv, "--target", "region", "--id", "pid", "--methods", "srs",
              "--keeps", "0.4", "--cv", "2", "--tolerance", "1", "--no-plot",
              "--output", tmp_path / "s", "-q", "--features", "price", "a")
    assert res.returncode == 0, res.stderr
    want = {tuple(r) for r in _records(awkward_csv)[1:]}
    got = _records(tmp_path / "s" / "kept.csv")
    assert got[0] == _records(awkward_csv)[0]
    assert got[1:] and all(tuple(r) in want for r in got[1:])


@pytest.fixture
def mixed_types(tmp_path):
    """FULL where 'code' is text ('other' in 3 rows) and 'flag' has a missing value; REDUCED:
    20 lines of FULL copied verbatim, where pandas alone reads 'code' as numbers and 'flag'
    as booleans."""
    rng = np.random.default_rng(2)
    n = 200
    df = pd.DataFrame({"rowid": np.arange(n), "x": rng.normal(size=n).round(3),
                       "code": rng.choice(["1", "2", "3"], size=n).astype(object),
                       "flag": rng.choice(["True", "False"], size=n).astype(object),
                       "label": rng.choice(["A", "B"], size=n)})
    df.loc[:2, "code"] = "other"
    df.loc[5, "flag"] = ""
    df.to_csv(tmp_path / "full.csv", index=False)
    lines = (tmp_path / "full.csv").read_text().splitlines()
    (tmp_path / "red.csv").write_text("\n".join([lines[0]] + lines[11:31]) + "\n")
    return tmp_path


def test_score_reads_both_tables_with_one_type_per_column(mixed_types, tmp_path):
    res = cli("score", mixed_types / "full.csv", mixed_types / "red.csv", "--target", "label",
              "--id", "rowid", "-q")
    assert res.returncode == 0, res.stderr


def test_reduce_then_score_accepts_the_kept_rows(mixed_types, tmp_path):
    out = tmp_path / "kept.csv"
    res = cli("reduce", mixed_types / "full.csv", "--target", "label", "--id", "rowid",
              "--method", "mms", "--keep", "20", "-o", out, "-q")
    assert res.returncode == 0, res.stderr
    res = cli("score", mixed_types / "full.csv", out, "--target", "label", "--id", "rowid",
              "-q")
    assert res.returncode == 0, res.stderr


def test_audit_reads_train_and_test_with_one_type_per_column(tmp_path):
    rng = np.random.default_rng(4)
    n = 300
    d = pd.DataFrame({"x": rng.normal(size=n).round(3),
                      "code": rng.choice(["1", "2", "3"], n).astype(object),
                      "label": rng.choice(["A", "B"], n)})
    d.loc[:4, "code"] = "other"  # text in TRAIN, numbers only in TEST
    d.iloc[:240].to_csv(tmp_path / "train.csv", index=False)
    lines = (tmp_path / "train.csv").read_text().splitlines()
    (tmp_path / "test.csv").write_text("\n".join([lines[0]] + lines[101:141]) + "\n")
    res = cli("audit", tmp_path / "train.csv", tmp_path / "test.csv", "--target", "label",
              "--draws", "5", "--json", tmp_path / "a.json", "-q")
    assert res.returncode == 0, res.stderr
    assert "40 test row(s) are exact duplicates" in res.stdout
    drift = [line for line in res.stdout.splitlines() if "differ more between" in line]
    assert not any("code" in line for line in drift), drift


# ------------------------------------------------------------- outputs never replace inputs
@pytest.fixture
def small_table(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(80, 2)), columns=["a", "b"])
    df["label"] = np.repeat(["x", "y"], 40)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    df.iloc[::2].to_csv(tmp_path / "half.csv", index=False)
    return path


def test_search_and_compare_refuse_an_output_folder_holding_the_input(small_table, tmp_path):
    for command, name, extra in (
            ("search", "kept.csv", ["--methods", "srs", "--keeps", "0.5", "--cv", "2",
                                    "--no-plot"]),
            ("compare", "results.csv", ["--methods", "srs", "--keep", "0.5", "--repeats", "1",
                                        "--no-plots"])):
        folder = tmp_path / command
        folder.mkdir()
        inp = folder / name
        inp.write_bytes(small_table.read_bytes())
        before = inp.read_bytes()
        res = cli(command, inp, "--target", "label", *extra, "--output", folder, "--overwrite",
                  "-q")
        assert_refused(res, "--output is the input file")
        assert inp.read_bytes() == before
        # the same through a symbolic link to the folder and a hard link to the file
        link = tmp_path / f"{command}-link"
        link.symlink_to(folder)
        assert_refused(cli(command, inp, "--target", "label", *extra, "--output", link,
                           "--overwrite", "-q"), "--output is the input file")
        other = tmp_path / f"{command}-hard"
        other.mkdir()
        (other / name).hardlink_to(inp)
        assert_refused(cli(command, inp, "--target", "label", *extra, "--output", other,
                           "--overwrite", "-q"), "--output is the input file")
        assert inp.read_bytes() == before


def test_reduce_refuses_a_hard_link_to_the_input_as_output(small_table, tmp_path):
    link = tmp_path / "link.csv"
    link.hardlink_to(small_table)
    before = small_table.read_bytes()
    res = cli("reduce", small_table, "--target", "label", "--keep", "0.5", "-o", link,
              "--overwrite", "-q")
    assert_refused(res, "--output is the input file")
    assert small_table.read_bytes() == before


# --------------------------------------------------------------- a pandas index in Parquet
def test_reduce_keeps_the_pandas_index_stored_in_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"patient_id": [f"p{i:04d}" for i in range(90)],
                       "x": rng.normal(size=90), "y": rng.normal(size=90),
                       "species": np.repeat(["A", "B", "C"], 30)}).set_index("patient_id")
    df.to_parquet(tmp_path / "indexed.parquet")  # pandas stores the index
    for name in ("out.parquet", "out.csv"):
        out = tmp_path / name
        res = cli("reduce", tmp_path / "indexed.parquet", "--target", "species", "--keep",
                  "0.2", "-o", out, "-q")
        assert res.returncode == 0, res.stderr
        if name.endswith(".parquet"):
            got = pd.read_parquet(out)
        else:
            got = pd.read_csv(out).set_index("patient_id")
        assert got.index.name == "patient_id" and len(got) == 18
        pd.testing.assert_frame_equal(got, df.loc[got.index], check_exact=name.endswith(".parquet"))


# ------------------------------------------- score: rows matched on the features and label
@pytest.fixture
def repeated_features(tmp_path):
    """FULL: every row of class B has the features of a row of class A; REDUCED: 40 rows of
    class B, copied from FULL."""
    rng = np.random.default_rng(3)
    a = pd.DataFrame({"age": rng.integers(20, 30, 200), "sex": rng.choice(["f", "m"], 200)})
    full = pd.concat([a.assign(label="A"), a.assign(label="B")], ignore_index=True)
    full.to_csv(tmp_path / "full.csv", index=False)
    full[full.label == "B"].sample(40, random_state=0).to_csv(tmp_path / "red.csv",
                                                               index=False)
    return tmp_path


def test_score_matches_rows_on_features_and_label(repeated_features):
    tmp = repeated_features
    res = cli("score", tmp / "full.csv", tmp / "red.csv", "--target", "label", "--json",
              tmp / "r.json", "-q")
    assert res.returncode == 0, res.stderr
    per_class = json.loads((tmp / "r.json").read_text())["calibration"]["metrics"][
        "coverage"]["per_class"]
    # the kept rows are of class B: B is covered, A (no kept row) is not
    assert isinstance(per_class["B"], float) and np.isfinite(per_class["B"])
    assert not (isinstance(per_class["A"], float) and np.isfinite(per_class["A"]))


def test_score_refuses_rows_whose_label_is_not_fulls(tmp_path):
    rng = np.random.default_rng(0)
    full = pd.DataFrame({"x": rng.normal(size=60).round(4), "label": ["A", "B"] * 30})
    full.to_csv(tmp_path / "full.csv", index=False)
    red = full.iloc[:6].copy()
    red["label"] = red["label"].map({"A": "B", "B": "A"})  # FULL's rows, other labels
    red.to_csv(tmp_path / "red.csv", index=False)
    res = cli("score", tmp_path / "full.csv", tmp_path / "red.csv", "--target", "label",
              "-q")
    assert_refused(res, "6 row(s) of REDUCED are rows of FULL with another --target 'label'")


# ------------------------------------------------------------------- stdout closed early
def test_a_closed_pipe_is_no_error_and_files_are_still_written(small_table, tmp_path):
    import subprocess
    import sys

    def closed_stdout(*args):
        proc = subprocess.Popen([sys.executable, "-m", "datareduce.cli", *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # `| head -0`: the reader is gone before the first line
        err = proc.stderr.read().decode()
        return proc.wait(), err

    report = tmp_path / "r.json"
    code, err = closed_stdout("score", small_table, small_table.with_name("half.csv"),
                              "--target", "label", "--json", report, "-q")
    assert code == 0, err
    assert json.loads(report.read_text())["n_kept"] == 40
    code, err = closed_stdout("methods")
    assert (code, err) == (0, "")


# ------------------------------------------------------- data files that do not parse
def test_a_malformed_yaml_or_coco_json_is_a_user_error_naming_the_file(tmp_path):
    pytest.importorskip("yaml")
    bad = tmp_path / "broken.yaml"
    bad.write_text("a: [\n")
    for args in (("yolo", bad, "--keep", "0.3", "--dry-run"), ("yolo-audit", bad),
                 ("yolo-split", bad, "--group", "auto", "--val", "0.2", "--output",
                  tmp_path / "split")):
        res = cli(*args)
        assert_refused(res, f"{bad} is not valid YAML", "line 2")
    coco = tmp_path / "broken.json"
    coco.write_text('{"images": [')
    assert_refused(cli("yolo", coco, "--keep", "0.3", "--dry-run"),
                   f"{coco} is not valid JSON", "line 1, column 13")


# ------------------------------------------------------------------------ option errors
def test_audit_group_that_is_no_column_names_group(small_table, tmp_path):
    res = cli("audit", small_table, small_table.with_name("half.csv"), "--target", "label",
              "--group", "patient")
    assert_refused(res, "--group 'patient' is not a column of TRAIN")
    assert "--exclude" not in res.stderr


def test_an_unknown_option_shows_the_subcommands_usage(small_table, tmp_path):
    res = cli("reduce", small_table, "--keep", "0.1", "-o", tmp_path / "x.csv", "--bogus")
    assert res.returncode == 2
    assert res.stderr.startswith("usage: datareduce reduce ")
    assert "datareduce reduce: error: unrecognized arguments: --bogus" in res.stderr
    res = cli("compare", small_table, "--target", "label", "-o", tmp_path / "out")
    assert res.returncode == 2 and res.stderr.startswith("usage: datareduce compare ")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "out").exists()


def test_docs_tables_match_the_options_of_each_command():
    import re
    from pathlib import Path

    from datareduce.cli import build_parser

    doc = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    sections = {s.split("`")[1].removeprefix("datareduce "): s
                for s in re.split(r"^## ", doc, flags=re.M) if s.startswith("`datareduce ")}
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sp in sub.choices.items():
        every = {o for a in sp._actions for o in a.option_strings if o.startswith("--")}
        hidden = {o for a in sp._actions for o in a.option_strings if a.help == "==SUPPRESS=="}
        accepted = every - hidden - {"--help", "--scale"}  # --scale: in 'The selection space'
        text = sections[name]
        rows = [line.split("|")[1] for line in text.splitlines()
                if line.startswith("| `--")]
        flags = [f for row in rows for f in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", row)]
        assert len(flags) == len(set(flags)), (name, "an option has two rows")
        assert set(flags) <= every, (name, set(flags) - every)
        mentioned = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))
        assert accepted <= mentioned, (name, "undocumented", accepted - mentioned)


# ------------------------------------------------------------------------ strict JSON
def _strict_loads(text):
    def refuse(name):
        raise ValueError(f"bare {name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_json_reports_are_strict_json(repeated_features):
    tmp = repeated_features  # no kept row of class A: its coverage distance is infinite
    res = cli("score", tmp / "full.csv", tmp / "red.csv", "--target", "label", "--json",
              tmp / "r.json", "-q")
    assert res.returncode == 0, res.stderr
    data = _strict_loads((tmp / "r.json").read_text())
    assert data["calibration"]["metrics"]["coverage"]["per_class"]["A"] == "Infinity"
    res = cli("score", tmp / "full.csv", tmp / "red.csv", "--target", "label", "--metric",
              "euclidean", "--dims", "0", "--json", tmp / "legacy.json", "-q")
    assert res.returncode == 0, res.stderr
    _strict_loads((tmp / "legacy.json").read_text())
    res = cli("reduce", tmp / "full.csv", "--target", "label", "--keep", "0.1", "-o",
              tmp / "k.csv", "--report", tmp / "rep.json", "-q")
    assert res.returncode == 0, res.stderr
    _strict_loads((tmp / "rep.json").read_text())


def test_reduce_then_score_with_the_weight_column_gives_the_same_audit(tmp_path):
    """reduce --report audits the kept rows weighted by what each stands for; score of the
    written rows was unweighted, so the same rows got opposite verdicts (MMD 0.040 'closer
    than 100%' against 0.084 'further than 77%'). reduce --weight-column writes the weights,
    score --weight-column reads them: the two audits agree, and each says how it weighed."""
    rng = np.random.default_rng(0)
    full = pd.DataFrame({"x": rng.normal(size=240), "z": rng.normal(size=240) * 3,
                         "region": rng.choice(["n", "s"], 240),
                         "label": np.repeat(["a", "b", "c"], [150, 60, 30])})
    src = tmp_path / "full.csv"
    full.to_csv(src, index=False)
    kept, rep, sc = tmp_path / "kept.csv", tmp_path / "reduce.json", tmp_path / "score.json"
    res = cli("reduce", src, "--target", "label", "--method", "mms", "--keep", "0.15",
              "--seed", "0", "-o", kept, "--report", rep, "--weight-column", "w")
    assert res.returncode == 0, res.stderr
    written = pd.read_csv(kept)
    assert list(written.columns) == ["x", "z", "region", "label", "w"]
    assert written["w"].sum() == pytest.approx(240) and written["w"].nunique() > 1
    assert "weighted by the rows each stands for" in res.stderr
    res = cli("score", src, kept, "--target", "label", "--weight-column", "w", "--json", sc)
    assert res.returncode == 0, res.stderr
    a, b = json.loads(rep.read_text()), json.loads(sc.read_text())
    assert a["weighted"] and b["weighted"]
    for m in ("mmd", "energy"):
        assert b["calibration"]["metrics"][m]["value"] == pytest.approx(
            a["calibration"]["metrics"][m]["value"], rel=1e-9)
    # without the column the audit is unweighted, and says so
    res = cli("score", src, kept, "--target", "label", "--json", tmp_path / "u.json")
    assert res.returncode == 0 and "unweighted" in res.stderr
    assert json.loads((tmp_path / "u.json").read_text())["weighted"] is False
    # a weight column that is not numbers >= 0 is refused by name
    bad = written.assign(w=written["w"].astype(object))
    bad.loc[2, "w"] = "heavy"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    assert_refused(cli("score", src, tmp_path / "bad.csv", "--target", "label",
                       "--weight-column", "w"), "--weight-column 'w'", "data rows 3")


def test_text_outputs_are_utf8_whatever_the_locale(tmp_path):
    """The pages declare UTF-8 and hold '·' or '∞': under an ASCII locale (LC_ALL=C without
    Python's UTF-8 mode) the text outputs were written in the locale's encoding and
    `score --report` failed with UnicodeEncodeError."""
    import os
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    full = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                         "y": np.repeat(["p", "q"], 60)})
    full.to_csv(tmp_path / "full.csv", index=False)
    full.iloc[::4].to_csv(tmp_path / "sub.csv", index=False)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONIOENCODING": "utf-8"}
    res = subprocess.run([sys.executable, "-X", "utf8=0", "-m", "datareduce.cli", "score",
                          tmp_path / "full.csv", tmp_path / "sub.csv", "--target", "y",
                          "--report", tmp_path / "page.html", "--json", tmp_path / "s.json"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    page = (tmp_path / "page.html").read_bytes().decode("utf-8")
    assert 'charset="utf-8"' in page.lower() or "charset=utf-8" in page.lower()
    assert any(ord(ch) > 127 for ch in page), "the page holds non-ASCII text ('·', '∞', ...)"
