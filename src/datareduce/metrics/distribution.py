"""Distribution distances between a reduced set and the full set (one import path for all).

The metrics live in modules by concern and are re-exported here and from
:mod:`datareduce.metrics`:

- :mod:`datareduce.metrics.kernel_distance`: the MMD and the energy distance
  (:func:`mmd`, :func:`energy_distance`, :func:`mmd_reference`, :func:`median_bandwidth`);
- :mod:`datareduce.metrics.two_sample`: the Monte Carlo test against random subsets
  (:func:`mmd_test`);
- :mod:`datareduce.metrics.coverage`: the coverage curve (:func:`coverage_curve`).

The kernels are :class:`datareduce._geometry.kernels.Kernel` objects, shared with the
reducers and the weights.
"""

from .coverage import CoverageCurve, coverage_curve
from .kernel_distance import (
    DistributionDistance,
    MMDReference,
    energy_distance,
    median_bandwidth,
    mmd,
    mmd_reference,
)
from .two_sample import MMDTest, mmd_test

__all__ = [
    "CoverageCurve",
    "DistributionDistance",
    "MMDReference",
    "MMDTest",
    "coverage_curve",
    "energy_distance",
    "median_bandwidth",
    "mmd",
    "mmd_reference",
    "mmd_test",
]
