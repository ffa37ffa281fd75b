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
    '<file>/label=*' for the CLI's file list), a glob that matches nothing. (review8/a 04:
    this pinned 'hive/label=*', which also reads label=b, never given; the advice now reads
    exactly the partitioned files given: the folder hive/label=a.)"""
    monkeypatch.chdir(tmp_path)
    for lab in "ab":
        (tmp_path / "hive" / f"label={lab}").mkdir(parents=True)
        pd.DataFrame({"x": np.arange(20.0)}).to_parquet(f"hive/label={lab}/p.parquet")
    pd.DataFrame({"x": np.arange(20.0)}).to_parquet("plain.parquet")
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet(entries, "srs", 0.5, scheduler="synchronous")
    suggested = re.search(r"\(e\.g\. '([^']+)'\)\.$", str(err.value)).group(1)
    assert suggested == "hive/label=a"
    assert sorted(glob.glob(suggested)) == ["hive/label=a"]
    assert reduce_parquet(suggested, "srs", 0.5, scheduler="synchronous").n_samples == 20


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


# ------------------- 01: an output in a folder a glob reaches through a link is refused
def _linked(tmp_path):
    import os

    rng = np.random.default_rng(0)
    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    df = pd.DataFrame({"x": rng.random(40), "y": np.repeat([0, 1], 20)})
    df.to_parquet(tmp_path / "data" / "a.parquet")
    df.to_parquet(tmp_path / "elsewhere" / "b.parquet")
    os.symlink(tmp_path / "elsewhere", tmp_path / "data" / "link")
    return tmp_path / "elsewhere" / "kept.parquet"


@pytest.mark.parametrize("pattern", ["data/*", "data/**/*.parquet", "data/*/*.parquet"])
def test_output_in_a_folder_a_glob_reaches_through_a_link_is_refused(tmp_path, pattern):
    """The glob reads data/link/ (-> elsewhere/), yet only its fixed prefix (data/) was an
    input place: the kept rows were written into elsewhere/ and read back by the next run."""
    from test_cli_errors import snapshot

    out = _linked(tmp_path)
    before = snapshot(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match=r"elsewhere/kept\.parquet'.* is inside the input"):
        reduce_parquet(str(tmp_path / pattern), "srs", 0.5, target="y",
                       scheduler="synchronous", output=out)
    res = _cli("reduce", tmp_path / pattern, "--target", "y", "--keep", "0.5", "-o", out,
               "--scheduler", "threads")
    assert res.returncode == 2 and "is inside the input" in res.stderr, res.stderr
    assert snapshot(tmp_path / "elsewhere") == before  # nothing written into the source
    # an output outside every folder the glob reaches is still written
    ok = reduce_parquet(str(tmp_path / pattern), "srs", 0.5, target="y",
                        scheduler="synchronous", output=tmp_path / "kept.parquet")
    assert len(pd.read_parquet(ok.output)) == ok.n_samples // 2 > 0


# --------------------------------- 02: the command line speaks in its options' names
def _case(tmp_path, case):
    rng = np.random.default_rng(0)
    folder = tmp_path / case
    folder.mkdir()
    a = pd.DataFrame({"x": rng.random(20), "c": rng.random(20), "y": np.repeat([0, 1], 10)})
    b = a.copy()
    if case == "nulls":
        b["c"] = None  # stored as Arrow null
    elif case == "mixed":
        b["y"] = b["y"].astype(bool)
    elif case == "missing":
        b.loc[3, "c"] = np.nan
    a.to_parquet(folder / "a.parquet")
    b.to_parquet(folder / "b.parquet")
    return folder


@pytest.mark.parametrize("case, needles", [
    ("data", ["--output ", "is inside the input"]),
    ("nulls", ["'c' is missing in every row", "--exclude c"]),
    ("mixed", ["--target 'y' is stored as bool"]),
    ("missing", ["missing or infinite values: c (1 rows)", "--exclude c"]),
])
def test_cli_refusals_name_the_options_not_python_arguments(tmp_path, case, needles):
    """reduce_parquet's refusals reached `datareduce reduce` as they are: output='...',
    features=[...], target='y'; the command line says --output, --exclude, --target."""
    from test_cli_errors import assert_refused, snapshot

    folder = _case(tmp_path, case)
    out = folder / "kept.parquet" if case == "data" else tmp_path / "kept.parquet"
    before = snapshot(tmp_path)
    res = _cli("reduce", folder, "--target", "y", "--keep", "0.5", "-o", out,
               "--scheduler", "threads")
    assert_refused(res, *needles)
    last = res.stderr.strip().splitlines()[-1]
    assert not re.search(r"\b(output=|features=\[|target=|id_column=)", last), last
    assert snapshot(tmp_path) == before
    # the library keeps its own words
    with pytest.raises(ValueError, match=r"output=|features=\[\.\.\.\]|target='y'"):
        reduce_parquet(folder, "srs", 0.5, target="y", scheduler="synchronous",
                       output=out)


# ------------------------- 05: a float target is judged over every file, not the first one
@pytest.mark.parametrize("int_first", [True, False])
def test_cli_judges_a_float_target_by_every_file_whatever_their_order(tmp_path, int_first):
    """The CLI judged the target's type from the first file's footer: int64 in a.parquet and
    float64 (whole values) in b.parquet was reduced, the other order refused."""
    from test_cli_errors import assert_refused

    rng = np.random.default_rng(0)
    ints = pd.DataFrame({"x": rng.random(40), "y": np.repeat([1, 2], 20)})
    floats = pd.DataFrame({"x": rng.random(40), "y": np.repeat([1.0, 2.0], 20)})
    folder = tmp_path / "d"
    folder.mkdir()
    first, second = (ints, floats) if int_first else (floats, ints)
    first.to_parquet(folder / "a.parquet")
    second.to_parquet(folder / "b.parquet")
    out = tmp_path / "kept.parquet"
    res = _cli("reduce", folder, "--target", "y", "--keep", "0.5", "-o", out,
               "--scheduler", "threads")
    where = "b.parquet" if int_first else "a.parquet"
    assert_refused(res, "--target 'y' holds floats (stored as double in", where,
                   "--task classification")
    assert not out.exists()
    res = _cli("reduce", folder, "--target", "y", "--keep", "0.5", "-o", out,
               "--scheduler", "threads", "--task", "classification", "--quiet")
    assert res.returncode == 0, res.stderr
    assert len(pd.read_parquet(out)) == 40
