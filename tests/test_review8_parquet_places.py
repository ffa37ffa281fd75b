"""review8/a: where reduce_parquet and datareduce reduce (Parquet) may write the kept rows.
'..' after a link in the output (01) and in the inputs (02), an output in a folder a glob
reaches through a link that does not exist yet (03), the hive-layout advice reading
partitions never given (04), and the folder a glob starts from refusing outputs the glob
never reads (05)."""

import glob
import os
import re

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

from datareduce.distributed import reduce_parquet  # noqa: E402
from datareduce.distributed._parquet import _check_output, _resolve_paths  # noqa: E402


def _cli(*args):
    from test_cli_errors import cli

    return cli(*args)


def _frame(n=40):
    return pd.DataFrame({"a": np.arange(float(n)), "y": np.arange(n) % 2})


def _linked_sub(tmp_path):
    """data/p.parquet, data/sub/ and work/l -> data/sub: 'l/..' is data/ on disk."""
    os.makedirs(tmp_path / "data" / "sub")
    os.makedirs(tmp_path / "work")
    _frame().to_parquet(tmp_path / "data" / "p.parquet")
    os.symlink(tmp_path / "data" / "sub", tmp_path / "work" / "l")
    return tmp_path / "data"


# ------------------------------------- 01: '..' after a link in the output (high)
def test_output_with_dotdot_after_a_link_is_refused_where_it_would_land(tmp_path,
                                                                        monkeypatch):
    """'l/../kept.parquet' was checked as work/kept.parquet (normpath cancels 'l/..' as
    text) and written to data/kept.parquet (the file system follows l first): the kept rows
    landed in the input folder, library and command line alike."""
    data = _linked_sub(tmp_path)
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(ValueError, match=r"leads to .*data/kept\.parquet\) is inside the input"):
        reduce_parquet(str(data), "srs", 10, target="y", output="l/../kept.parquet",
                       scheduler="synchronous")
    res = _cli("reduce", data, "-o", "l/../kept.parquet", "--target", "y", "--keep", "10",
               "--scheduler", "threads", "-q")
    assert res.returncode == 2 and "is inside the input" in res.stderr, res.stderr
    assert sorted(os.listdir(data)) == ["p.parquet", "sub"]
    # the same '..' where it leads out of every input: written there
    os.makedirs(tmp_path / "out" / "deep")
    os.symlink(tmp_path / "out" / "deep", tmp_path / "work" / "o")
    done = reduce_parquet(str(data), "srs", 10, target="y", output="o/../kept.parquet",
                          scheduler="synchronous")
    assert (tmp_path / "out" / "kept.parquet").is_file() and len(done.kept) == 10


# ------------------------------------- 02: '..' after a link in the inputs (high)
@pytest.mark.parametrize("entry", ["l/..", "l/../*.parquet", "l/../*"])
def test_input_with_dotdot_after_a_link_makes_the_folder_read_an_input_place(
        tmp_path, monkeypatch, entry):
    """The input 'l/..' reads data/, but the place recorded was work/ (normpath before
    realpath): data/kept.parquet was accepted and read by the next run."""
    data = _linked_sub(tmp_path)
    monkeypatch.chdir(tmp_path / "work")
    files = _resolve_paths(entry)
    with pytest.raises(ValueError, match="is inside the input"):
        _check_output(data / "kept.parquet", False, files, entry)
    # work/ (where the text 'l/..' points) is no input: an output there is written
    assert _check_output(tmp_path / "work" / "kept.parquet", False, files, entry) is not None


def test_input_file_named_with_dotdot_after_a_link_is_not_overwritten(tmp_path, monkeypatch):
    """Files found under 'l/..' are named 'l/../p.parquet': data/p.parquet, the input file
    itself, was accepted as the output with overwrite=True."""
    data = _linked_sub(tmp_path)
    monkeypatch.chdir(tmp_path / "work")
    for entry in ("l/..", "l/../p.parquet"):
        with pytest.raises(ValueError, match="is one of the input files"):
            _check_output(data / "p.parquet", True, _resolve_paths(entry), entry)


# --------------- 03: a folder a glob reaches through a link, not there yet (medium)
def _through_link(tmp_path):
    """data/real/part/p.parquet and data/link -> elsewhere/ (empty)."""
    os.makedirs(tmp_path / "data" / "real" / "part")
    os.makedirs(tmp_path / "elsewhere")
    _frame().to_parquet(tmp_path / "data" / "real" / "part" / "p.parquet")
    os.symlink(tmp_path / "elsewhere", tmp_path / "data" / "link")


