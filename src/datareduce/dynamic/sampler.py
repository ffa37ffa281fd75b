"""PyTorch side of dynamic pruning: a Sampler driven by a :class:`DynamicPruner`.

Imported on demand (``datareduce.dynamic`` itself does not import torch).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ._checks import check_int
from ._pruner import DynamicPruner

_MAX_SEED = 2**63 - 1

__all__ = ["IndexedDataset", "PrunedSampler", "weighted_loss"]


class IndexedDataset(Dataset):
    """Wrap a map-style dataset so each item also carries its row position.

    ``IndexedDataset(ds)[i] == (i, ds[i])``, so a DataLoader batch is ``(indices, item)``
    and the training loop knows which rows it is training on.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Any map-style dataset with ``__len__``.

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from datareduce.dynamic import IndexedDataset
    >>> ds = IndexedDataset(TensorDataset(torch.arange(3.0), torch.tensor([0, 1, 0])))
    >>> i, (x, y) = ds[2]
    >>> i, float(x), int(y)
    (2, 2.0, 0)
    """

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        return index, self.dataset[index]


class PrunedSampler(Sampler):
    """Yield each epoch's rows chosen by a :class:`DynamicPruner`, shuffled.

    Iterating the sampler (i.e. a DataLoader over it) yields the rows of epoch
    ``self.epoch`` planned by ``pruner.indices``; once an epoch has been iterated to its
    end, the next iteration moves on to the next epoch, so a plain
    ``for epoch in range(n): for batch in loader:`` loop walks through the epochs. Call
    :meth:`set_epoch` to choose the epoch explicitly (as with ``DistributedSampler``).
    ``len(sampler)`` is the size of the epoch being iterated, or of the next one once the
    current one's last row was handed out, so ``len(loader)`` at the top of an epoch is its
    number of batches (InfoBatch included). Asking never plans an epoch: the plan, and with
    it the loss weights of :meth:`DynamicPruner.weights`, changes only when the next
    epoch's iteration starts, so ``len(loader)`` inside the loop (e.g. a progress log) leaves
    the epoch being trained alone (once the last row was handed out it already counts the
    next epoch: during the last batch, or, with DataLoader workers prefetching, during the
    last ``num_workers * prefetch_factor + 1`` or so batches).

    RS2 and class-aware budgets come with the pruner: e.g.
    ``PrunedSampler(DynamicPruner(n, keep=0.3, policy="rs2", groups=labels))`` gives each
    class its share of every epoch and goes through each class's rows without repeating one
    before all were used (every row once per round of ``ceil(n / K)`` epochs without groups).

    The sampler does not see the DataLoader's batch size: with ``drop_last=True`` an epoch
    of fewer rows than ``batch_size`` trains nothing (``pruner.steps_per_epoch(batch_size,
    epoch, drop_last=True)`` and ``total_steps`` warn about it).

    Parameters
    ----------
    pruner : DynamicPruner
        The selection policy; its ``n_samples`` must equal the dataset length.
    dataset : map-style dataset or None, default=None
        The dataset the DataLoader reads (recommended): its length is checked against
        ``pruner.n_samples`` when the sampler is made and again at the start of every
        epoch's iteration (a dataset that grows or shrinks between epochs raises a
        ValueError), since a pruner made for fewer rows would silently train on the
        dataset's first rows only. None skips the check.
    shuffle : bool, default=True
        Shuffle the epoch's rows (otherwise they come in increasing order).
    seed : int in [0, 2**63 - 1], default=0
        Seed of the shuffling; epoch ``e`` uses ``seed + e``. A bool ``shuffle``, an int
        ``seed`` and an int ``epoch`` of :meth:`set_epoch` are required (a float or a string
        is refused, not rounded or read as true).

    Examples
    --------
    >>> from datareduce.dynamic import DynamicPruner, PrunedSampler
    >>> sampler = PrunedSampler(DynamicPruner(10, keep=0.3, random_state=0))
    >>> first = list(sampler); second = list(sampler)   # epochs 0 and 1
    >>> len(first), len(second), sampler.epoch
    (3, 3, 1)
    """

    def __init__(self, pruner, *, dataset=None, shuffle=True, seed=0):
        if not isinstance(pruner, DynamicPruner):
            raise TypeError(f"pruner must be a DynamicPruner, got {type(pruner).__name__}.")
        if dataset is not None:
            try:
                n = len(dataset)
            except TypeError as exc:
                raise TypeError(
                    f"dataset must be a map-style dataset with len(), got "
                    f"{type(dataset).__name__}."
                ) from exc
            if n != pruner.n_samples:
                raise ValueError(
                    f"the pruner has n_samples={pruner.n_samples} but the dataset has {n} "
                    f"rows: create it with DynamicPruner(len(dataset), ...) (a smaller pruner "
                    "would train on the dataset's first rows only)."
                )
        self.pruner = pruner
        self.dataset = dataset
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(
                f"shuffle must be True or False, got {shuffle!r} "
                f"({type(shuffle).__name__})."
            )
        seed = check_int(seed, "seed", minimum=0)
        if seed > _MAX_SEED:
            raise ValueError(
                f"seed={seed} is too large: pass an int in [0, 2**63 - 1] (epoch e shuffles "
                "with seed + e, which torch's generator takes below 2**64)."
            )
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.epoch = 0
        self._finished = None  # last epoch iterated to its end

    def set_epoch(self, epoch):
        """Make the next iteration yield epoch ``epoch``.

        Parameters
        ----------
        epoch : int >= 0
            Epoch number, counted from 0.

        Returns
        -------
        None
        """
        self.epoch = check_int(epoch, "epoch", minimum=0)
        self._finished = None

    def _upcoming_epoch(self):
        if self._finished == self.epoch:
            nxt = self.epoch + 1
            if self.pruner.n_epochs is None or nxt < self.pruner.n_epochs:
                return nxt
        return self.epoch

    def __len__(self):
        # never plans: the pruner keeps the plan (and the loss weights) of the epoch being
        # trained until the next iteration starts, even when asked during its last batch
        return self.pruner._size_without_planning(self._upcoming_epoch())

    def _check_dataset(self):
        if self.dataset is None:
            return
        n = len(self.dataset)
        if n != self.pruner.n_samples:
            change = "grew" if n > self.pruner.n_samples else "shrank"
            raise ValueError(
                f"dataset now has {n} rows but the pruner has n_samples="
                f"{self.pruner.n_samples}: the dataset {change} after the PrunedSampler was "
                "made (a pruner of fewer rows would train on the dataset's first rows only; "
                "one of more rows would read past its end). A pruner cannot change size "
                "(load_state_dict refuses another n_samples): build a new "
                "DynamicPruner(len(dataset), ...) and a new PrunedSampler(pruner, "
                "dataset=dataset) for the new rows."
            )

    def __iter__(self):
        self._check_dataset()
        if self._finished == self.epoch:
            self.epoch += 1
        epoch = self.epoch
        rows = self.pruner.indices(epoch)
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.seed + epoch)
            rows = rows[torch.randperm(rows.size, generator=g).numpy()]
        return self._generate(rows.tolist(), epoch)

    def _generate(self, rows, epoch):
        # The epoch counts as finished as soon as its last row is handed out (not when the
        # consumer asks for one more), so len() between the last full batch and the next
        # epoch already reports the next epoch (as DataLoaders that keep one iterator across
        # epochs, e.g. Ultralytics' InfiniteDataLoader, ask).
        last = len(rows) - 1
        if last < 0 and self.epoch == epoch:
            self._finished = epoch
        for i, row in enumerate(rows):
            if i == last and self.epoch == epoch:
                self._finished = epoch
            yield row


def weighted_loss(pruner, indices, losses):
    """Report per-sample ``losses`` to ``pruner`` and return their weighted mean.

    The one-liner of the training loop: ``loss = weighted_loss(pruner, idx, loss_fn(out, y))``
    with ``loss_fn`` built with ``reduction="none"``. The losses are recorded detached (no
    gradient flows into the pruner); the returned scalar is
    ``mean(weights * losses)`` and carries the gradient.

    Parameters
    ----------
    pruner : DynamicPruner
        The pruner that planned the current epoch.
    indices : torch.Tensor or array-like of int
        Row positions of the batch.
    losses : torch.Tensor of shape (batch,) or (batch, 1)
        Unreduced per-sample losses (``reduction="none"``); a trailing dimension of size 1
        (e.g. ``BCEWithLogitsLoss`` on ``(batch, 1)`` logits) is squeezed, as
        :meth:`DynamicPruner.update` accepts it. Larger dimensions (per token, per pixel)
        are refused: reduce them to one loss per row first.

    Returns
    -------
    torch.Tensor
        Scalar weighted mean loss.

    Examples
    --------
    >>> import torch
    >>> from datareduce.dynamic import DynamicPruner, weighted_loss
    >>> pruner = DynamicPruner(4, keep=1.0)
    >>> rows = pruner.indices(0)
    >>> loss = weighted_loss(pruner, torch.as_tensor(rows), torch.tensor([1.0, 2.0, 3.0, 4.0]))
    >>> float(loss), pruner.scores_.tolist()
    (2.5, [1.0, 2.0, 3.0, 4.0])
    """
    if not isinstance(losses, torch.Tensor):
        raise TypeError("losses must be a torch.Tensor of per-sample losses (reduction='none').")
    if losses.ndim == 0:
        raise ValueError(
            "losses is a single number (a reduced loss): pass one loss per row, i.e. build "
            "the loss with reduction='none'."
        )
    while losses.ndim > 1 and losses.shape[-1] == 1:  # (batch, 1), e.g. BCEWithLogitsLoss
        losses = losses.squeeze(-1)
    if losses.ndim != 1:
        raise ValueError(
            f"losses has shape {tuple(losses.shape)}: pass one unreduced loss per row "
            "(reduction='none'), of shape (batch,) or (batch, 1). Per-element losses (e.g. "
            "per token or per pixel) must be reduced to one loss per row first, e.g. "
            "losses.mean(dim=1) or losses.flatten(1).mean(1)."
        )
    idx = indices.detach().cpu().numpy() if isinstance(indices, torch.Tensor) else indices
    idx = np.asarray(idx)
    if idx.ndim == 1 and idx.shape[0] != losses.shape[0]:
        raise ValueError(
            f"losses has {losses.shape[0]} rows but indices has {idx.shape[0]}: pass one "
            "loss per row of the batch."
        )
    pruner.update(idx, losses.detach())
    w = torch.as_tensor(pruner.weights(idx), dtype=losses.dtype, device=losses.device)
    return (losses * w).mean()
