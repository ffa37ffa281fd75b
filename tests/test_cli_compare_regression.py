"""``datareduce compare`` on a regression target: the task decided as in ``datareduce
search`` (``--task``, ``--bins``), the regressor twin of each ``--estimator``, ``r2`` and
``mae`` by default (the Python compare's), splits stratified by quantile bins as the Python
function stratifies them, and one-line errors naming the option a regression target cannot
use."""

import numpy as np
import pandas as pd
import pytest

from test_cli_errors import cli


def regression_table(n=300, seed=0):
    """A continuous target from two numbers and two text columns."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.uniform(size=n),
                       "color": rng.choice(["red", "green", "blue"], n),
                       "site": rng.choice(["north", "south"], n)})
    df["price"] = (3 * df["a"] + 2 * df["b"] + 1.5 * (df["color"] == "red")
                   + rng.normal(scale=0.3, size=n))
    return df


@pytest.fixture
def reg_csv(tmp_path):
    df = regression_table()
    path = tmp_path / "reg.csv"
    df.to_csv(path, index=False)
    return path, df


def test_regression_target_runs_end_to_end(reg_csv, tmp_path):
    path, df = reg_csv
    out = tmp_path / "out"
    res = cli("compare", path, "--target", "price", "--methods", "srs", "mms", "--keep",
              "0.2", "0.5", "--repeats", "2", "--estimator", "logistic", "--output", out)
    assert res.returncode == 0, res.stderr
    assert "task: regression" in res.stderr and "Ridge" in res.stderr
    results = pd.read_csv(out / "results.csv")
    assert {"r2", "mae", "mmd", "energy", "coverage"} <= set(results.columns)
    assert "accuracy" not in results.columns
    assert set(results["method"]) == {"full", "srs", "mms"}
    assert results["r2"].between(0.5, 1.0).all()  # a learnable target
    assert (results["mae"] > 0).all()
    md = (out / "results.md").read_text()
    assert "## r2" in md and "## mae" in md and "(regression)" in md
    for png in ("scores.png", "time.png", "mmd.png", "energy.png", "coverage.png"):
        assert (out / png).stat().st_size > 0, png
    assert "| keep | srs | mms |" in res.stdout  # the r2 medians

    # the same runs as the Python compare on the same encoded table: same quantile-bin
    # splits, same ridge, same scores
    from sklearn.linear_model import Ridge

    from datareduce.evaluation import compare
    from datareduce.preprocessing import make_selection_space

    F = df.drop(columns="price")
    X = make_selection_space(F, scale=None).fit_transform(F)
    py = compare(X, df["price"].to_numpy(), methods=["srs"], keeps=[0.2, 0.5], repeats=2,
                 estimator=Ridge(), task="regression", random_state=0)
    cli_srs = results[results["method"].isin(["full", "srs"])].reset_index(drop=True)
    assert cli_srs["n_kept"].tolist() == py["n_kept"].tolist()
    np.testing.assert_allclose(cli_srs["r2"], py["r2"])
    np.testing.assert_allclose(cli_srs["mae"], py["mae"])


def test_regression_scoring_option_and_methods_needing_classes(reg_csv, tmp_path):
    path, _ = reg_csv
    out = tmp_path / "out"
    res = cli("compare", path, "--target", "price", "--methods", "srs", "des", "--keep",
              "0.3", "--repeats", "1", "--estimator", "knn", "--scoring",
              "neg_mean_absolute_error", "r2", "--bins", "5", "--no-plots", "--output", out)
    assert res.returncode == 0, res.stderr
    assert "skipping des: it needs class labels" in res.stderr
    assert "5 quantile bins" in res.stderr and "KNeighborsRegressor" in res.stderr
    results = pd.read_csv(out / "results.csv")
    assert set(results["method"]) == {"full", "srs"}
    assert {"neg_mean_absolute_error", "r2"} <= set(results.columns)
    assert (results["neg_mean_absolute_error"] < 0).all()
    assert not (out / "scores.png").exists()


def test_estimator_names_map_to_regressors():
    from datareduce.cli.compare import ESTIMATORS, _estimator

    X = np.zeros((4, 2))
    classifiers = {n: type(_estimator(n, "classification", X)).__name__ for n in ESTIMATORS}
    regressors = {n: type(_estimator(n, "regression", X)).__name__ for n in ESTIMATORS}
    assert classifiers == {"mlp": "MLPClassifier", "logistic": "LogisticRegression",
                           "knn": "KNeighborsClassifier", "forest": "RandomForestClassifier"}
    assert regressors == {"mlp": "MLPRegressor", "logistic": "Ridge",
                          "knn": "KNeighborsRegressor", "forest": "RandomForestRegressor"}
    mlp = _estimator("mlp", "regression", X)
    assert mlp.hidden_layer_sizes == (50, 45, 40, 35, 30, 25, 20, 15, 10)  # the paper's
    assert _estimator("logistic", "classification", X).max_iter == 1000


def test_task_classification_on_many_integer_classes(tmp_path):
    rng = np.random.default_rng(1)
    n, k = 300, 60  # 60 distinct whole numbers: auto calls them a regression target
    label = np.repeat(np.arange(1000, 1000 + k), n // k)
    df = pd.DataFrame({"x1": label / 100 + rng.normal(scale=0.05, size=n),
                       "x2": rng.normal(size=n),
                       "kind": rng.choice(["p", "q"], n), "label": label})
    path = tmp_path / "classes.csv"
    df.to_csv(path, index=False)
    common = ("--methods", "srs", "--keep", "0.5", "--repeats", "1", "--estimator", "knn",
              "--no-plots")
    res = cli("compare", path, "--target", "label", "--task", "classification", *common,
              "--output", tmp_path / "c")
    assert res.returncode == 0, res.stderr
    assert "task: regression" not in res.stderr
    results = pd.read_csv(tmp_path / "c" / "results.csv")
    assert {"accuracy", "f1_macro"} <= set(results.columns) and "r2" not in results.columns
    assert "## accuracy" in (tmp_path / "c" / "results.md").read_text()
    # without --task the same column is a regression target, with a line saying so
    res = cli("compare", path, "--target", "label", *common, "--output", tmp_path / "r")
    assert res.returncode == 0, res.stderr
    assert "--task classification" in res.stderr and "task: regression" in res.stderr
    assert "r2" in pd.read_csv(tmp_path / "r" / "results.csv").columns


@pytest.mark.parametrize("extra, option, words", [
    (["--pos-label", "1"], "--pos-label", "regression target"),
    (["--scoring", "f1", "--pos-label", "1"], "--pos-label", "regression target"),
    (["--scoring", "accuracy"], "--scoring accuracy", "classification scorer"),
    (["--scoring", "r2", "f1_macro"], "--scoring f1_macro", "regression target"),
    (["--methods", "des", "fes"], "--methods des fes", "need class labels"),
    (["--bins", "100"], "--bins 100", "quantile bin"),
    (["--bins", "0"], "--bins 0", ">= 1"),
    (["--task", "regression", "--target", "color"], "--task regression", "numeric"),
])
def test_regression_errors_name_the_option(reg_csv, tmp_path, extra, option, words):
    path, _ = reg_csv
    out = tmp_path / "out"
    res = cli("compare", path, "--target", "price", "--keep", "0.3", "--repeats", "1",
              "--output", out, *extra)
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("datareduce compare: error: ") and "Traceback" not in res.stderr
    assert option in last and words in last, last
    assert not out.exists()


def test_mae_is_refused_for_a_classification_target(reg_csv, tmp_path):
    path, _ = reg_csv
    res = cli("compare", path, "--target", "color", "--scoring", "mae", "--output",
              tmp_path / "out")
    assert res.returncode == 2
    assert "--scoring mae is a regression scorer" in res.stderr
    assert not (tmp_path / "out").exists()
