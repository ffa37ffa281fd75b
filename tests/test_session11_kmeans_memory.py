"""k-means' Hartigan moves size their blocks by rows x candidates x columns: blocks of
8,192 rows whatever the width made CLC and VQ peak at about 20 times X on wide data
(3,000 x 2,000 image embeddings: 960 MiB; review10/b 09). The blocks split rows only, so
the result does not depend on them."""

import tracemalloc
import warnings

import numpy as np

import datareduce
from datareduce._geometry import kmeans


def test_clc_on_wide_data_stays_within_a_few_times_x():
    X = np.random.default_rng(0).normal(size=(1000, 1500))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        try:
            datareduce.get_reducer("clc", keep=0.1, random_state=0).fit(X)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 8 * X.nbytes, f"peak {peak / 2**20:.0f} MiB for X of {X.nbytes / 2**20:.0f}"


def test_hartigan_moves_do_not_depend_on_the_block_size():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(700, 40))
    k = 35
    labels = rng.integers(0, k, size=700)
    labels[:k] = np.arange(k)
    C = np.stack([X[labels == j].mean(axis=0) for j in range(k)])
    a = kmeans._hartigan_moves(X, C, labels, k, chunk=8192)
    b = kmeans._hartigan_moves(X, C, labels, k, chunk=7)
    np.testing.assert_array_equal(a, b)
