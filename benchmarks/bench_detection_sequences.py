"""Detection benchmark where selection should matter: video-like sequences, trained from scratch.

The training set is made of *sequences* of near-identical frames (a static camera: the
shapes drift by a pixel or two, pixel noise per frame) with a long-tailed length
distribution: a few long static sequences hold a large share of the frames, many short
ones hold the variety. Two classes are rare (they appear in a few short sequences only)
and one scene type is rare (dark striped backgrounds). The test set is made of NEW
sequences (two frames each) drawn from the scene distribution, so it rewards variety.
File names are ``seqNNNN_fNNN.png``, so groups are ``--group '^(seq\\d+)_'``.

A tiny YOLOv8-style detector (the yolov8 yaml at depth 0.33, width 0.125; random
initialisation, nothing downloaded) trains at ``imgsz`` 64, batch 16 (one optimizer step
per batch) on one CPU thread. Full training validates on the test set after every epoch
(its curve is printed, to show whether it plateaus); a subset only after its last epoch
(validation costs as much for a subset as for the full set).

Methods at each kept fraction (``--keeps``), every one trained for the same number of
epochs as the full set (``--subset-schedule epochs``) or for the same number of optimizer
steps (``--subset-schedule steps``: ``epochs / keep`` epochs, rounded):

- ``random``: seeded uniform sample of images;
- ``fraction``: Ultralytics' ``fraction=`` (the first files in name order);
- ``srs``: image categories (class combinations) as strata;
- ``dedup+srs``: near-duplicate removal (perceptual hashes), then SRS;
- ``groups``: group-aware quotas (``groups='^(seq\\d+)_'``: one image per sequence before
  any sequence gets a second, SRS by category among the representatives);
- ``mms`` / ``kt``: max-min selection and kernel thinning on thumbnail embeddings;
- ``object``: MMS on per image-and-class box-crop embeddings;
- ``label-only``: the label-only shape-complexity score (``top`` on ``shape``).

Reported per method: mAP50 and mAP50-95 (mean ± sd over seeds), the paired difference to
``random`` with a paired t-test p-value, the share of full training's mAP50, whether (and after how
many wall seconds) a subset reaches 95% of full training's final mAP50, and the
ranking cost (embedding + selection) as a share of one full training.

With ``--dynamic``, the same data also runs the per-epoch dynamic pruning policies of
``datareduce.dynamic.yolo`` (InfoBatch, RS2, uniform, epsilon-greedy, UCB) against full
training, at ``--epochs`` and at a longer schedule (``--long-epochs``): wall time, images
seen and mAP.

Usage::

    nice -n 10 python benchmarks/bench_detection_sequences.py --quick   # a few minutes
    nice -n 10 python benchmarks/bench_detection_sequences.py --seed-list 0 --out s0.jsonl
    python benchmarks/bench_detection_sequences.py --report s0.jsonl s1.jsonl s2.jsonl
    nice -n 10 python benchmarks/bench_detection_sequences.py --dynamic --epochs 30 --long-epochs 60

Ultralytics runs offline: ``YOLO_OFFLINE=1``, ``YOLO_CONFIG_DIR`` holding a TTF font as
``Ultralytics/Arial.ttf``, runs written to a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="bench_detection_sequences_"))
os.environ.update(YOLO_OFFLINE="1", YOLO_CONFIG_DIR=str(TMP / "cfg"),
                  MPLCONFIGDIR=str(TMP / "cfg"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

GROUP_RE = r"^(seq\d+)_"
METHODS = ("random", "fraction", "srs", "dedup+srs", "groups", "mms", "kt", "object",
           "label-only")
POLICIES = ("infobatch", "rs2", "uniform", "epsilon_greedy", "ucb")
CONFIGS = {
    "quick": dict(n_long=2, long_len=60, n_short=60, n_test_seq=30, epochs=3, seeds=1,
                  keeps=(0.25,), methods=("random", "fraction", "groups", "mms")),
    "full": dict(n_long=3, long_len=100, n_short=160, n_test_seq=100, epochs=6, seeds=3,
                 keeps=(0.25, 0.1), methods=METHODS,
                 methods_at={0.1: ("random", "srs", "groups", "mms")}),
}
# shapes: 0 square, 1 circle, 2 triangle (common); 3 cross, 4 star (rare)
NAMES = {0: "square", 1: "circle", 2: "triangle", 3: "cross", 4: "star"}


# ------------------------------------------------------------------------------ data
def _scene(rng, rare_class_p: float, rare_scene_p: float):
    """One scene: background kind and colour, and its shapes (class, box in pixels)."""
    dark = rng.random() < rare_scene_p
    bg = rng.integers(0, 50, 3) if dark else rng.integers(60, 256, 3)
    shapes = []
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.choice(5, p=[0.4, 0.35, 0.25, 0, 0]))
        if rng.random() < rare_class_p:
            cls = int(rng.integers(3, 5))
        w, h = (int(v) for v in rng.integers(12, 30, 2))
        x, y = int(rng.integers(0, 64 - w)), int(rng.integers(0, 64 - h))
        colour = (bg + 110 + rng.integers(-30, 30, 3)) % 256
        shapes.append((cls, x, y, w, h, colour))
    return {"dark": dark, "bg": bg, "shapes": shapes}


def _frame(rng, scene, drift: int):
    from PIL import Image, ImageDraw

    from datareduce.detection.synthetic import _draw_shape

    img = Image.new("RGB", (64, 64), tuple(int(v) for v in scene["bg"]))
    draw = ImageDraw.Draw(img)
    if scene["dark"]:  # the rare scene: dark, with stripes
        for x in range(0, 64, 8):
            draw.rectangle((x, 0, x + 2, 63), fill=tuple(int(v) for v in scene["bg"] + 40))
    boxes = []
    for cls, x, y, w, h, colour in scene["shapes"]:
        dx, dy = (int(v) for v in rng.integers(-drift, drift + 1, 2))
        x, y = min(max(x + dx, 0), 64 - w), min(max(y + dy, 0), 64 - h)
        _draw_shape(draw, cls, (x, y, x + w - 1, y + h - 1), tuple(int(v) for v in colour))
        boxes.append((cls, (x + w / 2) / 64, (y + h / 2) / 64, w / 64, h / 64))
    a = np.asarray(img, dtype=np.int16) + rng.integers(-4, 5, (64, 64, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), boxes


def make_sequences(root, *, n_long, long_len, n_short, n_test_seq, seed=0) -> Path:
    """Write the sequence dataset (train: sequences; val: new test sequences)."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    lengths = [long_len] * n_long + list(np.minimum(1 + rng.geometric(0.3, n_short), 12))
    plan = [("train", n, 0.04, 0.04) for n in lengths] + \
           [("val", 2, 0.04, 0.04) for _ in range(n_test_seq)]
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
    order = rng.permutation(len(lengths))  # long sequences are not all first in name order
    for s, (split, n, rc, rs) in enumerate(plan):
        sid = order[s] if split == "train" else s
        scene = _scene(rng, rc, rs)
        drift = 1 if n > 12 else 2  # the long sequences are static cameras
        for k in range(n):
            img, boxes = _frame(rng, scene, drift)
            stem = f"seq{sid:04d}_f{k:03d}" if split == "train" else f"test{sid:04d}_f{k:03d}"
            img.save(root / "images" / split / f"{stem}.png")
            (root / "labels" / split / f"{stem}.txt").write_text(
                "".join(f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}\n" for c, x, y, w, h in boxes))
    import yaml

    yaml_path = root / "data.yaml"
    yaml_path.write_text(yaml.safe_dump({"path": str(root), "train": "images/train",
                                         "val": "images/val", "names": NAMES}, sort_keys=False))
    return yaml_path


# ---------------------------------------------------------------------------- training
def _offline_setup():
    import matplotlib

    dst = TMP / "cfg" / "Ultralytics"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf", dst / "Arial.ttf")
    from ultralytics.utils import LOGGER

    LOGGER.setLevel(logging.ERROR)


def tiny_model_yaml() -> Path:
    """yolov8's architecture at depth 0.33, width 0.125 (a quarter of yolov8n's FLOPs)."""
    import yaml
    from ultralytics.utils import ROOT

    d = yaml.safe_load((ROOT / "cfg/models/v8/yolov8.yaml").read_text())
    d["scales"] = {"t": [0.33, 0.125, 1024]}
    d["nc"] = len(NAMES)
    out = TMP / "tiny-yolov8.yaml"
    out.write_text(yaml.safe_dump(d, sort_keys=False))
    return out


def train(model_yaml, data_yaml, *, epochs, seed, name, fraction=1.0, trainer=None,
          curve=True):
    """Train from scratch; returns the per-epoch curve and wall seconds. Without
    ``curve``, only the last epoch is validated (Ultralytics always validates it)."""
    import torch
    from ultralytics import YOLO

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    model = YOLO(str(model_yaml))
    model.train(data=str(data_yaml), epochs=epochs, imgsz=64, batch=16, nbs=16, device="cpu",
                workers=0, seed=seed, deterministic=True, fraction=fraction,
                project=str(TMP / "runs"), name=name, exist_ok=True, val=curve, plots=False,
                verbose=False, amp=False, warmup_epochs=0, mosaic=0.0, optimizer="AdamW",
                lr0=0.003, cos_lr=False, close_mosaic=0, patience=1000, trainer=trainer)
    wall = time.perf_counter() - t0
    with open(Path(model.trainer.save_dir) / "results.csv") as f:
        rows = [{k.strip(): float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    rows = rows if curve else rows[-1:]
    out = {"curve": [(r["epoch"], r.get("time", float("nan")), r["metrics/mAP50(B)"],
                      r["metrics/mAP50-95(B)"]) for r in rows], "wall": wall,
           "map50": rows[-1]["metrics/mAP50(B)"], "map": rows[-1]["metrics/mAP50-95(B)"]}
    log = getattr(model.trainer, "pruning_log", None)  # dynamic pruning: images per epoch
    out["seen"] = int(sum(e["images"] for e in log)) if log else None
    shutil.rmtree(model.trainer.save_dir, ignore_errors=True)
    return out


def time_to(curve, target):
    """Training seconds (Ultralytics' cumulative ``time``) to the first epoch >= target."""
    for _epoch, t, m50, _m in curve:
        if m50 >= target:
            return t
    return float("nan")


# ---------------------------------------------------------------------------- selection
def select(method, ds, keep, seed):
    """(data YAML of the subset, ranking seconds)."""
    from datareduce.detection import DetectionReducer

    kw = dict(keep=keep, random_state=seed, dedup=None)  # de-duplication only where named
    dr = {
        "random": lambda: DetectionReducer("random", embedder="label", categories=None, **kw),
        "srs": lambda: DetectionReducer("srs", embedder="label", **kw),
        "dedup+srs": lambda: DetectionReducer("srs", embedder="label", **{**kw, "dedup": "near"}),
        "groups": lambda: DetectionReducer("srs", embedder="label", groups=GROUP_RE, **kw),
        "mms": lambda: DetectionReducer("mms", embedder="thumbnail", **kw),
        "kt": lambda: DetectionReducer("kt", embedder="thumbnail", **kw),
        "object": lambda: DetectionReducer("mms", embedder="crops", **kw),
        "label-only": lambda: DetectionReducer("top", embedder="shape", **kw),
    }[method]()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr.fit(ds)
    cost = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = dr.write(TMP / "subsets" / f"{method}-{keep}-{seed}")
    return out, cost


def mean_sd(v, digits=3):
    v = np.asarray(v, dtype=float)
    sd = v.std(ddof=1) if len(v) > 1 else 0.0
    return f"{v.mean():.{digits}f} ± {sd:.{digits}f}"


def paired(a, b):
    """Mean paired difference a - b (± sd) and the paired t-test p-value."""
    from scipy.stats import ttest_rel

    a, b = np.asarray(a, float), np.asarray(b, float)
    p = ttest_rel(a, b).pvalue if len(a) > 2 else float("nan")
    return f"{mean_sd(a - b)} (p={p:.2f})"


# ---------------------------------------------------------------------------------- main
def _record(path, rec):
    import json

    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def subset_epochs(epochs, keep, schedule):
    """Epochs of a subset run: as many as the full run (``"epochs"``) or as many optimizer
    steps (``"steps"``: the subset has ``keep`` of the images, so ``epochs / keep``)."""
    return epochs if schedule == "epochs" else max(epochs, round(epochs / keep))


def run_static(cfg, data_yaml, model_yaml, ds, n, seeds, out, full=True):
    schedule = cfg.get("subset_schedule", "epochs")
    for seed in seeds:
        if full:  # without it, --report takes the full run of this seed from another file
            r = train(model_yaml, data_yaml, epochs=cfg["epochs"], seed=seed,
                      name=f"full-{seed}")
            _record(out, {"kind": "static", "method": "full", "keep": 1.0, "seed": seed,
                          "n": n, "epochs": cfg["epochs"], "cost": 0.0, **r})
            print(f"seed {seed} full ({n} images): mAP50 {r['map50']:.3f} in "
                  f"{r['wall']:.0f} s", flush=True)
        for keep in cfg["keeps"]:
            for method in cfg.get("methods_at", {}).get(keep, cfg["methods"]):
                curve = False  # per-epoch validation costs as much for a subset as for all
                ep = subset_epochs(cfg["epochs"], keep, schedule)
                if method == "fraction":
                    cost = 0.0
                    r = train(model_yaml, data_yaml, epochs=ep, seed=seed,
                              name=f"{method}-{keep}-{seed}", fraction=keep, curve=curve)
                else:
                    sub, cost = select(method, ds, keep, seed)
                    r = train(model_yaml, sub, epochs=ep, seed=seed,
                              name=f"{method}-{keep}-{seed}", curve=curve)
                _record(out, {"kind": "static", "method": method, "keep": keep, "seed": seed,
                              "n": n, "epochs": ep, "schedule": schedule, "cost": cost, **r})
                print(f"seed {seed} {method} keep {keep}: mAP50 {r['map50']:.3f} "
                      f"(ranking {cost:.1f} s, training {r['wall']:.0f} s)", flush=True)


def report_static(recs):
    full = {r["seed"]: r for r in recs if r["method"] == "full"}
    if not full:
        print("no full training in these records: pass the --out file of the full runs "
              "to --report as well")
        return
    rows = {}
    for r in recs:
        if r["method"] != "full" and r["seed"] in full:
            method = r["method"] if r.get("schedule", "epochs") == "epochs" else (
                f"{r['method']} ({r['epochs']} ep.)")
            rows.setdefault((method, r["keep"]), {})[r["seed"]] = r
    seeds = sorted(full)
    f50 = np.array([full[s]["map50"] for s in seeds])
    fwall = np.array([full[s]["wall"] for s in seeds])
    c0 = full[seeds[0]]["curve"]
    print(f"full training's curve (seed {seeds[0]}; mAP50 on the test sequences per epoch):")
    print("| epoch | " + " | ".join(f"{int(e)}" for e, *_ in c0) + " |")
    print("|---|" + "---:|" * len(c0))
    print("| mAP50 | " + " | ".join(f"{m:.3f}" for _, _, m, _ in c0) + " |")
    print("| mAP50-95 | " + " | ".join(f"{m:.3f}" for *_, m in c0) + " |")
    r0 = full[seeds[0]]
    print(f"\nfull training: {r0['n']} images, {r0['epochs']} epochs, seeds {seeds}: mAP50 "
          f"{mean_sd(f50)}, mAP50-95 {mean_sd([full[s]['map'] for s in seeds])}, "
          f"{mean_sd(fwall, 0)} s per run")
    t95f = [time_to(full[s]["curve"], 0.95 * full[s]["map50"]) for s in seeds]
    print(f"full training reaches 95% of its own final mAP50 after {np.nanmean(t95f):.0f} s "
          f"(Ultralytics' training clock) of {fwall.mean():.0f} s wall.")
    print("\n| method | keep | seeds | mAP50 | mAP50-95 | mAP50 - random (paired; t-test) | "
          "share of full mAP50 | wall s to 95% of full | ranking cost / full training |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (method, keep), by_seed in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ss = sorted(by_seed)
        m50 = np.array([by_seed[s]["map50"] for s in ss])
        mm = np.array([by_seed[s]["map"] for s in ss])
        base = rows.get(("random", keep), {})
        if method.endswith(" ep.)"):  # equal steps: compared with random on the same schedule
            base = rows.get((f"random ({by_seed[ss[0]]['epochs']} ep.)", keep), {})
        both = [s for s in ss if s in base]
        diff = "" if method.startswith("random") or not both else paired(
            [by_seed[s]["map50"] for s in both], [base[s]["map50"] for s in both])
        # subsets validate only after their last epoch: reached at the end of training or not
        t95 = [by_seed[s]["wall"] for s in ss if by_seed[s]["map50"] >= 0.95 * full[s]["map50"]]
        t95 = f"{np.mean(t95):.0f} ({len(t95)}/{len(ss)} seeds)" if t95 else "not reached"
        cost = np.mean([by_seed[s]["cost"] / full[s]["wall"] for s in ss])
        share = np.mean([by_seed[s]["map50"] / max(full[s]["map50"], 1e-9) for s in ss])
        print(f"| {method} | {keep} | {len(ss)} | {mean_sd(m50)} | {mean_sd(mm)} | {diff} | "
              f"{share:.0%} | {t95} | {cost:.2%} |")


def run_dynamic(cfg, data_yaml, model_yaml, n, seeds, schedules, keep, out,
                policies=POLICIES, full=True):
    from datareduce.dynamic.yolo import pruned_trainer

    for seed in seeds:
        for ep in schedules:
            for pol in (("full",) if full else ()) + tuple(policies):
                tr = None if pol == "full" else pruned_trainer(keep=keep, policy=pol)
                r = train(model_yaml, data_yaml, epochs=ep, seed=seed, name=f"{pol}-{ep}-{seed}",
                          trainer=tr)
                if r["seen"] is None:
                    r["seen"] = n * ep
                _record(out, {"kind": "dynamic", "method": pol, "keep": keep, "seed": seed,
                              "n": n, "epochs": ep, **r})
                print(f"seed {seed} {pol} {ep} epochs: mAP50 {r['map50']:.3f}, "
                      f"{r['wall']:.0f} s, {r['seen']} images seen", flush=True)


def report_dynamic(recs):
    out = {}
    for r in recs:
        out.setdefault((r["epochs"], r["method"]), {})[r["seed"]] = r
    print("| schedule | policy | seeds | mAP50 | mAP50-95 | mAP50 - full (paired; t-test) | "
          "wall s | wall of full / wall | images seen |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (ep, pol), by_seed in sorted(out.items()):
        f = out.get((ep, "full"), {})
        ss = [s for s in sorted(by_seed) if s in f]
        if not ss:
            continue
        m50 = [by_seed[s]["map50"] for s in ss]
        diff = "" if pol == "full" else paired(m50, [f[s]["map50"] for s in ss])
        sp = np.mean([f[s]["wall"] / by_seed[s]["wall"] for s in ss])
        print(f"| {ep} epochs | {pol} | {len(ss)} | {mean_sd(m50)} | "
              f"{mean_sd([by_seed[s]['map'] for s in ss])} | {diff} | "
              f"{np.mean([by_seed[s]['wall'] for s in ss]):.0f} | {sp:.2f}x | "
              f"{np.mean([by_seed[s]['seen'] for s in ss]):.0f} |")
    for (ep, pol), by_seed in sorted(out.items()):
        if pol == "full":
            c = by_seed[min(by_seed)]["curve"]
            print(f"\nfull training, {ep} epochs (seed {min(by_seed)}), mAP50 per epoch: "
                  + " ".join(f"{m:.3f}" for _, _, m, _ in c))


def report(paths):
    import json

    recs = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()
            if line.strip()]
    static = [r for r in recs if r["kind"] == "static"]
    dynamic = [r for r in recs if r["kind"] == "dynamic"]
    if static:
        report_static(static)
    if dynamic:
        print()
        report_dynamic(dynamic)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small grid that runs in minutes")
    ap.add_argument("--seeds", type=int, help="training seeds")
    ap.add_argument("--epochs", type=int, help="epochs of every training run")
    ap.add_argument("--keeps", help="kept fractions, e.g. 0.1,0.25")
    ap.add_argument("--methods", help=f"comma-separated subset of {','.join(METHODS)}")
    ap.add_argument("--dynamic", action="store_true",
                    help="run the dynamic-pruning comparison instead of static selection")
    ap.add_argument("--long-epochs", type=int,
                    help="the longer schedule of --dynamic (default 2 x --epochs; 0: none)")
    ap.add_argument("--policies", help=f"--dynamic: comma-separated subset of "
                                       f"{','.join(POLICIES)}")
    ap.add_argument("--no-full", action="store_true",
                    help="skip full training (--report pairs these runs with the "
                         "full run of the same seed in another --out file)")
    ap.add_argument("--dynamic-keep", type=float, default=0.5,
                    help="kept fraction per epoch of --dynamic (default 0.5)")
    ap.add_argument("--seed-list", help="training seeds to run, e.g. 1,2 (default 0..seeds-1)")
    ap.add_argument("--out", help="append one JSON line per training run to this file "
                                  "(default: a temporary file)")
    ap.add_argument("--report", nargs="+", metavar="JSONL",
                    help="only print the tables from these --out files (runs of several "
                         "processes combine)")
    ap.add_argument("--subset-schedule", choices=("epochs", "steps"), default="epochs",
                    help="a subset trains as many epochs as the full run (epochs) or as many "
                         "optimizer steps (steps: epochs / keep)")
    ap.add_argument("--time-one", action="store_true",
                    help="only time one full training of --epochs and exit")
    args = ap.parse_args(argv)
    if args.report:
        report(args.report)
        shutil.rmtree(TMP, ignore_errors=True)
        return 0
    cfg = dict(CONFIGS["quick" if args.quick else "full"])
    if args.seeds:
        cfg["seeds"] = args.seeds
    if args.epochs:
        cfg["epochs"] = args.epochs
    cfg["subset_schedule"] = args.subset_schedule
    if args.keeps:
        cfg["keeps"] = tuple(float(k) for k in args.keeps.split(","))
    if args.methods:
        cfg["methods"] = tuple(args.methods.split(","))
        cfg.pop("methods_at", None)
        bad = set(cfg["methods"]) - set(METHODS)
        if bad:
            ap.error(f"unknown methods {sorted(bad)}: use {', '.join(METHODS)}")
    if "random" not in cfg["methods"] and not args.no_full:
        # the paired reference; with --no-full it comes, like the full run, from other records
        cfg["methods"] = ("random", *cfg["methods"])
    _offline_setup()
    from datareduce.detection import load_yolo

    t_all = time.perf_counter()
    data_yaml = make_sequences(TMP / "data", n_long=cfg["n_long"], long_len=cfg["long_len"],
                               n_short=cfg["n_short"], n_test_seq=cfg["n_test_seq"])
    ds = load_yolo(data_yaml)
    n = len(ds)
    lengths = np.unique([p.name.split("_")[0] for p in ds.images], return_counts=True)[1]
    boxes = np.concatenate([b[:, 0] for b in ds.boxes]).astype(int)
    print(f"training set: {n} images in {len(lengths)} sequences (longest {lengths.max()}, "
          f"median {int(np.median(lengths))}; the {cfg['n_long']} long ones hold "
          f"{np.sort(lengths)[::-1][:cfg['n_long']].sum() / n:.0%} of the frames); boxes per "
          f"class {np.bincount(boxes, minlength=5).tolist()}; test: "
          f"{len(load_yolo(data_yaml, split='val'))} images of {cfg['n_test_seq']} new "
          f"sequences; load {os.getloadavg()[0]:.1f}", flush=True)
    model_yaml = tiny_model_yaml()
    if args.time_one:
        r = train(model_yaml, data_yaml, epochs=cfg["epochs"], seed=0, name="time-one")
        print(f"one full training, {cfg['epochs']} epochs: {r['wall']:.0f} s, mAP50 "
              f"{r['map50']:.3f}; curve {[round(c[2], 3) for c in r['curve']]}; load "
              f"{os.getloadavg()[0]:.1f}")
        return 0
    seeds = ([int(v) for v in args.seed_list.split(",")] if args.seed_list
             else list(range(cfg["seeds"])))
    out = Path(args.out) if args.out else TMP / "runs.jsonl"
    if args.dynamic:
        long_ep = 2 * cfg["epochs"] if args.long_epochs is None else args.long_epochs
        policies = tuple(args.policies.split(",")) if args.policies else POLICIES
        if set(policies) - set(POLICIES):
            ap.error(f"unknown policies {sorted(set(policies) - set(POLICIES))}: use "
                     f"{', '.join(POLICIES)}")
        run_dynamic(cfg, data_yaml, model_yaml, n, seeds,
                    (cfg["epochs"], *((long_ep,) if long_ep else ())), args.dynamic_keep,
                    out, policies, full=not args.no_full)
    else:
        run_static(cfg, data_yaml, model_yaml, ds, n, seeds, out, full=not args.no_full)
    print()
    report([out])
    print(f"\n{cfg['seeds']} seed(s), {cfg['epochs']} epochs, imgsz 64, batch 16 (one optimizer step per batch), one torch "
          f"thread; total {time.perf_counter() - t_all:.0f} s; load {os.getloadavg()[0]:.1f}")
    shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
