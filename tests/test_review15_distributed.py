"""Review 15 (reviewer d): Parquet folders, reduce_parquet, stratified_sample and the CLI."""

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

from datareduce.distributed import reduce_parquet, stratified_sample  # noqa: E402


def test_categoricals_with_other_categories_per_file_stay_categoricals(tmp_path):
    # one file per day: each file's dictionary holds its own values; pd.concat of the kept
    # rows made the column plain text where pandas.read_parquet and dask give the union
    rng = np.random.default_rng(0)
    for i, labs in enumerate([["x", "y"], ["z"]]):
        pd.DataFrame(
            {
                "a": rng.normal(size=50),
                "label": pd.Categorical(rng.choice(labs, size=50)),
                "shop": pd.Categorical(rng.choice(labs, size=50)),
            }
        ).to_parquet(tmp_path / f"{i}.parquet")
    res = reduce_parquet(tmp_path, "srs", 0.2, target="label", scheduler="synchronous")
    s = stratified_sample(dd.read_parquet(tmp_path), "label", 0.2)
    for kept in (res.kept, s):
        for c in ("label", "shop"):
            assert isinstance(kept[c].dtype, pd.CategoricalDtype), (c, kept[c].dtype)
            assert set(kept[c].cat.categories) == {"x", "y", "z"}
    assert res.kept["label"].value_counts().to_dict() == {"x": 5, "y": 5, "z": 10}


def test_a_feature_stored_as_bool_and_as_floats_is_written_as_floats(tmp_path):
    # documented as one kind (float64 features); the kept rows mixed True and 0.13 in an
    # object column and the output write failed after the reduction (ArrowInvalid)
    rng = np.random.default_rng(0)
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    out.mkdir()
    pd.DataFrame(
        {
            "a": rng.normal(size=40),
            "b": rng.normal(size=40) > 0,
            "label": rng.choice(["x", "y"], size=40),
        }
    ).to_parquet(data / "0.parquet")
    second = pd.DataFrame(
        {
            "a": rng.normal(size=40),
            "b": rng.normal(size=40),
            "label": rng.choice(["x", "y"], size=40),
        }
    )
    second.to_parquet(data / "1.parquet")
    res = reduce_parquet(
        data, "srs", 0.5, target="label", scheduler="synchronous", output=out / "kept.parquet"
    )
    assert res.kept["b"].dtype == np.float64
    assert set(res.kept["b"].iloc[:5]) <= {0.0, 1.0}  # 0.parquet's rows come first
    back = pd.read_parquet(out / "kept.parquet")
    later = back.index >= 40
    np.testing.assert_array_equal(back["b"][later], second["b"].to_numpy()[back.index[later] - 40])


def test_the_command_line_uses_parquet_decimals_as_features_as_python_does(tmp_path, capsys):
    # the footers' empty frame holds decimals as objects: the dask path of `datareduce
    # reduce` left them out ("not used (not numeric): price") and kept other rows than
    # reduce_parquet with the same arguments
    import decimal

    from datareduce.cli import main

    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        pd.DataFrame(
            {
                "id": np.arange(100) + 100 * i,
                "a": rng.normal(size=100),
                "price": [decimal.Decimal(f"{x:.2f}") for x in rng.random(100) * 100],
                "label": rng.choice(["x", "y", "z"], size=100),
            }
        ).to_parquet(data / f"{i}.parquet")
    api = reduce_parquet(data, "mms", 0.1, target="label", id_column="id", scheduler="synchronous")
    assert api.features == ["a", "price"]
    out = tmp_path / "kept.parquet"
    args = ["reduce", str(data), "--method", "mms", "--keep", "0.1", "--target", "label"]
    assert main([*args, "--id", "id", "-o", str(out)]) == 0
    assert "2 feature column(s): a, price" in "".join(capsys.readouterr())
    assert pd.read_parquet(out)["id"].tolist() == api.kept["id"].tolist()


