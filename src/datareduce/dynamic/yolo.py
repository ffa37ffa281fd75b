"""Dynamic (per-epoch) pruning inside Ultralytics ``yolo train``.

:func:`pruned_trainer` returns a subclass of Ultralytics' ``DetectionTrainer`` for
``YOLO(...).train(trainer=...)``; :func:`train_pruned` is the one-call form. Each epoch the
trainer asks a :class:`~datareduce.dynamic.DynamicPruner` for the images to train on,
multiplies each image's share of the detection loss by the pruner's weight (InfoBatch's
rescaling) and reports a per-image loss back, all from the training forward pass (no extra
pass). See docs/dynamic.md, "Ultralytics (YOLO) training".

How the pieces fit (Ultralytics 8.3/8.4 names):

- **Identity.** A pruner row is an image file: rows are the training images in sorted
  absolute-path order. Each batch carries its images' ``im_file``, mapped back to rows, so
  scores stay attached to the right file whatever the loader's order, rectangular batching
  (which reorders the dataset) or caching do.
- **Per-image loss** (``_yolo_loss.py``). ``v8DetectionLoss`` sums the box (CIoU), class
  (BCE) and DFL terms over all anchors of the batch and divides by the batch's total target
  score. The same terms are summed per image here (its foreground anchors for box and DFL,
  all its anchors for BCE): the batch loss is exactly the sum of the per-image parts
  (checked against Ultralytics' own numbers on the first batches). Training uses
  ``sum_i w_i * part_i`` (equal to Ultralytics' loss when every weight is 1); the pruner's
  score of an image is its part normalised by its own target score (so it does not depend
  on the batch it was in).
- **Sampling.** The train loader is a ``torch`` DataLoader whose sampler yields the rows
  planned for the current epoch (shuffled); its workers persist across epochs and it plans
  an epoch only once the previous one's losses are all in.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.utils import DEFAULT_CFG, LOGGER
from ultralytics.utils.torch_utils import unwrap_model

from .._core.files import atomic_write_text
from ._policies import score_mean
from ._pruner import POLICIES, DynamicPruner
from ._yolo_data import _EpochLoader, _KeptPartner, _mix_transforms, _PlanSampler
from ._yolo_loss import _Context, _PrunedCriterion

__all__ = ["PrunedDetectionTrainer", "pruned_trainer", "train_pruned"]

logger = logging.getLogger(__name__)

_PARTNERS = ("any", "kept")


# ------------------------------------------------------------------------------- trainer
class PrunedDetectionTrainer(DetectionTrainer):
    """Ultralytics ``DetectionTrainer`` that trains each epoch on the images a pruner picks.

    Use :func:`pruned_trainer` to set the pruning options (``YOLO.train`` only accepts
    Ultralytics' own arguments, so the options live on the trainer class), or
    :func:`train_pruned`. The plain class uses ``policy="infobatch"``, ``keep=0.5``.

    After training, ``trainer.pruner`` is the :class:`DynamicPruner` (rows are the images
    in ``trainer.image_files``, sorted absolute paths) and ``trainer.pruning_log`` one dict
    per epoch of this run (also written to ``pruning.csv`` in the run folder and logged each
    epoch): images used, the score threshold, seconds spent scoring and planning. After a
    resume, ``pruning_log`` holds the resumed epochs and ``pruning.csv`` every epoch.

    Notes
    -----
    - Single process only (no DDP): the plan is made in the training process.
    - ``time=`` (train for a time budget) changes the number of epochs during training; the
      pruner follows the trainer's ``epochs`` at the start of every epoch (InfoBatch's
      annealing, ``round(delta * epochs)``, moves with the new last epoch; an explicit
      ``stop_epoch`` is kept).
    - Resuming (``train(resume=True, trainer=...)``) restores the pruner's scores from
      ``weights/pruner.npz``, written next to ``last.pt`` at every save, and keeps the rows
      of ``pruning.csv`` (of the checkpoint's run folder) of the epochs before the
      checkpoint; pass the same pruning options.
    """

    pruning_options = {"keep": 0.5, "policy": "infobatch", "groups": None, "partners": "any",
                       "pruner_params": {}}

    def __init__(self, cfg=DEFAULT_CFG, overrides=None, _callbacks=None):
        super().__init__(cfg, overrides, _callbacks)
        opts = dict(type(self).pruning_options)
        _check_options(opts)
        self.pruning = opts
        self.pruner = None
        self.pruning_log = []
        self._earlier_log = []  # pruning.csv rows of the epochs before a resume
        self._ctx = _Context()
        self._plans = {}
        self._pruning_epoch = 0
        self._stats = {}
        self._rect_shapes = None  # rect=True: each image's shape in Ultralytics' own batches
        self._loader_batch = 1
        self.add_callback("on_train_start", _on_train_start)
        self.add_callback("on_train_epoch_start", _on_train_epoch_start)
        self.add_callback("on_train_epoch_end", _on_train_epoch_end)

    # ---- data
    def get_dataloader(self, dataset_path, batch_size=16, rank=0, mode="train"):
        if mode != "train":
            return super().get_dataloader(dataset_path, batch_size, rank, mode)
        if self.world_size > 1 or rank not in (-1, 0):
            raise RuntimeError(
                "dynamic pruning runs in a single training process: train on one device "
                "(device=0 or device='cpu'), not with DDP."
            )
        dataset = self.build_dataset(dataset_path, mode, batch_size)
        self._attach_dataset(dataset)
        nw = min(os.cpu_count() or 1, int(self.args.workers))
        if len(dataset) <= batch_size:
            nw = 0
        kept_partners = self.pruning["partners"] == "kept"
        on_cuda = getattr(self.device, "type", str(self.device)) == "cuda"
        self._loader_batch = min(batch_size, len(dataset))
        if self._rect_shapes is not None and self._plans.get(self._pruning_epoch) is not None:
            self._fit_rect(self._plans[self._pruning_epoch][0])  # rebuilt loader (OOM retry)
        return _EpochLoader(
            dataset,
            batch_size=self._loader_batch,
            sampler=_PlanSampler(self),
            num_workers=nw,
            pin_memory=on_cuda,
            collate_fn=getattr(dataset, "collate_fn", None),
            # the workers must see each epoch's partners and rectangle shapes
            persistent_workers=nw > 0 and not kept_partners and self._rect_shapes is None,
            prefetch_factor=4 if nw > 0 else None,
            drop_last=False,
        )

    def _attach_dataset(self, dataset):
        files = [os.path.abspath(f) for f in dataset.im_files]
        order = sorted(range(len(files)), key=files.__getitem__)
        image_files = [files[i] for i in order]
        if len(set(image_files)) != len(image_files):
            from collections import Counter

            twice = [f for f, k in Counter(image_files).items() if k > 1]
            raise ValueError(
                f"the training set lists {len(twice)} image file(s) more than once (e.g. "
                f"{twice[0]}, {Counter(image_files)[twice[0]]} times: a .txt list of the "
                "train split repeating lines, to oversample them?): "
                "per-image pruning scores each file once, so each must be listed once. List "
                "every image once; to favour rare images use groups='category' (each image "
                "category keeps its share of every epoch).")
        if self.pruner is not None:  # loader rebuilt (OOM retry): same images, same pruner
            if image_files != self.image_files:
                raise RuntimeError("the training images changed while training.")
        else:
            self.image_files = image_files
            self._row_of_file = {f: r for r, f in enumerate(image_files)}
            groups = self._groups(dataset, order)
            epochs = int(self.epochs)
            stop = self.pruning["pruner_params"].get("stop_epoch")
            if (stop is not None and stop > epochs and not getattr(self.args, "resume", None)
                    and not getattr(self.args, "time", None)):
                raise ValueError(
                    f"stop_epoch={stop} is after the last epoch (epochs={epochs}): pass "
                    "stop_epoch <= epochs, or train for more epochs (epochs=...)."
                )
            # time= lowers `epochs` during the run (and last.pt keeps the lowered value): an
            # explicit stop_epoch is kept past it, as in the live run (_follow_n_epochs)
            self.pruner = DynamicPruner(
                len(image_files), keep=self.pruning["keep"], policy=self.pruning["policy"],
                groups=groups, n_epochs=max(epochs, int(stop or 0)),
                random_state=int(self.args.seed), **self.pruning["pruner_params"],
            )
            self.pruner._follow_n_epochs(epochs)
        pos = np.empty(len(files), dtype=np.int64)
        pos[np.asarray(order)] = np.arange(len(files))  # pos[i] = row of dataset position i
        self._pos_of_row = np.empty(len(files), dtype=np.int64)
        self._pos_of_row[pos] = np.arange(len(files))
        self._train_dataset = dataset
        # rect=True: each image's rectangle shape (h, w) as Ultralytics set it for its own
        # batches of the whole dataset; None when every batch has the same shape
        self._rect_shapes = None
        if getattr(dataset, "rect", False):
            shapes = np.asarray(dataset.batch_shapes)[np.asarray(dataset.batch)]
            if not np.all(shapes == shapes[0]):
                self._rect_shapes = shapes

    def _fit_rect(self, rows):
        """Rectangular batches of the epoch's kept images (``rect=True``).

        Ultralytics letterboxes every image of a batch to the batch's shape, set for
        consecutive images of the dataset (sorted by aspect ratio), and does not shuffle
        them. The epoch's kept images come in dataset order (:class:`_PlanSampler`), so a
        loader batch holds neighbours in aspect ratio from several of Ultralytics' batches:
        each loader batch gets the shape that holds all of theirs (their largest height and
        width), else the images of one batch would differ in size.
        """
        ds, shapes = self._train_dataset, self._rect_shapes
        pos = np.sort(self._pos_of_row[np.asarray(rows, dtype=np.int64)])
        bs = max(1, int(self._loader_batch))
        batch = np.zeros(len(shapes), dtype=np.int64)
        batch[pos] = np.arange(pos.size) // bs
        ds.batch = batch
        ds.batch_shapes = np.stack([shapes[pos[i:i + bs]].max(0)
                                    for i in range(0, pos.size, bs)] or [shapes[0]])

    def _groups(self, dataset, order):
        groups = self.pruning["groups"]
        if groups is None:
            return None
        if groups == "category":
            from ..detection.categories import image_categories
            from ..detection.dataset import DetectionDataset

            boxes = []
            for lb in dataset.labels:
                cls = np.asarray(lb.get("cls", np.zeros((0, 1)))).reshape(-1, 1)
                bb = np.asarray(lb.get("bboxes", np.zeros((0, 4)))).reshape(-1, 4)
                boxes.append(np.hstack([cls, bb]).astype(np.float64))
            names = self.data.get("names") or {}
            names = dict(enumerate(names)) if isinstance(names, (list, tuple)) else dict(names)
            ds = DetectionDataset(images=[Path(f) for f in dataset.im_files], boxes=boxes,
                                  names=names)
            cats = image_categories(ds)
            return np.asarray(cats)[np.asarray(order)]
        # a mapping image file -> group label; keys are paths (str or Path, relative ones
        # under the current folder), matched as written or with links followed
        given = {}
        for k, v in groups.items():
            try:
                given[os.path.abspath(os.fspath(k))] = v
            except TypeError:
                raise TypeError(f"groups has the key {k!r}: its keys must be image paths (str "
                                "or Path).") from None
        real = {os.path.realpath(k): v for k, v in given.items()}
        labels, missing = [], []
        for f in self.image_files:
            if f in given:
                labels.append(given[f])
            elif (r := os.path.realpath(f)) in real:
                labels.append(real[r])
            else:
                missing.append(f)
        if missing:
            raise ValueError(
                f"groups has no label for {len(missing)} training images (e.g. {missing[0]}): "
                "give every training image file (absolute path) a group."
            )
        return np.array(labels)

    def _follow_epochs(self):
        """Follow the trainer's ``epochs`` when Ultralytics changes it (``time=``)."""
        n = int(self.epochs)
        old = self.pruner.n_epochs
        if self.pruner._follow_n_epochs(n):
            stop = self.pruner.stop_epoch_
            LOGGER.info(
                f"datareduce: the trainer's epochs changed from {old} to {n} (time budget); "
                "the pruner plans for "
                f"{n} epochs" + ("" if stop is None or stop >= n else
                                 f", pruning until epoch {stop} (then all images)")
            )

    def _plan(self, epoch):
        if epoch not in self._plans:
            self._follow_epochs()
            t0 = time.perf_counter()
            rows = self.pruner.indices(epoch)
            weights = np.zeros(self.pruner.n_samples)
            weights[rows] = self.pruner.weights(rows)
            self._plans = {e: p for e, p in self._plans.items() if e >= epoch - 1}
            self._plans[epoch] = (rows, weights)
            self._stats["planning_s"] = time.perf_counter() - t0
        return self._plans[epoch]

    # ---- per batch
    def preprocess_batch(self, batch):
        batch = super().preprocess_batch(batch)
        if self.pruner is None or "im_file" not in batch:
            return batch
        try:
            rows = np.fromiter((self._row_of_file[os.path.abspath(f)] for f in batch["im_file"]),
                               dtype=np.int64, count=len(batch["im_file"]))
        except KeyError as exc:
            raise RuntimeError(f"batch image {exc} is not a training image of this run.") from exc
        weights = self._plan(self._pruning_epoch)[1][rows]
        if not (weights > 0).all():
            bad = batch["im_file"][int(np.flatnonzero(weights <= 0)[0])]
            raise RuntimeError(
                f"image {bad} is not in the plan of epoch {self._pruning_epoch}: the loader is "
                "out of step with the pruner."
            )
        w = torch.as_tensor(weights, dtype=torch.float32).to(self.device, non_blocking=True)
        self._ctx.pending = (rows, w)
        return batch

    # ---- partners
    def _restrict_partners(self, rows):
        ds = self._train_dataset
        if ds is None or not getattr(ds, "augment", False):
            return
        pos = self._pos_of_row[rows]
        cap = max(1, int(getattr(ds, "max_buffer_length", 0) or len(pos)))
        rng = np.random.default_rng([int(self.args.seed), self._pruning_epoch, 7])
        start = rng.choice(pos, size=min(cap, pos.size), replace=False)
        if ds.cache != "ram":  # evict what the old buffer held, as Ultralytics does
            for j in ds.buffer:
                ds.ims[j], ds.im_hw0[j], ds.im_hw[j] = None, None, None
            ds.buffer = [int(j) for j in start]
        else:  # RAM cache: Ultralytics has no buffer; the whole epoch's kept set is the pool
            ds.buffer = [int(j) for j in pos]
        for t in _mix_transforms(getattr(ds, "transforms", None)):
            if hasattr(t, "buffer_enabled"):  # Mosaic
                t.buffer_enabled = True
            else:
                t.get_indexes = _KeptPartner(ds)

    # ---- checkpoints
    def save_model(self):
        out = super().save_model()
        if self.pruner is not None:
            state = self.pruner.state_dict()
            sizes = state["epoch_sizes"]
            tmp = self.wdir / "pruner.tmp.npz"
            np.savez(
                tmp, scores=state["scores"], variances=state["variances"],
                n_seen=state["n_seen"], entropy=np.array(str(state["entropy"])),
                policy=np.array(state["policy"]), files=np.array(self.image_files),
                size_epochs=np.array(list(sizes), dtype=np.int64),
                size_values=np.array(list(sizes.values()), dtype=np.int64),
                settings=np.array(json.dumps(state["settings"])),
            )
            os.replace(tmp, self.wdir / "pruner.npz")
        return out

    def _restore_pruning_log(self):
        """Keep the ``pruning.csv`` rows of the epochs before ``start_epoch`` (resume): they
        are written back, unchanged, ahead of this run's rows. Rows of epochs logged after the
        checkpoint are dropped (those epochs are trained again), and so are rows whose epoch
        is not a whole number (one warning). The file is read from the run the checkpoint
        belongs to (``save_dir`` may change on resume), else from this run's folder."""
        path = Path(self.save_dir) / "pruning.csv"
        resume = getattr(self.args, "resume", None)
        if isinstance(resume, (str, Path)) and str(resume):
            earlier = Path(str(resume)).parent.parent / "pruning.csv"
            if earlier.is_file():
                path = earlier
        if not path.is_file():
            return
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.DictReader(fh))
        except (OSError, csv.Error, UnicodeError, ValueError) as exc:
            LOGGER.warning(f"datareduce: could not read {path} ({type(exc).__name__}: {exc}); "
                           "pruning.csv restarts with the resumed epochs.")
            return
        earlier, unreadable = [], 0
        for row in rows:
            epoch = _whole_number(row.get("epoch"))
            if epoch is None:
                unreadable += 1
            elif epoch <= int(self.start_epoch):
                row["epoch"] = epoch
                earlier.append(row)
        if unreadable:
            LOGGER.warning(f"datareduce: {unreadable} rows of {path} have no whole epoch number; "
                           "they are left out of pruning.csv.")
        self._earlier_log = earlier

    def resume_training(self, ckpt):
        super().resume_training(ckpt)
        if not self.resume or ckpt is None or self.pruner is None:
            return
        self._restore_pruning_log()
        path = Path(str(self.args.resume)).parent / "pruner.npz"
        if not path.is_file():
            LOGGER.warning(f"datareduce: {path} not found; the pruner's scores start afresh.")
            return
        with np.load(path, allow_pickle=False) as z:
            if list(z["files"]) != self.image_files:
                raise ValueError(f"{path} was saved for other training images; cannot resume.")
            state = {
                "n_samples": len(self.image_files), "policy": str(z["policy"]),
                "entropy": int(str(z["entropy"])), "scores": z["scores"],
                "variances": z["variances"], "n_seen": z["n_seen"],
                "epoch_sizes": dict(zip(z["size_epochs"].tolist(), z["size_values"].tolist(),
                                        strict=True)),
            }
            if "settings" in z.files:  # absent from the files of earlier versions
                state["settings"] = json.loads(str(z["settings"]))
        try:
            self.pruner.load_state_dict(state)
        except ValueError as exc:
            raise ValueError(
                f"{path}: {exc} Resume with the pruning options of the run being resumed "
                "(pruned_trainer(keep=..., policy=..., groups=..., ...) as it was first "
                "called).") from exc
        self._plans = {}
        self._pruning_epoch = int(self.start_epoch)
        LOGGER.info(f"datareduce: pruner scores restored from {path}")


