"""Parquet in, Parquet out, on a real 2-process dask cluster; a worker killed mid-run."""

import os

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from datareduce import get_reducer  # noqa: E402
from datareduce._core.validation import minmax_ranges  # noqa: E402
from datareduce.base import allocate_quotas  # noqa: E402
from datareduce.distributed import reduce_blocks, reduce_parquet  # noqa: E402

# dask's Parquet reader calls pandas' deprecated inplace= (dask's warning, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

SIZES = (700, 900, 500, 900)  # uneven files


def _write_files(folder, *, stored_index=False):
    rng = np.random.default_rng(0)
    frames, start = [], 0
    folder.mkdir()
    for i, n in enumerate(SIZES):
        df = pd.DataFrame(rng.normal(size=(n, 4)) * [1, 2, 3, 4], columns=list("abcd"))
        df["label"] = rng.choice(["cat", "dog", "eel"], size=n, p=[0.6, 0.3, 0.1])
        df["id"] = np.arange(start, start + n) * 7 + 3  # ids are numeric but not features
        df["note"] = [f"r{j}" for j in range(start, start + n)]
        if stored_index:
            df.index = pd.Index(np.arange(start, start + n) + 10**6, name="rid")
        df.to_parquet(folder / f"part-{i:02d}.parquet", index=stored_index)
        frames.append(df)
        start += n
    return pd.concat(frames)


def _scaled(full):
    X = full[list("abcd")].to_numpy(dtype=np.float64)
    lo, span = minmax_ranges(X)
    return (X - lo) / span


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit="1GiB") as c:
        yield c


@pytest.mark.parametrize("method", ["srs", "mms", "vq"])
def test_parquet_on_a_cluster(method, tmp_path, cluster):
    full = _write_files(tmp_path / "data")
    out = tmp_path / "kept.parquet"
    res = reduce_parquet(tmp_path / "data", method, 0.05, target="label", id_column="id",
                         scheduler=cluster.scheduler_address, output=out,
                         weight_column="weight")
    assert res.features == list("abcd")  # id and the text column are not features
    assert res.n_samples == sum(SIZES) and len(res.kept) == 150
    # the kept rows are the input's rows, with every column and their global position
    expected = full.reset_index(drop=True).iloc[res.sample_indices]
    np.testing.assert_array_equal(res.kept.index, res.sample_indices)
    assert res.kept.index.name == "row"
    pd.testing.assert_frame_equal(res.kept.drop(columns="weight"), expected,
                                  check_index_type=False, check_names=False,
                                  check_dtype=False)  # dask reads text as pyarrow strings
    # exact class quotas, as an in-memory fit of the same method
    X, y = _scaled(full), full["label"].to_numpy()
    in_memory = get_reducer(method, keep=0.05, random_state=0).fit(X, y)
    assert res.kept["label"].value_counts().to_dict() == \
        pd.Series(y[in_memory.sample_indices_]).value_counts().to_dict()
    for label, size in full["label"].value_counts().items():
        assert res.kept.loc[res.kept["label"] == label, "weight"].sum() == pytest.approx(size)
    # written back as Parquet, index included; same rows as the threaded scheduler
    pd.testing.assert_frame_equal(pd.read_parquet(out), res.kept, check_dtype=False)
    local = reduce_parquet(tmp_path / "data", method, 0.05, target="label", id_column="id",
                           scheduler="threads")
    np.testing.assert_array_equal(local.sample_indices, res.sample_indices)
    if method != "srs":  # two stages by default, at least as good a cover as one
        assert res.blocks.info["oversample"] == 4


@pytest.mark.parametrize("method", ["srs", "mms"])
def test_one_file_is_the_in_memory_reduction(method, tmp_path):
    """One file (one partition) and one stage: the rows `datareduce reduce` keeps in memory
    (min-max scaled features, same seed)."""
    full = _write_files(tmp_path / "data")
    one = tmp_path / "one.parquet"
    full.to_parquet(one, index=False)
    res = reduce_parquet(one, method, 0.05, target="label", id_column="id", oversample=1,
                         random_state=3)
    in_memory = get_reducer(method, keep=0.05, random_state=3).fit(_scaled(full),
                                                                    full["label"].to_numpy())
    np.testing.assert_array_equal(res.sample_indices, np.sort(in_memory.sample_indices_))


