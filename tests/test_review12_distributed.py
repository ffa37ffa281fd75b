"""Review 12 (helper b): the Dask path (stratified_sample, reduce_parquet, block reducers)."""

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")

from datareduce.distributed import _stratified as strat  # noqa: E402
from datareduce.distributed import stratified_sample  # noqa: E402


def test_categorical_classes_in_category_order_survive_a_second_pass(monkeypatch):
    # categories not in sorted order ('small' < 'medium' < 'large'): pd.factorize gives a
    # partition's classes in that order, and the second pass matched them with searchsorted
    # (IndexError, or limits written to another class)
    rng = np.random.default_rng(1)
    names = np.array(["small", "medium", "large"])
    y = names[np.sort(rng.choice(3, size=3000, p=[0.6, 0.3, 0.1]))]
    plain = pd.DataFrame({"x": np.arange(3000), "y": y})
    cat = plain.assign(y=pd.Categorical(y, categories=list(names), ordered=True))
    real = strat._threshold
    monkeypatch.setattr(strat, "_threshold",
                        lambda frac, expected, z=7.0: real(frac, expected, z) if z > 7 else 1e-4)
    ref = stratified_sample(dd.from_pandas(plain, npartitions=6, sort=False), "y", 0.05,
                            random_state=3, floor=0)
    got = stratified_sample(dd.from_pandas(cat, npartitions=6, sort=False), "y", 0.05,
                            random_state=3, floor=0)
    assert ref.attrs["passes"] >= 2 and got.attrs["passes"] == ref.attrs["passes"]
    assert got.index.equals(ref.index)
    assert got.attrs["class_counts"] == ref.attrs["class_counts"]


def test_stage_two_reuses_max_min_covering_radius_without_another_pass(monkeypatch):
    # 8c970e0 reused max-min's covering_radius_ as r2 to save a nearest-neighbour pass per
    # class; a leftover line ran the pass again anyway
    import dask

    import datareduce.distributed._blocks as blocks
    from datareduce import get_reducer
    from datareduce.distributed import reduce_blocks

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 3))
    y = rng.choice(3, size=1200, p=[0.5, 0.3, 0.2])
    run = dict(reducer=get_reducer("mms", keep=0.05), oversample=4, random_state=0,
               chunk_rows=300, radius_metric="euclidean")
    with dask.config.set(scheduler="synchronous"):
        ref = reduce_blocks(X, y, **run)
        state = {"stage_two": False, "calls": 0}
        real_nearest, real_stage_two = blocks.nearest, blocks._stage_two

        def nearest(*args, **kwargs):
            state["calls"] += state["stage_two"]
            return real_nearest(*args, **kwargs)

        def stage_two(*args, **kwargs):
            state["stage_two"] = True
            try:
                return real_stage_two(*args, **kwargs)
            finally:
                state["stage_two"] = False

        monkeypatch.setattr(blocks, "nearest", nearest)
        monkeypatch.setattr(blocks, "_stage_two", stage_two)
        got = reduce_blocks(X, y, **run)
    assert got.info["first_stage"] == "uniform" and state["calls"] == 0
    np.testing.assert_array_equal(got.sample_indices, ref.sample_indices)
    # the reused radius is the measured one
    kept = got.sample_indices
    union_free = max(
        float(blocks._radius(X[y == c], X[kept[y[kept] == c]], "euclidean")) for c in range(3))
    assert got.radius_bound >= union_free - 1e-12


def _price_files(tmp_path, whole=False):
    rng = np.random.default_rng(0)
    for i in range(3):
        df = pd.DataFrame({"x1": rng.normal(size=200), "x2": rng.normal(size=200)})
        price = 3 * df["x1"] + rng.normal(size=200)
        df["price"] = np.round(price * 100).astype(int) if whole else price
        df.to_parquet(tmp_path / f"p{i}.parquet")
    return tmp_path


def test_reduce_parquet_refuses_a_continuous_target_it_would_take_as_classes(tmp_path):
    # each price was a class of one row and the quota went to the lowest prices: the kept
    # rows were the 5% of rows with the smallest target, with a 'keep allows' warning only
    import dask

    from datareduce.distributed import reduce_parquet

    root = _price_files(tmp_path)
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match=r"target='price' holds numbers that are not "
                                             r"whole.*task='classification'.*pd\.qcut"):
            reduce_parquet(root, "srs", 0.05, target="price", random_state=0)
        with pytest.raises(ValueError, match="not available block by block"):
            reduce_parquet(root, "srs", 0.05, target="price", task="regression")
        # declared classes: read as given (the old behaviour, now asked for)
        with pytest.warns(UserWarning, match="keep allows"):
            res = reduce_parquet(root, "srs", 0.05, target="price", random_state=0,
                                 task="classification")
        assert len(res.kept) == 30


def test_reduce_parquet_refuses_many_whole_numbers_that_do_not_repeat(tmp_path):
    import dask

    from datareduce.distributed import reduce_parquet

    root = _price_files(tmp_path, whole=True)  # cents: ~500 distinct values in 600 rows
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match=r"target='price' has \d+ distinct whole numbers"):
            reduce_parquet(root, "srs", 0.05, target="price", random_state=0)
        # a few whole-number classes, and text classes, are classes
        df = pd.read_parquet(root)
        df.assign(price=df["price"] % 3).to_parquet(tmp_path / "classes.parquet")
        for f in tmp_path.glob("p*.parquet"):
            f.unlink()
        res = reduce_parquet(tmp_path, "srs", 0.05, target="price", random_state=0)
        assert sorted(res.kept["price"].unique()) == [0, 1, 2]


