"""review6/r2: the Parquet/Dask path (datareduce.distributed.reduce_parquet) and the CLI's
block path (``datareduce reduce`` on Parquet files) - one rule where two disagreed."""

import glob
import re

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from datareduce.distributed import reduce_parquet  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


# ------------------------------------------- 03: the hive-layout advice names a real glob
@pytest.mark.parametrize("entries", [["hive/label=a", "plain.parquet"],
                                     ["hive/label=a/p.parquet", "plain.parquet"]])
def test_hive_layout_refusal_suggests_a_glob_of_the_partition_folders(tmp_path, monkeypatch,
                                                                       entries):
    """The advice was built from the first entry's text: 'hive/label=a/label=*' (or
    '<file>/label=*' for the CLI's file list), a glob that matches nothing."""
    monkeypatch.chdir(tmp_path)
    for lab in "ab":
        (tmp_path / "hive" / f"label={lab}").mkdir(parents=True)
        pd.DataFrame({"x": np.arange(20.0)}).to_parquet(f"hive/label={lab}/p.parquet")
    pd.DataFrame({"x": np.arange(20.0)}).to_parquet("plain.parquet")
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet(entries, "srs", 0.5, scheduler="synchronous")
    suggested = re.search(r"\(e\.g\. '([^']+)'\)\.$", str(err.value)).group(1)
    assert suggested == "hive/label=*"
    assert sorted(glob.glob(suggested)) == ["hive/label=a", "hive/label=b"]
    assert reduce_parquet(suggested, "srs", 0.5, scheduler="synchronous").n_samples == 40


# ------------------------- 04: one rule for hive partition columns (library and command line)
def _cli(*args):
    from test_cli_errors import cli

    return cli(*args)


@pytest.mark.parametrize("layout", ["dataset under a key=value folder", "one partition given"])
def test_cli_reads_the_partition_columns_reduce_parquet_reads(tmp_path, layout):
    """The CLI took the partition columns from the key=value folders below the files' common
    folder only: a column dask and reduce_parquet read ('site') was 'not a column' there."""
    rng = np.random.default_rng(0)
    for site in ("north", "south"):
        d = tmp_path / f"site={site}" / "data"
        d.mkdir(parents=True)
        for k in range(2):
            pd.DataFrame({"x": rng.random(20), "y": np.repeat([0, 1], 10)}).to_parquet(
                d / f"p{k}.parquet")
    given = (tmp_path / "site=north" / "data" if layout.startswith("dataset")
             else tmp_path / "site=north")
    lib = reduce_parquet(given, "srs", 0.5, target="y", id_column="site",
                         scheduler="synchronous")
    assert "site" in lib.kept.columns and lib.features == ["x"]
    out = tmp_path / "kept.parquet"
    res = _cli("reduce", given, "--target", "y", "--id", "site", "--keep", "0.5", "-o", out,
               "--scheduler", "threads", "--quiet")
    assert res.returncode == 0, res.stderr
    kept = pd.read_parquet(out)
    assert len(kept) == len(lib.kept) == 20
    assert set(kept["site"].astype(str)) == {"north"}
