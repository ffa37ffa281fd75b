"""Representativeness of a reduced data set: epsilon, distribution distances, topology."""

from .epsilon import EpsilonResult, epsilon_representativeness

__all__ = ["EpsilonResult", "epsilon_representativeness"]
from .distribution import (  # noqa: E402
    CoverageCurve,
    DistributionDistance,
    MMDReference,
    MMDTest,
    coverage_curve,
    energy_distance,
    median_bandwidth,
    mmd,
    mmd_reference,
    mmd_test,
)
from .report import (  # noqa: E402
    RepresentativenessReport,
    representativeness_report,
    representativeness_scorer,
)
from .topology import (  # noqa: E402
    PersistenceDiagrams,
    TopologicalDistance,
    diagram_distance,
    greedy_permutation,
    minimum_spanning_tree_lengths,
    persistence_diagrams,
    topological_distance,
)

__all__ += [
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
    "PersistenceDiagrams",
    "RepresentativenessReport",
    "TopologicalDistance",
    "diagram_distance",
    "greedy_permutation",
    "minimum_spanning_tree_lengths",
    "persistence_diagrams",
    "representativeness_report",
    "representativeness_scorer",
    "topological_distance",
]
from .interface import (  # noqa: E402
    Metric,
    MetricValue,
    PreparedMetric,
    available_metrics,
    get_metric,
    register_metric,
)

__all__ += [
    "Metric",
    "MetricValue",
    "PreparedMetric",
    "available_metrics",
    "get_metric",
    "register_metric",
]
from .audit import SubsetAudit, audit_space, audit_subset  # noqa: E402
from .calibration import CalibratedMetric, Calibration, calibrate  # noqa: E402

__all__ += [
    "CalibratedMetric",
    "Calibration",
    "SubsetAudit",
    "audit_space",
    "audit_subset",
    "calibrate",
]
from .leakage import SplitAudit, audit_split  # noqa: E402

__all__ += ["SplitAudit", "audit_split"]
