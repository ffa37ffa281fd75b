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
