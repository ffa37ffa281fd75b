"""explore5/distributed 02, 03, 04, 07, 08, 09 (stratified_sample) and 12: reduce_parquet's
inputs and output, stratified_sample's random_state."""

import os
from decimal import Decimal

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from datareduce.base import allocate_quotas  # noqa: E402
from datareduce.distributed import _parquet, reduce_parquet, stratified_sample  # noqa: E402

# dask's Parquet reader calls pandas' deprecated inplace= (dask's warning, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


def _frame(seed, n=600):
    r = np.random.default_rng(seed)
    return pd.DataFrame({"id": np.arange(n) + seed * 10**6, "f1": r.random(n),
                         "f2": r.normal(size=n), "year": r.choice([2020, 2021], n),
                         "label": r.choice(["a", "b", "c"], n)})


def _folder(path, n_files=3):
    path.mkdir()
    for i in range(n_files):
        _frame(i).to_parquet(path / f"part{i}.parquet", index=False)
    return path


# ------------------------------------------------------------------ 02: output in the input
@pytest.mark.parametrize("how", ["folder", "glob", "file list", "subfolder"])
def test_output_inside_an_input_folder_is_refused(tmp_path, how):
    data = _folder(tmp_path / "data")
    paths = {"folder": data, "glob": str(data / "*.parquet"), "subfolder": data,
             "file list": [data / "part0.parquet"]}[how]
    out = data / ("sub/kept.parquet" if how == "subfolder" else "kept.parquet")
    if how == "file list":  # a listed file's folder is not read: the output may go there
        res = reduce_parquet(paths, "srs", 0.05, target="label", output=out)
        assert res.output == out and out.is_file()
        return
    with pytest.raises(ValueError, match=r"output=.*is inside the input .*kept rows as data"):
        reduce_parquet(paths, "srs", 0.05, target="label", output=out)
    assert sorted(os.listdir(data)) == ["part0.parquet", "part1.parquet", "part2.parquet"]


def test_output_through_a_link_into_the_input_folder_is_refused(tmp_path):
    data = _folder(tmp_path / "data")
    (tmp_path / "link").symlink_to(data, target_is_directory=True)
    with pytest.raises(ValueError, match=r"leads to .*data/kept.parquet\) is inside the input"):
        reduce_parquet(data, "srs", 0.05, target="label",
                       output=tmp_path / "link" / "kept.parquet")
    # an input named through the link, an output named directly
    with pytest.raises(ValueError, match="is inside the input"):
        reduce_parquet(tmp_path / "link", "srs", 0.05, target="label",
                       output=data / "kept.parquet")
    # the output file itself a link into the folder: it would be written through
    (tmp_path / "out.parquet").symlink_to(data / "kept.parquet")
    with pytest.raises(ValueError, match="is inside the input"):
        reduce_parquet(data, "srs", 0.05, target="label", output=tmp_path / "out.parquet",
                       overwrite=True)
    res = reduce_parquet(data, "srs", 0.05, target="label", output=tmp_path / "kept.parquet")
    assert res.n_samples == 1800


def test_is_within_moved_down_keeps_the_old_name():
    from pathlib import Path

    from datareduce._core.files import is_within
    from datareduce.detection.yolo import _is_within_dir

    assert _is_within_dir is is_within
    assert is_within(Path("/a/b/c"), Path("/a/b")) and not is_within(Path("/a/bc"), Path("/a/b"))


# --------------------------------------------------------------------- 03: nested folders
def _kept_rows_match_files(res, *, partition=None):
    """The kept rows are the rows at their positions in the concatenation of res.files."""
    ids = np.concatenate([pq.read_table(f, columns=["id"])["id"].to_numpy() for f in res.files])
    np.testing.assert_array_equal(res.kept["id"].to_numpy(), ids[res.sample_indices])
    if partition is not None:  # the partition column comes from each file's path
        where = np.searchsorted(np.cumsum([pq.read_metadata(f).num_rows for f in res.files]),
                                res.sample_indices, side="right")
        from_path = [res.files[w].split(f"{partition}=")[1].split(os.sep)[0] for w in where]
        assert res.kept[partition].astype(str).tolist() == from_path


