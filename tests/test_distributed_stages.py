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
    for seed in range(60):
        spy.pools = []
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
