"""review15/e: the mathematics of the representativeness metrics, against their definitions
and independent implementations (scipy, gudhi); repros in notes/review15/e."""

import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from datareduce.metrics.mst import minimum_spanning_tree_lengths


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("kw", [{}, {"cell_size": 8, "tile": 4, "n_neighbors": 2, "batch": 16}])
def test_cells_mst_is_exact_for_close_rows_far_from_each_other(d, kw):
    # 01: clusters 1e5 apart, neighbours 1e-3 apart: the nearest row of another component
    # was the argmin of dot-product-expansion keys (error ~1e-6 against keys of 1e-6) and
    # the cell lower bounds subtracted 1e-9 * scale, less than the expansion's error:
    # edges off by up to 80 % (scipy's MST of the exact distance matrix is the reference)
    rng = np.random.default_rng(3)
    X = rng.integers(0, 3, size=(600, d)).astype(float) * 1e5 + rng.normal(size=(600, d)) * 1e-3
    ref = np.sort(minimum_spanning_tree(cdist(X, X)).data)
    got = minimum_spanning_tree_lengths(X, engine="cells", n_jobs=1, **kw)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("rows", [1, 2])
def test_diagram_distance_names_the_shape_of_birth_death_dimension_triples(rows):
    # 02: giotto-tda's (birth, death, dimension) triples were cut into other pairs: "death <
    # birth ... pass (birth, death) in that order", or numpy's "cannot reshape array of size
    # 3 into shape (2)"
    from datareduce.metrics import diagram_distance

    triples = np.array([[0.2, 0.9, 1.0], [0.3, 0.5, 1.0]])[:rows]
    with pytest.raises(ValueError, match=r"shape \(\d, 3\), not \(k, 2\).*D\[D\[:, 2\] == k, :2\]"):
        diagram_distance(triples, triples[:, :2])
    assert diagram_distance(triples[:, :2], triples[:, :2]) == 0.0


@pytest.mark.parametrize(("unit", "order"), [(10.0, 400), (1e-3, 200), (1.0, 2.5)])
def test_exact_wasserstein_of_a_high_order_neither_overflows_nor_underflows(unit, order):
    # 03: cost ** q overflowed ("cost matrix is infeasible", order 400, costs of 10) or
    # underflowed to 0 (W = 0.0 for two different diagrams, order 200, costs of 1e-3)
    from datareduce.metrics import diagram_distance

    A = np.array([[0.0, 1.0], [0.0, 2.0]]) * unit
    B = np.array([[0.0, 3.0]]) * unit
    # (0, 2) -> (0, 3) costs one unit, (0, 1) to the diagonal half a unit
    want = unit * (1.0 + 0.5**order) ** (1.0 / order)
    got = diagram_distance(A, B, distance="wasserstein", order=order)
    assert got == pytest.approx(want, rel=1e-12)


def test_mmd_bandwidth_stays_in_the_datas_units_when_most_pairs_are_duplicates():
    # 04: 800 of 1,000 rows at the origin: median distance 0, so the width was 1.0 at a
    # scale of 1000 and a biased subset had the MMD of a random one (0.0424 both)
    from scipy.spatial.distance import pdist

    from datareduce.metrics import median_bandwidth, mmd

    rng = np.random.default_rng(0)
    X = np.r_[np.zeros((800, 2)), rng.normal(size=(200, 2)) * 1000]
    dist = pdist(X)
    assert median_bandwidth(X) == pytest.approx(np.median(dist[dist > 0]))
    random = np.r_[np.arange(80), 800 + rng.choice(200, 20, replace=False)]
    corner = np.r_[np.arange(80), 800 + np.argsort(X[800:, 0])[:20]]
    assert mmd(X, X[corner]).value > 2 * mmd(X, X[random]).value
    # fewer than two distinct rows: still 1.0; reducers' median heuristic is unchanged
    from datareduce._geometry.kernels import median_heuristic

    assert median_bandwidth(np.ones((5, 2))) == 1.0
    assert median_heuristic(X) == 1.0


