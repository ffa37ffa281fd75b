"""``datareduce yolo``: reduce a YOLO dataset and write one ``yolo train`` accepts."""

from __future__ import annotations

from . import CLIError
from ._common import parse_keep, parse_params


def add_parser(sub):
    p = sub.add_parser(
        "yolo",
        help="reduce a YOLO detection dataset (data YAML) and write a smaller one",
        description="Embed every training image, reduce with any method, and write a data "
                    "YAML (plus images/ and labels/ of links) that `yolo train` accepts. The "
                    "source dataset is never modified.",
    )
    p.add_argument("data", help="the Ultralytics data YAML of the dataset")
    p.add_argument("--output", "-o", required=True, help="output folder (empty or new)")
    p.add_argument("--method", default="srs", help="reduction method (see `datareduce methods`)")
    p.add_argument("--keep", default="0.3", help="fraction (0.3) or number (500) of images kept")
    p.add_argument("--embedder", default="thumbnail", choices=("thumbnail", "label", "ultralytics"))
    p.add_argument("--weights", help="trained YOLO weights (.pt) for --embedder ultralytics")
    p.add_argument("--split", default="train", help="split to reduce (default train)")
    p.add_argument("--layout", default="symlink", choices=("symlink", "copy", "list"),
                   help="symlink (default): images/ and labels/ of links, caches stay in the "
                        "output; copy: copies; list: a .txt of source paths (Ultralytics then "
                        "writes its label cache into the source dataset)")
    p.add_argument("--no-stratify", action="store_true",
                   help="do not use image categories (class combinations) as strata")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a method parameter (repeatable)")
    p.add_argument("--on-error", default="raise", choices=("raise", "skip"),
                   help="bad images or label lines: stop (raise) or leave those images out (skip)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a previous datareduce output in --output")
    p.add_argument("--progress", action="store_true", help="show progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..detection import DetectionReducer, UltralyticsEmbedder, load_yolo

    if args.embedder == "ultralytics":
        if not args.weights:
            raise CLIError("--embedder ultralytics needs --weights PATH.pt (trained weights; "
                           "nothing is downloaded).")
        embedder = UltralyticsEmbedder(args.weights, progress=args.progress)
    else:
        if args.weights:
            raise CLIError("--weights is only used with --embedder ultralytics.")
        embedder = args.embedder
    dataset = load_yolo(args.data, split=args.split, on_error=args.on_error)
    dr = DetectionReducer(
        args.method, keep=parse_keep(args.keep), embedder=embedder,
        categories=None if args.no_stratify else "auto", random_state=args.seed,
        reducer_params=parse_params(args.param), progress=args.progress,
    )
    dr.fit(dataset)
    try:
        yaml_path = dr.write(args.output, layout=args.layout, overwrite=args.overwrite)
    except FileExistsError as exc:
        raise CLIError(str(exc)) from exc
    print(dr.report_.to_markdown())
    if dr.epsilon_ is not None:
        print(f"\nepsilon ({dr.epsilon_.metric}, min-max scaled embeddings): "
              f"{float(dr.epsilon_.value):.4g}")
    print(f"\nembedding {dr.embed_time_:.2f} s, reduction {dr.reduce_time_:.2f} s")
    print(f"wrote {yaml_path}  ->  yolo train data={yaml_path}")
    return 0
