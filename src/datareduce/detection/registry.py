"""Embedders by name: the image-level ones of :mod:`~datareduce.detection.embedders` and
the object-level ones of :mod:`~datareduce.detection.objects`.
"""

from __future__ import annotations

from .embedders import BaseEmbedder, LabelEmbedder, ThumbnailEmbedder, UltralyticsEmbedder
from .objects import CropEmbedder, ShapeComplexityScorer

__all__ = ["get_embedder"]

_EMBEDDERS = {"label": LabelEmbedder, "thumbnail": ThumbnailEmbedder,
              "ultralytics": UltralyticsEmbedder}
_OBJECT_EMBEDDERS = ("crops", "shape")


def get_embedder(embedder="thumbnail", **params) -> BaseEmbedder:
    """An embedder from a name or an instance.

    Names: ``"label"``, ``"thumbnail"``, ``"ultralytics"`` (image level), ``"crops"``
    (:class:`~datareduce.detection.CropEmbedder`, per image and class) and ``"shape"``
    (:class:`~datareduce.detection.ShapeComplexityScorer`, a label-only score).

    Examples
    --------
    >>> get_embedder("label", grid=2)
    LabelEmbedder(grid=2)
    """
    if isinstance(embedder, BaseEmbedder):
        if params:
            raise ValueError("embedder parameters are only accepted with an embedder name.")
        return embedder
    if isinstance(embedder, str) and embedder.lower() in _OBJECT_EMBEDDERS:
        cls = CropEmbedder if embedder.lower() == "crops" else ShapeComplexityScorer
        return cls(**params)
    if isinstance(embedder, str) and embedder.lower() in _EMBEDDERS:
        return _EMBEDDERS[embedder.lower()](**params)
    if hasattr(embedder, "embed"):
        return embedder
    raise ValueError(f"embedder={embedder!r}: use one of "
                     f"{', '.join((*_EMBEDDERS, *_OBJECT_EMBEDDERS))} or an object with an "
                     "embed(dataset) method.")


def with_threads(embedder, params: dict, n_jobs: int) -> dict:
    """``params`` with ``n_jobs`` for an embedder given by name that reads images in
    threads (its class takes ``n_jobs``: ``"thumbnail"``), unless they set it already or
    ``n_jobs`` is 1; the same ``params`` otherwise."""
    if n_jobs <= 1 or "n_jobs" in params or not isinstance(embedder, str):
        return params
    import inspect

    cls = _EMBEDDERS.get(embedder.lower())
    if cls is None or "n_jobs" not in inspect.signature(cls).parameters:
        return params
    return {**params, "n_jobs": n_jobs}
