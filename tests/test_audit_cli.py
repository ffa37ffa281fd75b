"""``datareduce audit`` and ``datareduce reduce --report PAGE.html``."""

import json

import numpy as np
import pytest

from datareduce.cli import main

pd = pytest.importorskip("pandas")


@pytest.fixture
def split(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "kind": rng.choice(["x", "y", None], n), "label": rng.integers(0, 2, n),
                       "user": rng.permutation(n)})
    train, test = df.iloc[:220].copy(), df.iloc[220:].copy()
    test.iloc[0] = train.iloc[5]          # one leaked row (same user too)
    test.iloc[1, 4] = train.iloc[9, 4]    # one shared user
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    return tmp_path


def test_audit_command_writes_json_and_page(split, capsys):
    tmp = split
    rc = main(["audit", str(tmp / "train.csv"), str(tmp / "test.csv"), "--target", "label",
               "--group", "user", "--json", str(tmp / "a.json"), "--report", str(tmp / "a.html"),
               "--draws", "5", "-q"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "1 test row(s) are exact duplicates" in out and "2 group(s)" in out
    d = json.loads((tmp / "a.json").read_text())
    assert d["duplicates"][0] == {"test_row": 0, "train_row": 5, "distance": 0.0, "exact": True}
    assert sorted(g["group"] for g in d["groups"]) == sorted(
        [int(pd.read_csv(tmp / "train.csv")["user"][i]) for i in (5, 9)])
    assert "user" not in [f["feature"] for f in d["features"]]
    page = (tmp / "a.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") >= 4


def test_audit_command_refuses_bad_outputs_before_work(split, capsys):
    tmp = split
    assert main(["audit", str(tmp / "train.csv"), str(tmp / "test.csv"), "--report",
                 str(tmp / "a.txt")]) == 2
    assert "ending in .html" in capsys.readouterr().err
    assert main(["audit", str(tmp / "train.csv"), str(tmp / "train.csv")]) == 2


def test_reduce_report_page(split, capsys):
    tmp = split
    rc = main(["reduce", str(tmp / "train.csv"), "--target", "label", "--id", "user",
               "--method", "mms", "--keep", "0.2", "-o", str(tmp / "small.csv"),
               "--report", str(tmp / "r.html")])
    assert rc == 0
    err = capsys.readouterr().err
    assert "report: coverage:" in err
    page = (tmp / "r.html").read_text()
    assert "Subset audit" in page and page.count("<img") >= 4


def test_score_report_page_audits_the_rows_of_full(split, capsys):
    tmp = split
    full = pd.read_csv(tmp / "train.csv")
    full.iloc[::5].to_csv(tmp / "small.csv", index=False)
    rc = main(["score", str(tmp / "train.csv"), str(tmp / "small.csv"), "--target", "label",
               "--id", "user", "--dims", "0", "--report", str(tmp / "s.html")])
    assert rc == 0
    err = capsys.readouterr().err
    assert "report: coverage:" in err
    page = (tmp / "s.html").read_text()
    assert "kept 44 of 220 rows" in page
    assert main(["score", str(tmp / "train.csv"), str(tmp / "small.csv"), "--report",
                 str(tmp / "t.html"), "--allow-new-rows"]) == 2
