"""reduce_blocks / epsilon_blocks: the fifth user round's distributed findings (explore5,
defects 01, 05, 06, 09, 10 and 11 of /work/notes/explore5/distributed)."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from datareduce import get_reducer  # noqa: E402
from datareduce.distributed import epsilon_blocks, reduce_blocks  # noqa: E402
from datareduce.metrics.epsilon import epsilon_representativeness  # noqa: E402

# dask's Parquet reader calls pandas' deprecated inplace= (dask's warning, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


def _class_sums(weights, labels, classes):
    return np.array([weights[labels == c].sum() for c in classes])


@pytest.fixture
def thin():
    """A rare class spread thinly over the blocks: 50 rows over 20 blocks of 100 rows, so at
    keep 0.05 only 2 blocks get a share of its quota (repro 01)."""
    rng = np.random.default_rng(0)
    X = rng.random((2000, 3))
    y = np.zeros(2000, dtype=int)
    y[::40] = 1
    return X, y


@pytest.mark.parametrize("method, oversample", [("srs", 1), ("mms", 4), ("clc", 4),
                                                ("vq", 4), ("mms", 1)])
def test_class_weights_sum_to_class_sizes_when_blocks_get_no_share(thin, method, oversample):
    """Before: the rows of a class in blocks given 0 of its quota lost their mass and a
    global rescale hid it (srs: class 1 summed to 6.13 instead of 50, class 0 to 1993.87)."""
    X, y = thin
    res = reduce_blocks(da.from_array(X, chunks=(100, 3)), y,
                        reducer=get_reducer(method, keep=0.05), oversample=oversample,
                        random_state=0)
    yk = y[res.sample_indices]
    in_memory = get_reducer(method, keep=0.05, random_state=0).fit(X, y)
    expected = _class_sums(in_memory.sample_weight_, y[in_memory.sample_indices_], (0, 1))
    np.testing.assert_allclose(expected, [1950, 50])
    np.testing.assert_allclose(_class_sums(res.sample_weight, yk, (0, 1)), expected)
    assert res.sample_weight.sum() == pytest.approx(2000)
    assert (res.sample_weight > 0).all()


def test_srs_weights_stay_equal_within_a_thin_class(thin):
    """The mass of the blocks without a pick goes to the class's kept rows in proportion to
    their weights: SRS's rare-class rows (one per 3-row block share) each stand for 25 rows,
    as in memory."""
    X, y = thin
    res = reduce_blocks(da.from_array(X, chunks=(100, 3)), y,
                        reducer=get_reducer("srs", keep=0.05), random_state=0)
    np.testing.assert_allclose(res.sample_weight[y[res.sample_indices] == 1], [25, 25])


def test_parquet_weight_column_sums_to_class_sizes(tmp_path):
    """reduce_parquet(weight_column=) goes through the same path: a class of 9 rows per
    file over 6 files, keep 0.02, gets 2 rows standing for all 54."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from datareduce.distributed import reduce_parquet

    rng = np.random.default_rng(3)
    (tmp_path / "data").mkdir()
    labels = []
    for i in range(6):
        y = np.array(["common"] * 491 + ["rare"] * 9)
        rng.shuffle(y)
        df = pd.DataFrame(rng.random((500, 3)), columns=list("abc"))
        df["label"] = y
        df.to_parquet(tmp_path / "data" / f"part-{i}.parquet", index=False)
        labels.append(y)
    labels = np.concatenate(labels)
    res = reduce_parquet(tmp_path / "data", "srs", 0.02, target="label", weight_column="w",
                         scheduler="synchronous")
    kept = res.kept
    assert kept["w"].groupby(kept["label"]).sum().to_dict() == pytest.approx(
        {"common": (labels == "common").sum(), "rare": 54})


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_missing_label_in_dask_y_is_refused_by_name(bad):
    """Before: 'Found array with 0 sample(s) ... X is empty' (NaN became a class no row
    matched)."""
    X = np.random.default_rng(0).random((1000, 3))
    y = np.repeat([0.0, 1.0, 2.0], [600, 300, 100])
    y[[5, 610]] = bad
    with pytest.raises(ValueError, match=r"y has 2 missing labels .* blocks 0, 2 "
                                         r"\(rows 5, 610\): drop those rows"):
        reduce_blocks(da.from_array(X, chunks=(250, 3)), da.from_array(y, chunks=250),
                      reducer=get_reducer("srs", keep=0.05), random_state=0)


