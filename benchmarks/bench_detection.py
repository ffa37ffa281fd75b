"""Detection adapter benchmark: embedding throughput, reduction time, box retention.

Generates a YOLO dataset of drawn shapes (``make_shapes_dataset``; nothing downloaded),
then prints three Markdown tables:

1. embedding throughput (images/s) of each embedder;
2. reduction time of each registered method on the thumbnail embeddings (keep 0.3,
   image categories as strata);
3. per-class box retention (boxes kept / boxes before) at keep 0.3 for each method,
   next to random sampling, with the epsilon of the kept embeddings.

Usage::

    python benchmarks/bench_detection.py            # 3,000 training images
    python benchmarks/bench_detection.py --quick    # 400 images, < 1 minute

The Ultralytics row uses an *untrained* ``yolov8n.yaml`` (no weights can be downloaded
here): it measures speed only, its embeddings are meaningless.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="bench_detection_"))
# Ultralytics offline and home-clean; must be set before it is imported
os.environ.update(YOLO_OFFLINE="1", YOLO_CONFIG_DIR=str(TMP / "cfg"), MPLCONFIGDIR=str(TMP / "cfg"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from datareduce import available_reducers  # noqa: E402
from datareduce.detection import (  # noqa: E402
    DetectionReducer,
    LabelEmbedder,
    ThumbnailEmbedder,
    UltralyticsEmbedder,
    load_yolo,
    make_shapes_dataset,
)

METHODS = ("random", "srs", "mms", "clc", "des", "prd", "nrmd", "phl", "vq")


def _font():
    import matplotlib

    dst = TMP / "cfg" / "Ultralytics"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf", dst / "Arial.ttf")


def throughput(ds, quick):
    rows = []
    cases = [("label", LabelEmbedder(), ds),
             ("thumbnail (16 px, PCA 64)", ThumbnailEmbedder(), ds),
             ("thumbnail, 2 threads", ThumbnailEmbedder(n_jobs=2), ds)]
    try:
        import ultralytics  # noqa: F401

        _font()
        from ultralytics import YOLO

        n_u = 32 if quick else 128
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            emb = UltralyticsEmbedder(YOLO("yolov8n.yaml"), allow_untrained=True, imgsz=160,
                                      batch_size=16)
            emb.embed(ds.subset(range(4)))  # warm-up: model fusing and predictor set-up
        cases.append(("ultralytics yolov8n (untrained, imgsz 160, cpu)", emb,
                      ds.subset(range(n_u))))
    except ImportError:
        pass
    for name, emb, d in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            X = emb.embed(d)
            dt = time.perf_counter() - t0
        rows.append((name, len(d), X.shape[1], dt, len(d) / dt))
    print("| embedder | images | dim | seconds | images/s |")
    print("|---|---:|---:|---:|---:|")
    for name, n, dim, dt, ips in rows:
        print(f"| {name} | {n} | {dim} | {dt:.2f} | {ips:,.0f} |")


def methods(ds, quick):
    X = ThumbnailEmbedder().embed(ds)
    avail = [m for m in METHODS if m in available_reducers()]
    results = {}
    for m in avail:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                t0 = time.perf_counter()
                dr = DetectionReducer(m, keep=0.3, random_state=0, dedup=None).fit(ds, embeddings=X)
                total = time.perf_counter() - t0
                results[m] = (dr, total)
            except Exception as exc:  # report, keep going
                results[m] = (f"{type(exc).__name__}: {exc}"[:80], None)
    print("\n| method | kept images | reduce s | fit total s (incl. epsilon) | epsilon |")
    print("|---|---:|---:|---:|---:|")
    for m, (dr, total) in results.items():
        if isinstance(dr, str):
            print(f"| {m} | failed: {dr} | | | |")
            continue
        eps = "-" if dr.epsilon_ is None else f"{dr.epsilon_.value:.3f}"
        print(f"| {m} | {len(dr.sample_indices_)} | {dr.reduce_time_:.3f} | {total:.3f} | {eps} |")
    names = [ds.class_name(c) for c in range(ds.n_classes)]
    before = ds.instances_per_class()
    print("\nBox retention per class at keep 0.3 (boxes kept / boxes before; ideal 0.30):\n")
    print("| method | " + " | ".join(f"{n} ({b})" for n, b in zip(names, before, strict=True))
          + " | images w/o box kept |")
    print("|---|" + "---:|" * (len(names) + 1))
    for m, (dr, _) in results.items():
        if isinstance(dr, str):
            continue
        ret = dr.report_.box_retention
        empty = sum(1 for i in dr.sample_indices_ if len(ds.boxes[i]) == 0)
        print(f"| {m} | " + " | ".join(f"{r:.2f}" for r in ret) + f" | {empty} |")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unstrat = [DetectionReducer("random", keep=0.3, categories=None, random_state=s, dedup=None)
                   .fit(ds, embeddings=X).report_.box_retention for s in range(10)]
    u = np.array(unstrat)
    print("| random, no strata (mean ± sd of 10 seeds) | "
          + " | ".join(f"{a:.2f} ± {b:.2f}" for a, b in zip(u.mean(0), u.std(0), strict=True))
          + " | |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="400 images (< 1 minute)")
    ap.add_argument("--n", type=int, help="number of training images")
    args = ap.parse_args(argv)
    n = args.n or (400 if args.quick else 3000)
    try:
        t0 = time.perf_counter()
        yaml_path = make_shapes_dataset(TMP / "data", n_train=n, n_val=10, image_size=96,
                                        n_near_duplicates=n // 20, rare_images=3,
                                        image_format="jpg")
        gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        ds = load_yolo(yaml_path)
        load = time.perf_counter() - t0
        print(f"# bench_detection: {n} images 96x96 JPEG, {ds.n_boxes} boxes "
              f"(generated in {gen:.1f} s, loaded + verified in {load:.2f} s)\n")
        throughput(ds, args.quick)
        methods(ds, args.quick)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
