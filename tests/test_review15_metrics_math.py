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
