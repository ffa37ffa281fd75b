"""Fuzzing the command line: generated bad (and good) arguments and files for every
subcommand. Whatever the input, the command must end with status 0 or 2 (never a
traceback, an internal error or a crash), an error must be one line naming what to fix,
and a failed run must leave every file as it was (a successful one may write its outputs,
and replace an existing file only with --overwrite).

The cases run in-process through ``datareduce.cli.main`` (fast); real processes of the
same shapes run in ``test_cli_errors.test_failure_modes_in_subprocesses``.
"""

import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_cli_errors import cli

ROWS = 40


def _make_files(root: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(ROWS, 3)).round(3), columns=["a", "b", "c"])
    df.insert(0, "rowid", np.arange(1, ROWS + 1))
    df["color"] = rng.choice(["red", "blue", None], size=ROWS)
    df["label"] = np.repeat(["x", "y"], [ROWS * 3 // 4, ROWS // 4])
    df["value"] = rng.normal(size=ROWS)
    df.loc[[2, 5], "a"] = np.nan
    df.to_csv(root / "good.csv", index=False)
    df.to_parquet(root / "good.parquet")
    df.iloc[::4].to_csv(root / "small.csv", index=False)
    foreign = df.iloc[::4].copy()
    foreign["b"] += 7.0
    foreign.to_csv(root / "foreign.csv", index=False)
    df.iloc[:0].to_csv(root / "header.csv", index=False)
    (root / "empty.csv").write_text("")
    (root / "garbage.csv").write_bytes(bytes(range(256)) * 4)
    (root / "ragged.csv").write_text('a,b\n1,"2\n3')
    (root / "text.parquet").write_text("a,b\n1,2\n")
    (root / "notes.txt").write_text("a,b\n1,2\n")
    (root / "folder.csv").mkdir()
    (root / "precious.csv").write_text("do not touch\n")
    (root / "precious.json").write_text("{}\n")
    (root / "pqdir").mkdir()  # Parquet files without missing features: block by block
    clean = df.drop(columns=["a"])
    clean.iloc[:25].to_parquet(root / "pqdir" / "p0.parquet")
    clean.iloc[25:].to_parquet(root / "pqdir" / "p1.parquet")
    (root / "outdir").mkdir()
    (root / "outdir" / "results.csv").write_text("old results\n")


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (hashlib.sha1(p.read_bytes()).hexdigest()
                                       if p.is_file() else "dir")
            for p in sorted(root.rglob("*"))}


INPUTS = ["good.csv", "good.parquet", "small.csv", "foreign.csv", "header.csv", "empty.csv",
          "garbage.csv", "ragged.csv", "text.parquet", "notes.txt", "folder.csv",
          "missing.csv", "precious.csv", "pqdir"]
TABLE_OUT = ["new/out.csv", "out.parquet", "precious.csv", "folder.csv", "out.txt",
             "good.csv", "pqdir/p0.parquet"]
JSON_OUT = ["rep.json", "precious.json", "folder.csv", "rep.txt", "outdir"]
COLUMNS = ["label", "value", "color", "rowid", "a", "nope", "lable", "*", "[ab]", "z*", ""]
KEEPS = ["0.2", "10", "0", "-1", "1.5", "abc", "1000", "nan", "1"]


def opt(name, values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=2).map(
        lambda vs: [name, *vs])


def maybe(name, values, single=True):
    strategy = st.sampled_from(values).map(lambda v: [name, v]) if single else opt(name, values)
    return st.one_of(st.just([]), strategy)


def flag(name):
    return st.sampled_from([[], [name]])


COLUMN_OPTIONS = [maybe("--target", COLUMNS), maybe("--features", COLUMNS, single=False),
                  maybe("--exclude", COLUMNS, single=False), maybe("--id", COLUMNS)]


def command(name, positional, options):
    return st.tuples(*positional, *options).map(
        lambda parts: [name] + [x for part in parts for x in
                                (part if isinstance(part, list) else [part])])


reduce_args = command("reduce", [st.sampled_from(INPUTS)], [
    *COLUMN_OPTIONS,
    st.sampled_from(KEEPS).map(lambda k: ["--keep", k]),
    st.sampled_from(TABLE_OUT).map(lambda o: ["--output", o]),
    maybe("--method", ["srs", "mms", "clc", "des", "nope", "MMS"]),
    maybe("--param", ["stratify=False", "random_state=3", "keep=3", "space=none",
                      "output=centroids", "metric=nope", "nonsense", "=1", "start=first"]),
    maybe("--seed", ["1", "-5", "x"]),
    maybe("--space", ["minmax", "standard", "auto", "none", "bogus"]),
    maybe("--task", ["auto", "classification", "regression", "bogus"]),
    maybe("--bins", ["0", "3", "x"]),
    maybe("--report", JSON_OUT),
    maybe("--max-points", ["1", "50", "x"]),
    maybe("--budget", ["0", "-1", "0.001", "x"]),
    maybe("--scheduler", ["threads", "bogus"]),
    maybe("--workers", ["0", "2"]), maybe("--weight-column", ["w", "label"]),
    maybe("--oversample", ["0.5", "2"]),
    flag("--overwrite"), flag("--drop-missing-target"), flag("-q"),
])

score_args = command("score", [st.sampled_from(INPUTS), st.sampled_from(INPUTS)], [
    *COLUMN_OPTIONS,
    maybe("--dims", ["0", "1", "2", "5", "-1", "x"], single=False),
    maybe("--json", JSON_OUT),
    maybe("--max-points", ["1", "30", "x"]),
    maybe("--metric", ["euclidean", "bogus"]),
    maybe("--space", ["minmax", "none"]),
    maybe("--budget", ["0.001", "-3"]), maybe("--weight-column", ["w", "label", "x"]),
    flag("--allow-new-rows"), flag("--overwrite"), flag("-q"),
])

compare_args = command("compare", [st.sampled_from(INPUTS)], [
    st.sampled_from(COLUMNS).map(lambda c: ["--target", c]),
    maybe("--features", COLUMNS, single=False), maybe("--exclude", COLUMNS, single=False),
    maybe("--id", COLUMNS),
    opt("--methods", ["srs", "mms", "nope", "all"]),
    opt("--keep", ["0.2", "5", "0", "1.0", "x", "1000"]),
    maybe("--scoring", ["accuracy", "f1", "acuracy", "r2"], single=False),
    maybe("--pos-label", ["y", "zz"]),
    maybe("--test-size", ["0", "0.3", "1.5"]),
    maybe("--repeats", ["0", "x"]),
    maybe("--budget", ["0.001", "-1"]),
    st.sampled_from(["outdir", "newdir", "precious.csv", "good.csv"]).map(
        lambda o: ["--output", o]),
    flag("--overwrite"),
    st.just(["--repeats", "1", "--estimator", "knn", "--no-plots", "-q"]),
])

# nearly valid runs, so that successful runs (and what they may write) are fuzzed too
score_ok = command("score", [st.just("good.csv"), st.just("small.csv")],
                   [maybe("--target", ["label", "value", "color"]), maybe("--id", ["rowid"]),
                    maybe("--dims", ["0", "1"], single=False),
                    st.sampled_from(["rep.json", "precious.json"]).map(lambda j: ["--json", j]),
                    maybe("--max-points", ["30"]), flag("--overwrite"),
                    st.just(["--dims", "0"])])

reduce_ok = command("reduce", [st.sampled_from(["good.csv", "good.parquet"])], [
    maybe("--target", ["label", "value"]), maybe("--id", ["rowid"]),
    maybe("--exclude", ["color", "c"], single=False),
    st.sampled_from(["0.2", "10"]).map(lambda k: ["--keep", k]),
    st.sampled_from(["new/out.csv", "precious.csv", "out.parquet"]).map(
        lambda o: ["--output", o]),
    maybe("--method", ["srs", "mms", "clc"]), maybe("--space", ["minmax", "standard"]),
    maybe("--report", ["rep.json", "precious.json"]), maybe("--max-points", ["20"]),
    flag("--overwrite"), flag("--drop-missing-target"),
])

reduce_blocks_ok = command("reduce", [st.sampled_from(["pqdir", "good.parquet"])], [
    maybe("--target", ["label"]), maybe("--id", ["rowid"]),
    maybe("--exclude", ["b"], single=False),
    st.sampled_from(["0.2", "10"]).map(lambda k: ["--keep", k]),
    st.sampled_from(["out.parquet", "new/out.parquet", "precious.csv"]).map(
        lambda o: ["--output", o]),
    maybe("--method", ["srs", "mms"]), maybe("--space", ["minmax", "none"]),
    maybe("--weight-column", ["w"]), flag("--overwrite"),
    st.just(["--scheduler", "threads"]),
])

compare_ok = command("compare", [st.sampled_from(["good.csv", "good.parquet"])], [
    st.just(["--target", "label"]), maybe("--id", ["rowid"]), maybe("--exclude", ["color"]),
    st.sampled_from(["srs", "mms"]).map(lambda m: ["--methods", m]),
    st.sampled_from(["0.2", "6"]).map(lambda k: ["--keep", k]),
    maybe("--scoring", ["accuracy", "f1"], single=False), maybe("--pos-label", ["y"]),
    st.sampled_from(["outdir", "newdir"]).map(lambda o: ["--output", o]),
    flag("--overwrite"),
    st.just(["--repeats", "1", "--estimator", "knn", "--no-plots", "-q"]),
])

search_args = command("search", [st.sampled_from(INPUTS)], [
    st.sampled_from(COLUMNS).map(lambda c: ["--target", c]),
    maybe("--features", COLUMNS, single=False), maybe("--exclude", COLUMNS, single=False),
    maybe("--id", COLUMNS),
    maybe("--methods", ["srs", "mms", "nope", "all", "des"], single=False),
    maybe("--keeps", ["0.5", "0", "1", "x", "0.5"], single=False),
    maybe("--scoring", ["accuracy", "f1", "acuracy", "r2", "mae"]),
    maybe("--tolerance", ["-1", "0.1", "x"]),
    maybe("--budget", ["0", "-1", "2x", "x", "none"]),
    maybe("--cv", ["1", "2", "50", "x"]),
    maybe("--task", ["classification", "regression", "bogus"]),
    maybe("--bins", ["0", "2"]),
    maybe("--output", ["outdir", "newdir", "precious.csv", "good.csv"]),
    flag("--overwrite"), flag("--drop-missing-target"),
    st.just(["--model", "knn", "--no-plot", "-q"]),
])

search_ok = command("search", [st.sampled_from(["good.csv", "good.parquet"])], [
    st.sampled_from(["label", "value"]).map(lambda c: ["--target", c]),
    maybe("--id", ["rowid"]), maybe("--exclude", ["color"]),
    maybe("--output", ["outdir", "newdir"]), flag("--overwrite"),
    st.just(["--model", "knn", "--methods", "srs", "--keeps", "0.5", "--budget", "none",
             "--cv", "2", "--bins", "2", "--no-plot", "-q"]),
])

other_args = st.one_of(
    command("demo", [], [maybe("--methods", ["srs", "nope"], single=False),
                         opt("--keep", ["0", "7", "x", "-0.5"])]),
    command("methods", [], [maybe("--bogus", ["1"])]),
    command("yolo", [st.sampled_from(["missing.yaml", "good.csv", "folder.csv"])], [
        st.sampled_from(["new", "outdir", "precious.csv"]).map(lambda o: ["--output", o]),
        maybe("--keep", ["0", "x", "0.5"]), maybe("--method", ["nope", "srs"])]),
    st.sampled_from([[], ["--bogus"], ["nope"], ["reduce"], ["score"], ["compare"],
                     ["search"]]),
)


def _check(args, root):
    before = _snapshot(root)
    import os

    cwd = os.getcwd()
    os.chdir(root)
    try:
        res = cli(*args)
    finally:
        os.chdir(cwd)
    after = _snapshot(root)
    assert res.returncode in (0, 2), (args, res.returncode, res.stderr)
    assert "Traceback" not in res.stderr, (args, res.stderr)
    assert "internal error" not in res.stderr, (args, res.stderr)
    if res.returncode == 2:
        assert res.stderr.strip(), args
        last = res.stderr.strip().splitlines()[-1]
        assert "error" in last, (args, res.stderr)
        assert after == before, (args, "files changed by a failed run", res.stderr)
    else:
        changed = [k for k in before if k in after and after[k] != before[k]]
        assert not [k for k in before if k not in after], (args, "a file vanished")
        if "--overwrite" not in args:
            assert not changed, (args, changed)
        inputs = set(args[1:3]) if args[0] == "score" else set(args[1:2])
        assert not inputs & set(changed), (args, "an input file changed")
    assert not [k for k in after if ".tmp-" in k], (args, "a temporary file was left")
    return res


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(reduce_args, score_args, compare_args, search_args, reduce_ok, score_ok,
                 compare_ok, search_ok, reduce_blocks_ok, other_args))
def test_fuzz_cli_in_process(args):
    root = Path(tempfile.mkdtemp(prefix="dr-fuzz-"))
    try:
        _make_files(root)
        _check(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