def test_a_column_categorical_in_some_files_only_is_joined_as_pandas_joins_it(tmp_path):
    # 6aa0ef7 joined the kept rows with dask's concat, which failed on a column that one
    # file stores as a categorical and another as text (AttributeError: 'StringDtype'
    # object has no attribute 'categories'); such a column is joined by pd.concat as before
    rng = np.random.default_rng(0)
    for i in range(2):
        d = pd.DataFrame({"a": rng.normal(size=40), "label": rng.choice(["x", "y"], size=40)})
        d["s"] = rng.choice(["u", "v"], size=40)
        if i == 0:
            d["s"] = d["s"].astype("category")
            d["label"] = d["label"].astype("category")
        d.to_parquet(tmp_path / f"{i}.parquet")
    res = reduce_parquet(tmp_path, "srs", 0.5, target="label", scheduler="synchronous")
    assert len(res.kept) == 40 and set(res.kept["s"]) == {"u", "v"}
    s = stratified_sample(dd.read_parquet(tmp_path), "label", 0.5)
    assert len(s) == 40 and set(s["s"]) == {"u", "v"}


@pytest.mark.parametrize("zones", [("Europe/Paris", "UTC"), ("UTC", "America/New_York")])
def test_times_stored_in_other_zones_come_back_in_one_zone(tmp_path, zones):
    # a UTC export beside a Europe/Paris one (one kind: accepted) gave an object column of
    # Timestamps of two zones (no .dt accessor); pandas.read_parquet and dask's meta give
    # the first file's zone
    rng = np.random.default_rng(0)
    times = []
    for i, tz in enumerate(zones):
        t = pd.date_range("2024-03-01", periods=40, freq="h", tz=tz)
        times.append(t)
        d = pd.DataFrame({"a": rng.normal(size=40), "label": rng.choice(["x", "y"], size=40)})
        d.assign(t=t).to_parquet(tmp_path / f"{i}.parquet")
    res = reduce_parquet(tmp_path, "srs", 0.5, target="label", scheduler="synchronous")
    assert res.kept["t"].dtype == pd.read_parquet(tmp_path)["t"].dtype
    assert str(res.kept["t"].dt.tz) == zones[0]
    # the same instants
    want = pd.DatetimeIndex(np.concatenate([t.tz_convert("UTC") for t in times]))
    np.testing.assert_array_equal(
        res.kept["t"].dt.tz_convert("UTC").to_numpy(), want[res.sample_indices].to_numpy()
    )


@pytest.mark.parametrize(
    "y",
    [
        pd.Categorical(["a", "b", None, "a"] * 25),
        pd.array([1, 2, None, 1] * 25, dtype="Int64"),
        np.array([1.0, 2.0, np.nan, 1.0] * 25),
        np.array(["a", "b", None, "a"] * 25, dtype=object),
    ],
    ids=["categorical", "Int64", "float", "text"],
)
def test_the_fill_advised_for_rows_without_a_class_runs(y):
    # the refusal advised ddf.fillna({'y': 'missing'}) whatever the column: a categorical
    # raised 'Cannot setitem on a Categorical with a new category', a nullable integer
    # 'Invalid value', and floats mixed with text failed in the sample
    import re

    ddf = dd.from_pandas(pd.DataFrame({"x": range(100), "y": y}), npartitions=2)
    with pytest.raises(ValueError, match="missing") as info:
        stratified_sample(ddf, "y", 0.1)
    fix = re.search(r"class of their own \(.*?(ddf\.(?:assign|fillna)\(.*?\}\))", str(info.value))
    fixed = eval(fix.group(1), {"ddf": ddf})
    s = stratified_sample(fixed, "y", 0.1)
    assert len(s) == 10 and sum(s.attrs["class_counts"].values()) == 10


def test_a_missing_label_is_refused_naming_its_file_and_rows(tmp_path, capsys):
    # "target='label' is missing in 3 rows: drop or label them first." named neither the
    # file nor the rows (block by block the command line cannot drop them itself)
    from datareduce.cli import main

    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(4):
        df = pd.DataFrame(
            {"a": rng.normal(size=30), "label": rng.choice(["x", "y"], size=30).astype(object)}
        )
        if i == 2:
            df.loc[[3, 7, 8], "label"] = None
        df.to_parquet(data / f"part-{i}.parquet")
    bad = str(data / "part-2.parquet")
    with pytest.raises(ValueError, match="target='label' is missing in 3 rows") as info:
        reduce_parquet(data, "srs", 0.2, target="label", scheduler="synchronous")
    assert f"rows 60-89 ({bad})" in str(info.value)
    out = tmp_path / "kept.parquet"
    args = ["reduce", str(data), "--method", "srs", "--keep", "0.2", "--target", "label"]
    assert main([*args, "-o", str(out)]) != 0
    err = capsys.readouterr().err
    assert "--target 'label' is missing in 3 rows" in err and bad in err