def test_hive_partitioned_folder_is_read(tmp_path):
    df = pd.concat([_frame(i) for i in range(3)], ignore_index=True)
    df.to_parquet(tmp_path / "hive", partition_cols=["label"])
    (tmp_path / "hive" / "_SUCCESS").write_text("")
    res = reduce_parquet(tmp_path / "hive", "srs", 0.05, target="label", id_column="id")
    assert res.n_samples == 1800 and len(res.kept) == 90
    assert len(res.files) == 3 and all("label=" in f for f in res.files)
    # the partition column is what dask (and pandas.read_parquet) give: a categorical
    assert isinstance(res.kept["label"].dtype, pd.CategoricalDtype)
    assert res.kept["label"].value_counts().sort_index().tolist() == \
        allocate_quotas(df["label"].value_counts().sort_index().to_numpy(), 90).tolist()
    assert "label" not in res.features
    _kept_rows_match_files(res, partition="label")


def test_nested_hive_folders_and_recursive_globs(tmp_path):
    df = pd.concat([_frame(i) for i in range(3)], ignore_index=True)
    df.to_parquet(tmp_path / "hive", partition_cols=["year", "label"])
    res = reduce_parquet(tmp_path / "hive", "srs", 0.05, target="label", id_column="id")
    assert res.n_samples == 1800 and len(res.files) == 6
    assert isinstance(res.kept["year"].dtype, pd.CategoricalDtype)
    _kept_rows_match_files(res, partition="year")
    # a recursive glob reaches the nested files; a glob matching folders reads them
    for paths in (str(tmp_path / "hive" / "**" / "*.parquet"), str(tmp_path / "hive" / "*")):
        again = reduce_parquet(paths, "srs", 0.05, target="label", id_column="id")
        assert again.n_samples == 1800 and len(again.files) == 6
    # plain nested folders, hidden ones skipped
    plain = tmp_path / "plain"
    for i, sub in enumerate(["x", "y/z", ".hidden"]):
        (plain / sub).mkdir(parents=True)
        _frame(i).to_parquet(plain / sub / "f.parquet", index=False)
    res = reduce_parquet(plain, "srs", 0.05, target="label", id_column="id")
    assert res.n_samples == 1200 and [os.path.relpath(f, plain) for f in res.files] == \
        ["x/f.parquet", "y/z/f.parquet"]
    _kept_rows_match_files(res)


