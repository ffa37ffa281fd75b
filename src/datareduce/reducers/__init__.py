"""One module per reduction method. Each implements selection on one pool of rows.

:class:`NormalizingFlowReducer` needs the ``flow`` extra (torch and zuko) to fit; its
module imports them inside its functions only, so importing this package (and
``import datareduce``) never imports torch.
"""

from .clustering import ClusterCentroidsReducer
from .entropy import DistanceEntropyReducer
from .flow import NormalizingFlowReducer
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
    "NormalizingFlowReducer",
    "PHLandmarksReducer",
    "ProtoDashReducer",
    "RandomReducer",
    "StratifiedRandomReducer",
    "VectorQuantizationReducer",
]
