"""review7/b: datareduce reduce's advice for a regression target's lost bins (01), and the
Parquet path (datareduce.distributed.reduce_parquet): the hive-layout advice (02), the
places a glob's folder part makes input (03), and refusals that pickle (04)."""

import glob
import os
import pickle
import re

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

from _cli_helpers import reduce_csv  # noqa: E402
from datareduce.distributed import reduce_parquet  # noqa: E402
from datareduce.distributed._parquet import _check_output, _resolve_paths  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


# ------------------- 01: a regression target's bins are counted as the reducer counts them
_reduce = reduce_csv


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200),
                         "y": rng.normal(size=200)})


def test_lost_target_bins_advise_stratify_alone_when_keep_is_below_bins(tmp_path, capsys,
                                                                       regression):
    """--bins 20 --keep 15: the reducer bins y into min(--bins, kept) = 15 bins, yet the CLI
    counted 20 (uncapped) and advised 'pass --keep 20 or more or --bins 15 or fewer', while
    --param stratify=true alone keeps every bin."""
    args = ("--target", "y", "--method", "random", "--keep", "15", "--bins", "20")
    texts = [_reduce(tmp_path, capsys, regression, *args, "--seed", str(seed))
             for seed in range(8)]
    lost = [t for t in texts if "kept no row" in t]
    assert lost, "no seed lost a bin"
    for text in lost:
        assert "target bins" in text
        assert "Pass --param stratify=true to keep every bin." in text, text
        assert "cannot hold" not in text and "--keep 20" not in text, text
    text = _reduce(tmp_path, capsys, regression, *args, "--param", "stratify=true")
    assert "kept no row" not in text
    assert "stratified by 15 quantile bins" in text
    kept = pd.read_csv(tmp_path / "o.csv")
    edges = np.quantile(regression["y"], np.linspace(0, 1, 16))
    assert len(np.unique(np.searchsorted(edges[1:-1], kept["y"], side="right"))) == 15


def test_n_strata_counts_the_bins_the_reducer_makes(regression):
    """The count is the reducer's own: capped at the kept rows, tied bins merged."""
    from datareduce import get_reducer
    from datareduce.cli.reduce import _n_strata

    y = regression["y"]
    reducer = get_reducer("random", keep=15)
    assert _n_strata(reducer, y, "regression", 20, 15) == 15
    assert _n_strata(reducer, y, "regression", 10, 15) == 10
    ties = pd.Series(np.repeat([0.5, 1.5, 2.5], [100, 50, 50]))  # three values: 3 bins
    assert _n_strata(reducer, ties, "regression", 10, 15) == 3
    assert _n_strata(reducer, pd.Series(list("abcab")), "classification", 10, 3) == 3


# ------------------------ 02: the hive-layout advice reads every partition, or is left out
def _hive(root, years=(2023, 2024), months=("01", "02")):
    df = pd.DataFrame({"a": np.arange(20.0), "y": np.arange(20) % 2})
    for y in years:
        for m in months:
            os.makedirs(f"{root}/year={y}/month={m}")
            df.to_parquet(f"{root}/year={y}/month={m}/p.parquet")
    return df


def _advised(err):
    found = re.search(r"pass the partition folders only(?: \(e\.g\. '([^']+)'\))?\.$",
                      str(err.value))
    assert found, str(err.value)
    return found.group(1)


def test_hive_advice_reads_every_partition_of_every_key(tmp_path):
    """year=2023|2024/month=01|02 and a stray file at the top: the advice was
    'hive/year=2023/month=*', cut from one file's path, and following it reduced one year
    without an error."""
    root = tmp_path / "hive"
    df = _hive(root)
    df.assign(year=2024, month=3).to_parquet(root / "stray.parquet")
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet(str(root), "srs", 10, target="y", scheduler="synchronous")
    advised = _advised(err)
    assert advised == f"{root}/year=*/month=*"
    partitioned = sorted(glob.glob(f"{root}/year=*/month=*/*.parquet"))
    assert len(partitioned) == 4 and sorted(_resolve_paths(advised)) == partitioned
    assert reduce_parquet(advised, "srs", 10, target="y",
                          scheduler="synchronous").n_samples == 80