def _on_train_start(trainer):
    model = unwrap_model(trainer.model)
    if getattr(trainer.args, "distill_model", None) is not None or hasattr(model, "student_model"):
        raise RuntimeError("dynamic pruning does not support knowledge distillation yet.")
    if getattr(model, "criterion", None) is None:
        model.criterion = model.init_criterion()
    if not isinstance(model.criterion, _PrunedCriterion):
        model.criterion = _PrunedCriterion(model.criterion, trainer._ctx)


def _on_train_epoch_start(trainer):
    epoch = int(trainer.epoch)
    trainer._ctx.flush(trainer.pruner)  # anything left from an interrupted epoch
    trainer._pruning_epoch = epoch
    trainer._ctx.scoring_time = 0.0
    trainer._stats = {"planning_s": 0.0}
    rows, weights = trainer._plan(epoch)
    if trainer.pruning["partners"] == "kept":
        trainer._restrict_partners(rows)
    if trainer._rect_shapes is not None:
        trainer._fit_rect(rows)
    p = trainer.pruner
    seen = p.n_seen_ > 0
    threshold = float("nan")
    if p.is_pruning_epoch(epoch) and seen.any():
        if p.policy == "infobatch":
            # one threshold only without groups: each group is cut at its own mean
            if p.groups_.size == 1:
                threshold = float(score_mean(p.scores_[seen]))
        elif p.policy in ("epsilon_greedy", "ucb"):
            kept_seen = rows[p.n_seen_[rows] > 0]
            if kept_seen.size:
                threshold = float(p.scores_[kept_seen].min())
    trainer._stats.update(epoch=epoch + 1, images=int(rows.size), of=p.n_samples,
                          pruned=bool(p.is_pruning_epoch(epoch)), threshold=threshold,
                          weight_sum=float(weights.sum()))
    thr = "" if math.isnan(threshold) else f", score threshold {threshold:.4g}"
    LOGGER.info(f"datareduce: epoch {epoch + 1}/{trainer.epochs} trains on {rows.size}/"
                f"{p.n_samples} images ({p.policy}{thr})")


