"""``datareduce yolo``: reduce a YOLO (or COCO) dataset and write one ``yolo train`` accepts."""

from __future__ import annotations

import re

from . import SEED, CLIError, at_least
from ._common import finish_parser, parse_params, say
from ._io import check_output_file

EMBEDDERS = ("thumbnail", "label", "ultralytics", "crops", "shape")


def add_parser(sub):
    p = sub.add_parser(
        "yolo",
        help="reduce a YOLO detection dataset (data YAML, or COCO JSON) and write a smaller one",
        description="Embed every training image, reduce with any method, and write a data "
                    "YAML (plus images/ and labels/ of links) that `yolo train` accepts. The "
                    "source dataset is never modified; the output folder is checked before "
                    "anything is embedded.",
    )
    p.add_argument("data", help="the Ultralytics data YAML of the dataset, or a COCO JSON")
    p.add_argument("--output", "-o", help="output folder (empty or new; not needed with "
                                          "--dry-run)")
    p.add_argument("--images-dir", help="COCO only: folder the file_name entries are "
                                        "relative to (default: the JSON's folder)")
    p.add_argument("--method", default="srs", help="reduction method (see `datareduce methods`)")
    p.add_argument("--keep", default="0.3",
                   help="fraction of images kept (0.3), or a count: 500, or 1img for one image "
                        "(a bare 1 is refused as ambiguous)")
    p.add_argument("--embedder", default="thumbnail", choices=EMBEDDERS,
                   help="thumbnail (pixels), label (boxes only), ultralytics (--weights), "
                        "crops (per image-and-class box crops), shape (box shape complexity; "
                        "use with --method top)")
    p.add_argument("--weights", help="trained YOLO weights (.pt) for --embedder ultralytics "
                                     "(or crops)")
    p.add_argument("--imgsz", type=int, help="inference image size of --embedder ultralytics")
    p.add_argument("--device", help="torch device of --embedder ultralytics (default cpu)")
    p.add_argument("--cache-dir", help="folder caching embeddings between runs")
    p.add_argument("--embedder-param", action="append", metavar="NAME=VALUE",
                   help="an embedder parameter (repeatable), e.g. size=8")
    p.add_argument("--split", default="train", help="split to reduce (default train)")
    p.add_argument("--layout", default="symlink", choices=("symlink", "copy", "list"),
                   help="symlink (default): images/ and labels/ of links, caches stay in the "
                        "output; copy: copies; list: a .txt of source paths (Ultralytics then "
                        "writes its label cache into the source dataset: avoid)")
    p.add_argument("--no-stratify", action="store_true",
                   help="do not use image categories (class combinations) as strata")
    p.add_argument("--dedup", default="auto", choices=("auto", "near", "exact", "none"),
                   help="duplicate images removed before selecting: auto (default: near "
                        "duplicates, and when fewer distinct images remain than --keep asks "
                        "for, the rest chosen among the duplicates), near (perceptual hash; "
                        "at most the distinct images), exact (same bytes), none")
    p.add_argument("--jobs", type=int, action=at_least(1), default=1, metavar="N",
                   help="threads reading images: the decoding check, the duplicate hashes "
                        "and the thumbnail embedder (default 1)")
    p.add_argument("--dedup-keep", default="first", choices=("first", "most_boxes", "central"),
                   help="which image of a duplicate group stays (default first; other "
                        "values with --dedup near or exact)")
    p.add_argument("--group", "--group-regex", dest="group_regex", metavar="REGEX|auto",
                   help="groups of images (a video, a burst): a regex over file names whose "
                        "first group (or whole match) names the group, e.g. '^(.*)_frame' (a regex "
                        "with '/' is matched against the path: '/(vid\\d+)/'), or "
                        "'auto' (chains of near-duplicate images); the selection covers groups "
                        "before repeating one")
    p.add_argument("--max-per-group", type=int,
                   help="at most this many images per group (needs --group; with --dedup "
                        "auto or none it caps without a duplicate search, with near or exact "
                        "it does both)")
    p.add_argument("--seed", type=int, action=SEED, default=0, help="random seed (default 0)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a method parameter (repeatable)")
    p.add_argument("--on-error", default="raise", choices=("raise", "skip"),
                   help="bad images or label lines: stop (raise) or leave those images out "
                        "and record them in the manifest (skip)")
    p.add_argument("--dry-run", action="store_true",
                   help="embed and select, print the report, write no dataset (only the "
                        "--report-png picture, if asked for)")
    p.add_argument("--report-png", help="save a picture of kept vs dropped images per "
                                        "category and boxes per class (needs matplotlib)")
    p.add_argument("--progress", action="store_true",
                   help="show progress bars (on stderr; --quiet turns them off)")
    finish_parser(p, run,
                  overwrite="replace a previous datareduce output in --output (only the files "
                            "its manifest records are removed) and an existing --report-png",
                  quiet="no progress bars or notes on stderr, even with --progress (the "
                        "report is still printed)")


