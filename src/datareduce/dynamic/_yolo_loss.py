"""Per-image detection loss for dynamic pruning inside Ultralytics training.

The criterion wrapper of :mod:`datareduce.dynamic.yolo`: it splits Ultralytics'
``v8DetectionLoss`` into per-image parts (box, class, DFL), trains on their pruner-weighted
sum and hands each image's normalised part to a :class:`_Context`, which reports them to
the pruner once per epoch. See the module docstring of :mod:`datareduce.dynamic.yolo`.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from ultralytics.utils import LOGGER
from ultralytics.utils.loss import v8DetectionLoss
from ultralytics.utils.metrics import bbox_iou
from ultralytics.utils.tal import bbox2dist

_N_CHECKED_BATCHES = 3  # batches on which the per-image split is checked against Ultralytics

class _PerImageBBoxLoss(torch.nn.Module):
    """Drop-in for Ultralytics' ``BboxLoss`` that also keeps per-image sums.

    Returns the same two scalars (CIoU box loss and DFL / L1 loss over the batch, divided by
    the batch's target-score sum) and stores the per-image numerators in ``record``.
    """

    def __init__(self, inner, record):
        super().__init__()
        self.inner = inner
        self.dfl_loss = inner.dfl_loss
        self.record = record

    def forward(self, pred_dist, pred_bboxes, anchor_points, target_bboxes, target_scores,
                target_scores_sum, fg_mask, imgsz, stride):
        b = fg_mask.shape[0]
        img, anc = fg_mask.nonzero(as_tuple=True)
        weight = target_scores[img, anc].sum(-1, keepdim=True)
        iou = bbox_iou(pred_bboxes[img, anc], target_bboxes[img, anc], xywh=False, CIoU=True)
        box_a = ((1.0 - iou) * weight).reshape(-1)
        if self.dfl_loss is not None:
            target_ltrb = bbox2dist(anchor_points, target_bboxes, self.dfl_loss.reg_max - 1)
            dfl_a = self.dfl_loss(
                pred_dist[img, anc].view(-1, self.dfl_loss.reg_max), target_ltrb[img, anc]
            ) * weight
        else:
            target_ltrb = bbox2dist(anchor_points, target_bboxes) * stride
            target_ltrb[..., 0::2] /= imgsz[1]
            target_ltrb[..., 1::2] /= imgsz[0]
            pd = pred_dist * stride
            pd[..., 0::2] /= imgsz[1]
            pd[..., 1::2] /= imgsz[0]
            dfl_a = torch.nn.functional.l1_loss(
                pd[img, anc], target_ltrb[img, anc], reduction="none"
            ).mean(-1, keepdim=True) * weight
        dfl_a = dfl_a.reshape(-1)
        zeros = torch.zeros(b, device=box_a.device, dtype=box_a.dtype)
        box_i = zeros.index_add(0, img, box_a)
        dfl_i = zeros.to(dfl_a.dtype).index_add(0, img, dfl_a)
        self.record["box"] = box_i
        self.record["dfl"] = dfl_i
        self.record["tss"] = target_scores_sum
        self.record["tss_i"] = target_scores.detach().sum((1, 2))
        loss_iou, loss_dfl = box_i.sum() / target_scores_sum, dfl_i.sum() / target_scores_sum
        if self.record.get("check"):
            ref_iou, ref_dfl = self.inner(pred_dist, pred_bboxes, anchor_points, target_bboxes,
                                          target_scores, target_scores_sum, fg_mask, imgsz, stride)
            self.record["ref"] = (ref_iou.detach(), ref_dfl.detach(),
                                  loss_iou.detach(), loss_dfl.detach())
        return loss_iou, loss_dfl


class _RecordingBCE(torch.nn.Module):
    """``BCEWithLogitsLoss(reduction="none")`` that keeps its output for per-image sums."""

    def __init__(self, record):
        super().__init__()
        self.record = record

    def forward(self, pred, target):
        out = torch.nn.functional.binary_cross_entropy_with_logits(pred, target, reduction="none")
        # Ultralytics multiplies by its class weights in place afterwards: keeping the tensor
        # (not a copy) means the per-image sums see the same weighted values.
        self.record["bce"] = out
        return out


class _PrunedCriterion:
    """Wrap a detection criterion: weighted per-image loss, per-image scores to the trainer.

    Supports ``v8DetectionLoss`` (YOLOv8 / YOLO11 style heads) and ``E2ELoss`` built from
    ``v8DetectionLoss`` branches (YOLO26 style heads). Without a pending batch (validation,
    or anything outside the training step) it behaves exactly like the wrapped criterion.
    """

    def __init__(self, inner, ctx):
        self.inner = inner
        self.ctx = ctx
        branches = []
        if type(inner) is v8DetectionLoss:
            branches = [("", inner)]
        elif all(type(getattr(inner, a, None)) is v8DetectionLoss for a in ("one2many", "one2one")):
            branches = [("one2many", inner.one2many), ("one2one", inner.one2one)]
        if not branches:
            raise TypeError(
                f"dynamic pruning supports detection models whose loss is v8DetectionLoss or "
                f"E2ELoss over v8DetectionLoss branches; this model's loss is "
                f"{type(inner).__name__} (segmentation, pose and OBB are not supported yet)."
            )
        self.branches = []
        for name, loss in branches:
            rec = {}
            loss.bce = _RecordingBCE(rec)
            loss.bbox_loss = _PerImageBBoxLoss(loss.bbox_loss, rec)
            self.branches.append((name, loss, rec))
        self.n_checked = 0

    def __getattr__(self, name):  # update(), hyp, ... of the wrapped criterion
        if name in ("inner", "ctx", "branches", "n_checked"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _coefficient(self, name):
        if name == "":
            return 1.0
        return float(self.inner.o2m if name == "one2many" else self.inner.o2o)

    def __call__(self, preds, batch):
        pending = self.ctx.pending
        check = pending is not None and self.n_checked < _N_CHECKED_BATCHES
        for _, _, rec in self.branches:
            rec.clear()
            rec["check"] = check
        total, items = self.inner(preds, batch)
        if pending is None:
            return total, items
        self.ctx.pending = None
        t0 = time.perf_counter()
        rows, w = pending
        weighted, score = 0.0, 0.0
        for name, loss, rec in self.branches:
            if "bce" not in rec or "box" not in rec:
                raise RuntimeError(
                    "the per-image loss was not recorded: this Ultralytics version computes "
                    "the detection loss differently from what datareduce expects."
                )
            hyp = loss.hyp
            cls_i = rec["bce"].sum(dim=tuple(range(1, rec["bce"].ndim)))
            terms = torch.stack([rec["box"] * hyp.box, cls_i * hyp.cls, rec["dfl"] * hyp.dfl])
            a = self._coefficient(name)
            b = terms.shape[1]
            # (box, cls, dfl) like Ultralytics' loss vector, each image's part weighted
            weighted = weighted + a * b * (terms * w.to(terms.dtype)).sum(1) / rec["tss"]
            part = terms.detach().sum(0)
            score = score + a * part / rec["tss_i"].clamp(min=1.0)
            if check:
                self._check(rec, part, total if len(self.branches) == 1 else None)
        if check:
            self.n_checked += 1
        self.ctx.collect(rows, score, time.perf_counter() - t0)
        return weighted, items

    def _check(self, rec, part, total):
        ref_iou, ref_dfl, my_iou, my_dfl = rec["ref"]
        ok = torch.allclose(ref_iou, my_iou, rtol=1e-3, atol=1e-5) and torch.allclose(
            ref_dfl, my_dfl, rtol=1e-3, atol=1e-5
        )
        if ok and total is not None:
            b = part.shape[0]
            ok = torch.allclose((b * part.sum() / rec["tss"]).reshape(()),
                                total.detach().sum().to(part.dtype), rtol=1e-3, atol=1e-5)
        if not ok:
            raise RuntimeError(
                "the per-image split of the detection loss does not add up to Ultralytics' "
                f"own loss (box {float(ref_iou):.6g} vs {float(my_iou):.6g}, dfl "
                f"{float(ref_dfl):.6g} vs {float(my_dfl):.6g}): this Ultralytics version "
                "changed v8DetectionLoss; please report it to datareduce."
            )


class _Context:
    """Shared state between the trainer, the criterion and the sampler of one run."""

    def __init__(self):
        self.pending = None
        self._rows, self._scores = [], []
        self.scoring_time = 0.0

    def collect(self, rows, score, seconds):
        self._rows.append(rows)
        self._scores.append(score)
        self.scoring_time += seconds

    def flush(self, pruner):
        """Report the collected per-image losses to ``pruner`` (one device sync per epoch)."""
        if not self._rows:
            return 0
        t0 = time.perf_counter()
        rows = np.concatenate(self._rows)
        scores = torch.cat([s.reshape(-1) for s in self._scores]).float().cpu().numpy()
        self._rows, self._scores = [], []
        finite = np.isfinite(scores)
        if not finite.all():
            LOGGER.warning(
                f"datareduce: {int((~finite).sum())} non-finite per-image losses skipped "
                "(the pruner keeps their previous scores)."
            )
        pruner.update(rows[finite], scores[finite])
        self.scoring_time += time.perf_counter() - t0
        return int(rows.size)
