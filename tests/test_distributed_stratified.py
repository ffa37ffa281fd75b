"""One-pass exact stratified sampling on dask: equal to the bottom-q keys of every class."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")

from datareduce.base import allocate_quotas  # noqa: E402
from datareduce.distributed import _stratified as strat  # noqa: E402
from datareduce.distributed import stratified_sample  # noqa: E402


def brute_force(df, by, keep, seed, npartitions, sizes):
    """Keys drawn the same way, all in memory; each class's q smallest keys."""
    keys = np.concatenate([strat._keys(seed, i, s) for i, s in enumerate(sizes)])
    y = df[by].to_numpy()
    cls, cnt = np.unique(y, return_counts=True)
    total = int(min(len(df), max(1, np.floor(keep * len(df) + 0.5)))) if isinstance(
        keep, float) else keep
    quotas = allocate_quotas(cnt, total)
    out = [np.flatnonzero(y == c)[np.argsort(keys[y == c], kind="stable")[:q]]
           for c, q in zip(cls, quotas, strict=True)]
    return np.sort(np.concatenate(out)), dict(zip(cls.tolist(), quotas.tolist(), strict=True))


def frame(n, probs, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "z": np.arange(n)})
    df["y"] = rng.choice(len(probs), size=n, p=np.asarray(probs) / sum(probs))
    return df


@settings(max_examples=30, deadline=None)
@given(st.integers(50, 3000), st.integers(1, 9), st.integers(0, 10_000),
       st.sampled_from([0.003, 0.01, 0.1, 0.5, 1.0, 7]), st.integers(0, 40),
       st.lists(st.floats(0.001, 1.0), min_size=1, max_size=5))
def test_equals_bottom_q_keys_per_class(n, npart, seed, keep, floor, probs):
    df = frame(n, probs, seed)
    ddf = dd.from_pandas(df, npartitions=npart)
    sizes = [len(p) for p in ddf.partitions]
    got = stratified_sample(ddf, "y", keep, random_state=seed, floor=floor)
    ref, counts = brute_force(df, "y", keep, seed, npart, sizes)
    np.testing.assert_array_equal(np.sort(got.index.to_numpy()), ref)
    assert got.attrs["class_counts"] == counts
    assert got["z"].is_monotonic_increasing  # partition and row order kept
    pd.testing.assert_frame_equal(got, df.loc[got.index])  # the rows themselves


def test_second_pass_when_the_threshold_is_too_tight(monkeypatch):
    # a threshold far too small and no floor: the check must see the gap and redo the class
    df = frame(4000, [0.6, 0.3, 0.1], 1)
    ddf = dd.from_pandas(df, npartitions=6)
    real = strat._threshold
    monkeypatch.setattr(strat, "_threshold",
                        lambda frac, expected, z=7.0: real(frac, expected, z) if z > 7 else 1e-4)
    got = stratified_sample(ddf, "y", 0.05, random_state=2, floor=0)
    assert got.attrs["passes"] >= 2
    ref, _ = brute_force(df, "y", 0.05, 2, 6, [len(p) for p in ddf.partitions])
    np.testing.assert_array_equal(np.sort(got.index.to_numpy()), ref)


@pytest.mark.parametrize("seed", range(5))
def test_completeness_check_catches_a_partition_that_held_back_smaller_keys(monkeypatch, seed):
    # enough candidates overall (every partition sends its smallest key per class), but a
    # partition may hold a second key below the class's q-th: the check must redo the class
    df = frame(4000, [0.6, 0.3, 0.1], seed)
    ddf = dd.from_pandas(df, npartitions=6)
    real = strat._threshold
    monkeypatch.setattr(strat, "_threshold",
                        lambda frac, expected, z=7.0: real(frac, expected, z) if z > 7 else 1e-6)
    got = stratified_sample(ddf, "y", 0.0015, random_state=seed, floor=1)
    ref, _ = brute_force(df, "y", 0.0015, seed, 6, [len(p) for p in ddf.partitions])
    np.testing.assert_array_equal(np.sort(got.index.to_numpy()), ref)


def test_deterministic_for_a_seed_and_partitioning():
    df = frame(5000, [0.5, 0.5], 3)
    a = stratified_sample(dd.from_pandas(df, npartitions=5), "y", 0.02, random_state=7)
    b = stratified_sample(dd.from_pandas(df, npartitions=5), "y", 0.02, random_state=7)
    c = stratified_sample(dd.from_pandas(df, npartitions=5), "y", 0.02, random_state=8)
    assert a.index.equals(b.index) and not a.index.equals(c.index)
    assert a.attrs["passes"] == 1


