"""Real-looking tables from the command line (issue 13): categorical columns and missing
values used through the library's selection space, original rows out, regression targets
stratified by quantile bins, and the same selection as the Python API."""

import warnings

import numpy as np
import pandas as pd
import pytest

import datareduce
from datareduce.base import quantile_strata
from test_cli_errors import cli


def penguins_like(n=344, seed=0):
    """A table shaped like the Palmer penguins CSV: string columns, two rows with every
    measurement missing, a missing ``sex`` in 11 rows, an id column."""
    rng = np.random.default_rng(seed)
    species = rng.choice(["Adelie", "Chinstrap", "Gentoo"], size=n, p=[0.44, 0.2, 0.36])
    island = np.where(species == "Gentoo", "Biscoe",
                      rng.choice(["Dream", "Torgersen", "Biscoe"], size=n))
    bill = {"Adelie": 38.8, "Chinstrap": 48.8, "Gentoo": 47.5}
    mass = {"Adelie": 3700, "Chinstrap": 3730, "Gentoo": 5080}
    df = pd.DataFrame({
        "rowid": np.arange(1, n + 1),
        "species": species,
        "island": island,
        "bill_length_mm": np.round([bill[s] + rng.normal(0, 2.5) for s in species], 1),
        "bill_depth_mm": np.round(rng.normal(17, 2, n), 1),
        "flipper_length_mm": rng.integers(172, 231, n).astype(float),
        "body_mass_g": np.array([mass[s] + rng.normal(0, 400) for s in species]).round(),
        "sex": rng.choice(["male", "female"], size=n).astype(object),
        "year": rng.choice([2007, 2008, 2009], size=n),
    })
    measures = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    df.loc[[3, 271], measures] = np.nan
    df.loc[[3, 8, 9, 10, 11, 47, 178, 218, 256, 268, 271], "sex"] = np.nan
    return df


@pytest.fixture
def penguins(tmp_path):
    df = penguins_like()
    path = tmp_path / "penguins.csv"
    df.to_csv(path, index=False)
    return path, pd.read_csv(path)


def test_penguins_reduce_in_one_command(penguins, tmp_path):
    path, df = penguins
    out = tmp_path / "small.csv"
    res = cli("reduce", path, "--target", "species", "--id", "rowid", "--method", "mms",
              "--keep", "0.2", "--output", out, "--report", tmp_path / "r.json",
              "--max-points", "150")
    assert res.returncode == 0, res.stderr
    # the categorical columns and the rows with missing values are used, not dropped
    assert "2 categorical one-hot (island: 3 columns; sex: 3 columns)" in res.stderr
    assert "missing-indicator" in res.stderr
    assert "not used" not in res.stderr
    small = pd.read_csv(out)
    assert list(small.columns) == list(df.columns) and len(small) == round(0.2 * len(df))
    # original rows, original values (NaN included), found by their id
    original = df.set_index("rowid").loc[small["rowid"]].reset_index()
    pd.testing.assert_frame_equal(small, original)
    assert set(small["species"]) == set(df["species"])
    # max-min starts far out: the row with every measurement missing is an extreme point
    assert small["sex"].isna().any() or small["bill_length_mm"].isna().any()


def test_cli_and_python_select_the_same_rows(penguins, tmp_path):
    path, df = penguins
    for method in ("mms", "clc", "srs"):
        out = tmp_path / f"{method}.csv"
        res = cli("reduce", path, "--target", "species", "--id", "rowid", "--method", method,
                  "--keep", "0.15", "--seed", "3", "--output", out, "-q")
        assert res.returncode == 0, res.stderr
        params = {"output": "medoids"} if method == "clc" else {}
        red = datareduce.get_reducer(method, keep=0.15, random_state=3, space="minmax",
                                     **params)
        red.fit(df.drop(columns=["rowid", "species"]), df["species"])
        expected = df["rowid"].to_numpy()[red.sample_indices_]
        assert pd.read_csv(out)["rowid"].tolist() == expected.tolist(), method


@pytest.mark.parametrize("target, kind", [
    ("species", "classification"),  # strings
    ("year", "classification"),  # three whole numbers: classes
    ("price", "continuous"),  # int64 with many distinct values: regression (issue 21)
    ("body_mass_g", "continuous"),  # whole numbers read as floats, two missing
])
@pytest.mark.parametrize("method", ["srs", "mms"])
def test_one_target_rule_same_rows_in_python_and_cli(tmp_path, target, kind, method):
    df = penguins_like(seed=5)
    df["price"] = np.random.default_rng(1).integers(300, 20000, len(df))
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "o.csv"
    res = cli("reduce", path, "--target", target, "--id", "rowid", "--method", method,
              "--keep", "0.1", "--seed", "7", "--space", "auto", "--drop-missing-target",
              "--output", out)
    assert res.returncode == 0, res.stderr
    assert ("treated as a regression target" in res.stderr) == (kind == "continuous")
    table = pd.read_csv(path).dropna(subset=[target])
    red = datareduce.get_reducer(method, keep=0.1, random_state=7)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        red.fit(table.drop(columns=["rowid", target]), table[target])
    assert red.target_type_.startswith("binary") or red.target_type_ == kind or \
        red.target_type_ == "multiclass" and kind == "classification"
    if kind == "continuous":
        assert len(red.strata_edges_) == 11  # the one default: 10 quantile bins
        msg = [str(w.message) for w in seen if "whole numbers" in str(w.message)]
        assert msg and "task='classification'" in msg[0]
    expected = table["rowid"].to_numpy()[red.sample_indices_]
    assert pd.read_csv(out)["rowid"].tolist() == expected.tolist()


