"""Data loading for dynamic pruning inside Ultralytics training.

The sampler and loader of :mod:`datareduce.dynamic.yolo`: each epoch yields only the images
the trainer planned, and mix transforms (Mosaic, MixUp, ...) can be kept to partner images
of the plan. See the module docstring of :mod:`datareduce.dynamic.yolo`.
"""

from __future__ import annotations

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler


class _PlanSampler(Sampler):
    """Yield the dataset positions of the rows planned for the trainer's current epoch."""

    def __init__(self, trainer):
        self.trainer = trainer

    def __len__(self):
        return int(self.trainer._plan(self.trainer._pruning_epoch)[0].size)

    def __iter__(self):
        epoch = self.trainer._pruning_epoch
        rows = self.trainer._plan(epoch)[0]
        if getattr(self.trainer, "_rect_shapes", None) is not None:
            # rectangular batches: in dataset (aspect-ratio) order, not shuffled, as
            # Ultralytics trains rect=True (the batches' shapes: trainer._fit_rect)
            return iter(np.sort(self.trainer._pos_of_row[rows]).tolist())
        g = torch.Generator()
        g.manual_seed(int(self.trainer.args.seed) * 100003 + epoch)
        rows = rows[torch.randperm(rows.size, generator=g).numpy()]
        return iter(self.trainer._pos_of_row[rows].tolist())


class _EpochLoader(DataLoader):
    """A DataLoader with the ``reset()`` / ``close()`` Ultralytics' trainer calls.

    Unlike Ultralytics' ``InfiniteDataLoader`` it starts a fresh pass over the sampler each
    epoch (workers persist unless ``persistent_workers=False``), so nothing of the next
    epoch is drawn before the trainer has planned it.
    """

    def __iter__(self):
        # lazy, like Ultralytics' InfiniteDataLoader: the trainer calls iter() twice per
        # epoch and only consumes the second; an eager iter() would start (and waste) a pass
        yield from super().__iter__()

    def reset(self):
        self.close()

    def close(self):
        it = getattr(self, "_iterator", None)
        if it is not None and hasattr(it, "_shutdown_workers"):
            it._shutdown_workers()
        self._iterator = None


class _KeptPartner:
    """``get_indexes`` for mix transforms: a partner from the dataset's buffer."""

    def __init__(self, dataset, n=None):
        self.dataset, self.n = dataset, n

    def __call__(self):
        buf = list(self.dataset.buffer)
        if self.n is None:
            return random.choice(buf)
        return random.choices(buf, k=self.n)


def _mix_transforms(transform, seen=None):
    """Every mix transform (Mosaic, MixUp, CutMix, CopyPaste) inside a Compose tree."""
    from ultralytics.data.augment import BaseMixTransform

    seen = set() if seen is None else seen
    if transform is None or id(transform) in seen:
        return []
    seen.add(id(transform))
    out = [transform] if isinstance(transform, BaseMixTransform) else []
    for child in getattr(transform, "transforms", None) or []:
        out += _mix_transforms(child, seen)
    out += _mix_transforms(getattr(transform, "pre_transform", None), seen)
    return out