def test_sample_is_uniform_within_a_class():
    # each row of a class is kept with probability q / n_c: counts over seeds
    df = frame(200, [1.0], 0)
    ddf = dd.from_pandas(df, npartitions=4)
    hits = np.zeros(200)
    for seed in range(300):
        hits[stratified_sample(ddf, "y", 0.1, random_state=seed).index.to_numpy()] += 1
    # 300 draws, p = 0.1: mean 30, sd 5.2; every row within 6 sd
    assert hits.sum() == 300 * 20 and np.all(np.abs(hits - 30) < 6 * 5.2)


@pytest.mark.parametrize("kwargs, match", [({"by": "nope"}, "by='nope'"),
                                           ({"keep": 1.5}, "keep"), ({"floor": -1}, "floor")])
def test_bad_arguments_are_named(kwargs, match):
    ddf = dd.from_pandas(frame(100, [1.0], 0), npartitions=2)
    args = {"by": "y", "keep": 0.1} | kwargs
    with pytest.raises(ValueError, match=match):
        stratified_sample(ddf, **args)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
@pytest.mark.parametrize("keep", [0.05, 30])
def test_rows_without_a_class_are_named(missing, keep):
    # before: numpy's "'list' argument must have no negative elements" inside a dask task
    df = pd.DataFrame({"x": np.arange(1000.0), "y": ["a", "b"] * 500},
                      index=np.arange(1000) + 5000)
    df["y"] = df["y"].astype(object)
    df.loc[[5007, 5803], "y"] = missing
    with pytest.raises(ValueError, match=r"by='y' is missing \(NaN/None\) in 2 rows, with "
                                         r"index \[5007, 5803\].*dropna"):
        stratified_sample(dd.from_pandas(df, npartitions=3), "y", keep, random_state=0)
    cat = df.astype({"y": "category"})
    with pytest.raises(ValueError, match="in 2 rows"):
        stratified_sample(dd.from_pandas(cat, npartitions=2), "y", keep, random_state=0)


def test_keys_are_apart_from_other_streams_of_the_same_seed():
    # labels generated per partition from default_rng((seed, p)), as the benchmarks do: keys
    # drawn from that same stream would lie in one interval per class and force extra passes
    seed, n_part, size = 3, 5, 4000
    frames = []
    for p in range(n_part):
        rng = np.random.default_rng((seed, p))
        frames.append(pd.DataFrame({"y": rng.choice(3, size=size, p=[0.5, 0.3, 0.2]),
                                    "x": np.arange(p * size, (p + 1) * size)}))
    df = pd.concat(frames, ignore_index=True)
    ddf = dd.from_pandas(df, npartitions=n_part, sort=False)
    assert [len(p) for p in ddf.partitions] == [size] * n_part
    got = stratified_sample(ddf, "y", 0.05, random_state=seed)
    assert got.attrs["passes"] == 1  # 2 or more without the domain word
    for p in range(n_part):  # not the stream that drew the labels
        other = np.random.default_rng((seed, p)).random(10)
        assert not np.allclose(strat._keys(seed, p, 10), other)
    ref, _ = brute_force(df, "y", 0.05, seed, n_part, [size] * n_part)
    np.testing.assert_array_equal(np.sort(got.index.to_numpy()), ref)


@pytest.mark.parametrize("tight", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_scan_is_complete_below_its_limits(monkeypatch, seed, tight):
    # the invariant the one-pass proof rests on: per class, a partition sent every row whose
    # key is at most its limit, and at least its `floor` smallest rows
    if tight:  # bounds far too small: the floor's fallback (sort all the class's rows) runs
        monkeypatch.setattr(strat, "_threshold", lambda frac, expected, z=7.0: 1e-4)
    df = frame(3000, [0.8, 0.15, 0.04, 0.01], seed)
    floor = 20
    out = strat._scan(df, 5, "y", seed, 0.01, 4, floor)
    keys = strat._keys(seed, 5, len(df))
    sent = np.zeros(len(df), dtype=bool)
    sent[out["rows"]] = True
    y = df["y"].to_numpy()
    for i, c in enumerate(out["classes"]):
        rows = np.flatnonzero(y == c)
        below = rows[keys[rows] <= out["limits"][i]]
        assert sent[below].all()
        smallest = rows[np.argsort(keys[rows])[:floor]]
        assert sent[smallest].all()
        assert out["limits"][i] >= keys[smallest].max()
    np.testing.assert_array_equal(out["keys"], keys[out["rows"]])
