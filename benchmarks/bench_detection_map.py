"""Downstream detection benchmark: mAP after fine-tuning on reduced training sets.

What it does (CPU only; nothing is downloaded):

1. Generates a *source* detection task (drawn shapes: larger images, at most two shapes,
   other colours and seed) and trains ``yolov8n`` on it from random weights. These
   weights stand in for pretrained weights, which cannot be downloaded here.
2. Generates the *target* task: video-like training frames (near-duplicate frames with
   pixel noise, plus byte-identical copies) and a separate validation set.
3. Fine-tunes the source weights on the full target training set and on subsets of the
   same size chosen by: Ultralytics ``fraction=`` (its first N files), seeded random
   (no strata), SRS (image categories as strata), exact+near de-duplication then SRS,
   MMS on thumbnails, and the object-level selection (box-crop embeddings per image and
   class, MMS).
4. Two budgets: *equal epochs* (every subset trains as many epochs as the full set) and
   *equal steps* (a subset trains ``1 / keep`` times more epochs, so the same number of
   optimisation steps as the full set).
5. For each training seed: mAP50 and mAP50-95 on the validation set, and the wall time
   of selection (embedding + selection) and training.

Prints one Markdown table: mean ± standard deviation over seeds, and, for each subset
method, the mean paired difference to SRS with its spread (same seed, same budget).

Usage::

    python benchmarks/bench_detection_map.py --quick   # 3 seeds (~25 min on 2 busy cores)
    python benchmarks/bench_detection_map.py           # longer pretraining and fine-tuning

Ultralytics runs offline: ``YOLO_OFFLINE=1``, ``YOLO_CONFIG_DIR`` holding a TTF font as
``Ultralytics/Arial.ttf``, runs written to a temporary folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="bench_detection_map_"))
os.environ.update(YOLO_OFFLINE="1", YOLO_CONFIG_DIR=str(TMP / "cfg"),
                  MPLCONFIGDIR=str(TMP / "cfg"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from datareduce.detection import (  # noqa: E402
    Deduplicator,
    DetectionReducer,
    load_yolo,
    make_shapes_dataset,
)

CONFIGS = {
    # fine-tuning optimiser "auto": Ultralytics' choice (AdamW, lr 0.00111 for 5 classes)
    "quick": dict(n_source=300, source_epochs=25, n_base=100, n_near=60, n_exact=20,
                  n_val=80, epochs=3, keep=0.25, seeds=(0, 1, 2), imgsz=64, batch=16,
                  ft_optimizer="auto", ft_lr0=0.01),
    "full": dict(n_source=400, source_epochs=40, n_base=100, n_near=60, n_exact=20,
                 n_val=80, epochs=6, keep=0.25, seeds=(0, 1, 2), imgsz=64, batch=16,
                 ft_optimizer="AdamW", ft_lr0=0.002),
}
METHODS = ("fraction", "random", "srs", "dedup+srs", "mms", "object-level")


def _offline_setup():
    import matplotlib

    dst = TMP / "cfg" / "Ultralytics"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf", dst / "Arial.ttf")
    from ultralytics.utils import LOGGER

    LOGGER.setLevel(logging.ERROR)


def make_tasks(cfg):
    """The source task (pretraining) and the target task (video-like, with duplicates)."""
    from PIL import Image

    src = make_shapes_dataset(TMP / "source", n_train=cfg["n_source"], n_val=8,
                              image_size=80, max_shapes=2, p_empty=0.02,
                              n_near_duplicates=0, random_state=1000)
    n_train = cfg["n_base"] + cfg["n_near"]
    tgt = make_shapes_dataset(TMP / "target", n_train=n_train, n_val=cfg["n_val"],
                              image_size=64, max_shapes=4, p_empty=0.08,
                              n_near_duplicates=cfg["n_near"], image_format="jpg",
                              random_state=7)
    # byte-identical copies (a paused camera), named so they sort after their original
    rng = np.random.default_rng(3)
    imgs = sorted((TMP / "target" / "images" / "train").glob("train_*.jpg"))
    imgs = [p for p in imgs if not p.stem.endswith("_dup")]
    for k, i in enumerate(rng.choice(len(imgs), cfg["n_exact"], replace=False)):
        p = imgs[i]
        shutil.copy(p, p.with_name(f"{p.stem}_copy{k}.jpg"))
        lbl = TMP / "target" / "labels" / "train"
        shutil.copy(lbl / f"{p.stem}.txt", lbl / f"{p.stem}_copy{k}.txt")
    del Image
    return src, tgt


def pretrain(src_yaml, cfg):
    from ultralytics import YOLO

    t0 = time.perf_counter()
    model = YOLO("yolov8n.yaml")
    model.train(data=str(src_yaml), epochs=cfg["source_epochs"], imgsz=cfg["imgsz"],
                batch=cfg["batch"], device="cpu", workers=0, seed=0, deterministic=True,
                project=str(TMP / "runs"), name="pretrain", exist_ok=True, val=False,
                plots=False, verbose=False, amp=False, warmup_epochs=0, mosaic=0.0,
                optimizer="AdamW", lr0=0.004)
    weights = Path(model.trainer.last)
    return weights, time.perf_counter() - t0


def finetune(weights, data_yaml, val_yaml, cfg, *, epochs, seed, fraction=1.0, name="run"):
    from ultralytics import YOLO

    t0 = time.perf_counter()
    model = YOLO(str(weights))
    model.train(data=str(data_yaml), epochs=epochs, imgsz=cfg["imgsz"], batch=cfg["batch"],
                device="cpu", workers=0, seed=seed, deterministic=True, fraction=fraction,
                project=str(TMP / "runs"), name=name, exist_ok=True, val=False, plots=False,
                verbose=False, amp=False, warmup_epochs=0, mosaic=0.0,
                optimizer=cfg["ft_optimizer"], lr0=cfg["ft_lr0"])
    train_s = time.perf_counter() - t0
    m = YOLO(str(model.trainer.last)).val(data=str(val_yaml), imgsz=cfg["imgsz"], batch=32,
                                          device="cpu", workers=0, plots=False, verbose=False,
                                          project=str(TMP / "runs"), name=f"{name}_val",
                                          exist_ok=True)
    return float(m.box.map50), float(m.box.map), train_s


def select(method, ds, keep_n, seed):
    """(data YAML of the subset, selection seconds) for one method."""
    kw = dict(keep=keep_n, random_state=seed, dedup=None)  # de-duplication only where named
    if method == "random":
        dr = DetectionReducer("random", embedder="label", categories=None, **kw)
    elif method == "srs":
        dr = DetectionReducer("srs", embedder="label", **kw)
    elif method == "dedup+srs":
        dr = DetectionReducer("srs", embedder="label", **{**kw, "dedup": Deduplicator("near")})
    elif method == "mms":
        dr = DetectionReducer("mms", embedder="thumbnail", **kw)
    elif method == "object-level":
        dr = DetectionReducer("mms", embedder="crops", **kw)
    else:
        raise ValueError(method)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr.fit(ds)
        out = dr.write(TMP / "subsets" / f"{method}-{seed}")
    n_dup = len(dr.sample_indices_) - len(np.unique(_exact_groups(ds)[dr.sample_indices_]))
    return out, time.perf_counter() - t0, n_dup


_GROUPS = {}


def _exact_groups(ds):
    key = id(ds)
    if key not in _GROUPS:
        _GROUPS[key] = Deduplicator("near").fit(ds).group_
    return _GROUPS[key]


def mean_sd(v):
    v = np.asarray(v, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1) if len(v) > 1 else 0:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="shorter pretraining, 3 fine-tuning epochs with Ultralytics' defaults")
    ap.add_argument("--seeds", type=int, help="number of training seeds (default 3)")
    args = ap.parse_args(argv)
    cfg = dict(CONFIGS["quick" if args.quick else "full"])
    if args.seeds:
        cfg["seeds"] = tuple(range(args.seeds))
    _offline_setup()
    t_all = time.perf_counter()
    src_yaml, tgt_yaml = make_tasks(cfg)
    ds = load_yolo(tgt_yaml)
    n = len(ds)
    keep_n = round(cfg["keep"] * n)
    weights, pre_s = pretrain(src_yaml, cfg)
    print(f"source task: {cfg['n_source']} images, {cfg['source_epochs']} epochs from random "
          f"weights in {pre_s:.0f} s; target: {n} training images "
          f"({cfg['n_near']} near-duplicate frames, {cfg['n_exact']} byte copies), "
          f"{cfg['n_val']} validation images; keep {keep_n} ({cfg['keep']:.0%}); "
          f"imgsz {cfg['imgsz']}, batch {cfg['batch']}; fine-tuning optimizer "
          f"{cfg['ft_optimizer']}", flush=True)
    from ultralytics import YOLO

    m = YOLO(str(weights)).val(data=str(tgt_yaml), imgsz=cfg["imgsz"], batch=32, device="cpu",
                               workers=0, plots=False, verbose=False,
                               project=str(TMP / "runs"), name="zero-shot", exist_ok=True)
    print(f"source weights on the target validation set, before fine-tuning: mAP50 "
          f"{m.box.map50:.3f}, mAP50-95 {m.box.map:.3f}", flush=True)
    E = cfg["epochs"]
    E_steps = int(round(E / cfg["keep"]))
    rows = {}  # (method, budget) -> list of (map50, map, sel_s, train_s, n_dup)

    def add(key, val):
        rows.setdefault(key, []).append(val)

    for seed in cfg["seeds"]:
        m50, m, tr = finetune(weights, tgt_yaml, tgt_yaml, cfg, epochs=E, seed=seed,
                              name=f"full-{seed}")
        add(("full", f"{E} epochs"), (m50, m, 0.0, tr, float("nan")))
        print(f"seed {seed} full: mAP50 {m50:.3f}", flush=True)
        frac = keep_n / n
        for budget, ep in (("equal epochs", E), ("equal steps", E_steps)):
            m50, m, tr = finetune(weights, tgt_yaml, tgt_yaml, cfg, epochs=ep, seed=seed,
                                  fraction=frac, name=f"fraction-{budget[6]}-{seed}")
            first = np.arange(keep_n)
            n_dup = keep_n - len(np.unique(_exact_groups(ds)[first]))
            add(("fraction", budget), (m50, m, 0.0, tr, n_dup))
        for method in METHODS[1:]:
            sub_yaml, sel_s, n_dup = select(method, ds, keep_n, seed)
            for budget, ep in (("equal epochs", E), ("equal steps", E_steps)):
                m50, m, tr = finetune(weights, sub_yaml, tgt_yaml, cfg, epochs=ep, seed=seed,
                                      name=f"{method}-{budget[6]}-{seed}")
                add((method, budget), (m50, m, sel_s, tr, n_dup))
            print(f"seed {seed} {method}: mAP50 {m50:.3f} (equal steps)", flush=True)
    print()
    print("| training set | budget | mAP50 | mAP50-95 | mAP50 - SRS (paired) | "
          "near-duplicate images kept | selection s | training s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (method, budget), vals in rows.items():
        v = np.array(vals, dtype=float)
        diff = ""
        if method not in ("full", "srs"):
            base = np.array(rows[("srs", budget)], dtype=float)[:, 0]
            diff = mean_sd(v[:, 0] - base)
        dup = "" if np.isnan(v[:, 4]).all() else f"{v[:, 4].mean():.1f}"
        print(f"| {method} | {budget} | {mean_sd(v[:, 0])} | {mean_sd(v[:, 1])} | {diff} | "
              f"{dup} | {v[:, 2].mean():.1f} | {v[:, 3].mean():.1f} |")
    print(f"\n{len(cfg['seeds'])} training seeds (mean ± sd); equal epochs = {E}, equal steps "
          f"= {E_steps} epochs for subsets; total {time.perf_counter() - t_all:.0f} s; "
          f"load {os.getloadavg()[0]:.1f}")
    shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
