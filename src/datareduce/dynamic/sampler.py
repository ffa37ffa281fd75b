"""PyTorch side of dynamic pruning: a Sampler driven by a :class:`DynamicPruner`.

Imported on demand (``datareduce.dynamic`` itself does not import torch).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ._checks import check_int
from ._pruner import DynamicPruner, count_steps

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

    **Several processes (DDP).** As ``DistributedSampler``: with ``num_replicas`` processes
    (by default the process group's size, when one is initialised) each rank iterates its
    share ``rows[rank::num_replicas]`` of the same shuffled plan, padded with the plan's
    first rows to a multiple of ``num_replicas`` (or cut to one with ``drop_last=True``), so
    every rank makes the same number of steps. Every rank needs the same plan: one pruner
    per rank made with the same arguments and an int ``random_state``, fed the losses of
    all ranks, which :func:`weighted_loss` gathers (docs/dynamic.md, "Distributed
    training").

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
    num_replicas : int >= 1 or None, default=None
        Processes sharing each epoch. None: the size of the initialised process group
        (``torch.distributed``), else 1 (the whole plan).
    rank : int in [0, num_replicas) or None, default=None
        This process's share. None: its rank in the process group, else 0.
    drop_last : bool, default=False
        With several processes, cut the plan to a multiple of ``num_replicas`` rows instead
        of padding it with its first rows.

    Examples
    --------
    >>> from datareduce.dynamic import DynamicPruner, PrunedSampler
    >>> sampler = PrunedSampler(DynamicPruner(10, keep=0.3, random_state=0))
    >>> first = list(sampler); second = list(sampler)   # epochs 0 and 1
    >>> len(first), len(second), sampler.epoch
    (3, 3, 1)
    """

    def __init__(self, pruner, *, dataset=None, shuffle=True, seed=0, num_replicas=None,
                 rank=None, drop_last=False):
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
        self.num_replicas, self.rank = _replicas(num_replicas, rank)
        if not isinstance(drop_last, (bool, np.bool_)):
            raise TypeError(f"drop_last must be True or False, got {drop_last!r}.")
        self.drop_last = bool(drop_last)
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
        return self._share(self.pruner._size_without_planning(self._upcoming_epoch()))

    def steps_per_epoch(self, batch_size, epoch, *, drop_last=False):
        """Optimizer steps (mini-batches) this rank makes in ``epoch``.

        As :meth:`DynamicPruner.steps_per_epoch`, but of this rank's share of the plan: with
        several processes each rank iterates ``ceil(n / num_replicas)`` of the epoch's ``n``
        rows (``n // num_replicas`` with the sampler's ``drop_last``), so the pruner's count,
        which is of the whole plan, is ``num_replicas`` times too many steps for a per-rank
        learning-rate schedule. With one process both counts agree.

        Parameters
        ----------
        batch_size : int >= 1
            Mini-batch size of the DataLoader.
        epoch : int >= 0
            The epoch counted, from 0.
        drop_last : bool, default=False
            The DataLoader's ``drop_last``: a last incomplete batch is not a step.

        Returns
        -------
        int
            Warns, as the pruner does, when ``drop_last`` leaves this rank's rows no step.
        """
        return count_steps(self._rows, batch_size, drop_last, epoch=epoch)

    def total_steps(self, batch_size, *, drop_last=False):
        """Optimizer steps this rank makes over the pruner's ``n_epochs`` epochs, e.g. for
        ``OneCycleLR(total_steps=...)`` under DDP (see :meth:`steps_per_epoch`; InfoBatch
        epochs not planned yet have no size, as in :meth:`DynamicPruner.total_steps`).

        Parameters
        ----------
        batch_size : int >= 1
            Mini-batch size of the DataLoader.
        drop_last : bool, default=False
            The DataLoader's ``drop_last``.

        Returns
        -------
        int

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner, PrunedSampler
        >>> pruner = DynamicPruner(1000, keep=0.5, n_epochs=10, random_state=0)
        >>> pruner.total_steps(64), PrunedSampler(pruner, num_replicas=2, rank=0).total_steps(64)
        (80, 40)
        """
        return count_steps(self._rows, batch_size, drop_last, n_epochs=self.pruner.n_epochs)

    def _rows(self, epoch: int) -> int:
        """Rows this rank iterates in ``epoch``."""
        return self._share(self.pruner.epoch_size(epoch))

    def _share(self, n: int) -> int:
        """Rows of an epoch of ``n`` planned rows that this rank iterates."""
        w = self.num_replicas
        return n if w == 1 else (n // w if self.drop_last else -(-n // w))

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
        w = self.num_replicas
        if w > 1:  # the same plan on every rank: each its share, all of one length
            n = self._share(rows.size) * w
            if n > rows.size and rows.size:  # pad with the first rows (DistributedSampler)
                rows = np.resize(rows, n)
            rows = rows[:n][self.rank::w]
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


def _process_group():
    """(world size, rank) of the initialised ``torch.distributed`` process group, or None."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return None


def _replicas(num_replicas, rank):
    group = _process_group()
    if num_replicas is None:
        num_replicas = group[0] if group else 1
    num_replicas = check_int(num_replicas, "num_replicas", minimum=1)
    if rank is None:
        rank = group[1] if group and group[0] == num_replicas else 0
    rank = check_int(rank, "rank", minimum=0)
    if rank >= num_replicas:
        raise ValueError(f"rank={rank} is not below num_replicas={num_replicas}: pass a rank "
                         f"from 0 to {num_replicas - 1}.")
    return num_replicas, rank


def _all_ranks(idx, losses):
    """The batch's row positions and losses of every rank, in rank order (all-gathered;
    batches may differ in length)."""
    import torch.distributed as dist

    world = dist.get_world_size()
    device = losses.device
    mine = torch.as_tensor(idx, dtype=torch.int64, device=device)
    size = torch.tensor([mine.numel()], dtype=torch.int64, device=device)
    sizes = [torch.zeros_like(size) for _ in range(world)]
    dist.all_gather(sizes, size)
    sizes = [int(v) for v in sizes]
    longest = max(sizes)
    pad = longest - mine.numel()
    rows = torch.nn.functional.pad(mine, (0, pad))
    vals = torch.nn.functional.pad(losses.detach(), (0, pad))
    all_rows = [torch.empty_like(rows) for _ in range(world)]
    all_vals = [torch.empty_like(vals) for _ in range(world)]
    dist.all_gather(all_rows, rows)
    dist.all_gather(all_vals, vals)
    return (torch.cat([r[:k] for r, k in zip(all_rows, sizes, strict=True)]).cpu().numpy(),
            torch.cat([v[:k] for v, k in zip(all_vals, sizes, strict=True)]))


def weighted_loss(pruner, indices, losses, *, sync=None):
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
    sync : bool or None, default=None
        Report the losses of every rank (all-gathered, in rank order), so the pruners of
        all ranks see the same losses and plan the same epochs: what DDP needs. None: when
        a ``torch.distributed`` process group of more than one process is initialised.
        Every rank must then call it for each of its batches (it is a collective).

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
    if sync is None:
        group = _process_group()
        sync = group is not None and group[0] > 1
    if sync:
        pruner.update(*_all_ranks(idx, losses))
    else:
        pruner.update(idx, losses.detach())
    w = torch.as_tensor(pruner.weights(idx), dtype=losses.dtype, device=losses.device)
    return (losses * w).mean()
