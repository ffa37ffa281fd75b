"""review8/a: where reduce_parquet and datareduce reduce (Parquet) may write the kept rows.
'..' after a link in the output (01) and in the inputs (02), an output in a folder a glob
reaches through a link that does not exist yet (03), the hive-layout advice reading
partitions never given (04), and the folder a glob starts from refusing outputs the glob
never reads (05)."""

import os

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
