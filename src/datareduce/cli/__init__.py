"""The ``datareduce`` command.

Each subcommand lives in its own module of this package exposing ``add_parser(subparsers)``
(which registers the subcommand and sets ``func``) and is listed in ``SUBCOMMANDS``.

Conventions every subcommand follows (see docs/cli.md):

* everything that can be checked before the work (inputs, outputs, columns, options) is
  checked first;
* an error the user can fix prints one line ``datareduce CMD: error: ...`` naming the option
  and the fix on stderr, and exits with status 2, leaving no file written or changed;
* no existing file or folder is replaced unless ``--overwrite`` is given, and files are
  written atomically (to a temporary name, then renamed), so a failure never leaves half
  a file;
* warnings print as one line ``datareduce CMD: warning: ...`` without source lines, each
  line once per run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

SUBCOMMANDS = ("methods", "reduce", "demo", "compare", "yolo", "yolo_audit", "score", "search", "audit")
SUBCOMMANDS += ("yolo_split",)

#: exit status of an error the user can fix (argparse's own usage errors use it too)
USAGE_ERROR = 2


class CLIError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""


def at_least(low: int, high: int | None = None):
    """The argparse action of an integer option that must be at least ``low`` (and at most
    ``high``): another value is refused while parsing, before any file is read, with the one
    line every such refusal has (``datareduce CMD: error: --bins 0: give an integer >= 1.``,
    exit 2). Use with ``type=int``."""
    rule = f">= {low}" if high is None else f"from {low} to {high}"

    class AtLeast(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            if values < low or (high is not None and values > high):
                parser.error(f"{option_string} {values}: give an integer {rule}.")
            setattr(namespace, self.dest, values)

    AtLeast.__name__ = AtLeast.__qualname__ = f"at_least({low})"
    return AtLeast


#: the seeds numpy and scikit-learn accept
SEED = at_least(0, 2**32 - 1)


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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename is not None and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return text or type(exc).__name__


def _install_warning_format(command: str, words=None):
    """Warnings as one line each, without the source line that raised them, and each line
    once per run (a model trained on every split and fraction repeats its warning);
    ``words`` (the subcommand's ``cli_words``) puts a library message in the options'
    names."""
    previous = warnings.showwarning
    shown = set()

    def show(message, category, filename, lineno, file=None, line=None):
        stream = file if file is not None else sys.stderr
        kind = "warning" if category in (UserWarning, RuntimeWarning) else category.__name__
        text = " ".join(str(message).split())
        text = f"datareduce {command}: {kind}: {words(text) if words else text}"
        if text in shown:
            return
        shown.add(text)
        try:
            print(text, file=stream)
        except OSError:  # pragma: no cover - closed stderr
            pass

    warnings.showwarning = show
    return previous


class _PipeSafeStdout:
    """``sys.stdout`` during a run: when the reader of a pipe has gone (``datareduce ... |
    head -1``), the rest of the output goes to ``os.devnull`` and the run goes on, so the
    files asked for (``--json``, ``--output``) are still written and the exit status is the
    run's (the handling of SIGPIPE in Python's documentation, "Note on SIGPIPE")."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_gone()
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # pragma: no cover - not a real file
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Argument errors found by argparse raise ``SystemExit(2)`` as usual.
    """
    stdout = sys.stdout = _PipeSafeStdout(sys.stdout)
    try:
        return _main(argv)
    finally:
        stdout.flush()
        if sys.stdout is stdout:
            sys.stdout = stdout._stream


def _main(argv) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    command = args.command
    if extras:  # the subcommand's usage and name, not the top-level ones
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices[command].error(f"unrecognized arguments: {' '.join(extras)}")
    # a subcommand's cli_words(text): the library's messages in the options' names
    words = getattr(sys.modules.get(getattr(args.func, "__module__", "")), "cli_words", None)
    previous = _install_warning_format(command, words)
    debug = bool(os.environ.get("DATAREDUCE_DEBUG"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
            warnings.filterwarnings("ignore", category=FutureWarning)
            return int(args.func(args) or 0)
    except CLIError as exc:
        if debug:
            raise
        print(f"datareduce {command}: error: {_one_line(exc)}", file=sys.stderr)
        return USAGE_ERROR
    except (ValueError, TypeError, OSError, ImportError, MemoryError) as exc:
        if debug:
            raise
        text = _one_line(exc)
        if words is not None:
            text = words(text)
        if isinstance(exc, MemoryError):
            text = f"out of memory ({text}): use a smaller input, --keep or --max-points"
        print(f"datareduce {command}: error: {text}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"datareduce {command}: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: still one line, but say it is ours
        if debug:
            raise
        print(f"datareduce {command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(please report it; set DATAREDUCE_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = previous


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