def test_stored_index_is_kept_and_no_target(tmp_path):
    full = _write_files(tmp_path / "data", stored_index=True)
    res = reduce_parquet(str(tmp_path / "data" / "*.parquet"), "mms", 40, id_column="id",
                         scale="standard", oversample=2)
    assert len(res.kept) == 40 and res.kept.index.name == "rid"
    pd.testing.assert_frame_equal(res.kept, full.iloc[res.sample_indices], check_dtype=False)



@pytest.mark.parametrize("case", ["named", "chunks", "step"])
def test_a_range_index_written_by_pandas_is_kept(case, tmp_path):
    """pandas writes a RangeIndex into the footer only (no column): dask's reader failed on a
    named one (KeyError: '[nan] not in index') and read an unnamed one from 0 in every
    partition, so the kept rows were numbered ``row`` instead of keeping their index. The
    kept rows have the index pandas reads back, as the single-machine path keeps it."""
    rng = np.random.default_rng(2)
    n = 600
    full = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                         "label": rng.choice(["x", "y", "z"], size=n, p=[0.6, 0.3, 0.1])})
    full.index = {"named": pd.RangeIndex(0, n, name="id"),
                  "chunks": pd.RangeIndex(0, n),  # one frame written in chunks
                  "step": pd.RangeIndex(5000, 5000 + 3 * n, 3, name="t")}[case]
    folder = tmp_path / "data"
    folder.mkdir()
    for i, (a, b) in enumerate(((0, 250), (250, 260), (260, n))):  # uneven files
        full.iloc[a:b].to_parquet(folder / f"part-{i}.parquet", row_group_size=100)
    expected = pd.concat([pd.read_parquet(f) for f in sorted(folder.iterdir())])
    pd.testing.assert_frame_equal(expected, full, check_dtype=False)  # pandas reads it back
    for method, kw in (("srs", {}), ("mms", {"oversample": 2})):
        res = reduce_parquet(folder, method, 0.1, target="label", scheduler="synchronous",
                             output=tmp_path / f"{method}.parquet", **kw)
        assert len(res.kept) == 60 and res.kept.index.name == full.index.name
        pd.testing.assert_frame_equal(res.kept, full.iloc[res.sample_indices],
                                      check_dtype=False, check_index_type=False)
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{method}.parquet"),
                                      res.kept, check_dtype=False)
    # files written with the default index (0, 1, ... in every file) have none worth
    # keeping: the rows are numbered by their position over the files, as documented
    plain = tmp_path / "plain"
    plain.mkdir()
    for i, (a, b) in enumerate(((0, 250), (250, n))):
        full.iloc[a:b].reset_index(drop=True).to_parquet(plain / f"p{i}.parquet")
    res = reduce_parquet(plain, "srs", 0.1, target="label", scheduler="synchronous")
    assert res.kept.index.name == "row"
    np.testing.assert_array_equal(res.kept.index, res.sample_indices)



@pytest.mark.parametrize("sizes", [(300, 0, 50), (0, 300, 50)])
def test_an_empty_file_among_the_inputs(sizes, tmp_path):
    """An empty file is an empty partition, which dask.array's concatenate drops from the
    feature blocks while the class counts still had one entry for it: the quotas of the
    blocks after it went to the wrong blocks (before: 30 of 35 rows kept with (300, 0, 50))."""
    rng = np.random.default_rng(3)
    folder = tmp_path / "data"
    folder.mkdir()
    frames = []
    for i, n in enumerate(sizes):
        df = pd.DataFrame({"x": rng.normal(size=n), "label": rng.choice(["a", "b"], size=n)})
        df.to_parquet(folder / f"{i}.parquet", index=False)
        frames.append(df)
    full = pd.concat(frames, ignore_index=True)
    counts = full["label"].value_counts().sort_index()
    want = allocate_quotas(counts.to_numpy(), 35)  # exact global quotas, as in memory
    for method, kw in (("srs", {}), ("mms", {"oversample": 1}), ("mms", {})):
        res = reduce_parquet(folder, method, 0.1, target="label", scheduler="synchronous", **kw)
        assert len(res.kept) == 35 and res.n_samples == 350
        assert res.kept["label"].value_counts().sort_index().tolist() == list(want)
        pd.testing.assert_frame_equal(res.kept.reset_index(drop=True),
                                      full.iloc[res.sample_indices].reset_index(drop=True),
                                      check_dtype=False)
        assert res.sample_weight.sum() == pytest.approx(350)



