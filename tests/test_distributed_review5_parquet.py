"""review5/r3 02-05 and two nits (reduce_parquet's file discovery and type checks): a column
stored as null in one file, a plain file next to hive partitions, a linked subfolder, a
bool/int flag, a partition column also stored in the files, times with and without a zone."""

import os
import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("dask.dataframe")

from datareduce.distributed import reduce_parquet  # noqa: E402

# dask's Parquet reader calls pandas' deprecated inplace= (dask's warning, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

M = 120


def _table(seed, **cols):
    r = np.random.default_rng(seed)
    base = {"f": r.normal(size=M), "label": r.choice(["a", "b"], M)}
    base.update(cols)
    return pa.table(base)


# ------------------------------------------------------------ 02: null-typed file
@pytest.mark.parametrize("null_first", [True, False])
@pytest.mark.parametrize("features", [None, ["f", "g"]])
def test_null_typed_column_is_judged_by_the_files_with_values(tmp_path, null_first, features):
    null = _table(0, g=pa.nulls(M))
    num = _table(1, g=np.random.default_rng(2).normal(size=M))
    pq.write_table(null if null_first else num, tmp_path / "a.parquet")
    pq.write_table(num if null_first else null, tmp_path / "b.parquet")
    where = "a.parquet" if null_first else "b.parquet"
    with pytest.raises(ValueError, match=rf"feature column 'g' is missing in every row of "
                                         rf".*{where} \(stored there as null"):
        reduce_parquet(tmp_path, "srs", 0.5, target="label", features=features)
    # left out, the column is kept in the output
    res = reduce_parquet(tmp_path, "srs", 0.5, target="label", features=["f"])
    assert res.features == ["f"] and "g" in res.kept.columns


def test_empty_null_typed_first_file_does_not_drop_the_feature(tmp_path):
    pq.write_table(pa.table({"f": pa.array([], pa.float64()), "g": pa.nulls(0),
                             "label": pa.array([], pa.string())}), tmp_path / "a.parquet")
    pq.write_table(_table(1, g=np.arange(M, dtype=float)), tmp_path / "b.parquet")
    res = reduce_parquet(tmp_path, "srs", 0.5, target="label")
    assert res.features == ["f", "g"]


def test_a_column_null_in_every_file_named_as_feature_says_so(tmp_path):
    for i in range(2):
        pq.write_table(_table(i, g=pa.nulls(M)), tmp_path / f"p{i}.parquet")
    with pytest.raises(ValueError, match=r"\['g'\] are missing in every row of every file"):
        reduce_parquet(tmp_path, "srs", 0.5, target="label", features=["f", "g"])
    assert reduce_parquet(tmp_path, "srs", 0.5, target="label").features == ["f"]


# ------------------------------------------------------------ 03: hive + plain file
@pytest.mark.parametrize("target", [None, "label"])
def test_plain_file_next_to_hive_partitions_is_refused_up_front(tmp_path, target):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"f1": rng.normal(size=400), "label": rng.choice(["a", "b"], 400)})
    data = tmp_path / "data"
    df.to_parquet(data, partition_cols=["label"])
    df.drop(columns="label").to_parquet(data / "plain.parquet")
    with pytest.raises(ValueError, match=r"data mixes hive partition folders \(label\).*"
                                         r"outside the label=\.\.\. folders: .*plain\.parquet.*"
                                         r"pass the partition folders only"):
        reduce_parquet(data, "srs", 0.1, target=target)
    # the partition folders alone are read
    res = reduce_parquet(str(data / "label=*"), "srs", 0.1, target=target)
    assert res.n_samples == 400


# ------------------------------------------------------------ 04: linked subfolder
def test_linked_subfolder_is_read_and_a_link_cycle_once(tmp_path):
    data, disk2 = tmp_path / "data", tmp_path / "disk2" / "y2024"
    data.mkdir()
    disk2.mkdir(parents=True)
    pd.DataFrame({"f": np.arange(50.0)}).to_parquet(data / "p0.parquet")
    pd.DataFrame({"f": np.arange(70.0)}).to_parquet(disk2 / "p1.parquet")
    os.symlink(disk2, data / "y2024")
    os.symlink(data, disk2 / "back")  # a cycle: data/y2024/back -> data
    with pytest.warns(UserWarning, match=r"back leads to .*a folder already read"):
        res = reduce_parquet(data, "srs", 0.5)
    assert res.n_samples == 120
    # the folder a link leads to is an input place: no output there
    with pytest.raises(ValueError, match="is inside the input"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reduce_parquet(data, "srs", 0.5, output=disk2 / "kept.parquet")


# ------------------------------------------------------------ 05: bool vs int
def _flag_files(tmp_path):
    r = np.random.default_rng(3)
    pq.write_table(_table(0, flag=r.random(M) > .5), tmp_path / "a.parquet")
    pq.write_table(_table(1, flag=r.integers(0, 2, M)), tmp_path / "b.parquet")


def test_bool_and_int_flag_is_one_feature(tmp_path):
    _flag_files(tmp_path)
    res = reduce_parquet(tmp_path, "srs", 0.5, target="label")
    assert res.features == ["f", "flag"]
    assert res.n_samples == 2 * M


def test_bool_and_int_target_is_refused_with_a_fix_that_keeps_it_a_label(tmp_path):
    _flag_files(tmp_path)
    with pytest.raises(ValueError, match=r"target='flag' is stored as bool in .*a\.parquet but "
                                         r"as int64 in .*b\.parquet.*astype\(int\)"):
        reduce_parquet(tmp_path, "srs", 0.5, target="flag")


# ------------------------------------------------------------ nits
def test_partition_column_also_stored_in_the_files_is_refused_by_name(tmp_path):
    part = tmp_path / "data" / "label=a"
    part.mkdir(parents=True)
    pd.DataFrame({"f": np.arange(20.0), "label": ["a"] * 20}).to_parquet(part / "p.parquet")
    with pytest.raises(ValueError, match=r"column 'label' is a hive partition .* also stored "
                                         r"in the file\(s\) .*label=a/p\.parquet"):
        reduce_parquet(tmp_path / "data", "srs", 0.5)


def test_times_with_and_without_a_zone_are_refused_naming_both_types(tmp_path):
    t = pd.date_range("2024-01-01", periods=M, freq="h")
    pq.write_table(_table(0, ts=pa.array(t)), tmp_path / "a.parquet")
    pq.write_table(_table(1, ts=pa.array(t.tz_localize("UTC"))), tmp_path / "b.parquet")
    with pytest.raises(ValueError, match=r"b\.parquet stores column 'ts' as timestamp\[\w+, "
                                         r"tz=UTC\] .* stores it as timestamp\[\w+\] .*tz_"):
        reduce_parquet(tmp_path, "srs", 0.5, target="label")
