"""``datareduce reduce`` on Parquet files block by block (datareduce.distributed.reduce_parquet):
the kept rows written back as Parquet with their original index and ids, and every error
found before a cluster starts (one line, exit status 2, nothing written)."""

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from test_cli_errors import assert_refused, cli, snapshot  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

SIZES = (300, 500, 200)


def _write(folder, *, stored_index=False):
    rng = np.random.default_rng(1)
    folder.mkdir()
    frames, start = [], 0
    for i, n in enumerate(SIZES):
        df = pd.DataFrame(rng.normal(size=(n, 3)) * [1, 2, 3], columns=list("abc"))
        df["label"] = rng.choice(["cat", "dog", "eel"], size=n, p=[0.6, 0.3, 0.1])
        df["id"] = np.arange(start, start + n) * 7 + 3
        df["note"] = [f"r{j}" for j in range(start, start + n)]
        if stored_index:
            df.index = pd.Index(np.arange(start, start + n) + 10**6, name="rid")
        df.to_parquet(folder / f"part-{i}.parquet", index=stored_index)
        frames.append(df)
        start += n
    return pd.concat(frames)


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail the test if a LocalCluster is started."""
    def refuse(*a, **k):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(distributed, "LocalCluster", refuse)


def test_folder_on_threads_keeps_positions_ids_and_quotas(tmp_path, no_cluster):
    full = _write(tmp_path / "data").reset_index(drop=True)
    out = tmp_path / "kept.parquet"
    res = cli("reduce", tmp_path / "data", "--target", "label", "--id", "id", "--method",
              "srs", "--keep", "0.1", "-o", out, "--weight-column", "w")
    assert res.returncode == 0, res.stderr
    assert "kept 100 of 1000 rows from 3 file(s)" in res.stdout
    kept = pd.read_parquet(out)
    assert kept.index.name == "row" and len(kept) == 100
    # each kept row is the row at that position over the files (sorted by name), unchanged
    pd.testing.assert_frame_equal(kept.drop(columns="w"),
                                  full.iloc[kept.index].rename_axis("row"),
                                  check_dtype=False)  # dask reads strings as pyarrow strings
    # exact class quotas (largest remainder over the whole data), weights sum to n
    want = (full["label"].value_counts() * 0.1).round().astype(int)
    assert kept["label"].value_counts().sort_index().tolist() == want.sort_index().tolist()
    assert kept["w"].sum() == pytest.approx(len(full))


@pytest.mark.slow  # starts a LocalCluster of 2 processes: ~10 s quiet, 30-60 s under load
def test_glob_on_a_local_cluster_equals_the_library_on_threads(tmp_path):
    from datareduce.distributed import reduce_parquet

    full = _write(tmp_path / "data", stored_index=True)
    out = tmp_path / "kept.parquet"
    res = cli("reduce", str(tmp_path / "data" / "*.parquet"), "--target", "label", "--id",
              "id", "--method", "mms", "--keep", "0.05", "--seed", "3", "--scheduler", "local",
              "--workers", "2", "--memory-limit", "1GiB", "-o", out)
    assert res.returncode == 0, res.stderr
    assert "on local" in res.stdout
    kept = pd.read_parquet(out)
    assert kept.index.name == "rid"  # the files' stored index
    pd.testing.assert_frame_equal(kept, full.loc[kept.index], check_dtype=False)
    lib = reduce_parquet(tmp_path / "data", "mms", 0.05, target="label", id_column="id",
                         features=["a", "b", "c"], random_state=3, scheduler="threads",
                         params={"random_state": 3})
    pd.testing.assert_frame_equal(kept, lib.kept)



def test_a_stored_index_is_kept_as_in_memory(tmp_path, no_cluster):
    """A file written by pandas from a frame with an index named ``id`` (a RangeIndex, kept in
    the footer only): block by block the kept rows keep it as `reduce` in memory does
    (before: an internal error, dask's KeyError: '[nan] not in index'); one file and one
    stage keep the same rows."""
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                       "label": rng.choice(["cat", "dog"], size=300)},
                      index=pd.RangeIndex(0, 300, name="id"))
    df.to_parquet(tmp_path / "one.parquet")
    kept = {}
    for name, extra in (("memory", []), ("blocks", ["--scheduler", "threads"])):
        out = tmp_path / f"{name}.parquet"
        res = cli("reduce", tmp_path / "one.parquet", "--target", "label", "--keep", "30",
                  "-o", out, *extra)
        assert res.returncode == 0, res.stderr
        kept[name] = pd.read_parquet(out)
    assert kept["blocks"].index.name == kept["memory"].index.name == "id"
    pd.testing.assert_frame_equal(kept["blocks"], kept["memory"].sort_index(),
                                  check_dtype=False, check_index_type=False)
    pd.testing.assert_frame_equal(kept["blocks"], df.loc[kept["blocks"].index],
                                  check_dtype=False, check_index_type=False)


@pytest.mark.parametrize("extra, needles", [
    (["--report", "r.json"], ["--report", "datareduce score"]),
    (["--budget", "10"], ["--budget"]),
    (["--task", "regression"], ["--task regression"]),
    (["--space", "auto"], ["--space auto"]),
    (["--scheduler", "bogus"], ["--scheduler 'bogus'", "tcp://"]),
    (["--scheduler", "threads", "--workers", "2"], ["--workers"]),
    (["--scheduler", "local", "--workers", "0"], ["--workers 0"]),
    (["--oversample", "0.5"], ["--oversample 0.5"]),
    (["--keep", "5000"], ["--keep 5000", "1000 rows"]),
    (["--target", "lable"], ["--target 'lable'", "did you mean 'label'"]),
    (["--target", "a"], ["--target 'a'", "floats"]),
    (["--target", "id"], ["--target 'id'", "distinct whole numbers", "--task classification"]),
    (["--features", "note"], ["--features 'note'", "not numeric"]),
    (["--weight-column", "id"], ["--weight-column 'id'"]),
    (["--method", "nope"], ["--method 'nope'"]),
])
def test_errors_before_any_cluster_or_read(tmp_path, no_cluster, extra, needles):
    _write(tmp_path / "data")
    before = snapshot(tmp_path)
    args = ["reduce", tmp_path / "data", "--keep", "0.1", "-o", tmp_path / "k.parquet",
            "--scheduler", "local", *extra]
    if "--target" not in extra:
        args += ["--target", "label"]
    if extra[:2] == ["--scheduler", "threads"] or extra[:1] == ["--scheduler"]:
        args.remove("local")
        args.remove("--scheduler")
    assert_refused(cli(*args), *needles)
    assert snapshot(tmp_path) == before


def test_file_errors(tmp_path, no_cluster):
    full = _write(tmp_path / "data")
    (tmp_path / "empty").mkdir()
    full.iloc[:20].drop(columns="c").to_parquet(tmp_path / "other.parquet")
    full.iloc[:20].to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "old.parquet").write_text("keep me")
    before = snapshot(tmp_path)
    base = ["--keep", "0.1", "--scheduler", "local"]
    cases = [
        (["reduce", tmp_path / "empty", *base, "-o", tmp_path / "k.parquet"],
         ["holds no .parquet files"]),
        (["reduce", tmp_path / "nothing" / "*.parquet", *base, "-o", tmp_path / "k.parquet"],
         ["no file matches"]),
        (["reduce", tmp_path / "data", tmp_path / "other.parquet", *base,
          "-o", tmp_path / "k.parquet"], ["other.parquet", "same columns"]),
        (["reduce", tmp_path / "data", tmp_path / "t.csv", *base, "-o", tmp_path / "k.parquet"],
         ["t.csv", "Parquet files only"]),
        (["reduce", tmp_path / "data", *base, "-o", tmp_path / "k.csv"], ["--output", ".parquet"]),
        (["reduce", tmp_path / "data", *base, "-o", tmp_path / "old.parquet"],
         ["--output", "exists", "--overwrite"]),
        (["reduce", tmp_path / "data", *base, "-o", tmp_path / "data" / "part-0.parquet",
          "--overwrite"], ["one of the input files"]),
        (["reduce", tmp_path / "t.csv", "--keep", "0.1", "-o", tmp_path / "k.csv",
          "--workers", "2"], ["--workers", "--scheduler"]),
    ]
    for args, needles in cases:
        assert_refused(cli(*args), *needles)
        assert snapshot(tmp_path) == before, args


def test_files_with_the_same_columns_in_another_order_are_read_by_name(tmp_path, no_cluster):
    """As the library reads them; the command refused them ('every file must have the same
    columns')."""
    full = _write(tmp_path / "data").reset_index(drop=True)
    part = tmp_path / "data" / "part-2.parquet"
    pd.read_parquet(part)[["note", "id", "label", "c", "b", "a"]].to_parquet(part, index=False)
    out = tmp_path / "kept.parquet"
    res = cli("reduce", tmp_path / "data", "--target", "label", "--id", "id", "--method",
              "srs", "--keep", "0.1", "-o", out)
    assert res.returncode == 0, res.stderr
    kept = pd.read_parquet(out)
    assert list(kept.columns) == list(full.columns)  # the first file's order
    pd.testing.assert_frame_equal(kept, full.iloc[kept.index].rename_axis("row"),
                                  check_dtype=False)


def test_block_path_follows_the_whole_target_rule(tmp_path, no_cluster):
    """80 codes of 18 rows over three files: more than max(50, n // 20) = 72 distinct whole
    numbers, but values that repeat as classes do (>= 16 rows each, none seen once), so
    classes in memory (target_kind) and block by block alike; a column of values seen once
    stays a regression target, refused with the count. The block path had used the first
    clause only and refused the 80 classes."""
    from datareduce._core.strata import target_kind

    rng = np.random.default_rng(3)
    folder = tmp_path / "codes"
    folder.mkdir()
    n = 80 * 18
    codes = rng.permutation(np.arange(n) % 80)
    assert target_kind(codes) == "classification"
    prices = rng.permutation(n)
    for i, part in enumerate(np.array_split(np.arange(n), 3)):
        pd.DataFrame({"a": rng.normal(size=len(part)), "code": codes[part],
                      "price": prices[part]}).to_parquet(folder / f"p{i}.parquet", index=False)
    out = tmp_path / "k.parquet"
    res = cli("reduce", folder, "--target", "code", "--exclude", "price", "--keep", "0.1",
              "-o", out, "-q")
    assert res.returncode == 0, res.stderr
    assert pd.read_parquet(out)["code"].nunique() == 80  # every class keeps its share
    assert_refused(cli("reduce", folder, "--target", "price", "--exclude", "code", "--keep",
                       "0.1", "-o", tmp_path / "k2.parquet"),
                   "--target 'price'", "distinct whole numbers", "--task classification")


def test_hive_partition_column_can_be_the_target(tmp_path, no_cluster):
    """A hive folder (label=a/...): the partition column is not in the files' footers; the
    command takes it from the folder names as reduce_parquet does (it said 'not a column')."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                       "label": rng.choice(["x", "y", "z"], 300)})
    df.to_parquet(tmp_path / "data", partition_cols=["label"], index=False)
    out = tmp_path / "k.parquet"
    res = cli("reduce", tmp_path / "data", "--target", "label", "--keep", "0.1", "-o", out,
              "--scheduler", "threads", "-q")
    assert res.returncode == 0, res.stderr
    kept = pd.read_parquet(out)
    assert len(kept) == 30 and set(kept["label"].astype(str)) == {"x", "y", "z"}


def test_output_inside_the_input_folder_is_refused(tmp_path, no_cluster):
    """The library's rule (reduce_parquet's _check_output) on the command line: a kept file
    written into the input folder would be read as data by the next run."""
    _write(tmp_path / "data")
    before = snapshot(tmp_path)
    assert_refused(cli("reduce", tmp_path / "data", "--target", "label", "--keep", "0.1",
                       "-o", tmp_path / "data" / "k.parquet", "--scheduler", "threads"),
                   "--output", "inside the input")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("null_first", [True, False])
def test_a_column_all_null_in_one_file_is_judged_the_same_in_either_order(tmp_path, no_cluster,
                                                                          null_first):
    """review5/r3 02 on the command line: the columns came from the first file's footers,
    so a column stored all-null there was dropped as 'not numeric' while the other order
    refused it; now both orders take it for a number and refuse it naming the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    folder = tmp_path / "d"
    folder.mkdir()
    empty = pd.DataFrame({"x": rng.normal(size=60), "g": [None] * 60,
                          "label": rng.choice(["a", "b"], 60)})
    full = pd.DataFrame({"x": rng.normal(size=60), "g": rng.normal(size=60),
                         "label": rng.choice(["a", "b"], 60)})
    order = (empty, full) if null_first else (full, empty)
    for i, df in enumerate(order):
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False),
                       folder / f"p{i}.parquet")
    res = cli("reduce", folder, "--target", "label", "--keep", "0.2", "-o",
              tmp_path / "k.parquet", "--scheduler", "threads")
    assert_refused(res, "'g' is missing in every row")