# pruning.csv columns
_LOG_KEYS = ["epoch", "images", "of", "pruned", "threshold", "weight_sum", "scored", "scoring_s",
             "planning_s"]


def _on_train_epoch_end(trainer):
    n = trainer._ctx.flush(trainer.pruner)
    stats = dict(trainer._stats)
    stats.update(scored=n, scoring_s=round(trainer._ctx.scoring_time, 4),
                 planning_s=round(stats.get("planning_s", 0.0), 4))
    trainer.pruning_log.append(stats)
    LOGGER.info(f"datareduce: epoch {stats['epoch']} scored {n} images; scoring "
                f"{stats['scoring_s']:.3f} s, planning {stats['planning_s']:.3f} s")
    path = Path(trainer.save_dir) / "pruning.csv"
    text = io.StringIO(newline="")
    w = csv.DictWriter(text, fieldnames=_LOG_KEYS, extrasaction="ignore")
    w.writeheader()
    w.writerows(getattr(trainer, "_earlier_log", []))  # epochs before a resume
    w.writerows(trainer.pruning_log)
    try:  # a temporary file renamed over pruning.csv: an interrupted run never truncates it
        atomic_write_text(path, text.getvalue())
    except OSError as exc:  # pragma: no cover - read-only run folder
        LOGGER.warning(f"datareduce: could not write {path}: {exc}")


