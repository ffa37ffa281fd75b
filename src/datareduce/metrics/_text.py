"""Short text for results with one value per class (reprs and report lines).

A label with hundreds of classes (or a regression target's bins) made every class part of
one line: the per-class dicts stay attributes, the text names a few."""

from __future__ import annotations

import math

#: classes named in a repr or a report line; above it, the largest values and "k more"
SHOWN_CLASSES = 8


def per_class_text(per_class: dict, *, limit: int = SHOWN_CLASSES, fmt: str = ".4g") -> str:
    """``"0: 1.3, 1: 2.1"`` in label order when there are at most ``limit`` classes; else the
    ``limit`` largest values (the worst, since lower is closer) and how many more.

    Examples
    --------
    >>> per_class_text({0: 1.0, 1: 2.0})
    '0: 1, 1: 2'
    >>> per_class_text({c: float(c) for c in range(10)}, limit=2)
    'largest 9: 9, 8: 8; 8 more classes'
    """
    items = list(per_class.items())
    if len(items) <= limit:
        return ", ".join(f"{c}: {v:{fmt}}" for c, v in items)

    def key(item):
        v = float(item[1])
        return -math.inf if math.isnan(v) else v

    worst = sorted(items, key=key, reverse=True)[:limit]
    return (f"largest {', '.join(f'{c}: {v:{fmt}}' for c, v in worst)}; "
            f"{len(items) - limit} more classes")


def names_text(names, *, limit: int = SHOWN_CLASSES) -> str:
    """``"a, b, c"``; above ``limit`` names the first ``limit`` and how many more (a verdict
    named each of 192 classes with no kept row in one line).

    Examples
    --------
    >>> names_text(["a", "b"])
    'a, b'
    >>> names_text(range(12), limit=3)
    '0, 1, 2 and 9 more'
    """
    names = [str(c) for c in names]
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"