def test_task_override_in_python_and_cli(tmp_path):
    """task= / --task classification overrides the rule: prices as classes."""
    df = penguins_like(seed=5)[["rowid", "bill_depth_mm", "island"]].copy()
    df["code"] = np.arange(len(df)) % 60  # 60 integer-coded classes: a regression by rule
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "o.csv"
    res = cli("reduce", path, "--target", "code", "--id", "rowid", "--keep", "0.5",
              "--task", "classification", "--space", "auto", "--output", out, "-q")
    assert res.returncode == 0, res.stderr
    red = datareduce.get_reducer("srs", keep=0.5, random_state=0)
    red.fit(df[["bill_depth_mm", "island"]], df["code"], task="classification")
    assert len(red.classes_) == 60
    assert pd.read_csv(out)["rowid"].tolist() == df["rowid"].to_numpy()[
        red.sample_indices_].tolist()
    auto = datareduce.get_reducer("srs", keep=0.5, random_state=0)
    with pytest.warns(UserWarning, match="60 distinct whole numbers"):
        auto.fit(df[["bill_depth_mm", "island"]], df["code"])
    assert auto.target_type_ == "continuous"
    # a categorical dtype is classes whatever its values
    cat = datareduce.get_reducer("srs", keep=0.5, random_state=0)
    cat.fit(df[["bill_depth_mm", "island"]], df["code"].astype("category"))
    assert len(cat.classes_) == 60


def test_regression_target_keeps_each_bins_share(penguins, tmp_path):
    path, df = penguins
    out = tmp_path / "reg.csv"
    res = cli("reduce", path, "--target", "body_mass_g", "--task", "regression", "--bins",
              "5", "--drop-missing-target", "--id", "rowid", "--method", "mms", "--keep",
              "0.2", "--output", out)
    assert res.returncode == 0, res.stderr
    assert "stratified by 5 quantile bins" in res.stderr
    assert "leaving out 2 row(s)" in res.stderr
    full = df.dropna(subset=["body_mass_g"])
    codes, _ = quantile_strata(full["body_mass_g"].to_numpy(), 5)
    kept = pd.read_csv(out)
    kept_codes = codes[full["rowid"].isin(kept["rowid"]).to_numpy()]
    n_keep = round(0.2 * len(full))
    share = np.bincount(codes, minlength=5) * n_keep / len(full)
    assert np.all(np.abs(np.bincount(kept_codes, minlength=5) - share) < 1)


def test_auto_task_treats_many_whole_numbers_as_regression(penguins, tmp_path):
    path, _ = penguins
    res = cli("reduce", path, "--target", "body_mass_g", "--drop-missing-target", "--id",
              "rowid", "--keep", "0.2", "--output", tmp_path / "o.csv")
    assert res.returncode == 0, res.stderr
    assert "treated as a regression target" in res.stderr
    assert "quantile bins" in res.stderr
    # a class-based method says why it cannot run on it
    res = cli("reduce", path, "--target", "body_mass_g", "--task", "regression",
              "--drop-missing-target", "--method", "des", "--keep", "0.2", "--output",
              tmp_path / "d.csv")
    assert res.returncode == 2 and "needs class labels" in res.stderr


@pytest.mark.parametrize("method", [m for m in datareduce.available_reducers()
                                    if m not in ("flow", "fes")])
def test_stratify_false_works_for_every_method(penguins, tmp_path, method):
    try:
        datareduce.reducer_class(method)
    except ImportError as exc:
        pytest.skip(str(exc))
    path, _ = penguins
    res = cli("reduce", path, "--target", "species", "--id", "rowid", "--method", method,
              "--keep", "0.3", "--param", "stratify=False", "--output",
              tmp_path / "o.csv", "-q")
    assert res.returncode == 0, res.stderr
    assert len(pd.read_csv(tmp_path / "o.csv")) == round(0.3 * 344)