@pytest.mark.parametrize("short", [0, 1])  # the file without z
def test_files_with_different_columns_are_refused_by_name(short, tmp_path):
    """Before: a column missing from a later file failed in dask (KeyError: "['z'] not in
    index"), and one missing from the first file (whose schema dask uses for all) was
    silently dropped from every kept row."""
    rng = np.random.default_rng(6)
    folder = tmp_path / "data"
    folder.mkdir()
    for i in range(2):
        df = pd.DataFrame({"x": rng.normal(size=50), "z": rng.normal(size=50),
                           "label": rng.choice(["a", "b"], size=50)})
        (df.drop(columns="z") if i == short else df).to_parquet(folder / f"{i}.parquet",
                                                                 index=False)
    with pytest.raises(ValueError, match=r"1\.parquet has columns .*'z'.*same columns"):
        reduce_parquet(folder, "srs", 0.1, target="label", scheduler="synchronous")
    # an index stored as a column (string ids) in the first file: every file is still
    # checked (the check stopped at the first such file: dask's KeyError again)
    for i in range(2):
        f = folder / f"{i}.parquet"
        d = pd.read_parquet(f)
        d.index = pd.Index([f"id{i}-{j}" for j in range(len(d))], name="id")
        d.to_parquet(f)
    with pytest.raises(ValueError, match=r"1\.parquet has columns .*'z'.*same columns"):
        reduce_parquet(folder, "srs", 0.1, target="label", scheduler="synchronous")
    for i in range(2):
        f = folder / f"{i}.parquet"
        pd.read_parquet(f).reset_index(drop=True).to_parquet(f, index=False)
    # the same columns in another order are read by name, as before
    df = pd.read_parquet(folder / f"{1 - short}.parquet")
    df[["label", "z", "x"]].to_parquet(folder / f"{short}.parquet", index=False)
    res = reduce_parquet(folder, "srs", 0.1, target="label", scheduler="synchronous")
    full = pd.concat([df, df], ignore_index=True)
    pd.testing.assert_frame_equal(res.kept.reset_index(drop=True),
                                  full.iloc[res.sample_indices].reset_index(drop=True),
                                  check_dtype=False, check_like=True)


def test_errors(tmp_path):
    _write_files(tmp_path / "data")
    data = tmp_path / "data"
    with pytest.raises(FileNotFoundError, match="input not found"):
        reduce_parquet(tmp_path / "nope", "srs", 0.1)
    with pytest.raises(ValueError, match="target='klass' is not a column"):
        reduce_parquet(data, "srs", 0.1, target="klass")
    with pytest.raises(ValueError, match="scale="):
        reduce_parquet(data, "srs", 0.1, scale="robust")
    with pytest.raises(TypeError, match="keep is required"):
        reduce_parquet(data, "srs")
    out = tmp_path / "kept.parquet"
    out.write_text("precious")
    with pytest.raises(FileExistsError, match="overwrite"):
        reduce_parquet(data, "srs", 0.1, output=out)
    assert out.read_text() == "precious"  # nothing overwritten
    with pytest.raises(ValueError, match="one of the input files"):
        reduce_parquet(data, "srs", 0.1, output=data / "part-00.parquet", overwrite=True)
    bad = tmp_path / "bad"
    bad.mkdir()
    pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, 2.0, 3.0]}).to_parquet(bad / "x.parquet")
    with pytest.raises(ValueError, match=r"a \(1 rows\), in rows 0-2"):
        reduce_parquet(bad, "srs", 2)
    with pytest.raises(ValueError, match="not an address"):
        reduce_parquet(data, "srs", 0.1, scheduler="nowhere")


