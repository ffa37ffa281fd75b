"""Translation invariance as a numerical contract: every reducer that measures distances or
an RBF kernel keeps the same rows when the table is moved far from the origin (a year
column, map coordinates, money). The shared block helpers (``_geometry.kernels``,
``_geometry.neighbors``) use the expansion ``|a|^2 - 2 a.b + |b|^2``, whose rounding grows
with the rows' norms; their callers centre the rows first (``_geometry.neighbors.centred``).
NRMD is left out: its definition (an SVD of X with unit-length columns, no centring) is not
translation invariant."""

import warnings

import numpy as np
import pytest

from datareduce import get_reducer

METHODS = ["herding", "kt", "mms", "clc", "prd", "des", "phl", "vq"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("offset", [1e4, 1e8])
def test_reducers_keep_the_same_rows_far_from_the_origin(method, offset):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 12))
    y = (X[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        near = get_reducer(method, keep=0.1, random_state=0, space="passthrough").fit(X, y)
        far = get_reducer(method, keep=0.1, random_state=0,
                          space="passthrough").fit(X + offset, y)
    if method == "clc":  # synthetic centroids: k-means in float32, whose last bits move
        # with any perturbation (X + 1e-9 too) and pick another of two near-tied rows
        np.testing.assert_allclose(np.sort(far.synthetic_ - offset, axis=0),
                                   np.sort(near.synthetic_, axis=0), atol=1e-4)
        return
    assert sorted(near.sample_indices_) == sorted(far.sample_indices_)
    np.testing.assert_allclose(np.sort(near.sample_weight_), np.sort(far.sample_weight_),
                               rtol=1e-6)


def test_mmd_weights_do_not_depend_on_a_shift():
    from datareduce._weights import mmd_weights

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 15))
    kept = np.arange(0, 200, 10)
    w0 = mmd_weights(X, kept, bandwidth=2.0)
    w1 = mmd_weights(X + 1e8, kept, bandwidth=2.0)
    np.testing.assert_allclose(w0, w1, rtol=1e-6, atol=1e-9)
