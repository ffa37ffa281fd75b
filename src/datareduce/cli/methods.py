"""``datareduce methods``: the registered reducers, one line each."""

from __future__ import annotations


def add_parser(sub):
    p = sub.add_parser("methods", help="list the registered reduction methods")
    p.set_defaults(func=run)


def run(args) -> int:
    from .._registry import available_reducers

    summaries = available_reducers(with_summary=True)
    width = max(map(len, summaries))
    for name, summary in summaries.items():
        print(f"{name:<{width}}  {summary}")
    return 0
