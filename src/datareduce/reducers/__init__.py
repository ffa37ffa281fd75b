"""One module per reduction method. Each implements selection on one pool of rows.

The normalizing-flow reducer (:mod:`datareduce.reducers.flow`, needs torch) is not imported
here; ``datareduce.get_reducer("flow")`` loads it on demand.
"""

from .clustering import ClusterCentroidsReducer
from .entropy import DistanceEntropyReducer
from .forgetting import ForgettingEventsReducer, ForgettingTracker
from .herding import KernelHerdingReducer
from .kt import KernelThinningReducer
from .maxmin import MaxMinReducer
from .nrmd import MatrixDecompositionReducer
from .phl import PHLandmarksReducer
from .protodash import ProtoDashReducer
from .random import RandomReducer, StratifiedRandomReducer
from .vq import VectorQuantizationReducer

__all__ = [
    "ClusterCentroidsReducer",
    "DistanceEntropyReducer",
    "ForgettingEventsReducer",
    "ForgettingTracker",
    "KernelHerdingReducer",
    "KernelThinningReducer",
    "MatrixDecompositionReducer",
    "MaxMinReducer",
    "PHLandmarksReducer",
    "ProtoDashReducer",
    "RandomReducer",
    "StratifiedRandomReducer",
    "VectorQuantizationReducer",
]
