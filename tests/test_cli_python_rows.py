"""Python and the CLI keep the same rows (issue 21): for every registered method, the same
table (read from the same CSV), target and seed give the same kept rows through
``get_reducer(...).fit`` and ``datareduce reduce``.

Three targets: string classes, an int64 target with many distinct values (a regression
target by the package's one rule, :func:`datareduce._core.strata.target_kind`), and no
target. The features mix numbers, a string column and missing values, so the selection
space (imputation, one-hot, scaling) is part of what must agree. The CLI's default
``--space minmax`` is compared with ``space="minmax"``, and ``--space auto`` with the
Python default.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from datareduce import available_reducers, get_reducer
from datareduce._registry import reducer_class
from datareduce.base import reducer_tags
from datareduce.cli import main

N = 300


def _importable(name):
    try:
        reducer_class(name)
    except ImportError:
        return False
    return True


METHODS = [m for m in available_reducers() if _importable(m)]


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    rng = np.random.default_rng(7)
    df = pd.DataFrame({
        "rowid": np.arange(N),
        "a": rng.normal(size=N),
        "b": rng.gamma(2.0, size=N),
        "c": rng.normal(size=N),
        "colour": rng.choice(["red", "green", "blue"], size=N),
    })
    df.loc[rng.choice(N, 15, replace=False), "b"] = np.nan
    df.loc[rng.choice(N, 10, replace=False), "colour"] = np.nan
    # string classes, imbalanced (one class of 30 rows)
    df["label"] = np.where(df["a"] > 0.9, "high", np.where(df["c"] > 0, "left", "right"))
    # whole numbers with many distinct values (prices): regression by the one rule
    df["price"] = (1000 + 400 * df["a"] + 200 * rng.normal(size=N)).round().astype(np.int64)
    path = tmp_path_factory.mktemp("rows") / "table.csv"
    df.to_csv(path, index=False)
    return path


def _python_rows(path, method, target, seed, space, keep=0.1):
    df = pd.read_csv(path)
    X = df.drop(columns=[c for c in ("rowid", "label", "price") if c in df.columns])
    y = None if target is None else df[target]
    cls = reducer_class(method)
    params = {"keep": keep, "random_state": seed}
    if "output" in cls().get_params():
        params["output"] = "medoids"  # the CLI writes real rows
    if space is not None:
        params["space"] = space
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        red = get_reducer(method, **params).fit(X, y)
    return set(df["rowid"].to_numpy()[red.sample_indices_].tolist())


def _cli_rows(path, tmp_path, method, target, seed, space, capsys, keep=0.1):
    out = tmp_path / f"{method}.csv"
    argv = ["reduce", str(path), "--id", "rowid", "--method", method, "--keep", str(keep),
            "--seed", str(seed), "--output", str(out), "--quiet", "--overwrite"]
    argv += ["--exclude", *[c for c in ("label", "price") if c != target]]
    if target is not None:
        argv += ["--target", target]
    if space is not None:
        argv += ["--space", space]
    rc = main(argv)
    assert rc == 0, capsys.readouterr().err
    return set(pd.read_csv(out)["rowid"].tolist())


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("target", ["label", "price", None])
def test_same_rows_as_python(method, target, csv_path, tmp_path, capsys):
    if target == "price":
        if reducer_tags(reducer_class(method)).requires_classes:
            pytest.skip(f"{method} needs class labels")
    elif target is None and reducer_tags(reducer_class(method)).requires_classes:
        pytest.skip(f"{method} needs class labels")
    seed = 3
    cli = _cli_rows(csv_path, tmp_path, method, target, seed, None, capsys)
    py = _python_rows(csv_path, method, target, seed, "minmax")
    assert len(cli) == len(py)
    assert cli == py, f"{method}: {len(cli ^ py)} rows differ"


@pytest.mark.parametrize("method", METHODS)
def test_same_rows_with_the_python_default_space(method, csv_path, tmp_path, capsys):
    cli = _cli_rows(csv_path, tmp_path, method, "label", 5, "auto", capsys)
    py = _python_rows(csv_path, method, "label", 5, None)
    assert cli == py, f"{method}: {len(cli ^ py)} rows differ"


@pytest.mark.parametrize("method", METHODS)
def test_same_rows_for_a_count_keep(method, csv_path, tmp_path, capsys):
    cli = _cli_rows(csv_path, tmp_path, method, "label", 11, None, capsys, keep=37)
    py = _python_rows(csv_path, method, "label", 11, "minmax", keep=37)
    assert len(cli) == 37
    assert cli == py, f"{method}: {len(cli ^ py)} rows differ"


def test_price_is_a_regression_target_on_both_sides(csv_path):
    from datareduce._core.strata import target_kind

    df = pd.read_csv(csv_path)
    assert df["price"].dtype == np.int64
    assert df["price"].nunique() > 50
    assert target_kind(df["price"]) == "regression"
    red = get_reducer("srs", keep=0.1, random_state=0).fit(
        df[["a", "b", "c"]].fillna(0), df["price"])
    assert len(red.strata_edges_) > 2  # quantile bins, not one stratum per value
