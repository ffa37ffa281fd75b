"""review5/r3, the _blocks.py part: 01 (per-class weights of methods that do not stratify
per block), 06 (NaT labels in a dask y), the random_state=True nit and the seed recorded
for random_state=None."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")
pytest.importorskip("pyarrow")

import dask.array as da  # noqa: E402

from datareduce import get_reducer  # noqa: E402
from datareduce._core.validation import check_random_generator  # noqa: E402
from datareduce.distributed import reduce_blocks, reduce_parquet  # noqa: E402


def _reviewer_case():
    """review5/r3 01: 4,000 rows in 40 blocks, classes of 3572/28/400 rows."""
    rng = np.random.default_rng(1)
    n = 4000
    X = rng.normal(size=(n, 3))
    y = np.zeros(n, int)
    y[rng.choice(n, 30, replace=False)] = 1
    y[rng.choice(n, 400, replace=False)] = 2
    return X, y


def _in_memory_rule(y, kept_labels):
    """normalised_weights: each class with kept rows sums to its size, then one rescale to
    n spreads the mass of the classes without kept rows."""
    sizes = np.bincount(y)
    present = np.isin(np.arange(len(sizes)), kept_labels)
    return np.where(present, sizes * len(y) / sizes[present].sum(), 0.0)


def _class_sums(y_kept, w, classes):
    return np.array([w[y_kept == c].sum() for c in classes])


@pytest.mark.parametrize("method", ["des", "nrmd", "fes", "random"])
def test_unstratified_methods_weights_follow_the_in_memory_rule(method):
    X, y = _reviewer_case()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reduce_blocks(da.from_array(X, chunks=100), y,
                          reducer=get_reducer(method, keep=0.02), oversample=1, random_state=0)
    got = _class_sums(y[r.sample_indices], r.sample_weight, (0, 1, 2))
    # des at c3e94fb: [3830, 0, 170]; random: [3940.7, 0, 59.3]
    np.testing.assert_allclose(got, _in_memory_rule(y, y[r.sample_indices]), rtol=1e-9)
    assert np.isclose(r.sample_weight.sum(), len(y))


@pytest.mark.parametrize("method,oversample", [("random", 1), ("random", 4), ("des", 1)])
def test_every_kept_class_sums_to_its_size(method, oversample):
    # every class keeps rows: each class's weights sum exactly to its size, as in memory
    rng = np.random.default_rng(3)
    n = 2000
    X = rng.normal(size=(n, 2))
    y = np.repeat([0, 1, 2], [1500, 300, 200])
    rng.shuffle(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reduce_blocks(da.from_array(X, chunks=100), y,
                          reducer=get_reducer(method, keep=0.1), oversample=oversample,
                          random_state=0)
    yk = y[r.sample_indices]
    assert set(np.unique(yk)) == {0, 1, 2}
    np.testing.assert_allclose(_class_sums(yk, r.sample_weight, (0, 1, 2)), [1500, 300, 200])


def test_reduce_parquet_random_weight_column_per_class(tmp_path):
    X, y = _reviewer_case()
    df = pd.DataFrame(X, columns=["f1", "f2", "f3"]).assign(label=y)
    for i in range(10):
        df.iloc[i * 400:(i + 1) * 400].to_parquet(tmp_path / f"p{i}.parquet")
    res = reduce_parquet(str(tmp_path), "random", 0.02, target="label", random_state=0,
                         weight_column="w")
    kept = res.kept.label.to_numpy()
    got = _class_sums(kept, res.kept["w"].to_numpy(), (0, 1, 2))
    # c3e94fb: [3677.7, 0, 322.3]; expected [3597.2, 0, 402.8]
    np.testing.assert_allclose(got, _in_memory_rule(y, kept), rtol=1e-9)


@pytest.mark.parametrize("unit", ["datetime64[D]", "timedelta64[s]"])
def test_nat_label_in_dask_y_is_refused_as_missing(unit):
    n = 1000
    X = np.random.default_rng(0).normal(size=(n, 2))
    y = (np.arange(n) % 2).astype(unit)
    y[5] = np.datetime64("NaT") if unit.startswith("datetime") else np.timedelta64("NaT")
    with pytest.raises(ValueError, match=r"1 missing label .*NaT.* block 0 \(row 5\)"):
        reduce_blocks(da.from_array(X, chunks=250), da.from_array(y, chunks=250),
                      reducer=get_reducer("srs", keep=0.1), random_state=0)


@pytest.mark.parametrize("flag", [True, False, np.bool_(True)])
def test_bool_random_state_is_refused(flag):
    with pytest.raises(TypeError, match="random_state=.*bool"):
        check_random_generator(flag)
    X = np.random.default_rng(0).normal(size=(200, 2))
    with pytest.raises(TypeError, match="random_state.*bool"):
        reduce_blocks(X, reducer=get_reducer("srs", keep=0.1), random_state=flag,
                      chunk_rows=50)


def test_ints_and_generators_still_accepted():
    assert isinstance(check_random_generator(1), np.random.Generator)
    assert isinstance(check_random_generator(np.int64(3)), np.random.Generator)
    assert isinstance(check_random_generator(None), np.random.Generator)


@pytest.mark.parametrize("chunk_rows,oversample", [(50, 1), (50, 4), (1000, 1)])
def test_random_state_none_records_the_seed_drawn(chunk_rows, oversample):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = np.repeat([0, 1], [300, 100])
    reducer = get_reducer("mms", keep=0.1)
    a = reduce_blocks(X, y, reducer=reducer, random_state=None, chunk_rows=chunk_rows,
                      oversample=oversample)
    b = reduce_blocks(X, y, reducer=reducer, random_state=None, chunk_rows=chunk_rows,
                      oversample=oversample)
    assert isinstance(a.random_state, int) and a.random_state >= 0
    assert a.random_state != b.random_state
    again = reduce_blocks(X, y, reducer=reducer, random_state=a.random_state,
                          chunk_rows=chunk_rows, oversample=oversample)
    np.testing.assert_array_equal(again.sample_indices, a.sample_indices)
    np.testing.assert_allclose(again.sample_weight, a.sample_weight)
    assert again.random_state == a.random_state
    assert reduce_blocks(X, y, reducer=reducer, random_state=7,
                         chunk_rows=chunk_rows).random_state == 7


def test_reduce_parquet_random_state_none_records_the_seed(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(600, 2)), columns=["a", "b"])
    df["label"] = np.repeat([0, 1], [450, 150])
    for i in range(3):
        df.iloc[i * 200:(i + 1) * 200].to_parquet(tmp_path / f"p{i}.parquet")
    res = reduce_parquet(str(tmp_path), "srs", 0.1, target="label", random_state=None)
    seed = res.blocks.random_state
    assert isinstance(seed, int)
    again = reduce_parquet(str(tmp_path), "srs", 0.1, target="label", random_state=seed)
    np.testing.assert_array_equal(again.sample_indices, res.sample_indices)