# ------------------------------------------------------------------- 04: differing types
def test_a_column_whose_type_differs_between_files_is_refused(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    _frame(1).to_parquet(a / "a.parquet", index=False)
    b = _frame(2)
    b["label"] = b["label"].map({"a": 0, "b": 1, "c": 2})
    b.to_parquet(a / "b.parquet", index=False)
    with pytest.raises(ValueError, match=r"b\.parquet stores column 'label' as int64 but "
                                         r".*a\.parquet stores it as (large_)?string.*astype"):
        reduce_parquet(a, "srs", 0.05, target="label")
    # a feature float in one file and text in the other: refused whichever file sorts first
    for first_text in (False, True):
        d = tmp_path / f"b{int(first_text)}"
        d.mkdir()
        x, t = _frame(3), _frame(4)
        t["f2"] = t["f2"].astype(str)
        (t if first_text else x).to_parquet(d / "a.parquet", index=False)
        (x if first_text else t).to_parquet(d / "b.parquet", index=False)
        with pytest.raises(ValueError, match=r"b\.parquet stores column 'f2' as "):
            reduce_parquet(d, "srs", 0.05, target="label")


def test_numbers_of_different_widths_are_one_kind(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    x, y = _frame(1), _frame(2)
    y["f1"] = (y["f1"] * 100).astype("int32")  # int32 here, float64 there
    y["year"] = y["year"].astype("float32")
    x.to_parquet(d / "a.parquet", index=False)
    y.to_parquet(d / "b.parquet", index=False)
    res = reduce_parquet(d, "srs", 0.05, target="label", id_column="id")
    assert res.n_samples == 1200 and res.features == ["f1", "f2", "year"]


# ------------------------------------------------------------ 07, 09: stratified's seed
def _ddf():
    df = pd.DataFrame({"x": np.arange(6000), "y": np.arange(6000) % 3})
    return dd.from_pandas(df, npartitions=4)


def test_stratified_random_state_none_draws_fresh_entropy():
    ddf = _ddf()
    draws = [stratified_sample(ddf, "y", 0.01, random_state=None) for _ in range(3)]
    assert len({tuple(s["x"]) for s in draws}) == 3
    seed0 = stratified_sample(ddf, "y", 0.01, random_state=0)
    assert seed0.attrs["random_state"] == 0
    # the seed drawn is recorded: passing it back repeats the sample
    again = stratified_sample(ddf, "y", 0.01, random_state=draws[1].attrs["random_state"])
    assert tuple(again["x"]) == tuple(draws[1]["x"])
    # a Generator gives a seed drawn from it
    g = [stratified_sample(ddf, "y", 0.01, random_state=np.random.default_rng(5))
         for _ in range(2)]
    assert tuple(g[0]["x"]) == tuple(g[1]["x"])


def test_stratified_bad_random_state_is_refused_by_name():
    ddf = _ddf()
    with pytest.raises(ValueError, match=r"random_state=-1 must be a non-negative int"):
        stratified_sample(ddf, "y", 0.1, random_state=-1)
    with pytest.raises(TypeError, match=r"random_state must be None, an int.*got float"):
        stratified_sample(ddf, "y", 0.1, random_state=1.5)


# ---------------------------------------------------------------- 08: output is a folder
def test_output_that_is_a_folder_is_refused_before_any_work(tmp_path, monkeypatch):
    data = _folder(tmp_path / "data", n_files=1)
    (tmp_path / "out.parquet").mkdir()

    def no_reading(*args, **kwargs):
        raise AssertionError("the input was read before the output was checked")

    monkeypatch.setattr(_parquet, "read_parquet_blocks", no_reading)
    for overwrite in (True, False):
        with pytest.raises(ValueError, match=r"output=.*out\.parquet' is an existing folder"):
            reduce_parquet(data, "srs", 0.05, target="label",
                           output=tmp_path / "out.parquet", overwrite=overwrite)
    assert (tmp_path / "out.parquet").is_dir()


# ---------------------------------------------------------------------- 12: decimals
def test_decimal_columns_are_numeric_features(tmp_path):
    r = np.random.default_rng(0)
    n = 800
    price = np.round(r.random(n) * 100, 2)
    qty, label = r.integers(0, 10, n), r.choice(["a", "b"], n)
    pq.write_table(pa.table({
        "price": pa.array([Decimal(f"{v:.2f}") for v in price], pa.decimal128(10, 2)),
        "qty": pa.array(qty), "label": pa.array(label)}), tmp_path / "dec.parquet")
    pq.write_table(pa.table({"price": pa.array(price), "qty": pa.array(qty),
                             "label": pa.array(label)}), tmp_path / "flt.parquet")
    res = reduce_parquet(tmp_path / "dec.parquet", "mms", 0.05, target="label")
    assert res.features == ["price", "qty"]
    explicit = reduce_parquet(tmp_path / "dec.parquet", "mms", 0.05, target="label",
                              features=["price", "qty"])
    np.testing.assert_array_equal(explicit.sample_indices, res.sample_indices)
    # the decimals are used as their float64 values; the output keeps them as decimals
    as_float = reduce_parquet(tmp_path / "flt.parquet", "mms", 0.05, target="label")
    np.testing.assert_array_equal(as_float.sample_indices, res.sample_indices)
    assert isinstance(res.kept["price"].iloc[0], Decimal)
