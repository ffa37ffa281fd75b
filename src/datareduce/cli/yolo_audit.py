"""``datareduce yolo-audit``: duplicates inside the training split and train/val/test leakage."""

from __future__ import annotations

from . import CLIError
from ._common import finish_parser


def add_parser(sub):
    p = sub.add_parser(
        "yolo-audit",
        help="find duplicate training images and training images that leak into val/test",
        description="Hash every image of a YOLO dataset (file content and perceptual hash) "
                    "and report exact and near duplicates inside the training split and "
                    "between the training split and the other splits. Nothing is written "
                    "except the files you ask for.",
    )
    p.add_argument("data", help="the Ultralytics data YAML of the dataset")
    p.add_argument("--split", default="train", help="the training split (default train)")
    p.add_argument("--threshold", type=int, default=None,
                   help="near duplicates: at most this many differing bits of the 64-bit "
                        "perceptual hash (default 10)")
    p.add_argument("--group", metavar="REGEX|auto",
                   help="also report groups (a regex over file names naming e.g. a video, one "
                        "with '/' matched against the path, or 'auto': chains of near "
                        "duplicates) with images in more than one split")
    p.add_argument("--contact-sheet", metavar="PNG",
                   help="save the most similar leaking pairs side by side")
    p.add_argument("--max-pairs", type=int, default=16, help="pairs on the contact sheet")
    p.add_argument("--json", metavar="PATH", help="save every leaking pair and the counts")
    p.add_argument("--report", metavar="PAGE.html",
                   help="write a one-file HTML page (verdicts, counts, closest pairs, contact "
                        "sheet), like `datareduce audit --report`")
    p.add_argument("--on-error", default="raise", choices=("raise", "skip"),
                   help="bad images or label lines: stop (raise) or leave them out (skip)")
    p.add_argument("--jobs", type=int, default=1, help="threads hashing images")
    p.add_argument("--progress", action="store_true",
                   help="show progress bars (on stderr; --quiet turns them off)")
    finish_parser(p, run, overwrite="replace an existing --json, --report or --contact-sheet "
                                    "file",
                  quiet="no progress bars or notes on stderr, even with --progress (the "
                        "report is still printed)")


def run(args) -> int:
    from ..detection import find_leakage, load_yolo
    from ..detection.hashing import DEFAULT_THRESHOLD
    from ._io import check_output_file
    from .yolo import _cli_hint, check_group, check_outside_source, data_file_errors, progress

    check_group(args.group)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if threshold < 0:
        raise CLIError("--threshold must be >= 0.")
    # outputs are checked before any hashing, and never replaced without --overwrite
    if args.json:
        check_output_file(args.json, "--json", overwrite=args.overwrite, kind="json")
    if args.report:
        from .audit import check_page

        check_page(args.report, args.overwrite)
    if args.contact_sheet:
        check_output_file(args.contact_sheet, "--contact-sheet", overwrite=args.overwrite,
                          kind="png")
    try:
        train = load_yolo(args.data, split=args.split, on_error=args.on_error)
        others = {k: load_yolo(args.data, split=k, on_error=args.on_error)
                  for k in train.splits if k != args.split}
    except (ValueError, *data_file_errors()) as exc:
        raise _cli_hint(exc, args.data) from exc
    for ds in (train, *others.values()):  # before any hashing
        check_outside_source(ds, {"--json": args.json, "--report": args.report,
                                  "--contact-sheet": args.contact_sheet})
    rep = find_leakage(train, others, threshold=threshold, n_jobs=args.jobs,
                       progress=progress(args))
    print(rep.to_markdown())
    leaks = {}
    if args.group:
        from ..detection.split import group_leaks

        groups = args.group
        if groups == "auto" and all(k in rep.hashes for k in (args.split, *others)):
            # the leakage pass hashed every image already: not a second time
            import numpy as np

            from ..detection.groups import sequence_groups

            H, C = (np.concatenate(a) for a in zip(
                *(rep.hashes[k] for k in (args.split, *others)), strict=True))

            def groups(pool):
                return sequence_groups(pool, hashes=(H, C))
        leaks = group_leaks({args.split: train, **others}, groups)
        rep.split_groups = leaks
        print(f"\ngroups in more than one split: {len(leaks)}")
        for g, where in list(leaks.items())[:10]:
            print(f"  {g}: " + ", ".join(f"{k} {n}" for k, n in where.items()))
        if len(leaks) > 10:
            print(f"  ... ({len(leaks) - 10} more; --json lists them all)")
    worst = rep.pairs[:5]
    if worst:
        print("\nmost similar pairs (train -> other, differing bits):")
        for p in worst:
            print(f"  {p['train']} -> [{p['split']}] {p['other']}  d={p['distance']}"
                  f"{' (same bytes)' if p['exact'] else ''}")
    if args.contact_sheet:
        from ._io import write_bytes_with

        if rep.pairs:  # drawn beside and renamed into place: never through a link
            write_bytes_with(args.contact_sheet,
                             lambda p: rep.contact_sheet(p, max_pairs=args.max_pairs))
            print(f"\ncontact sheet: {args.contact_sheet}")
        else:
            print("\nno leaking pair: no contact sheet")
    if args.json:  # strict JSON, written atomically, as every command's reports
        from ..metrics._html import strict_json
        from ._io import write_text

        write_text(strict_json(rep.to_dict(), indent=1), args.json)
    if args.report:
        rep.to_html(args.report)
        print(f"\nreport: {args.report}")
    return 0
