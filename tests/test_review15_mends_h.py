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
