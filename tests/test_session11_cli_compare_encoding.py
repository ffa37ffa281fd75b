"""``datareduce compare`` on a CSV with text and missing values encodes each training split
on its own rows, as the Python ``compare`` does with a DataFrame (review10/c's note: the CLI
fitted imputation and categories on the whole table, test rows included)."""

import numpy as np
import pandas as pd
import pytest

from test_cli_errors import cli

pytestmark = pytest.mark.filterwarnings("ignore:X has .* duplicate row")


def test_cli_scores_equal_the_python_compare_of_the_dataframe(tmp_path):
    from datareduce.evaluation import compare
    from datareduce.search import make_model

    rng = np.random.default_rng(0)
    n = 240
    a = rng.normal(size=n)
    a[rng.random(n) < 0.3] = np.nan           # medians differ between splits and table
    a[:40] += 8.0                             # ... more so with the far rows
    colour = rng.choice(["red", "green", "blue"], size=n)
    y = np.where((np.nan_to_num(a) > 0.3) ^ (colour == "red"), "yes", "no")
    df = pd.DataFrame({"a": a, "colour": colour, "label": y})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "res"
    r = cli("compare", path, "--target", "label", "--methods", "srs", "--keep", "0.5",
            "--repeats", "3", "--estimator", "logistic", "--metric", "mmd", "--no-plots",
            "--output", out, "-q")
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out / "results.csv")
    X = df[["a", "colour"]]
    est = make_model("logistic", "classification", X)[-1]
    want = compare(X, df["label"], methods=["srs"], keeps=(0.5,), estimator=est, repeats=3,
                   metrics=("mmd",), random_state=0)
    for col in ("accuracy", "f1_macro", "mmd"):
        np.testing.assert_allclose(got.sort_values(["method", "keep", "repeat"])[col],
                                   want.sort_values(["method", "keep", "repeat"])[col],
                                   rtol=1e-9)
