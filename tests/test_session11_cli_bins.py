"""``datareduce reduce --bins B`` with a reducer that does not stratify (random): the
lost-bins warning is judged with the B quantile bins the user asked for (at most the kept
rows), not the reducer's default 10 (a known limit of the 2026-12-07 note)."""

import re

import numpy as np
import pandas as pd
import pytest

from test_cli_errors import cli


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    path = tmp_path / "reg.csv"
    pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                  "t": rng.normal(size=n) ** 3}).to_csv(path, index=False)
    return path


def _lost(table, tmp_path, keep, bins):
    r = cli("reduce", table, "--target", "t", "--keep", keep, "--bins", bins,
            "--method", "random", "-o", tmp_path / "kept.csv", "--overwrite")
    assert r.returncode == 0, r.stderr
    found = re.search(r"kept no row of (\d+) of (\d+) target bins \[([^\]]*)\]",
                      r.stderr)
    kept = pd.read_csv(tmp_path / "kept.csv")
    return found, kept


@pytest.mark.parametrize("keep,bins", [(8, 3), (20, 20), (20, 5), (8, 30)])
def test_lost_bins_are_judged_with_the_bins_asked_for(table, tmp_path, keep, bins):
    from datareduce._core.strata import quantile_strata

    found, kept = _lost(table, tmp_path, keep, bins)
    y = pd.read_csv(table)["t"].to_numpy()
    codes, _ = quantile_strata(y, min(bins, keep))
    # the kept rows' bins, found by value (the CSV holds the rows as written)
    kept_codes = codes[np.isin(y, kept["t"].to_numpy())]
    lost = sorted(set(range(codes.max() + 1)) - set(kept_codes.tolist()))
    if not lost:
        assert found is None
    else:
        assert found is not None
        assert int(found.group(2)) == codes.max() + 1
        assert int(found.group(1)) == len(lost)
        shown = re.sub(r"\.\.\.|\(\+\d+ more\)", "", found.group(3))  # the first five
        assert [int(v) for v in shown.split(",") if v.strip()] == lost[:5]


def test_bins_one_never_warns_about_bins(table, tmp_path):
    found, _ = _lost(table, tmp_path, 8, 1)
    assert found is None
