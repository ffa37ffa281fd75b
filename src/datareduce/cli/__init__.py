"""The ``datareduce`` command.

Each subcommand lives in its own module of this package exposing ``add_parser(subparsers)``
(which registers the subcommand and sets ``func``) and is listed in ``SUBCOMMANDS``.
Errors a user can fix print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = ("methods", "reduce", "demo", "compare", "yolo", "yolo_audit", "score")


class CLIError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="datareduce",
        description="Make training sets smaller while keeping them representative.",
    )
    parser.add_argument("--version", action="version", version=f"datareduce {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"datareduce {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        print(f"datareduce {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