def test_a_requested_non_numeric_feature_is_refused_by_name(tmp_path):
    # before: a categorical in features=[...] was dropped with a logger.info line only
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x1": rng.normal(size=60),
                       "city": pd.Categorical(rng.choice(["p", "q", "r"], 60)),
                       "note": [f"n{i}" for i in range(60)],
                       "label": rng.choice(["a", "b"], 60)})
    (tmp_path / "d").mkdir()
    df.to_parquet(tmp_path / "d" / "x.parquet", index=False)
    for feats, name in ((["x1", "city"], r"'city' \(category\)"), (["note", "x1"], "'note'")):
        with pytest.raises(ValueError, match=rf"are not numeric: {name}.*encode them"):
            reduce_parquet(tmp_path / "d", "srs", 0.2, target="label", features=feats,
                           scheduler="synchronous")
    # left out by default (documented), and kept in the output
    res = reduce_parquet(tmp_path / "d", "srs", 0.2, target="label", scheduler="synchronous")
    assert res.features == ["x1"] and {"city", "note"} <= set(res.kept.columns)


def test_worker_killed_mid_run_gives_the_same_result(tmp_path, cluster):
    """A block's task kills its worker process once (a marker file says it did); the nanny
    restarts the worker, the scheduler reruns the lost tasks, and the result is the
    undisturbed run's."""
    rng = np.random.default_rng(5)
    X0 = rng.normal(size=(4000, 3))
    y = rng.choice(3, size=4000, p=[0.5, 0.3, 0.2])
    marker = str(tmp_path / "killed-once")
    main_pid = os.getpid()

    def load(block, block_info=None):
        # runs on a worker; the first time block 2 is loaded, the worker process dies
        if block_info[0]["chunk-location"][0] == 2 and not os.path.exists(marker) \
                and os.getpid() != main_pid:
            open(marker, "w").close()
            os._exit(1)
        return block

    reducer = get_reducer("mms", keep=0.05)
    X = da.from_array(X0, chunks=(500, 3))
    undisturbed = reduce_blocks(X, y, reducer=reducer, oversample=2, random_state=0)
    with distributed.Client(cluster) as client:
        before = set(client.scheduler_info()["workers"])
        res = reduce_blocks(X.map_blocks(load, dtype=X.dtype), y, reducer=reducer,
                            oversample=2, random_state=0)
        client.wait_for_workers(2, timeout=30)
        after = set(client.scheduler_info()["workers"])
    assert os.path.exists(marker)  # the worker was killed
    assert after != before  # and replaced by a new one
    np.testing.assert_array_equal(res.sample_indices, undisturbed.sample_indices)
    np.testing.assert_allclose(res.sample_weight, undisturbed.sample_weight)


@pytest.mark.slow  # starts its own cluster process: ~5 s on a quiet machine, 60 s under load
def test_local_scheduler_starts_and_stops_its_own_cluster(tmp_path):
    _write_files(tmp_path / "data")
    threads = reduce_parquet(tmp_path / "data", "srs", 0.02, target="label")
    local = reduce_parquet(tmp_path / "data", "srs", 0.02, target="label", scheduler="local",
                           n_workers=1, memory_limit="1GiB")
    np.testing.assert_array_equal(local.sample_indices, threads.sample_indices)
    assert distributed.client._get_global_client() is None  # nothing left running


def test_reducer_instance_is_not_modified(tmp_path):
    full = _write_files(tmp_path / "data")
    mms = get_reducer("mms", keep=0.5, metric="chebyshev")
    res = reduce_parquet(tmp_path / "data", mms, 25, target="label", features=["a", "b"],
                         scale="none", oversample=1)
    assert mms.keep == 0.5 and not hasattr(mms, "sample_indices_")
    assert len(res.kept) == 25 and res.features == ["a", "b"]
    assert set(res.kept["label"]) == set(full["label"])  # every class keeps a row
