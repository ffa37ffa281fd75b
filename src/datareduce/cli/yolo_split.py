"""``datareduce yolo-split``: a new dataset whose splits never share a group."""

from __future__ import annotations

from . import SEED, CLIError
from ._common import finish_parser


def add_parser(sub):
    p = sub.add_parser(
        "yolo-split",
        help="pool a YOLO dataset's images and write new train/val(/test) splits by group",
        description="Pool the images of every split of a YOLO dataset, group them (a regex "
                    "over file names, e.g. a video id, or 'auto': chains of near-duplicate "
                    "images) and write a NEW dataset (links or copies) whose splits never "
                    "share a group. The source is only read.",
    )
    p.add_argument("data", help="the Ultralytics data YAML of the source dataset")
    p.add_argument("--group", required=True, metavar="REGEX|auto",
                   help="a regex over file names whose first group (or whole match) names "
                        "the group, e.g. '^(.*)_frame' (a regex with '/' is matched against "
                        "the path: '/(vid\\d+)/'), or 'auto' (chains of near duplicates)")
    p.add_argument("--val", type=float, required=True, help="share of images in val, e.g. 0.2")
    p.add_argument("--test", type=float, default=0.0, help="share of images in test (default 0)")
    p.add_argument("--seed", type=int, action=SEED, default=0, help="random seed (default 0)")
    p.add_argument("--output", "-o", required=True, help="output folder (empty or new)")
    p.add_argument("--layout", default="symlink", choices=("symlink", "copy"),
                   help="links to the source files (default) or copies")
    p.add_argument("--on-error", default="raise", choices=("raise", "skip"),
                   help="bad images or label lines: stop (raise) or leave them out (skip)")
    finish_parser(p, run, overwrite="replace a previous datareduce output in --output",
                  quiet="print nothing on success")


def run(args) -> int:
    import json

    from ..detection.split import EmptySplitError, split_yolo
    from .yolo import _cli_hint, check_group, cli_words, data_file_errors

    check_group(args.group)
    try:
        path = split_yolo(args.data, args.output, groups=args.group, val=args.val,
                          test=args.test, random_state=args.seed, layout=args.layout,
                          overwrite=args.overwrite, on_error=args.on_error)
    except FileExistsError as exc:
        raise CLIError(cli_words(str(exc))) from exc
    except EmptySplitError as exc:
        # name the option of the split left empty: --val (train and val are required), or
        # --test when only test is
        only_test = set(exc.empty) == {"test"}
        option = f"--test {args.test:g}" if only_test else f"--val {args.val:g}"
        raise CLIError(
            f"--group {args.group} gives {exc.n_groups} group(s) for "
            f"{2 + (args.test > 0)} splits: {' and '.join(exc.empty)} would get no image "
            "(a group never spans two splits"
            + ("" if only_test else "; Ultralytics needs train and val")
            + "). Use a --group that splits the images more finely"
            + (", or drop --test" if args.test > 0 else "")
            + f" ({option} cannot be met with these groups); nothing was written."
        ) from exc
    except (ValueError, *data_file_errors()) as exc:
        raise _cli_hint(exc, args.data) from exc
    if args.quiet:
        return 0
    man = json.loads((path.parent / "manifest.json").read_text())
    print("| split | images | groups |\n|---|---:|---:|")
    for k, n in man["n_images"].items():
        print(f"| {k} | {n} | {man['n_groups'][k]} |")
    print(f"\nwrote {path}  ->  yolo train data={path}")
    return 0
