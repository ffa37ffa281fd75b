"""The CSV's text is read back from the file when it is needed (the kept rows a block at a
time, a column at a time), not kept whole in memory beside the parsed frame."""

import csv

import numpy as np
import pytest

from datareduce.cli import CLIError
from datareduce.cli._io import Source, read_table
from test_cli_errors import cli
from test_cli_fidelity import awkward_csv  # noqa: F401 - the fixture


def _records(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_no_whole_text_copy_is_kept(awkward_csv):  # noqa: F811
    df, source = read_table(awkward_csv, source=True)
    assert source.text is None  # the text columns were read, not every column's text
    assert set(source._columns_text) == {"region", "note"}  # the columns read as text
    assert list(df["region"].unique()) == ["EU", "NA"]  # 'NA' as written, not missing


@pytest.mark.parametrize("block", [1, 7, 1000])
def test_rows_text_across_blocks_equals_the_files_records(awkward_csv, monkeypatch, block):  # noqa: F811
    monkeypatch.setattr(Source, "BLOCK_ROWS", block)
    _, source = read_table(awkward_csv, source=True)
    records = _records(awkward_csv)
    pos = np.array([59, 0, 7, 7, 13, 58, 1, 30])  # any order, a repeat, both ends
    rows = source.rows_text(pos)
    assert list(rows.index) == list(pos)
    assert [list(r) for r in rows.itertuples(index=False)] == [records[p + 1] for p in pos]
    assert source.rows_text([]).shape == (0, len(records[0]))


def test_reduce_output_does_not_depend_on_the_block_size(awkward_csv, tmp_path,  # noqa: F811
                                                         monkeypatch):
    outs = []
    for block in (3, 100_000):
        monkeypatch.setattr(Source, "BLOCK_ROWS", block)
        out = tmp_path / f"out{block}.csv"
        res = cli("reduce", awkward_csv, "--target", "region", "--id", "pid", "--keep", "0.4",
                  "--method", "srs", "--output", out, "-q")
        assert res.returncode == 0, res.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    got, want = _records(tmp_path / "out3.csv"), _records(awkward_csv)
    assert got[0] == want[0] and len(got) == 1 + 24
    assert all(r in want[1:] for r in got[1:])


def test_a_file_changed_before_the_rows_are_written_is_refused(awkward_csv):  # noqa: F811
    _, source = read_table(awkward_csv, source=True)
    with open(awkward_csv, "ab") as fh:
        fh.write(b"99999,00001,1.50,TRUE,,EU,0.1,0.2,1,\"x\"\r\n")
    with pytest.raises(CLIError, match="changed while it was being reduced"):
        source.rows_text([0, 1])