def _whole_number(value):
    """``value`` (a pruning.csv cell) as an int if it is a whole number ("2", "2.0"), else
    None."""
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(x) if math.isfinite(x) and x.is_integer() else None


# ------------------------------------------------------------------------------ factory
def _check_options(opts):
    if opts["policy"] not in POLICIES:
        raise ValueError(f"policy={opts['policy']!r} is unknown: pick one of {', '.join(POLICIES)}.")
    if opts["partners"] not in _PARTNERS:
        raise ValueError(f"partners={opts['partners']!r} must be 'any' or 'kept'.")
    g = opts["groups"]
    if not (g is None or g == "category" or isinstance(g, dict)):
        raise TypeError(
            "groups must be None, 'category' (image categories from the labels) or a dict "
            "{image file: group label}."
        )
    bad = {"n_samples", "keep", "policy", "groups", "n_epochs"} & set(opts["pruner_params"])
    if bad:
        raise TypeError(f"pruner_params cannot set {sorted(bad)}: they are set by the trainer.")
    # fail early on bad values (the real pruner is made once the dataset is known)
    keep = opts["keep"]
    n = keep if isinstance(keep, int) and not isinstance(keep, bool) and keep > 0 else 100
    DynamicPruner(n, keep=keep, policy=opts["policy"], n_epochs=10**6,
                  **opts["pruner_params"])