def parse_detection_keep(text: str):
    """'0.3' -> 0.3, '500' -> 500, '1img' -> 1; a bare '1' is ambiguous and refused."""
    t = text.strip().lower()
    m = re.fullmatch(r"(\d+)\s*(img|imgs|image|images)", t)
    if m:
        value = int(m.group(1))
    elif re.fullmatch(r"\d+", t):
        value = int(t)
        if value == 1:
            raise CLIError("--keep 1 is ambiguous: write --keep 1.0 to keep every image, or "
                           "--keep 1img to keep a single image.")
    else:
        try:
            value = float(t)
        except ValueError:
            raise CLIError(f"--keep {text!r}: pass a fraction in (0, 1] (0.3), a number of "
                           "images (500) or 1img.") from None
        if not 0 < value <= 1:
            raise CLIError(f"--keep {text}: a fraction must be in (0, 1]; pass an integer "
                           "for a number of images.")
        return value
    if value < 1:
        raise CLIError(f"--keep {text}: a number of images must be >= 1.")
    return value


def data_file_errors() -> tuple:
    """The exceptions of a data file that is not valid YAML or JSON (besides ValueError)."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - yaml comes with the detection extra
        return ()
    return (yaml.YAMLError,)


def _cli_hint(exc: Exception, path=None) -> CLIError:
    """A one-line error for a failure loading a dataset; a data file that does not parse
    (``path``: the YAML or COCO JSON given on the command line) is named."""
    import json

    from ..detection.dataset import SKIP_HINT

    if path is not None and isinstance(exc, json.JSONDecodeError):
        return CLIError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column "
                        f"{exc.colno}).")
    if path is not None and isinstance(exc, data_file_errors()):
        mark = getattr(exc, "problem_mark", None)
        where = "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"
        what = getattr(exc, "problem", None) or " ".join(str(exc).split())
        return CLIError(f"{path} is not valid YAML: {what}{where}.")
    return CLIError(cli_words(str(exc).replace(SKIP_HINT, "--on-error skip")))


def cli_words(message: str) -> str:
    """A library message in the command line's words (its flags, not Python arguments)."""
    message = re.sub(r"\bkeep=(\d)", r"--keep \1", message)
    message = re.sub(r"\blayout='(\w+)'", r"--layout \1", message)
    return (message.replace("overwrite=True", "--overwrite")
            .replace("listed in dataset.issues", "listed in a warning"))


def load_dataset(args):
    """The dataset named on the command line (YOLO data YAML or COCO JSON)."""
    from ..detection import load_coco, load_yolo

    try:
        if str(args.data).lower().endswith(".json"):
            if args.split != "train":
                raise CLIError("--split applies to data YAMLs; a COCO JSON is one split.")
            return load_coco(args.data, images_dir=args.images_dir, on_error=args.on_error,
                             n_jobs=getattr(args, "jobs", 1))
        if args.images_dir:
            raise CLIError("--images-dir is only used with a COCO JSON.")
        return load_yolo(args.data, split=args.split, on_error=args.on_error,
                         n_jobs=getattr(args, "jobs", 1))
    except (ValueError, *data_file_errors()) as exc:
        raise _cli_hint(exc, args.data) from exc


def progress(args) -> bool:
    """Progress bars: asked for with --progress, and never with --quiet."""
    return bool(args.progress) and not args.quiet