def test_block_seeds_come_from_the_reducer_seed_or_say_it_is_not_used(tmp_path):
    # reduce_blocks ignored a seeded reducer (fresh entropy at every call); reduce_parquet
    # ignored params={'random_state': ...} silently (5 and 6 kept the same rows)
    import warnings

    import dask

    from datareduce import get_reducer
    from datareduce.distributed import reduce_blocks, reduce_parquet

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(800, 3)), rng.integers(0, 2, 800)
    with dask.config.set(scheduler="synchronous"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning when the seeds agree or one is unset
            runs = [reduce_blocks(X, y, reducer=get_reducer("srs", keep=0.05, random_state=5),
                                  chunk_rows=200) for _ in range(2)]
            same = reduce_blocks(X, y, reducer=get_reducer("srs", keep=0.05, random_state=5),
                                 chunk_rows=200, random_state=5)
        assert runs[0].random_state == runs[1].random_state == 5
        np.testing.assert_array_equal(runs[0].sample_indices, runs[1].sample_indices)
        np.testing.assert_array_equal(runs[0].sample_indices, same.sample_indices)
        with pytest.warns(UserWarning, match=r"reducer's random_state=5 is not used.*"
                                             r"reduce_blocks\(random_state=1\)") as caught:
            reduce_blocks(X, y, reducer=get_reducer("srs", keep=0.05, random_state=5),
                          chunk_rows=200, random_state=1)
        assert caught[0].filename == __file__
        pd.DataFrame({"x": X[:, 0], "y": y}).to_parquet(tmp_path / "p.parquet")
        with pytest.warns(UserWarning, match=r"Pass random_state=6 to reduce_parquet") as caught:
            reduce_parquet(tmp_path, "srs", 0.1, target="y", params={"random_state": 6})
        assert caught[0].filename == __file__


def test_an_output_hard_linked_to_an_input_is_refused(tmp_path):
    # snap/train.parquet a hard link to data/train.parquet: to_parquet wrote the kept rows
    # through it, and the input held 30 rows instead of 300
    import os

    import dask

    from datareduce.distributed import reduce_parquet

    data, snap = tmp_path / "data", tmp_path / "snap"
    data.mkdir(), snap.mkdir()
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=300), "y": rng.integers(0, 2, 300)}).to_parquet(
        data / "train.parquet")
    os.link(data / "train.parquet", snap / "train.parquet")
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match=r"same file on disk as the input .*train\.parquet "
                                             r"\(a hard link\)"):
            reduce_parquet(data, "srs", 0.1, target="y", output=snap / "train.parquet",
                           overwrite=True)
        assert len(pd.read_parquet(data / "train.parquet")) == 300
        # a link at an output that is not an input is replaced, not written through
        (tmp_path / "elsewhere.parquet").write_bytes(b"keep me")
        os.symlink(tmp_path / "elsewhere.parquet", snap / "kept.parquet")
        reduce_parquet(data, "srs", 0.1, target="y", output=snap / "kept.parquet",
                       overwrite=True)
    assert (tmp_path / "elsewhere.parquet").read_bytes() == b"keep me"
    assert not (snap / "kept.parquet").is_symlink()
    assert len(pd.read_parquet(snap / "kept.parquet")) == 30


def test_keep_in_params_is_refused_naming_params(tmp_path):
    # a method name gave Python's "multiple values for keyword argument 'keep'"; a reducer
    # instance took params' keep over keep= silently (60 rows of 300 for keep=0.1)
    from datareduce import get_reducer
    from datareduce.distributed import reduce_parquet

    pd.DataFrame({"x": np.arange(300.0), "y": np.arange(300) % 2}).to_parquet(
        tmp_path / "p.parquet")
    for method in ("srs", get_reducer("srs", keep=0.5)):
        with pytest.raises(ValueError, match=r"params=\{'keep': 0\.2, \.\.\.\} sets keep"):
            reduce_parquet(tmp_path, method, 0.1, target="y", params={"keep": 0.2})


def test_a_decimal_regression_target_is_refused_too(tmp_path):
    # 82e1d06 checked float targets only: Parquet decimals (prices) were still classes
    import decimal

    import dask
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datareduce.distributed import reduce_parquet

    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    price = [decimal.Decimal(f"{v:.2f}") for v in 3 * x + 10]
    pq.write_table(pa.table({"x": x, "price": pa.array(price, type=pa.decimal128(8, 2))}),
                   tmp_path / "p.parquet")
    whole = [decimal.Decimal(int(v) % 3) for v in 3 * x + 10]
    pq.write_table(pa.table({"x": x, "cls": pa.array(whole, type=pa.decimal128(4, 0))}),
                   tmp_path / "classes.parquet")
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match=r"target='price' holds numbers that are not whole"):
            reduce_parquet(tmp_path / "p.parquet", "srs", 0.05, target="price")
        res = reduce_parquet(tmp_path / "classes.parquet", "srs", 0.1, target="cls")
    assert sorted(res.kept["cls"].astype(int).unique()) == [0, 1, 2]