@pytest.mark.parametrize("nested", [False, True])
def test_a_hive_folder_of_missing_values_is_refused_naming_it_and_the_glob_given_reads(
    tmp_path, nested
):
    # partition_cols= writes the rows whose partition value is missing under
    # key=__HIVE_DEFAULT_PARTITION__/: dask's reader failed with pyarrow's "No non-null
    # segments were available for field 'region'; couldn't infer type"
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=120),
            "year": rng.choice([2023, 2024], size=120),
            "region": rng.choice(["n", "s", None], size=120),
            "label": rng.choice(["x", "y"], size=120),
        }
    )
    cols = ["year", "region"] if nested else ["region"]
    df.to_parquet(tmp_path / "data", partition_cols=cols)
    for target in ("label", "region"):
        with pytest.raises(ValueError, match="region=__HIVE_DEFAULT_PARTITION__ holds the rows"):
            reduce_parquet(tmp_path / "data", "srs", 0.2, target=target, scheduler="synchronous")
    with pytest.raises(ValueError) as info:
        reduce_parquet(tmp_path / "data", "srs", 0.2, target="label", scheduler="synchronous")
    glob_ = str(info.value).rsplit("(e.g. '", 1)[1].split("'")[0]
    res = reduce_parquet(glob_, "srs", 0.2, target="label", scheduler="synchronous")
    assert res.n_samples == int(df["region"].notna().sum())


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_the_target_rule_does_not_bring_every_distinct_value_to_the_client(
    tmp_path, monkeypatch, dtype
):
    # amounts in cents: every partition sent all its distinct values and counts to the
    # client (n values for n rows) before the refusal; a partition holding more distinct
    # whole numbers than the rule allows in all the rows sends their count only
    import datareduce.distributed._parquet as P

    sent = []
    real = P._check_target

    def spy(scans, target, dtype):
        sent.append(sum(len(s["classes"][0]) for s in scans))
        return real(scans, target, dtype)

    monkeypatch.setattr(P, "_check_target", spy)
    rng = np.random.default_rng(0)
    for i in range(4):
        cents = (rng.permutation(5000) + i * 5000).astype(dtype)
        pd.DataFrame({"a": rng.normal(size=5000), "cents": cents}).to_parquet(
            tmp_path / f"{i}.parquet"
        )
    with pytest.raises(ValueError, match=r"target='cents' has \d+ distinct whole numbers"):
        reduce_parquet(tmp_path, "srs", 0.01, target="cents", scheduler="synchronous")
    assert sent in ([], [0])  # (integers: refused from dask's estimate before the scan)
    # classes (a few values, repeated) still come as values and are counted exactly
    for i in range(4):
        pd.DataFrame(
            {"a": rng.normal(size=5000), "cents": rng.integers(0, 3, 5000).astype(dtype)}
        ).to_parquet(tmp_path / f"{i}.parquet")
    res = reduce_parquet(tmp_path, "srs", 0.01, target="cents", scheduler="synchronous")
    assert len(res.kept) == 200 and sent[-1] == 12


def test_a_feature_listed_twice_is_refused(tmp_path):
    # features=['a', 'b', 'a'] reduced on 'a' twice (its distances counted double) and kept
    # other rows than features=['a', 'b'], without a word
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {"a": rng.normal(size=200), "b": rng.normal(size=200), "label": rng.choice(["x", "y"], 200)}
    ).to_parquet(tmp_path / "0.parquet")
    with pytest.raises(ValueError, match="features lists 'a' more than once"):
        reduce_parquet(tmp_path, "mms", 0.05, target="label", features=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"features=\[\] lists no column"):
        reduce_parquet(tmp_path, "mms", 0.05, target="label", features=[])


