"""Per-epoch dynamic data pruning for training loops.

:class:`DynamicPruner` chooses the rows of every epoch (uniform, epsilon-greedy, UCB or
InfoBatch-style) from running per-sample loss statistics; it is plain numpy.
:func:`fit_dynamic` drives a scikit-learn estimator's ``partial_fit`` with it. The PyTorch
side (:class:`PrunedSampler`, :class:`IndexedDataset`, :func:`weighted_loss`) lives in
:mod:`datareduce.dynamic.sampler` and is imported only when first used, so this package
imports without torch. :mod:`datareduce.dynamic.yolo` (detection extra: ultralytics) trains
an Ultralytics YOLO detector with per-epoch pruning (``train_pruned``, ``pruned_trainer``).
See docs/dynamic.md for the training-loop pattern.
"""

from ._pruner import POLICIES, DynamicPruner
from ._sklearn import fit_dynamic

__all__ = [
    "POLICIES",
    "DynamicPruner",
    "IndexedDataset",
    "PrunedSampler",
    "fit_dynamic",
    "weighted_loss",
]

_TORCH_NAMES = ("IndexedDataset", "PrunedSampler", "weighted_loss")


def __getattr__(name):
    if name in _TORCH_NAMES:
        from . import sampler

        return getattr(sampler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