def pruned_trainer(keep=0.5, policy="infobatch", *, groups=None, partners="any", **pruner_params):
    """A :class:`PrunedDetectionTrainer` subclass with these pruning options.

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.5
        Images per pruned epoch (fraction or count), as in :class:`DynamicPruner`; for
        ``"infobatch"`` it sets ``r = 1 - keep``.
    policy : {"uniform", "rs2", "epsilon_greedy", "ucb", "infobatch"}, default="infobatch"
        Selection rule of :class:`DynamicPruner`.
    groups : None, "category" or dict, default=None
        Class-aware budgets: ``"category"`` groups images by the classes in their labels
        (:func:`datareduce.detection.image_categories`: empty, single class, combination);
        a dict maps each training image's path (``str`` or ``Path``; relative ones under the
        current folder) to a group label.
    partners : {"any", "kept"}, default="any"
        Mosaic / MixUp partners. ``"any"`` is Ultralytics' behaviour: partners come from the
        recently loaded images (Mosaic's buffer, which also holds earlier epochs' images) or
        from the whole training set (RAM cache, MixUp, CutMix, CopyPaste), so a pruned image
        can still be seen as a partner. ``"kept"`` draws every partner from the images kept
        in the current epoch (the buffer is reset each epoch; workers restart each epoch).
    **pruner_params
        Other :class:`DynamicPruner` options: ``ema``, ``eps``, ``c``, ``r``, ``delta``,
        ``start_epoch``, ``stop_epoch``, ``initial_score``. Its ``random_state`` is the
        training ``seed``.

    Returns
    -------
    type
        Pass it as ``YOLO(...).train(trainer=...)``.

    Examples
    --------
    >>> from datareduce.dynamic.yolo import pruned_trainer      # doctest: +SKIP
    >>> from ultralytics import YOLO                             # doctest: +SKIP
    >>> YOLO("yolov8n.yaml").train(data="data.yaml", epochs=30,  # doctest: +SKIP
    ...     trainer=pruned_trainer(keep=0.5, policy="rs2", groups="category"))
    """
    pruner_params.pop("random_state", None)
    opts = {"keep": keep, "policy": policy, "groups": groups, "partners": partners,
            "pruner_params": dict(pruner_params)}
    _check_options(opts)
    return type(f"PrunedDetectionTrainer_{policy}", (PrunedDetectionTrainer,),
                {"pruning_options": opts, "__module__": __name__})


