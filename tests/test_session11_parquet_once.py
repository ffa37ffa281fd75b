"""A Parquet file reached twice is read once: ``tree/**`` matched every folder and every
file under it, and each folder was read again with everything in it, so reduce_parquet
and ``datareduce reduce`` counted a nested file's rows up to three times (a known limit
of the 2026-12-07 note). Reaching one file from two entries or two names warns."""

import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

from datareduce.distributed import reduce_parquet  # noqa: E402
from datareduce.distributed._parquet import _resolve_paths  # noqa: E402


def _tree(tmp_path):
    (tmp_path / "tree" / "a" / "b").mkdir(parents=True)
    for i, name in enumerate(["tree/x.parquet", "tree/a/y.parquet", "tree/a/b/z.parquet"]):
        pd.DataFrame({"f": np.arange(10.0) + 10 * i,
                      "label": np.arange(10) % 2}).to_parquet(tmp_path / name)
    return tmp_path / "tree"


def test_double_star_glob_reads_each_file_once(tmp_path):
    tree = _tree(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one entry naming a file twice: no warning
        files = _resolve_paths(str(tree / "**"))
    assert sorted(files) == sorted(str(p) for p in tree.rglob("*.parquet"))
    res = reduce_parquet(str(tree / "**"), "srs", 0.5, target="label", scheduler="synchronous")
    assert res.n_samples == 30
    assert len(res.kept) == 15


def test_a_file_from_two_entries_is_read_once_with_a_warning(tmp_path):
    tree = _tree(tmp_path)
    with pytest.warns(UserWarning, match=r"given more than once.*read once"):
        files = _resolve_paths([str(tree), str(tree / "x.parquet")])
    assert len(files) == 3
    link = tmp_path / "alias.parquet"
    link.symlink_to(tree / "x.parquet")
    with pytest.warns(UserWarning, match="alias.parquet"):
        files = _resolve_paths([str(tree / "x.parquet"), str(link)])
    assert files == [str(tree / "x.parquet")]


def test_cli_reads_a_double_star_glob_once(tmp_path):
    from test_cli_errors import cli

    tree = _tree(tmp_path)
    out = tmp_path / "kept.parquet"
    r = cli("reduce", str(tree / "**"), "--target", "label", "--keep", "0.5",
                     "--method", "srs", "-o", str(out), "--scheduler", "synchronous")
    assert r.returncode == 0, r.stderr
    assert len(pd.read_parquet(out)) == 15
