"""Messages of the command line: summary lines on stderr, "did you mean", short lists."""

from __future__ import annotations

import difflib
import sys


def say(args, text: str) -> None:
    """A progress or summary line on stderr (silenced by --quiet)."""
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr, flush=True)

def did_you_mean(name, choices) -> str:
    """' (did you mean 'x'?)' for the closest of ``choices``, or ''."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        lowered = {str(c).lower(): str(c) for c in choices}
        if str(name).lower() in lowered:
            close = [lowered[str(name).lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""

def compact_list(names, limit: int = 60) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... (+{len(names) - limit} more)" if len(names) > limit else "")

def unknown_column(option: str, name, columns, table: str = "the input") -> str:
    columns = list(columns)
    return (f"{option} {name!r} is not a column of {table}{did_you_mean(name, columns)}; "
            f"its {len(columns)} columns are: {compact_list(columns)}.")
