"""Containers come back as they went in, polars and pyarrow too (review10/b 05): a polars
DataFrame came back from fit_resample as a numpy object array without its column names, so
make_pipeline(reducer, ColumnTransformer by column name, model) crashed."""

import warnings

import numpy as np
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import datareduce

pl = pytest.importorskip("polars")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _table(n=60):
    rng = np.random.default_rng(0)
    X = pl.DataFrame({"num": rng.normal(size=n), "s": rng.choice(["a", "b", "c"], n)})
    return X, rng.choice(["p", "q"], n)


@pytest.mark.parametrize("method", ["srs", "mms", "random"])
def test_polars_rows_come_back_as_polars(method):
    X, y = _table()
    red = datareduce.get_reducer(method, keep=0.3, random_state=0)
    Xr, yr = red.fit_resample(X, pl.Series("y", y))
    assert isinstance(Xr, pl.DataFrame) and Xr.columns == ["num", "s"]
    assert isinstance(yr, pl.Series) and len(yr) == len(Xr) == len(red.sample_indices_)
    expected = X.to_pandas().iloc[red.sample_indices_]
    assert Xr.to_pandas().equals(expected.reset_index(drop=True))
    assert yr.to_list() == [y[i] for i in red.sample_indices_]


def test_polars_centroids_keep_the_column_names():
    rng = np.random.default_rng(1)
    X = pl.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    y = rng.integers(0, 2, 80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, _ = datareduce.get_reducer("clc", keep=10, random_state=0).fit_resample(X, y)
    assert isinstance(Xr, pl.DataFrame) and Xr.columns == ["a", "b"] and len(Xr) == 10


def test_pipeline_with_a_column_transformer_by_name_trains_on_polars():
    X, y = _table()
    ct = make_column_transformer((StandardScaler(), ["num"]), (OneHotEncoder(), ["s"]))
    model = datareduce.make_pipeline(datareduce.get_reducer("srs", keep=0.5, random_state=0),
                                     ct, LogisticRegression()).fit(X, y)
    assert model.predict(X).shape == (60,)