def test_missing_label_in_object_dask_y_is_refused_by_name():
    X = np.random.default_rng(0).random((100, 3))
    y = np.array(["a", "b"] * 50, dtype=object)
    y[70] = None
    with pytest.raises(ValueError, match=r"y has 1 missing label .* block 1 \(row 70\)"):
        reduce_blocks(da.from_array(X, chunks=(50, 3)), da.from_array(y, chunks=50),
                      reducer=get_reducer("srs", keep=0.1), random_state=0)


def test_y_with_unknown_chunks_is_measured():
    """ddf[col].to_dask_array() has blocks of unknown length. Before: 'y has nan labels but
    X has 1000 rows'."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X = np.random.default_rng(0).random((1000, 3))
    y = np.repeat([0, 1, 2], [600, 300, 100])
    yd = dd.from_pandas(pd.DataFrame({"label": y}), npartitions=3)["label"].to_dask_array()
    assert np.isnan(yd.chunks[0][0])
    Xd = da.from_array(X, chunks=(250, 3))
    kw = {"reducer": get_reducer("srs", keep=0.05), "random_state": 0}
    res = reduce_blocks(Xd, yd, **kw)
    np.testing.assert_array_equal(res.sample_indices, reduce_blocks(Xd, y, **kw).sample_indices)
    eps = epsilon_blocks(Xd, X[res.sample_indices], yd, y[res.sample_indices])
    assert eps.value == epsilon_representativeness(X, X[res.sample_indices], y,
                                                   y[res.sample_indices]).value
    with pytest.raises(ValueError, match="y has 999 labels but X has 1000 rows"):
        reduce_blocks(Xd, yd[:-1], **kw)


def test_negative_random_state_is_refused_by_name():
    """Before: numpy's bare 'expected non-negative integer'."""
    X = np.random.default_rng(0).random((100, 3))
    with pytest.raises(ValueError, match=r"random_state=-1 must be a non-negative int"):
        reduce_blocks(X, np.repeat([0, 1], 50), reducer=get_reducer("srs", keep=0.1),
                      random_state=-1)


def test_epsilon_blocks_with_a_class_absent_from_a_block():
    """Class 1 lives in the last block only (data sorted by time). Before: 'y_reduced has
    labels not in y: 1 (y's labels: 0)' from the first block."""
    rng = np.random.default_rng(0)
    X = rng.random((1000, 3))
    y = np.zeros(1000, dtype=int)
    y[900:] = 1
    Xd = da.from_array(X, chunks=(250, 3))
    res = reduce_blocks(Xd, y, reducer=get_reducer("srs", keep=0.05), random_state=0)
    Xr, yr = X[res.sample_indices], y[res.sample_indices]
    for metric in ("chebyshev", "euclidean"):
        expected = epsilon_representativeness(X, Xr, y, yr, metric=metric)
        got = epsilon_blocks(Xd, Xr, y, yr, metric=metric)
        assert got.value == expected.value
        assert got.per_class == expected.per_class
        assert got.worst_index == expected.worst_index
    # a class of y with no kept row is still infinite, as in memory
    lost = epsilon_blocks(Xd, Xr[yr == 0], y, yr[yr == 0])
    assert lost.value == np.inf and lost.worst_index == -1
    # a label that is in no block of y is still refused, checked against the whole y
    with pytest.raises(ValueError, match="y_reduced has labels not in y: 7"):
        epsilon_blocks(Xd, Xr, y, np.where(yr == 1, 7, yr))


def test_epsilon_blocks_skips_empty_blocks():
    """Before: 'X is empty (0 rows): there is nothing to reduce' from a 0-row block."""
    rng = np.random.default_rng(0)
    X = rng.random((1000, 3))
    y = rng.integers(0, 2, 1000)
    Xr, yr = X[::20], y[::20]
    Xd = da.from_array(X, chunks=((0, 500, 0, 500), 3))
    for labels in ((y, yr), (None, None)):
        expected = epsilon_representativeness(X, Xr, *labels)
        got = epsilon_blocks(Xd, Xr, *labels)
        assert (got.value, got.worst_index) == (expected.value, expected.worst_index)
