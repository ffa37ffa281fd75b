"""The Parquet output rule against the file system itself (review8/a): for glob inputs over
a tree with random links, an output the check accepts is written and the glob is run again;
no accepted output may be read back (the kept rows in the input), and no refused output may
be one the next run would not read. 2 link layouts here; 12 in the fuzz that validated
4e7b9e8 (2,960 cases, none unsafe or over-refused)."""

import os
import random
import shutil

import pandas as pd
import pytest

from datareduce.distributed._parquet import _check_output, _resolve_paths

GLOBS = ["data/*.parquet", "data/*/*.parquet", "data/*/*/*.parquet", "data/*/part/*.parquet",
         "data/**/*.parquet", "data/*", "data/*/*", "data/?/*.parquet", "data/**",
         "data/*/../*.parquet", "w/l/../*.parquet", "w/l/../*/*.parquet",
         "data/[ab]*/*.parquet"]
OUTS = ["data/kept.parquet", "data/new/kept.parquet", "data/a/kept.parquet",
        "data/a/new/kept.parquet", "E/kept.parquet", "E/new/kept.parquet",
        "E/part/kept.parquet", "E/new/x/kept.parquet", "E/sub/kept.parquet",
        "E/sub/new/kept.parquet", "w/l/../kept.parquet", "w/l/../new/kept.parquet",
        "data/a/part/kept.parquet", "data/a/part/new/kept.parquet", "F/kept.parquet",
        "F/q/kept.parquet", "w/kept.parquet", "data/a/x.parquet/kept.parquet",
        "E/sub/part/kept.parquet", "data/b/kept.parquet"]
LINKS = [("data/b", "E"), ("data/a/c", "F"), ("w/l", "data/a"), ("E/sub/back", "F"),
         ("data/a/part2", "E/sub")]
FRAME = pd.DataFrame({"a": [1.0, 2.0]})


def _tree(root, seed):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    for d in ["data/a/part", "E/sub", "F", "w"]:
        os.makedirs(root / d)
    for f in ["data/a/part/p.parquet", "data/p.parquet", "data/a/p.parquet",
              "E/sub/q.parquet"]:
        FRAME.to_parquet(root / f)
    r = random.Random(seed)
    for name, target in LINKS:
        if r.random() < 0.6:
            os.symlink(root / target, root / name)


@pytest.mark.parametrize("seed", [0, 5, 7])
def test_no_accepted_output_is_read_back_and_no_refused_one_is_unread(tmp_path, monkeypatch,
                                                                        seed):
    root = tmp_path / "fz"
    unsafe, over, total = [], [], 0
    for g in GLOBS:
        for o in OUTS:
            _tree(root, seed)
            monkeypatch.chdir(root)
            try:
                files = _resolve_paths(g)
            except (ValueError, FileNotFoundError):  # the glob matches nothing here
                continue
            try:
                _check_output(o, False, files, g)
                refused = False
            except ValueError:
                refused = True
            except FileExistsError:
                continue
            try:
                os.makedirs(os.path.dirname(o), exist_ok=True)
            except FileExistsError:  # a file where the folder would be
                continue
            FRAME.to_parquet(o)
            total += 1
            try:
                after = _resolve_paths(g)
            except (ValueError, FileNotFoundError):
                after = []
            read = any(os.path.realpath(f) == os.path.realpath(o) for f in after)
            if read and not refused:
                unsafe.append((g, o))
            if refused and not read:
                over.append((g, o))
    assert total > 150
    assert not unsafe, unsafe
    assert not over, over
