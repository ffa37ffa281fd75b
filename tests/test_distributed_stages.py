"""The first stage of the two-stage block reduction: the reducer per block, or a uniform pool."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from datareduce import get_reducer  # noqa: E402
from datareduce.distributed import _blocks, reduce_blocks  # noqa: E402


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2400, 4))
    y = rng.choice([0, 1, 2], size=2400, p=[0.6, 0.3, 0.1])
    return X, y


@pytest.mark.parametrize("method", ["mms", "vq", "srs"])
def test_uniform_first_stage_keeps_exact_quotas_and_masses(method, data):
    X, y = data
    Xd = da.from_array(X, chunks=(500, 4))
    same = reduce_blocks(Xd, y, reducer=get_reducer(method, keep=0.05), oversample=4,
                         random_state=0, first_stage="same")
    res = reduce_blocks(Xd, y, reducer=get_reducer(method, keep=0.05), oversample=4,
                        random_state=0, first_stage="uniform")
    assert res.info["first_stage"] == "uniform" and same.info["first_stage"] == "same"
    np.testing.assert_array_equal(res.class_counts, same.class_counts)
    assert len(np.unique(res.sample_indices)) == len(res.sample_indices) == 120
    for c in range(3):
        kept = y[res.sample_indices] == c
        assert res.sample_weight[kept].sum() == pytest.approx((y == c).sum())
    again = reduce_blocks(Xd, y, reducer=get_reducer(method, keep=0.05), oversample=4,
                          random_state=0, first_stage="uniform")
    np.testing.assert_array_equal(res.sample_indices, again.sample_indices)


def test_uniform_first_stage_is_a_uniform_pool(monkeypatch, data):
    """Stage one draws each (block, class) share uniformly: over seeds, every row of a class
    enters the pool equally often."""
    X, y = data
    Xd = da.from_array(X, chunks=(600, 4))
    seen = np.zeros(len(X))
    real = _blocks._stage_one

    def spy(block, yblock, *args, **kwargs):
        out = real(block, yblock, *args, **kwargs)
        spy.pools.append(out["idx"])
        return out

    monkeypatch.setattr(_blocks, "_stage_one", spy)
    import dask

    for seed in range(60):
        spy.pools = []
        # one thread: the pools are recorded in block order (with threads the order of the
        # list is the order the tasks finished in, which the enumerate below cannot know)
        with dask.config.set(scheduler="synchronous"):
            reduce_blocks(Xd, y, reducer=get_reducer("mms", keep=0.02), oversample=5,
                          random_state=seed, first_stage="uniform")
        for b, idx in enumerate(spy.pools):
            seen[600 * b + idx] += 1
    # row of class c enters with probability about 5 * 0.02 = 0.1: 6 times in 60 runs
    for c in range(3):
        hits = seen[y == c]
        assert abs(hits.mean() - 6) < 0.3
        assert hits.std() < 3  # binomial sd 2.3; max-min per block (first_stage="same"): 4.3


def test_equal_mass_weights_are_the_reducers_own(data):
    """When every union row of a class weighs the same, the final rows keep the reducer's own
    weights rescaled to the class's mass: for max-min (Voronoi cells) exactly the mass moved
    to the nearest final row; for VQ its cluster masses."""
    X, y = data
    rng = np.random.default_rng(0)
    parts = []
    for b in range(3):
        idx = np.sort(rng.choice(800, 160, replace=False))
        rows = X[800 * b + idx]
        parts.append({"idx": idx, "w": np.full(160, 5.0), "X": rows,
                      "y": y[800 * b + idx], "radius": 0.0})
    offsets = [0, 800, 1600]
    Xu = np.concatenate([p["X"] for p in parts])
    Xu = Xu[np.concatenate([p["y"] for p in parts]) == 0]  # stage two of class 0
    for method in ("mms", "vq"):
        args = (parts, offsets, [20], np.array([0]), get_reducer(method, keep=20), [3], True,
                "euclidean")
        moved = _blocks._stage_two(*args, equal_mass=False)
        own = _blocks._stage_two(*args, equal_mass=True)
        np.testing.assert_array_equal(moved[0], own[0])
        assert moved[3] == pytest.approx(own[3])
        assert own[1].sum() == pytest.approx(5.0 * len(Xu))
        if method == "mms":
            np.testing.assert_allclose(own[1], moved[1])
        else:
            fit = _blocks._seeded(get_reducer(method, keep=20), 20, 3).fit(Xu)
            np.testing.assert_allclose(own[1], fit.sample_weight_ * 5.0)


def test_auto_and_bad_values(data):
    X, y = data
    mms = get_reducer("mms", keep=0.05)
    assert _blocks.resolve_first_stage(mms, "same") == "same"
    assert _blocks.resolve_first_stage(mms, "auto") == "uniform"
    assert _blocks.resolve_first_stage(get_reducer("vq"), "auto") == "uniform"
    assert _blocks.resolve_first_stage(get_reducer("srs"), "auto") == "same"
    reference = get_reducer("mms", selection="reference")  # the cover radius is the point
    assert _blocks.resolve_first_stage(reference, "auto") == "same"
    with pytest.raises(ValueError, match="first_stage='farthest'"):
        reduce_blocks(X, y, reducer=mms, oversample=4, first_stage="farthest")
    one = reduce_blocks(X, y, reducer=mms, oversample=1, first_stage="uniform", chunk_rows=600)
    assert one.info["first_stage"] == "same"  # one stage: the reducer runs on the blocks


def test_second_stage_radius_reused_from_max_min_is_the_measured_one(data):
    X, y = data
    Xd = da.from_array(X, chunks=(500, 4))
    res = reduce_blocks(Xd, y, reducer=get_reducer("mms", keep=0.05), oversample=4,
                        random_state=0, first_stage="uniform", radius_metric="euclidean")
    fit = _blocks._seeded(get_reducer("mms", keep=0.05), 3, 0)
    assert _blocks._fitted_radius(fit.fit(X[:200]), "euclidean") == pytest.approx(
        _blocks._radius(X[:200], X[:200][fit.sample_indices_], "euclidean"))
    assert _blocks._fitted_radius(fit, "chebyshev") is None
    assert res.stage_two_radius > 0


@pytest.mark.parametrize("first_stage", ["uniform", "same"])
def test_split_second_stage_keeps_quotas_masses_and_the_bound(first_stage, data):
    """A class's second stage split over groups (stage_two_rows): exact quotas, masses, the
    cover-radius bound, and the unsplit result when the union fits in one task."""
    X, y = data
    Xd = da.from_array(X, chunks=(500, 4))
    kw = {"reducer": get_reducer("mms", keep=0.05), "oversample": 4, "random_state": 0,
          "first_stage": first_stage, "radius_metric": "euclidean"}
    whole = reduce_blocks(Xd, y, stage_two_rows=None, **kw)
    assert np.array_equal(reduce_blocks(Xd, y, stage_two_rows=10_000, **kw).sample_indices,
                          whole.sample_indices)
    split = reduce_blocks(Xd, y, stage_two_rows=100, **kw)  # class 0: 288 union rows, 3 groups
    np.testing.assert_array_equal(split.class_counts, whole.class_counts)
    assert len(np.unique(split.sample_indices)) == 120
    assert not np.array_equal(split.sample_indices, whole.sample_indices)
    for c in range(3):
        kept = y[split.sample_indices] == c
        assert split.sample_weight[kept].sum() == pytest.approx((y == c).sum())
    from datareduce.metrics import epsilon_representativeness

    eps = epsilon_representativeness(X, X[split.sample_indices], y, y[split.sample_indices],
                                     metric="euclidean").value
    assert eps <= split.radius_bound + 1e-9
    again = reduce_blocks(Xd, y, stage_two_rows=100, **kw)
    np.testing.assert_array_equal(split.sample_indices, again.sample_indices)


def test_n_groups():
    assert _blocks._n_groups(50_000, 10_000, None) == 1
    assert _blocks._n_groups(20_000, 5_000, 20_000) == 1
    assert _blocks._n_groups(20_001, 5_000, 20_000) == 2
    assert _blocks._n_groups(1_000, 3, 10) == 3  # never more groups than kept rows
    with pytest.raises(ValueError, match="stage_two_rows=0"):
        reduce_blocks(np.zeros((10, 2)), reducer=get_reducer("srs", keep=2), stage_two_rows=0)
