"""Dynamic pruning inside Ultralytics YOLO training vs full training, at equal epochs.

A generated detection task (drawn shapes, :func:`datareduce.detection.make_shapes_dataset`;
a separate validation set) is trained from scratch with ``yolov8n.yaml`` on the CPU:

- ``full``: Ultralytics' own trainer on every image every epoch;
- ``uniform``, ``rs2``, ``epsilon_greedy``, ``infobatch``: :func:`datareduce.dynamic.yolo.
  train_pruned` with ``keep`` (InfoBatch: ``r = 1 - keep``, its default annealing).

Every method trains the same number of epochs with the same Ultralytics settings, for each
seed. Reported per method (median and min-max over seeds): mAP50 and mAP50-95 on the
validation set from Ultralytics' final validation (of ``best.pt``: with ``--val-every-epoch``
the epoch with the best fitness, else the last epoch), images seen (forward + backward passes), the training loop's
wall time (from the first epoch's start to the last epoch's end, including the pruner's
scoring and planning, excluding validation) and its ratio to full training's median, and
the seconds spent scoring + planning. ``--val-every-epoch`` also records each run's mAP50
after every epoch against its training time (in the ``--json`` output).

Usage::

    python benchmarks/bench_dynamic_yolo.py --quick      # 1 seed, tiny, a smoke test
    python benchmarks/bench_dynamic_yolo.py              # 3 seeds, the table in docs/dynamic.md

Runs Ultralytics offline in a scratch folder (nothing is written to the home folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _offline_env(scratch: Path) -> None:
    import matplotlib

    cfg = scratch / "ultralytics-cfg"
    (cfg / "Ultralytics").mkdir(parents=True, exist_ok=True)
    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for target in (cfg / "Arial.ttf", cfg / "Ultralytics" / "Arial.ttf"):
        shutil.copy(font, target)
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ["YOLO_CONFIG_DIR"] = str(cfg)
    os.environ.setdefault("MPLCONFIGDIR", str(scratch / "mpl"))
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def run_one(method, seed, data, args, workdir):
    """Train one model; return a dict of measurements."""
    import torch
    from ultralytics import YOLO

    from datareduce.dynamic.yolo import pruned_trainer

    torch.set_num_threads(args.threads)
    model = YOLO("yolov8n.yaml")
    marks = {"val": 0.0, "curve": []}

    def start(trainer):
        marks.setdefault("t0", time.perf_counter())

    def val_start(validator):
        marks["v0"] = time.perf_counter()

    def val_end(validator):
        if "v0" in marks:
            marks["val"] += time.perf_counter() - marks.pop("v0")

    def end(trainer):
        marks["t1"] = time.perf_counter()
        m = trainer.metrics or {}
        marks["curve"].append((trainer.epoch + 1,
                               round(marks["t1"] - marks["t0"] - marks["val"], 2),
                               round(float(m.get("metrics/mAP50(B)", float("nan"))), 4),
                               round(float(m.get("metrics/mAP50-95(B)", float("nan"))), 4)))

    model.add_callback("on_train_epoch_start", start)
    model.add_callback("on_val_start", val_start)
    model.add_callback("on_val_end", val_end)
    model.add_callback("on_fit_epoch_end", end)
    train_args = dict(data=str(data), epochs=args.epochs, imgsz=args.imgsz, batch=args.batch,
                      workers=0, device="cpu", seed=seed, deterministic=False, plots=False,
                      verbose=False, amp=False, val=args.val_every_epoch, project=str(workdir),
                      name=f"{method}-s{seed}", exist_ok=True, close_mosaic=args.close_mosaic,
                      mosaic=args.mosaic, optimizer=args.optimizer, lr0=args.lr0,
                      warmup_epochs=args.warmup_epochs, nbs=args.nbs)
    trainer_cls = None if method == "full" else pruned_trainer(keep=args.keep, policy=method)
    t0 = time.perf_counter()
    metrics = model.train(trainer=trainer_cls, **train_args)
    wall = time.perf_counter() - t0
    tr = model.trainer
    if method == "full":
        seen = len(tr.train_loader.dataset) * args.epochs
        scoring = 0.0
    else:
        seen = sum(s["images"] for s in tr.pruning_log)
        scoring = sum(s["scoring_s"] + s["planning_s"] for s in tr.pruning_log)
    # Ultralytics' final metrics: its last validation, of best.pt (with validation every epoch,
    # the checkpoint of the epoch with the best fitness on the validation set; else the last)
    m50, m5095 = float(metrics.box.map50), float(metrics.box.map)
    return {"method": method, "seed": seed, "map50": m50, "map": m5095, "seen": int(seen),
            "loop_s": marks["t1"] - marks["t0"] - marks["val"], "val_s": marks["val"],
            "wall_s": wall, "scoring_s": scoring, "curve": marks["curve"]}


def _fmt(values, digits=3):
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def table(results, methods, epochs):
    full_loop = statistics.median(r["loop_s"] for r in results if r["method"] == "full")
    full_map = [r["map50"] for r in results if r["method"] == "full"]
    spread = max(full_map) - min(full_map)
    lines = [
        "| method | mAP50 | mAP50-95 | vs full mAP50 (median) | images seen | loop wall (s) "
        "| speed-up | scoring + planning (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in methods:
        rs = [r for r in results if r["method"] == m]
        if not rs:
            continue
        m50 = [r["map50"] for r in rs]
        loop = [r["loop_s"] for r in rs]
        lines.append(
            f"| {m} | {_fmt(m50)} | {_fmt([r['map'] for r in rs])} | "
            f"{statistics.median(m50) - statistics.median(full_map):+.3f} | "
            f"{int(statistics.median(r['seen'] for r in rs)):,} | {_fmt(loop, 1)} | "
            f"{full_loop / statistics.median(loop):.2f}x | "
            f"{_fmt([r['scoring_s'] for r in rs], 2)} |"
        )
    lines.append("")
    lines.append(f"full training's seed-to-seed mAP50 spread (max - min): {spread:.3f}")
    if all(r.get("curve") and len(r["curve"]) > 1 for r in results):
        target = 0.9 * statistics.median(full_map)
        lines.append("")
        lines.append(f"training time (s, excluding validation) until mAP50 first reaches "
                     f"{target:.3f} (90% of full training's final median), median over seeds; "
                     "'-' = not reached by a seed:")
        lines.append("")
        lines.append("| method | time to 90% of full mAP50 (s) | epochs | full training's mAP50 "
                     "after the same number of images |")
        lines.append("|---|---|---|---|")
        for m in methods:
            rs = [r for r in results if r["method"] == m]
            # (the curve's extra last point, epoch epochs + 1, is Ultralytics' final validation)
            hits = [next(((t, e) for e, t, a, _ in r["curve"] if a >= target and e <= epochs),
                         None) for r in rs]
            if not rs:
                continue
            # full training's own curve at the epoch where it had seen as many images
            fulls = [r for r in results if r["method"] == "full"]
            n_img = fulls[0]["seen"] / epochs
            e_eq = max(1, min(epochs, round(statistics.median(r["seen"] for r in rs) / n_img)))
            eq = statistics.median(r["curve"][e_eq - 1][2] for r in fulls)
            eq_txt = f"{eq:.3f} (epoch {e_eq})"
            if any(h is None for h in hits):
                n_hit = sum(h is not None for h in hits)
                lines.append(f"| {m} | - ({n_hit}/{len(rs)} seeds reached it) | - | {eq_txt} |")
            else:
                lines.append(f"| {m} | {statistics.median(h[0] for h in hits):.1f} | "
                             f"{statistics.median(h[1] for h in hits):g} | {eq_txt} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1 seed, few images and epochs")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--n-train", type=int, default=160)
    p.add_argument("--n-val", type=int, default=80)
    p.add_argument("--imgsz", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--keep", type=float, default=0.5)
    p.add_argument("--close-mosaic", type=int, default=5)
    p.add_argument("--mosaic", type=float, default=0.0,
                   help="Ultralytics mosaic probability (0: small images learn faster)")
    p.add_argument("--optimizer", default="AdamW")
    p.add_argument("--lr0", type=float, default=0.003)
    p.add_argument("--warmup-epochs", type=float, default=1.0)
    p.add_argument("--nbs", type=int, default=16,
                   help="Ultralytics' nominal batch size: gradients are accumulated over "
                        "nbs / batch batches (16 with batch 16: one optimizer step per batch)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per run")
    p.add_argument("--methods", default="full,uniform,rs2,epsilon_greedy,infobatch")
    p.add_argument("--val-every-epoch", action="store_true",
                   help="validate after every epoch (mAP50 curve in the JSON; validation time "
                        "is excluded from the loop time)")
    p.add_argument("--json", default=None, help="also write the raw results here")
    p.add_argument("--report", default=None,
                   help="only print the tables of a JSON written earlier with --json")
    args = p.parse_args(argv)
    if args.report:
        saved = json.loads(Path(args.report).read_text())
        a = saved["args"]
        print(f"{a['n_train']} training / {a['n_val']} validation images, imgsz {a['imgsz']}, "
              f"{a['epochs']} epochs, batch {a['batch']}, nbs {a.get('nbs', 64)}, keep "
              f"{a['keep']}, seeds {a['seeds']}; median (min-max over seeds)\n")
        print(table(saved["results"], a["methods"].split(","), a["epochs"]))
        return
    if args.quick:
        args.seeds, args.epochs, args.n_train, args.n_val = 1, 3, 32, 16
        args.close_mosaic = 1
    methods = args.methods.split(",")

    scratch = Path(tempfile.mkdtemp(prefix="bench-dynyolo-"))
    try:
        _offline_env(scratch)
        import logging

        from datareduce.detection import make_shapes_dataset

        logging.getLogger("ultralytics").setLevel(logging.WARNING)
        data = make_shapes_dataset(scratch / "data", n_train=args.n_train, n_val=args.n_val,
                                   image_size=args.imgsz, random_state=0)
        results = []
        for seed in range(args.seeds):
            for m in methods:  # interleaved, so load changes hit every method alike
                r = run_one(m, seed, data, args, scratch / "runs")
                results.append(r)
                print(json.dumps({k: v for k, v in r.items() if k != "curve"}), file=sys.stderr,
                      flush=True)
        load = os.getloadavg()
        print(f"\n{args.n_train} training / {args.n_val} validation images, imgsz {args.imgsz}, "
              f"{args.epochs} epochs, batch {args.batch}, keep {args.keep}, seeds "
              f"{args.seeds}; median (min-max over seeds); load average at the end "
              f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
        print(table(results, methods, args.epochs))
        if args.json:
            Path(args.json).write_text(json.dumps({"args": vars(args), "results": results},
                                                  indent=1))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