def test_hive_advice_keeps_shared_folders_and_leaves_out_a_glob_that_misses_files(tmp_path):
    """A key folder every file shares (site=north) stays fixed, the stray file's missing
    key folder (month) and those below are globbed from the first that varies; when no
    glob of the partition folders reads every partitioned file, no example is given."""
    north = tmp_path / "site=north"
    _hive(north)
    _hive(tmp_path / "site=south", years=(2023,), months=("01",))  # not given
    pd.DataFrame({"a": [1.0], "y": [0]}).to_parquet(north / "year=2023" / "stray.parquet")
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet(str(north), "srs", 10, target="y", scheduler="synchronous")
    advised = _advised(err)
    assert advised == f"{north}/year=*/month=*"
    assert sorted(_resolve_paths(advised)) == sorted(glob.glob(f"{north}/*/*/*.parquet"))
    # the keys in another order in one branch: 'mixed/year=*/month=*' would miss it
    mixed = tmp_path / "mixed"
    _hive(mixed, years=(2023,))
    os.makedirs(mixed / "month=03" / "year=2024")
    pd.DataFrame({"a": [1.0], "y": [0]}).to_parquet(mixed / "month=03/year=2024/p.parquet")
    pd.DataFrame({"a": [1.0], "y": [0]}).to_parquet(mixed / "stray.parquet")
    with pytest.raises(ValueError, match="pass the partition folders only") as err:
        reduce_parquet(str(mixed), "srs", 10, target="y", scheduler="synchronous")
    assert _advised(err) is None


# ------------- 03: a glob's folder-part matches are input only for what the glob can read
def _shared(tmp_path):
    os.makedirs(tmp_path / "data" / "local")
    os.makedirs(tmp_path / "elsewhere" / "results")
    df = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20) % 2})
    df.to_parquet(tmp_path / "data" / "local" / "p.parquet")
    df.to_parquet(tmp_path / "elsewhere" / "q.parquet")
    os.symlink(tmp_path / "elsewhere", tmp_path / "data" / "shared")


def test_output_below_a_linked_folder_the_glob_cannot_read_there_is_written(tmp_path):
    """data/shared -> elsewhere/: 'data/*/*.parquet' reads the files directly in
    elsewhere/, never elsewhere/results/, yet an output there was refused ('a later run
    would read the kept rows as data'). An output the glob does read is still refused."""
    _shared(tmp_path)
    pattern = str(tmp_path / "data" / "*" / "*.parquet")
    out = tmp_path / "elsewhere" / "results" / "kept.parquet"
    res = reduce_parquet(pattern, "srs", 0.5, target="y", scheduler="synchronous",
                         output=out)
    assert len(pd.read_parquet(out)) == 20
    assert str(out) not in _resolve_paths(pattern)  # a later run does not read it
    assert reduce_parquet(pattern, "srs", 0.5, target="y",
                          scheduler="synchronous").n_samples == res.n_samples == 40
    files = _resolve_paths(pattern)
    # refused: a file directly in the linked folder, and one in a subfolder the last part
    # matches (read as a folder), here with the glob 'data/*/*'
    for where, glob_ in [("elsewhere/kept.parquet", pattern),
                         ("elsewhere/new/kept.parquet", str(tmp_path / "data/*/*"))]:
        with pytest.raises(ValueError, match="is inside the input"):
            _check_output(tmp_path / where, False, _resolve_paths(glob_), [glob_])
    # with '**' in the folder part every depth is reached: the whole linked folder
    deep = str(tmp_path / "data" / "**" / "*.parquet")
    with pytest.raises(ValueError, match="is inside the input"):
        _check_output(tmp_path / "elsewhere/new/kept.parquet", False, files, [deep])


# ------------------------------------------------------------ 04: refusals pickle
def test_refusal_pickles_with_both_texts(tmp_path):
    """_Refusal kept its message-building lambda: pickling failed, so a refusal raised in a
    process pool or a dask worker reached the caller as a pickling error."""
    pd.DataFrame({"a": np.arange(10.0), "y": np.arange(10) % 2}).to_parquet(
        tmp_path / "p.parquet")
    with pytest.raises(ValueError, match="name a .parquet file") as err:
        reduce_parquet(str(tmp_path / "p.parquet"), "srs", 4, target="y",
                       output=tmp_path / "kept.csv", scheduler="synchronous")
    back = pickle.loads(pickle.dumps(err.value))
    assert type(back) is type(err.value) and isinstance(back, ValueError)
    assert str(back) == str(err.value) and back.args == err.value.args
    assert back.words() == str(err.value)
    assert back.words(cli=True) == err.value.words(cli=True)
    assert back.words(cli=True).startswith("--output ")
