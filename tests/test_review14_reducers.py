"""Review 14, reviewer b: the reducers the earlier rounds covered least, and their shared
pieces (weights, the selection space, the base). Each test failed before its fix."""

from __future__ import annotations

import tracemalloc

import numpy as np


def test_mmd_weights_block_coordinate_memory_is_bounded_by_working_memory():
    # kept sets above max_block: the kernel between all kept rows and one group was one
    # m x max_block array (1.2 GiB at 40,000 kept rows with the defaults)
    from datareduce._weights import mmd_weights

    rng = np.random.default_rng(0)
    m, max_block = 3000, 200
    X = rng.normal(size=(m, 2))
    tracemalloc.start()
    try:
        w = mmd_weights(
            X, np.arange(m), bandwidth=1.0, max_block=max_block, max_iter=2, working_memory=0.5
        )
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert np.isclose(w.sum(), m)
    assert peak < 0.6 * m * max_block * 8 / 2**20, peak  # the whole block: 4.6 MiB
