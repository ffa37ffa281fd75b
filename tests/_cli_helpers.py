"""Helpers shared by the CLI tests."""

from __future__ import annotations

import warnings

from datareduce.cli import main


def reduce_csv(tmp_path, capsys, df, *args) -> str:
    """Write ``df`` to a CSV, run ``datareduce reduce`` on it with ``args`` (every warning
    shown) and return what it printed (stdout and stderr)."""
    src, out = tmp_path / "t.csv", tmp_path / "o.csv"
    df.to_csv(src, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["reduce", str(src), *args, "-o", str(out), "--overwrite"]) == 0
    return "".join(capsys.readouterr())
