"""One module per reduction method. Each implements selection on one pool of rows."""

from .random import RandomReducer, StratifiedRandomReducer
from .forgetting import ForgettingEventsReducer, ForgettingTracker
from .vq import VectorQuantizationReducer
from .maxmin import MaxMinReducer
from .clustering import ClusterCentroidsReducer
from .entropy import DistanceEntropyReducer

__all__ = ["RandomReducer", "StratifiedRandomReducer"]
__all__ += ["ForgettingEventsReducer", "ForgettingTracker", "VectorQuantizationReducer"]
__all__ += ["ClusterCentroidsReducer", "DistanceEntropyReducer", "MaxMinReducer"]
from .protodash import ProtoDashReducer
from .nrmd import MatrixDecompositionReducer
from .phl import PHLandmarksReducer

__all__ += ["MatrixDecompositionReducer", "PHLandmarksReducer", "ProtoDashReducer"]