def train_pruned(model, data, keep=0.5, policy="infobatch", *, groups=None, partners="any",
                 pruner_params=None, **train_args):
    """Train an Ultralytics YOLO detection model with dynamic per-epoch pruning.

    ``train_pruned(model, data=..., keep=..., policy=..., **train_args)`` is
    ``model.train(data=data, trainer=pruned_trainer(keep, policy, ...), **train_args)``.

    Parameters
    ----------
    model : ultralytics.YOLO or str
        The model (or a model file / YAML, e.g. ``"yolov8n.yaml"``).
    data : str or Path
        The data YAML.
    keep, policy, groups, partners : see :func:`pruned_trainer`
        As in :func:`pruned_trainer`.
    pruner_params : dict or None
        Other :class:`DynamicPruner` options (see :func:`pruned_trainer`).
    **train_args
        Ultralytics training arguments (``epochs``, ``imgsz``, ``batch``, ``workers``, ...).

    Returns
    -------
    PrunedDetectionTrainer
        The trainer after training: ``.pruner``, ``.pruning_log``, ``.metrics``,
        ``.save_dir``, ``.best``.
    """
    from ultralytics import YOLO

    if isinstance(model, (str, Path)):
        model = YOLO(str(model))
    trainer = pruned_trainer(keep, policy, groups=groups, partners=partners,
                             **(pruner_params or {}))
    model.train(data=str(data), trainer=trainer, **train_args)
    return model.trainer
