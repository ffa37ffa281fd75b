"""Lead's mends of session 12: one check of a row count above the training split (library
and CLI), and a reducer's fit refusing parameters other than ``task`` by name."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import datareduce as dr
from datareduce.evaluation import compare


def _table(seed, n=600):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    g = rng.integers(0, 30, n)
    return pd.DataFrame({"a": a, "b": rng.normal(size=n)}), np.where(a > 0.3, 1, 0), g


def test_a_count_that_fits_every_group_split_is_not_refused_by_the_plain_split_size():
    # 455 rows > 600 - ceil(0.25 * 600) = 450, but both group training splits hold 458
    X, y, g = _table(36)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare(X, y, methods=["srs"], keeps=[455], repeats=2, groups=g,
                      estimator=LogisticRegression(), random_state=1)
    assert (res.loc[res["method"] == "srs", "n_kept"] == 455).all()


def test_a_count_above_every_group_split_is_refused_with_the_smallest_split():
    X, y, g = _table(36)
    with pytest.raises(ValueError, match=r"keeps: 459 rows is more than the training split "
                                         r"of repeat \d \(458 of the 600 rows"):
        compare(X, y, methods=["srs"], keeps=[459], repeats=2, groups=g,
                estimator=LogisticRegression(), random_state=1)


def test_cli_words_the_librarys_count_refusal_in_its_options(tmp_path, capsys):
    from datareduce.cli import main

    X, y, _ = _table(0)
    X["y"] = np.where(y == 1, "yes", "no")
    src = tmp_path / "t.csv"
    X.to_csv(src, index=False)
    code = main(["compare", str(src), "--target", "y", "--methods", "srs", "--keep", "451",
                 "--estimator", "logistic", "--no-plots", "-q", "--output",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert ("--keep 451 rows is more than the training split (450 of the 600 rows with "
            "--test-size 0.25): pass at most 450") in err
    assert "keeps:" not in err and "test_size" not in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("how", ["fit", "fit_resample", "fit_transform"])
def test_a_reducer_refuses_sample_weight_by_name_with_the_way_to_weight(how):
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = np.repeat([0, 1], 30)
    reducer = dr.get_reducer("srs", keep=0.5, random_state=0)
    with pytest.raises(TypeError, match=r"StratifiedRandomReducer.fit\(\) got sample_weight: "
                                        r"a reducer's only fit parameter is task.*"
                                        r"w\[reducer.sample_indices_\] \* reducer."
                                        r"sample_weight_"):
        getattr(reducer, how)(X, y, sample_weight=np.ones(60))
    with pytest.raises(TypeError, match=r"got groups: a reducer's only fit parameter is task"):
        reducer.fit(X, y, groups=np.zeros(60))
    assert reducer.fit(X, y, task="classification").sample_indices_.shape == (30,)


@pytest.mark.parametrize("container", ["pandas", "polars"])
@pytest.mark.parametrize("source", ["pandas", "polars"])
def test_the_selection_space_gives_a_named_table_on_set_output(container, source):
    # its internal steps read pandas frames: set_output(transform="polars") on the returned
    # pipeline reached them and crashed ('DataFrame' object has no attribute 'astype')
    pytest.importorskip(container)
    pytest.importorskip(source)
    from datareduce.preprocessing import make_selection_space

    df = pd.DataFrame({"mass": [3.1, None, 4.0, 2.0], "island": ["a", "b", None, "a"],
                       "day": pd.to_datetime(["2020-01-01", "2021-01-01", None,
                                              "2020-06-01"])})
    expected = make_selection_space(df).fit_transform(df)
    assert isinstance(expected, np.ndarray)
    if source == "polars":
        import polars as pl

        df = pl.from_pandas(df)
    Z = make_selection_space(df).set_output(transform=container).fit_transform(df)
    assert type(Z).__module__.split(".")[0] == container
    assert list(Z.columns) == ["mass", "day", "missingindicator_mass", "missingindicator_day",
                               "island_a", "island_b", "island_nan"]
    np.testing.assert_allclose(np.asarray(Z.to_numpy(), dtype=float), expected)