def test_a_delta_table_folder_is_refused_and_its_current_files_are_read(tmp_path):
    # a Delta Lake table keeps the files of older versions beside the current ones (the log
    # removes them): reading the folder's .parquet files read 200 rows for a table of 100
    from datareduce.cli import main

    table = tmp_path / "table"
    (table / "_delta_log").mkdir(parents=True)
    (table / "_delta_log" / "00000000000000000000.json").write_text("{}")
    rng = np.random.default_rng(0)
    for name in ("part-v0.parquet", "year=2024/part-v1.parquet"):
        (table / name).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"a": rng.normal(size=100), "label": rng.choice(["x", "y"], 100)}).to_parquet(
            table / name
        )
    for given in (table, str(table / "*.parquet"), str(table / "year=*")):
        with pytest.raises(ValueError, match="is a Delta Lake table"):
            reduce_parquet(given, "srs", 0.1, target="label", scheduler="synchronous")
    current = [str(table / "part-v0.parquet")]  # what DeltaTable(...).file_uris() lists
    res = reduce_parquet(current, "srs", 0.1, target="label", scheduler="synchronous")
    assert res.n_samples == 100
    out = tmp_path / "kept.parquet"
    assert main(["reduce", str(table), "--keep", "0.1", "--target", "label", "-o", str(out)]) != 0
    assert not out.exists()


@pytest.mark.parametrize("null_first", [False, True])
def test_columns_a_file_stores_as_null_keep_their_type(tmp_path, null_first):
    # a file storing a column as all-null (Arrow null) made the kept column 'object' (floats,
    # times, texts mixed with None) where pandas.read_parquet gives the other files' type
    rng = np.random.default_rng(0)
    values = pd.DataFrame(
        {
            "a": rng.normal(size=40),
            "label": rng.choice(["x", "y"], size=40),
            "t": pd.date_range("2024", periods=40, freq="h", tz="UTC"),
            "f": rng.normal(size=40),
            "s": rng.choice(["u", "v"], size=40),
        }
    )
    nulls = values.assign(t=None, f=None, s=None)
    first, second = (nulls, values) if null_first else (values, nulls)
    first.to_parquet(tmp_path / "0.parquet")
    second.to_parquet(tmp_path / "1.parquet")
    for keep in (0.5, 0.05):  # kept rows from both files; (for 0.05 maybe one file only)
        res = reduce_parquet(
            tmp_path, "srs", keep, target="label", features=["a"], scheduler="synchronous"
        )
        assert res.kept["t"].dtype == "datetime64[us, UTC]"
        assert res.kept["f"].dtype == np.float64
        assert pd.api.types.is_string_dtype(res.kept["s"]) and res.kept["s"].dtype != object


def test_blocks_of_one_class_are_named_for_a_method_selecting_across_classes():
    # DES, FES and NRMD run per block: on files written per class every block sees one
    # class and DES keeps random rows (near-boundary share 0.23 against 0.60 in memory),
    # with only DES's per-block "y has 1 class(es)" warning
    import warnings

    import dask.array as da

    from datareduce import get_reducer
    from datareduce.distributed import reduce_blocks

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 1000)
    X = np.c_[rng.normal(size=2000) + np.where(y == 1, 1.0, -1.0), rng.normal(size=2000)]
    for method in ("des", "fes", "nrmd"):
        with pytest.warns(UserWarning, match="4 of 4 blocks hold one class only"):
            reduce_blocks(
                da.from_array(X, chunks=(500, 2)),
                y,
                reducer=get_reducer(method, keep=0.05),
                random_state=0,
            )
    mixed = rng.permutation(2000)  # blocks mixing the classes, or a pool-wise method: quiet
    for method, rows in (("des", mixed), ("mms", np.arange(2000))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reduce_blocks(
                da.from_array(X[rows], chunks=(500, 2)),
                y[rows],
                reducer=get_reducer(method, keep=0.05),
                random_state=0,
            )
        assert not [w for w in caught if "hold one class" in str(w.message)]