def test_score_on_mixed_tables_uses_the_same_space(penguins, tmp_path):
    import json

    path, df = penguins
    out = tmp_path / "small.csv"
    assert cli("reduce", path, "--target", "species", "--id", "rowid", "--method", "mms",
               "--keep", "0.2", "--output", out, "-q").returncode == 0
    res = cli("score", path, out, "--target", "species", "--id", "rowid",
              "--json", tmp_path / "a.json")
    assert res.returncode == 0, res.stderr
    # by default the audit: calibrated metrics, no uncalibrated epsilon
    assert "Subset audit" in res.stdout and "categorical one-hot" in res.stdout
    audit = json.loads((tmp_path / "a.json").read_text())
    assert "epsilon" not in audit and audit["n_kept"] == len(pd.read_csv(out))
    res = cli("score", path, out, "--target", "species", "--id", "rowid", "--dims", "0",
              "--json", tmp_path / "s.json")
    assert res.returncode == 0, res.stderr
    assert "categorical one-hot" in res.stdout
    # the same epsilon as the Python API in the same space
    from datareduce.metrics import epsilon_representativeness
    from datareduce.preprocessing import make_selection_space

    F = df.drop(columns=["rowid", "species"])
    Z = make_selection_space(F, scale="minmax").fit_transform(F)
    kept = df["rowid"].isin(pd.read_csv(out)["rowid"]).to_numpy()
    eps = epsilon_representativeness(Z, Z[kept], df["species"], df["species"][kept])
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["epsilon"]["value"] == pytest.approx(eps.value)


def test_score_regression_target_per_quantile_bin(penguins, tmp_path):
    path, df = penguins
    out = tmp_path / "reg.csv"
    assert cli("reduce", path, "--target", "body_mass_g", "--task", "regression",
               "--drop-missing-target", "--id", "rowid", "--method", "mms", "--keep", "0.2",
               "--output", out, "-q").returncode == 0
    res = cli("score", path, out, "--target", "body_mass_g", "--bins", "4", "--id", "rowid",
              "--drop-missing-target", "--dims", "0", "--json", tmp_path / "s.json")
    assert res.returncode == 0, res.stderr
    assert "per-bin results over 4 quantile bins" in res.stderr
    import json

    per = json.loads((tmp_path / "s.json").read_text())["epsilon"]["per_class"]
    assert sorted(map(str, per)) == ["0", "1", "2", "3"]
    # compare trains regressors on the same target (r2 by default), stratified by bins
    res = cli("compare", path, "--target", "body_mass_g", "--drop-missing-target",
              "--methods", "srs", "--keep", "0.2", "--repeats", "1", "--estimator",
              "logistic", "--bins", "4", "--no-plots", "--output", tmp_path / "c")
    assert res.returncode == 0 and "task: regression" in res.stderr, res.stderr
    assert "r2" in pd.read_csv(tmp_path / "c" / "results.csv").columns


def _fixed_estimates(monkeypatch, module, name, costs):
    def fake(make, X, y, **kw):
        method = type(make(100)).__name__
        return costs.get(method, 0.001), 0.0

    monkeypatch.setattr(f"datareduce.cli.{module}.{name}", fake)


def test_compare_budget_skips_what_does_not_fit(penguins, tmp_path, monkeypatch):
    path, _ = penguins
    _fixed_estimates(monkeypatch, "compare", "estimate_reduction",
                     {"MaxMinReducer": 1000.0, "StratifiedRandomReducer": 0.001})
    res = cli("compare", path, "--target", "species", "--id", "rowid", "--methods", "mms",
              "srs", "--keep", "0.2", "--repeats", "1", "--estimator", "knn", "--test-size",
              "0.25", "--budget", "60", "--output", tmp_path / "c", "--no-plots")
    assert res.returncode == 0, res.stderr
    assert "skipping mms: estimated" in res.stderr and "--budget 60" in res.stderr
    methods = set(pd.read_csv(tmp_path / "c" / "results.csv")["method"])
    assert methods == {"full", "srs"}


def test_reduce_report_is_the_audit_and_budget_refuses(penguins, tmp_path, monkeypatch):
    import json

    path, _ = penguins
    res = cli("reduce", path, "--target", "species", "--id", "rowid", "--keep", "0.2",
              "--output", tmp_path / "o.csv", "--report", tmp_path / "r.json",
              "--budget", "60")
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    # one-hot columns: the JSON holds the calibrated audit, never the L-infinity epsilon
    assert "epsilon" not in report and "categorical one-hot" in report["space"]
    assert set(report["calibration"]["metrics"]) == {"mmd", "energy", "coverage"}
    assert "report: " in res.stderr  # the verdicts
    _fixed_estimates(monkeypatch, "reduce", "estimate_reduction", {"MaxMinReducer": 1000.0})
    res = cli("reduce", path, "--method", "mms", "--keep", "0.2", "--output",
              tmp_path / "m.csv", "--budget", "60")
    assert res.returncode == 2 and "the reduction alone is estimated" in res.stderr
    assert not (tmp_path / "m.csv").exists()
