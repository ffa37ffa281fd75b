"""Review 14 (reviewer C): the reduce / compare / methods / demo commands, the evaluation
package and the user docs. Each test names its repro in notes/review14/c/ and fails before
its fix."""

import numpy as np
import pandas as pd

from datareduce.cli import main


# 01_distinct_text_dates_dropped.py
def test_a_csv_date_column_with_a_date_per_row_is_a_feature(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 60
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "day": pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d"),
            "note": [f"free text {i}" for i in range(n)],
            "y": rng.choice(["a", "b"], n),
        }
    )
    df.to_csv(tmp_path / "t.csv", index=False)
    assert (
        main(
            [
                "reduce",
                str(tmp_path / "t.csv"),
                "--target",
                "y",
                "--method",
                "mms",
                "--keep",
                "10",
                "-o",
                str(tmp_path / "o.csv"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if ln.startswith("columns:"))
    assert "2 feature column(s): x, day" in line
    assert "an id or free text): note" in line  # free text still left out
    assert "dates and durations as seconds" in err
