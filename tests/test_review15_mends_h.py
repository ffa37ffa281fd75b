"""Review 15 (mender h): mends from the re-read of the distributed commits."""

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from datareduce.distributed import reduce_parquet  # noqa: E402


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_null_file_bool_and_int_columns_stay_missing(tmp_path, keep):
    # 648dea9 cast a null file's None to the other file's numpy bool (False) and left int
    # object; pandas.read_parquet gives b object (None kept), i float64 (NaN)
    n = 40
    rng = np.random.default_rng(0)
    b = pa.array([True, None] * (n // 2), pa.bool_())
    pq.write_table(
        pa.table({"a": rng.random(n), "b": b, "i": pa.array(range(n), pa.int64())}),
        tmp_path / "p0.parquet",
    )
    pq.write_table(
        pa.table({"a": rng.random(n), "b": pa.nulls(n), "i": pa.nulls(n)}),
        tmp_path / "p1.parquet",
    )
    want = pd.read_parquet(tmp_path).dtypes
    kept = reduce_parquet(tmp_path, "srs", keep=keep, features=["a"], scheduler="synchronous").kept
    assert kept["b"].dtype == want["b"] == np.dtype(object)
    assert kept["i"].dtype == want["i"] == np.float64
    null_rows = kept.index >= n
    assert null_rows.any()
    assert kept.loc[null_rows, "b"].isna().all()
    assert kept.loc[null_rows, "i"].isna().all()
    # the rows of the file holding values keep their values
    assert (
        kept.loc[~null_rows, "i"].dropna()
        == kept.index[~null_rows][kept.loc[~null_rows, "i"].notna()]
    ).all()


@pytest.mark.parametrize("null_first", [True, False])
def test_cli_footers_read_decimals_as_numbers_whatever_the_file_order(tmp_path, null_first):
    # 06308c4 converted decimals before the branch for a column null in the first file,
    # which reset it to object: datareduce reduce left price out where reduce_parquet used it
    import decimal

    from datareduce.cli._blocks import _footers

    n = 10
    null = pa.table({"a": np.random.default_rng(0).random(n), "price": pa.nulls(n)})
    prices = pa.array([decimal.Decimal("1.25")] * n, pa.decimal128(9, 2))
    values = pa.table({"a": np.random.default_rng(1).random(n), "price": prices})
    pq.write_table(null, tmp_path / "null.parquet")
    pq.write_table(values, tmp_path / "values.parquet")
    files = [str(tmp_path / "null.parquet"), str(tmp_path / "values.parquet")]
    frame = _footers(files if null_first else files[::-1])[0]
    assert frame["price"].dtype == np.float64


def test_many_small_partitions_of_distinct_numbers_send_no_values(tmp_path, monkeypatch):
    # ee08e7d's per-partition bound does nothing with >= 16 partitions of n/P distinct
    # values each: 20 files of 100 distinct cents sent all 2,000 values to the client
    import datareduce.distributed._parquet as P

    rng = np.random.default_rng(0)
    for i in range(20):
        pd.DataFrame({"a": rng.random(100), "y": np.arange(i * 100, i * 100 + 100)}).to_parquet(
            tmp_path / f"p{i:02d}.parquet"
        )
    scan, sent = P._scan, []

    def spy(*args, **kwargs):
        out = scan(*args, **kwargs)
        sent.append(out["classes"][0].size)
        return out

    monkeypatch.setattr(P, "_scan", spy)
    with pytest.raises(ValueError, match="regression target"):
        reduce_parquet(tmp_path, "srs", 0.5, target="y", scheduler="synchronous")
    assert sum(sent) < 125  # at most the rule's limit for 2,000 rows reaches the client
    # whole-number classes that repeat are still classes (the exact rule decides)
    for i in range(20):
        pd.DataFrame({"a": rng.random(100), "y": np.arange(100) % 7}).to_parquet(
            tmp_path / f"p{i:02d}.parquet"
        )
    res = reduce_parquet(tmp_path, "srs", 0.5, target="y", scheduler="synchronous")
    assert len(res.kept) == 1000


def test_the_classes_limit_is_one_helper():
    # ee08e7d wrote max(whole_number_threshold(n), n / REPEATS) a second time
    import inspect

    from datareduce._core.strata import classes_limit
    from datareduce.cli import _blocks
    from datareduce.distributed import _parquet

    assert classes_limit(2000) == 125 and classes_limit(100) == 50
    for module in (_blocks, _parquet):
        assert "n / REPEATS" not in inspect.getsource(module)
        assert "n_rows / REPEATS" not in inspect.getsource(module)


def test_stratified_sample_gives_reduce_parquets_column_types(tmp_path):
    # 6aa0ef7: stratified_sample unified categoricals only; a column bool in one file and
    # float in the other, and times of two zones, came back object
    from datareduce.distributed import stratified_sample

    n = 20
    rng = np.random.default_rng(0)
    paris = pd.date_range("2020", periods=n, tz="Europe/Paris")
    pq.write_table(
        pa.table(
            {
                "a": rng.random(n),
                "f": [True, False] * (n // 2),
                "y": ["u", "v"] * (n // 2),
                "t": pa.array(paris),
            }
        ),
        tmp_path / "p0.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "a": rng.random(n),
                "f": rng.random(n),
                "y": ["u", "v"] * (n // 2),
                "t": pa.array(pd.date_range("2021", periods=n, tz="UTC")),
            }
        ),
        tmp_path / "p1.parquet",
    )
    kept = reduce_parquet(tmp_path, "srs", 0.5, features=["a", "f"], scheduler="synchronous").kept
    with dd_sync():
        sample = stratified_sample(dd.read_parquet(tmp_path), "y", 0.5)
    assert sample["f"].dtype == kept["f"].dtype == np.float64
    assert sample["t"].dtype == kept["t"].dtype == "datetime64[us, Europe/Paris]"
    assert sample["t"].notna().all()


def dd_sync():
    import dask

    return dask.config.set(scheduler="synchronous")


def test_the_fill_advice_for_a_boolean_class_runs():
    # 9a9ab13 advised ddf.fillna({'y': 'missing'}) for a nullable boolean class, which
    # raises "Invalid value 'missing' for dtype 'boolean'"
    import dask

    from datareduce.distributed import stratified_sample

    y = pd.array([True, False, None, True] * 5, dtype="boolean")
    frame = pd.DataFrame({"a": np.random.default_rng(0).random(20), "y": y})
    ddf = dd.from_pandas(frame, npartitions=2)
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match="missing") as info:
            stratified_sample(ddf, "y", 0.5)
        fill = str(info.value).split("e.g. ")[-1].rsplit(") first", 1)[0]
        sample = stratified_sample(eval(fill, {"ddf": ddf}), "y", 0.5)
    assert "missing" in set(sample["y"])


def test_the_hive_fill_advice_is_the_columns_type(tmp_path):
    # 793b8e2 advised df[key].fillna('missing') whatever the partition column holds: a
    # number column (years) gets a number that is not a value
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"a": rng.normal(size=60), "year": rng.choice([2023.0, 2024.0, None], size=60)}
    )
    df.to_parquet(tmp_path / "data", partition_cols=["year"])
    with pytest.raises(ValueError, match="year=__HIVE_DEFAULT_PARTITION__") as info:
        reduce_parquet(tmp_path / "data", "srs", 0.2, scheduler="synchronous")
    assert "fillna({'year': -1})" in str(info.value)
    assert "'missing'" not in str(info.value).split("before writing")[1].split(" or rename")[0]