def make_embedder(args):
    from ..detection import get_embedder

    params = parse_params(args.embedder_param)
    if args.cache_dir:
        params["cache_dir"] = args.cache_dir
    if args.embedder == "ultralytics":
        if not args.weights:
            raise CLIError("--embedder ultralytics needs --weights PATH.pt (trained weights; "
                           "nothing is downloaded).")
        params["model"] = args.weights
    elif args.weights:
        if args.embedder != "crops":
            raise CLIError("--weights is only used with --embedder ultralytics or crops.")
        params["model"] = args.weights
    for flag, name in (("imgsz", "imgsz"), ("device", "device")):
        value = getattr(args, flag)
        if value is not None:
            if args.embedder not in ("ultralytics", "crops"):
                raise CLIError(f"--{flag} is only used with --embedder ultralytics or crops.")
            params[name] = value
    if progress(args):
        params["progress"] = True
    from ..detection.registry import with_threads

    params = with_threads(args.embedder, params, getattr(args, "jobs", 1))
    try:
        return get_embedder(args.embedder, **params)
    except TypeError as exc:
        raise CLIError(f"--embedder-param: {exc}") from exc


def check_group(value) -> None:
    """Refuse (exit 2) a ``--group`` regex that does not compile, before any work."""
    from ..detection.groups import compile_group_regex

    if value and value != "auto":
        try:  # the library's one check, in the option's words
            compile_group_regex(value, argument="--group")
        except ValueError as exc:
            raise CLIError(str(exc).replace(f"--group={value!r}", f"--group {value}",
                                            1)) from None


def check_outside_source(dataset, files) -> None:
    """Refuse (exit 2) any output file or folder of ``files`` (``{option: path}``; None
    skipped) that lies inside the source dataset, by the rule ``--output`` follows."""
    from ..detection.writer import check_outside_source as check

    for option, path in files.items():
        if path:
            try:
                check(dataset, path, option, folder=option == "--cache-dir")
            except ValueError as exc:
                raise CLIError(str(exc)) from exc


