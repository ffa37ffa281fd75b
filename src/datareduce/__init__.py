"""datareduce: make training sets smaller while keeping them representative.

Reducers follow the scikit-learn estimator API (``fit``, ``fit_resample``,
``fit_transform``); :mod:`datareduce.metrics` measures how representative a reduced set is.
Heavy dependencies (torch, ultralytics, matplotlib) are imported only when used.
"""

from ._registry import available_reducers, get_reducer, reducer_class, register_reducer
from .base import BaseReducer, allocate_quotas
from .reducers import (
    ClusterCentroidsReducer,
    DistanceEntropyReducer,
    ForgettingEventsReducer,
    KernelHerdingReducer,
    KernelThinningReducer,
    MatrixDecompositionReducer,
    MaxMinReducer,
    NormalizingFlowReducer,
    PHLandmarksReducer,
    ProtoDashReducer,
    RandomReducer,
    StratifiedRandomReducer,
    VectorQuantizationReducer,
)

__version__ = "0.1.0"

_LAZY = {"Pipeline": "pipeline", "make_pipeline": "pipeline", "ReductionSearchCV": "search"}


def __getattr__(name):
    # imbalanced-learn (pipeline) and the search are imported only when asked for
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'datareduce' has no attribute {name!r}")

__all__ = [
    "BaseReducer",
    "ClusterCentroidsReducer",
    "DistanceEntropyReducer",
    "ForgettingEventsReducer",
    "KernelHerdingReducer",
    "KernelThinningReducer",
    "MatrixDecompositionReducer",
    "MaxMinReducer",
    "NormalizingFlowReducer",
    "PHLandmarksReducer",
    "ProtoDashReducer",
    "VectorQuantizationReducer",
    "Pipeline",
    "RandomReducer",
    "ReductionSearchCV",
    "StratifiedRandomReducer",
    "allocate_quotas",
    "available_reducers",
    "get_reducer",
    "make_pipeline",
    "reducer_class",
    "register_reducer",
    "__version__",
]