@pytest.mark.parametrize("pattern, where, never", [
    ("data/*/*/*.parquet", "elsewhere/new/kept.parquet", "elsewhere/new/x/kept.parquet"),
    ("data/*/part/*.parquet", "elsewhere/part/kept.parquet", "elsewhere/other/kept.parquet"),
    ("data/*/*/*", "elsewhere/new/deeper/kept.parquet", "elsewhere/kept.parquet"),
])
def test_output_in_a_folder_not_there_yet_that_the_glob_reaches_through_a_link(
        tmp_path, pattern, where, never):
    """Only folders the glob's head matched at check time were places: the write created
    elsewhere/new/ and the next run of data/*/*/*.parquet read data/link/new/kept.parquet.
    The rule is by name: a path the glob's remaining parts cannot match (``never``) is
    written, and a later run does not read it."""
    _through_link(tmp_path)
    glob_, out = str(tmp_path / pattern), tmp_path / where
    with pytest.raises(ValueError, match="is inside the input"):
        reduce_parquet(glob_, "srs", 10, target="y", output=out, scheduler="synchronous")
    assert not out.exists() and os.listdir(tmp_path / "elsewhere") == []
    res = _cli("reduce", glob_, "-o", out, "--target", "y", "--keep", "10",
               "--scheduler", "threads", "-q")
    assert res.returncode == 2 and "is inside the input" in res.stderr, res.stderr
    assert not out.exists()
    # '**' reaches every depth below the link
    deep = str(tmp_path / "data/**/*.parquet")
    with pytest.raises(ValueError, match="is inside the input"):
        _check_output(tmp_path / "elsewhere/a/b/kept.parquet", False, _resolve_paths(deep),
                      deep)
    before = _resolve_paths(glob_)
    done = reduce_parquet(glob_, "srs", 10, target="y", output=tmp_path / never,
                          scheduler="synchronous")
    assert (tmp_path / never).is_file() and len(done.kept) == 10
    assert _resolve_paths(glob_) == before


# --------------------- 04: the hive advice reads only what was given (low/medium)
def _advice(err):
    found = re.search(r"pass the partition folders only(?: \(e\.g\. '([^']+)'\))?\.$",
                      str(err.value))
    assert found, str(err.value)
    return found.group(1)


@pytest.mark.parametrize("entries", [["hive/label=a", "hive/stray.parquet"],
                                     ["hive/label=a/p.parquet", "hive/stray.parquet"]])
def test_hive_advice_never_widens_a_partial_selection(tmp_path, monkeypatch, entries):
    """One partition given with a stray file was told 'hive/label=*': following it reduced
    label=b and label=c as well, three times the rows given, without a word."""
    monkeypatch.chdir(tmp_path)
    for v in "abc":
        os.makedirs(f"hive/label={v}")
        _frame(20).to_parquet(f"hive/label={v}/p.parquet")
    _frame(20).to_parquet("hive/stray.parquet")
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet(entries, "srs", 10, target="y", scheduler="synchronous")
    advised = _advice(err)
    assert advised == "hive/label=a"
    assert _resolve_paths(advised) == ["hive/label=a/p.parquet"]
    # the whole dataset given: the glob of every partition, which reads exactly them
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet("hive", "srs", 10, target="y", scheduler="synchronous")
    assert _advice(err) == "hive/label=*"
    assert sorted(glob.glob("hive/label=*/*.parquet")) == sorted(_resolve_paths("hive/label=*"))


# -------------- 05: the folder a glob starts from refuses what the glob never reads (low)
def test_glob_start_folder_accepts_an_output_the_glob_never_reads(tmp_path, monkeypatch):
    """'raw/*.parquet' never reads raw/reduced/kept.parquet, yet it was refused ('a later
    run over the same input would read the kept rows'), while the same place reached
    through a link was accepted. Now one rule for both; what the glob reads stays refused."""
    monkeypatch.chdir(tmp_path)
    os.makedirs("raw")
    _frame().to_parquet("raw/p.parquet")
    res = reduce_parquet("raw/*.parquet", "srs", 10, target="y",
                         output="raw/reduced/kept.parquet", scheduler="synchronous")
    assert len(pd.read_parquet("raw/reduced/kept.parquet")) == 10 == len(res.kept)
    assert _resolve_paths("raw/*.parquet") == ["raw/p.parquet"]
    cli = _cli("reduce", "raw/*.parquet", "-o", "raw/reduced/cli.parquet", "--target", "y",
               "--keep", "10", "--scheduler", "threads", "-q")
    assert cli.returncode == 0 and os.path.isfile("raw/reduced/cli.parquet"), cli.stderr
    for refused in ("raw/kept.parquet", "raw/x.parquet/kept.parquet"):  # a file, a folder
        with pytest.raises(ValueError, match="is inside the input"):
            _check_output(refused, False, ["raw/p.parquet"], "raw/*.parquet")
    for glob_, out in (("raw/*", "raw/new/kept.parquet"),
                       ("raw/**/*.parquet", "raw/new/kept.parquet")):
        with pytest.raises(ValueError, match="is inside the input"):
            _check_output(out, False, _resolve_paths(glob_), glob_)