def run(args) -> int:
    from ..detection import DetectionReducer, check_output_dir
    from ..detection.reducer import check_keep_count

    if not args.output and not args.dry_run:
        raise CLIError("--output OUTDIR is required (or --dry-run to only see the report).")
    keep = parse_detection_keep(args.keep)
    check_group(args.group_regex)
    if args.report_png:  # before any work, and never over a file without --overwrite
        check_output_file(args.report_png, "--report-png", overwrite=args.overwrite,
                          kind="png")
        try:  # drawn after the dataset is written: a missing matplotlib is told now
            import matplotlib  # noqa: F401
        except ImportError as exc:
            raise CLIError(f"--report-png needs matplotlib (pip install matplotlib): {exc}") \
                from exc
    embedder = make_embedder(args)
    dataset = load_dataset(args)
    check_outside_source(dataset, {"--report-png": args.report_png,
                                   "--cache-dir": args.cache_dir})
    if args.output and not args.dry_run:
        try:  # before the (possibly long) embedding
            out = check_output_dir(dataset, args.output, overwrite=args.overwrite,
                                   layout=args.layout)
        except FileExistsError as exc:
            raise CLIError(cli_words(str(exc))) from exc
        if args.report_png:
            check_report_in_output(args.report_png, out)
        if args.cache_dir:
            check_cache_outside_output(args.cache_dir, out)
    where = (args.data if str(args.data).lower().endswith(".json")  # COCO: one split
             else f"the {dataset.split!r} split")
    try:  # before the (long) embedding
        check_keep_count(keep, len(dataset), where)
    except ValueError as exc:
        raise CLIError(cli_words(str(exc))) from None
    if isinstance(keep, int):  # a note, on stderr like every command's (--quiet: none)
        say(args, f"keeping {keep} image{'s' if keep != 1 else ''} (an integer --keep is a "
                  "count; write a fraction such as 0.3 for a share)")
    if args.max_per_group and not args.group_regex:
        raise CLIError("--max-per-group needs --group REGEX (the groups to cap).")
    explicit = args.dedup in ("near", "exact")
    if args.dedup_keep != "first" and not explicit:
        raise CLIError(f"--dedup-keep {args.dedup_keep} needs --dedup near or --dedup exact "
                       f"(--dedup {args.dedup} keeps the first image of each duplicate group).")
    dedup = args.dedup  # auto, near, exact or none: DetectionReducer's own rules
    if args.max_per_group or args.dedup_keep != "first":
        from ..detection import Deduplicator

        # --max-per-group with --dedup auto or none: the cap only, no duplicate search
        dedup = Deduplicator(method=args.dedup if explicit else "none", keep=args.dedup_keep,
                             groups=args.group_regex, max_per_group=args.max_per_group,
                             n_jobs=args.jobs)
    dr = DetectionReducer(
        args.method, keep=keep, embedder=embedder,
        categories=None if args.no_stratify else "auto", random_state=args.seed,
        reducer_params=parse_params(args.param), progress=progress(args), dedup=dedup,
        groups=args.group_regex, n_jobs=args.jobs,
    )
    try:
        dr.fit(dataset)
    except OSError as exc:
        raise _cli_hint(exc) from exc
    print(dr.report_.to_markdown())
    if dr.dedup_ is not None:
        print(f"\n{dr.dedup_.summary()}")
    if dr.groups_ is not None:
        g = dr.manifest()["groups"]
        print(f"\ngroups: {g['n_groups_kept']} of {g['n_groups']} kept")
    if dr.epsilon_ is not None:
        print(f"\nepsilon ({dr.epsilon_.metric}, min-max scaled embeddings): "
              f"{float(dr.epsilon_.value):.4g}")
    print(f"\nembedding {dr.embed_time_:.2f} s, reduction {dr.reduce_time_:.2f} s")
    if args.dry_run:
        if args.report_png:
            write_report_png(args.report_png, dr.report_)
        print("dry run: nothing written")
        return 0
    try:
        yaml_path = dr.write(args.output, layout=args.layout, overwrite=args.overwrite)
    except FileExistsError as exc:
        raise CLIError(cli_words(str(exc))) from exc
    if args.report_png:  # after the dataset: it may go into --output, which must be empty
        write_report_png(args.report_png, dr.report_)
    print(f"wrote {yaml_path}  ->  yolo train data={yaml_path}")
    return 0


def check_report_in_output(report_png, out) -> None:
    """Refuse a ``--report-png`` inside ``--output``'s ``images/`` or ``labels/`` (it would
    be trained on, or sit among the label files); elsewhere in ``--output`` it is written
    after the dataset, so the output folder is still empty when the dataset is written."""
    import os
    from pathlib import Path

    from ..detection.yolo import _is_within_dir, _real_folder

    real = _real_folder(Path(os.path.normpath(os.path.abspath(Path(report_png).expanduser()))))
    for top in ("images", "labels"):
        if _is_within_dir(real, Path(out) / top):
            raise CLIError(f"--report-png {report_png} is inside --output's {top}/ folder, "
                           f"which holds the {'training images' if top == 'images' else 'labels'}"
                           f": put it at the top of {out} or elsewhere.")


def check_cache_outside_output(cache_dir, out) -> None:
    """Refuse a ``--cache-dir`` inside ``--output``: the cache is written while embedding,
    before the dataset, whose folder must then be empty (the cache is meant to outlive an
    output anyway)."""
    import os
    from pathlib import Path

    from ..detection.yolo import _is_within_dir

    real = Path(os.path.realpath(Path(cache_dir).expanduser()))
    if _is_within_dir(real, Path(out)):
        raise CLIError(f"--cache-dir {cache_dir} is inside --output {out}: the embeddings are "
                       "cached before the dataset is written, and the output folder must be "
                       "empty then. Put the cache beside it (e.g. "
                       f"{Path(out).parent / (Path(out).name + '-cache')}).")


def write_report_png(path, report) -> None:
    from ._io import write_bytes_with

    try:  # drawn beside and renamed into place: never through a link
        write_bytes_with(path, report.plot)
    except ImportError as exc:
        raise CLIError(f"--report-png needs matplotlib (pip install matplotlib): {exc}") \
            from exc
    print(f"report picture: {path}")
