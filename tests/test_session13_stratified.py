"""stratified_sample with many small classes: the client holds a few times the sample, not
most of the table (session 13); the same rows as before (the bottom-q keys of each class)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")

from datareduce.distributed import _stratified as strat  # noqa: E402
from datareduce.distributed import stratified_sample  # noqa: E402
from test_distributed_stratified import brute_force  # noqa: E402


def many_small(n, n_classes, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    return pd.DataFrame({"x": rng.normal(size=n), "z": np.arange(n), "y": y})


@settings(max_examples=25, deadline=None)
@given(st.integers(200, 4000), st.integers(1, 12), st.integers(20, 400),
       st.integers(0, 10_000), st.sampled_from([0.003, 0.01, 0.05, 0.2, 11]),
       st.integers(0, 40))
def test_deferred_partitions_give_the_bottom_q_keys(n, npart, n_classes, seed, keep, floor):
    df = many_small(n, n_classes, seed)
    ddf = dd.from_pandas(df, npartitions=npart)
    got = stratified_sample(ddf, "y", keep, random_state=seed, floor=floor)
    ref, counts = brute_force(df, "y", keep, seed, npart, [len(p) for p in ddf.partitions])
    np.testing.assert_array_equal(np.sort(got.index.to_numpy()), ref)
    assert got.attrs["class_counts"] == counts
    assert got["z"].is_monotonic_increasing
    pd.testing.assert_frame_equal(got, df.loc[got.index])


def test_client_holds_a_few_times_the_sample(monkeypatch):
    """1,000 classes of about 100 rows in 16 partitions, keep 1 %: every partition sent every
    row (its floor of 32 per class, and thresholds of 57 %): 100,000 rows for a sample of
    1,000. Now the partitions send their counts, then each class's smallest keys."""
    sent = []
    scan = strat._scan

    def counting(*args, **kwargs):
        out = scan(*args, **kwargs)
        sent.append(len(out.get("rows", ())))
        return out

    monkeypatch.setattr(strat, "_scan", counting)
    df = pd.DataFrame({"x": np.arange(100_000.0),
                       "y": np.random.default_rng(0).permutation(np.arange(100_000) % 1000)})
    ddf = dd.from_pandas(df, npartitions=16)
    got = stratified_sample(ddf, "y", 0.01, random_state=0)
    assert len(got) == 1000 and got.attrs["passes"] == 2
    assert sum(sent) <= 15_000, sum(sent)
    ref, _ = brute_force(df, "y", 0.01, 0, 16, [len(p) for p in ddf.partitions])
    np.testing.assert_array_equal(np.sort(got.index.to_numpy()), ref)


def test_few_large_classes_still_take_one_pass():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=200_000), "y": rng.integers(0, 5, 200_000)})
    got = stratified_sample(dd.from_pandas(df, npartitions=8), "y", 0.01, random_state=1)
    assert got.attrs["passes"] == 1 and len(got) == 2000


@pytest.mark.parametrize("seed", range(4))
def test_exact_scan_is_complete_for_the_choice(seed):
    """A deferred partition's candidates: per class, every row with key <= its limit, and
    with an infinite limit its q smallest rows (or all of the class's rows)."""
    df = many_small(3000, 60, seed)
    y = df["y"].to_numpy()
    keys = strat._keys(seed, 3, len(df))
    rng = np.random.default_rng(seed)
    exact = {c: (int(rng.integers(0, 6)), float(rng.uniform(0.01, 0.5))) for c in range(60)}
    out = strat._scan(df, 3, "y", seed, 0.01, 4, 32, exact=exact)
    sent = np.zeros(len(df), dtype=bool)
    sent[out["rows"]] = True
    for i, c in enumerate(out["classes"].tolist()):
        q, t = exact[c]
        rows = np.flatnonzero(y == c)
        mine = rows[sent[rows]]
        assert len(mine) <= q and (keys[mine] <= t).all()
        if np.isinf(out["limits"][i]):
            assert set(mine) == set(rows[np.argsort(keys[rows])[:q]])
        else:
            assert out["limits"][i] == t and sent[rows[keys[rows] <= t]].all()
    np.testing.assert_array_equal(out["keys"], keys[out["rows"]])


def test_order_bound_is_the_beta_quantile():
    from scipy.stats import beta

    b = strat._order_bound(np.array([0, 1, 5, 10]), np.array([10, 100, 100, 10]))
    assert b[0] == -1.0 and b[3] == 1.0
    assert b[1] == pytest.approx(beta(1, 100).ppf(1 - 1e-12))
    assert b[2] == pytest.approx(beta(5, 96).ppf(1 - 1e-12))
    # the minimum of 100 uniform keys exceeds it with probability 1e-12
    assert (1 - b[1]) ** 100 == pytest.approx(1e-12, rel=1e-6)
