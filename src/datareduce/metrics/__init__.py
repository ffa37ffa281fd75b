"""Representativeness of a reduced data set: epsilon, distribution distances, topology."""

from .audit import SubsetAudit, audit_space, audit_subset
from .calibration import CalibratedMetric, Calibration, calibrate
from .distribution import (
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
from .epsilon import EpsilonResult, epsilon_representativeness
from .interface import (
    Metric,
    MetricValue,
    PreparedMetric,
    available_metrics,
    get_metric,
    register_metric,
)
from .leakage import SplitAudit, audit_split
from .report import RepresentativenessReport, representativeness_report
from .scorer import representativeness_scorer
from .topology import (
    PersistenceDiagrams,
    TopologicalDistance,
    diagram_distance,
    greedy_permutation,
    minimum_spanning_tree_lengths,
    persistence_diagrams,
    topological_distance,
)

__all__ = [
    "CalibratedMetric",
    "Calibration",
    "CoverageCurve",
    "DistributionDistance",
    "EpsilonResult",
    "MMDReference",
    "MMDTest",
    "Metric",
    "MetricValue",
    "PersistenceDiagrams",
    "PreparedMetric",
    "RepresentativenessReport",
    "SplitAudit",
    "SubsetAudit",
    "TopologicalDistance",
    "audit_space",
    "audit_split",
    "audit_subset",
    "available_metrics",
    "calibrate",
    "coverage_curve",
    "diagram_distance",
    "energy_distance",
    "epsilon_representativeness",
    "get_metric",
    "greedy_permutation",
    "median_bandwidth",
    "minimum_spanning_tree_lengths",
    "mmd",
    "mmd_reference",
    "mmd_test",
    "persistence_diagrams",
    "register_metric",
    "representativeness_report",
    "representativeness_scorer",
    "topological_distance",
]
