"""review9/b: the CLI names a --group column as --group, not --exclude, in its columns line."""

import numpy as np
import pandas as pd

from datareduce.cli import main
from datareduce.cli._columns import resolve_columns


def test_resolve_columns_names_the_group_column_by_its_option():
    df = pd.DataFrame({"patient": [1, 2, 3], "a": [0.1, 0.2, 0.3], "b": [1.0, 2.0, 3.0],
                       "label": ["p", "q", "p"]})
    cols = resolve_columns(df, target="label", exclude=["b"], group="patient")
    assert cols.features == ["a"]
    assert cols.unused == {"patient": "--group", "b": "--exclude"}
    assert "not used (--group): patient" in cols.summary()


def test_audit_with_group_says_group_not_exclude(tmp_path, capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"patient": rng.integers(0, 40, 200), "a": rng.normal(size=200),
                       "label": rng.choice(["p", "q"], 200)})
    df.iloc[:150].to_csv(tmp_path / "train.csv", index=False)
    df.iloc[150:].to_csv(tmp_path / "test.csv", index=False)
    main(["audit", str(tmp_path / "train.csv"), str(tmp_path / "test.csv"),
          "--target", "label", "--group", "patient"])
    err = capsys.readouterr().err
    line = [ln for ln in err.splitlines() if ln.startswith("columns:")]
    assert line and "not used (--group): patient" in line[0] and "--exclude" not in line[0]