def test_diagram_distances_are_metrics_and_match_gudhi():
    # not a fix: symmetry, zero on identical diagrams, the triangle inequality, and the
    # exact Wasserstein against gudhi's Hera (L-infinity ground metric) on random diagrams
    import gudhi.hera

    from datareduce.metrics import diagram_distance

    rng = np.random.default_rng(0)

    def diagram(k):
        a = rng.random((k, 2)) * 3
        return np.c_[a.min(axis=1), a.max(axis=1)]

    for _ in range(20):
        A, B, C = diagram(rng.integers(0, 7)), diagram(rng.integers(0, 7)), diagram(5)
        for kw in (
            {"distance": "bottleneck"},
            {"distance": "wasserstein", "order": 1.0},
            {"distance": "wasserstein", "order": 2.5},
        ):
            ab = diagram_distance(A, B, **kw)
            assert ab == pytest.approx(diagram_distance(B, A, **kw), abs=1e-12)
            assert diagram_distance(A, A, **kw) == 0.0
            assert ab <= diagram_distance(A, C, **kw) + diagram_distance(C, B, **kw) + 1e-12
            if kw["distance"] == "wasserstein":
                hera = gudhi.hera.wasserstein_distance(
                    A, B, order=kw["order"], internal_p=np.inf, delta=1e-6
                )
                assert ab == pytest.approx(hera, rel=1e-5, abs=1e-12)


def test_a_subsampled_wasserstein_distance_claims_no_bottleneck_bound():
    # 05: the bottleneck stability bound 2 r_full + 2 r_reduced was the Wasserstein value's
    # "+/-": H1 6.988 +/- 0.583 (informative) where the exact value is 8.169
    from datareduce.metrics import topological_distance

    rng = np.random.default_rng(1)
    t = np.linspace(0, 2 * np.pi, 1200, endpoint=False)
    X = np.c_[np.cos(t), np.sin(t)] * 10 + rng.normal(size=(1200, 2)) * 0.3
    idx = rng.choice(1200, 100, replace=False)
    y = (t > np.pi).astype(int)
    kw = dict(homology_dimensions=(0, 1), max_points=400)
    w = topological_distance(X, X[idx], y, y[idx], distance="wasserstein", **kw)
    b = topological_distance(X, X[idx], y, y[idx], distance="bottleneck", **kw)
    assert w.error_bound == {0: 0.0, 1: np.inf}  # H0 stays exact (minimum spanning tree)
    assert w.informative == {0: True, 1: False}
    assert "no bound" in repr(w)
    assert b.error_bound[1] == pytest.approx(2 * (b.full.cover_radius + b.reduced.cover_radius))
    assert all(e[1] == np.inf for e in w.per_class_error_bound.values())


@pytest.mark.parametrize("d", [12, 20])
def test_coverage_curve_nearest_distances_are_exact_for_close_rows_far_apart(d):
    # 06: more than 10 features: the nearest kept row was the argmin of scikit-learn's
    # dot-product-expansion blocks, another row when close rows lie far from the kept rows'
    # mean (three clusters 1e5 apart, neighbours 1e-3 apart: up to 3.3 times the distance,
    # the curve's epsilon 0.00706 against 0.00518)
    from datareduce.metrics import coverage_curve

    rng = np.random.default_rng(4)
    C = rng.normal(size=(3, d)) * 1e5
    X = C[rng.integers(0, 3, 800)] + rng.normal(size=(800, d)) * 1e-3
    B = X[rng.choice(800, 80, replace=False)]
    ref = cdist(X, B).min(axis=1)
    cc = coverage_curve(X, B, metric="euclidean", working_memory=0.05)
    np.testing.assert_allclose(cc.nearest, ref, rtol=1e-12, atol=0)
    assert cc.epsilon == pytest.approx(ref.max(), rel=1e-12)
