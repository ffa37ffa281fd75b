"""One module per reduction method. Each implements selection on one pool of rows."""

from .random import RandomReducer, StratifiedRandomReducer
from .forgetting import ForgettingEventsReducer, ForgettingTracker
from .vq import VectorQuantizationReducer
from .maxmin import MaxMinReducer
from .clustering import ClusterCentroidsReducer
from .entropy import DistanceEntropyReducer
from .nrmd import MatrixDecompositionReducer
from .phl import PHLandmarksReducer
from .protodash import ProtoDashReducer

__all__ = ["RandomReducer", "StratifiedRandomReducer"]
__all__ += ["ForgettingEventsReducer", "ForgettingTracker", "VectorQuantizationReducer"]
__all__ += ["ClusterCentroidsReducer", "DistanceEntropyReducer", "MaxMinReducer"]
__all__ += ["MatrixDecompositionReducer", "PHLandmarksReducer", "ProtoDashReducer"]
