"""Coverage's nearest distances: small searches (the audit's per-class ones) in one numpy
block, large ones through a tree; both exact, checked against scipy's k-d tree."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from datareduce.metrics.interface import Coverage, _PreparedCoverage

P = {"euclidean": 2, "chebyshev": np.inf, "manhattan": 1}


def _exact(X, Z, y, yz, distance):
    out = np.empty(len(X))
    for c in np.unique(y):
        out[y == c] = cKDTree(Z[yz == c]).query(X[y == c], k=1, p=P[distance])[0]
    return out


@pytest.mark.parametrize("distance", sorted(P))
@pytest.mark.parametrize("small_pairs", [0, _PreparedCoverage.SMALL_PAIRS])
def test_nearest_distances_are_exact_on_both_paths(monkeypatch, distance, small_pairs):
    monkeypatch.setattr(_PreparedCoverage, "SMALL_PAIRS", small_pairs)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 4)) * [1, 10, 0.1, 1000] + 5e3  # offset and unequal units
    y = rng.integers(0, 5, 600)
    keep = np.sort(rng.choice(600, 90, replace=False))
    prepared = Coverage("mean", distance=distance).prepare(X, y)
    got = prepared.nearest_distances(X[keep], y[keep])
    np.testing.assert_allclose(got, _exact(X, X[keep], y, y[keep], distance),
                               rtol=1e-9, atol=1e-9)
    assert np.all(got[keep] <= 1e-6)  # a kept row is its own nearest


def test_small_per_class_searches_build_no_tree(monkeypatch):
    """The audit scores ~180 subsets, each with one search per class: with 60 classes a
    scikit-learn NearestNeighbors per search cost ~25 CPU s of checks and set-up on 2,000
    rows; direct distances cost ~2 s for the whole audit. A large search in few dimensions
    uses a k-d tree (exact), in many dimensions the direct distances again."""
    import sklearn.neighbors

    built = []

    class Spy(sklearn.neighbors.KDTree):
        def __init__(self, *args, **kw):
            built.append(1)
            super().__init__(*args, **kw)

    monkeypatch.setattr(sklearn.neighbors, "KDTree", Spy)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2000, 3)), rng.integers(0, 60, 2000)
    keep = np.sort(rng.choice(2000, 400, replace=False))
    Coverage("mean").prepare(X, y).score(X[keep], y[keep])
    assert built == []
    big = rng.normal(size=(5000, 3))
    Coverage("mean").prepare(big).score(big[:1000])  # 5e6 pairs in 3 dimensions: the tree
    assert built == [1]
    wide = rng.normal(size=(5000, 16))
    Coverage("mean").prepare(wide).score(wide[:1000])  # 16 features: direct
    assert built == [1]


@pytest.mark.parametrize("draws", [
    [0.5, 0.5 + 1e-16, 0.5 - 1e-16, 0.5],  # equal up to rounding: no finite-sized bins
    [3.0] * 10,
    [1e-12, 1e-12 * (1 + 1e-15)],
])
def test_the_reference_histogram_of_draws_equal_up_to_rounding(draws):
    """Exact per-class distances summed in another order differ in the last bit; numpy then
    refused 5 bins ('Too many bins for data range') and the audit's figures failed."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from datareduce.metrics._plots import plot_reference

    fig, ax = plt.subplots()
    plot_reference(ax, draws, draws[0], title="t", xlabel="x")
    assert sum(p.get_height() for p in ax.patches) == len(draws)
    plt.close(fig)


@pytest.mark.parametrize("d, small_pairs", [(2, _PreparedCoverage.SMALL_PAIRS), (2, 0),
                                             (16, 0)])
def test_near_duplicates_far_from_the_rest_are_exact(monkeypatch, d, small_pairs):
    """Reviewers' cases: rows spread over 1e3 beside a cluster of near-duplicates 1e5 away;
    the dot-product expansion picked the wrong near-duplicate (a kept row at 1e-3, not 0),
    on the direct path and in scikit-learn's brute-force search (16 features and more)."""
    monkeypatch.setattr(_PreparedCoverage, "SMALL_PAIRS", small_pairs)
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(200, d)) * 1e3, 1e5 + rng.normal(size=(200, d)) * 1e-3])
    keep = np.arange(0, 400, 2)
    got = Coverage("mean").prepare(X).nearest_distances(X[keep])
    np.testing.assert_array_equal(got[keep], 0.0)
    np.testing.assert_allclose(got, cKDTree(X[keep]).query(X)[0], rtol=1e-12, atol=0)


def test_the_direct_path_holds_no_copy_of_the_rows():
    """Few subset rows put a large table on the direct path (n * m <= SMALL_PAIRS); its
    memory is the distances' blocks, not copies of the rows (3 temporaries of n x d)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500_000, 16))
    prepared = Coverage("mean").prepare(X)
    tracemalloc.start()
    prepared.nearest_distances(X[:4])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.5 * X.nbytes, (peak / 2**20, X.nbytes / 2**20)
