"""Review 15 (reviewer B): the reducer contract (base, pipeline, preprocessing, _core,
_weights) as a scikit-learn / imbalanced-learn / pandas user meets it. Each test names its
repro in notes/review15/b/ and fails before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from datareduce import get_reducer


# 01_polars_arrow_dates_auto_space.py
@pytest.mark.parametrize("library", ["polars", "pyarrow"])
def test_space_auto_takes_a_polars_or_arrow_tables_dates_as_pandas(library):
    pytest.importorskip(library)
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "when": pd.date_range("2020-01-01", periods=n, freq="D"),
        }
    )
    if library == "polars":
        import polars as pl

        X = pl.from_pandas(frame)
    else:
        import pyarrow as pa

        X = pa.Table.from_pandas(frame)
    y = np.repeat([0, 1], 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = get_reducer("mms", keep=0.25, random_state=0).fit(frame, y)
        r = get_reducer("mms", keep=0.25, random_state=0).fit(X, y)
    assert "dates and durations as seconds" in r.space_
    assert r.space_ == want.space_
    assert sorted(r.sample_indices_) == sorted(want.sample_indices_)


# 02_duplicate_warning_blames_X.py
def test_duplicate_warning_of_the_selection_space_does_not_blame_X():
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame(
        {"id": [f"cust{i}" for i in range(n)], "region": rng.choice(["n", "s"], n), "x": 1.0}
    )
    y = np.repeat([0, 1], 30)
    assert X.duplicated().sum() == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        get_reducer("mms", keep=0.2, random_state=0).fit(X, y)
    dup = [str(w.message) for w in caught if "duplicate row" in str(w.message)]
    assert dup and all(m.startswith("X in the selection space (") for m in dup)
    assert "rare categories pooled" in dup[0]
    # duplicates of X itself are still X's
    Xd = np.vstack([np.eye(3), np.eye(3)[:1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        get_reducer("mms", keep=2, random_state=0).fit(Xd)
    assert any(str(w.message).startswith("X has 1 duplicate row") for w in caught)


# 03_list_rows_numbers_become_text.py
@pytest.mark.parametrize("name", ["srs", "mms"])
def test_a_list_of_mixed_rows_comes_back_with_its_numbers(name):
    rng = np.random.default_rng(0)
    X = [[float(rng.normal()), str(rng.choice(["a", "b"])), i] for i in range(20)]
    y = [0, 1] * 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = get_reducer(name, keep=0.5, random_state=0)
        Xr, yr = r.fit_resample(X, y)
        Xt, _ = get_reducer(name, keep=0.5, random_state=0).fit_resample(tuple(map(tuple, X)), y)
    assert Xr == [X[i] for i in r.sample_indices_]
    assert yr == [y[i] for i in r.sample_indices_]
    assert [list(row) for row in Xt] == Xr
    # numbers alone still come back as numbers of numpy's type
    Xn, _ = get_reducer(name, keep=0.5, random_state=0).fit_resample(
        [[float(i), float(i % 3)] for i in range(20)], y
    )
    assert all(isinstance(v, float) for row in Xn for v in row)


# 04_transform_input_through_reducer.py
@pytest.mark.parametrize("order", ["scale-reduce", "reduce-scale", "undersample"])
def test_transform_input_goes_through_the_steps_before_a_reducer(order):
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.preprocessing import StandardScaler

    from datareduce import Pipeline

    class Model(ClassifierMixin, BaseEstimator):
        def fit(self, X, y, X_val=None):
            self.X_val_ = X_val
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.zeros(len(X))

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)) + 5, np.repeat([0, 1], 30)
    X_val = rng.normal(size=(10, 3)) + 5
    reducer = get_reducer("srs", keep=0.5, random_state=0)
    if order == "undersample":
        from imblearn.under_sampling import RandomUnderSampler

        reducer = RandomUnderSampler(random_state=0)
    steps = [("scale", StandardScaler()), ("reduce", reducer)]
    if order == "reduce-scale":
        steps = steps[::-1]
    with sklearn.config_context(enable_metadata_routing=True):
        model = Model().set_fit_request(X_val=True)
        pipe = Pipeline([*steps, ("model", model)], transform_input=["X_val"])
        pipe.fit(X, y, X_val=X_val)
    assert np.allclose(pipe[-1].X_val_, pipe.named_steps["scale"].transform(X_val))
    assert pipe.named_steps["reduce"] is reducer  # the steps are the user's again


# 05_feature_names_of_a_reducer_slice.py
def test_a_pipeline_slice_of_reducers_names_its_columns():
    from imblearn.under_sampling import RandomUnderSampler
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    from datareduce import make_pipeline

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["age", "income", "tenure"])
    y = np.repeat([0, 1], 30)
    pipe = make_pipeline(
        get_reducer("srs", keep=0.5, random_state=0),
        RandomUnderSampler(random_state=0),
        LogisticRegression(),
    )
    with pytest.raises(NotFittedError):
        pipe[:-1].get_feature_names_out()
    pipe.fit(X, y)
    assert pipe[:-1].get_feature_names_out().tolist() == ["age", "income", "tenure"]
    pipe.fit(X.to_numpy(), y)
    assert pipe[:-1].get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    assert pipe[:1].get_feature_names_out(["a", "b", "c"]).tolist() == ["a", "b", "c"]


# 06_period_column_as_categories.py
def test_a_period_column_is_read_as_its_dates():
    rng = np.random.default_rng(0)
    n = 48
    months = pd.period_range("2020-01", periods=n, freq="M")
    X = pd.DataFrame({"spend": rng.normal(size=n), "month": months})
    X.loc[5, "month"] = pd.NaT  # a missing period is a missing date
    as_dates = X.assign(month=X["month"].dt.start_time)
    y = np.repeat([0, 1], n // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = get_reducer("mms", keep=0.25, random_state=0)
        Xr, _ = r.fit_resample(X, y)
        want = get_reducer("mms", keep=0.25, random_state=0).fit(as_dates, y)
    assert "dates and durations as seconds" in r.space_
    assert r.space_ == want.space_
    assert sorted(r.sample_indices_) == sorted(want.sample_indices_)
    assert Xr.equals(X.iloc[r.sample_indices_])
    with pytest.raises(ValueError, match="month"):  # used as given: named as not numbers
        get_reducer("mms", keep=0.25, space="passthrough").fit(X, y)


# 07_space_text_output_unclear.py
@pytest.mark.parametrize("output", ["default", "pandas"])
def test_a_space_that_outputs_text_is_refused_naming_its_columns(output):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OrdinalEncoder, StandardScaler

    rng = np.random.default_rng(0)
    n = 40
    X = pd.DataFrame(
        {"a": rng.normal(size=n), "c": rng.choice(["p", "q"], n), "d": rng.choice(["u", "v"], n)}
    )
    y = np.repeat([0, 1], 20)
    space = ColumnTransformer(
        [("n", StandardScaler(), ["a"]), ("o", OrdinalEncoder(), ["c"])],
        remainder="passthrough",
    ).set_output(transform=output)
    with pytest.raises(ValueError, match=r"space=ColumnTransformer .*\['remainder__d'\]"):
        get_reducer("mms", keep=0.3, space=space).fit(X, y)


# 08_dataframe_without_columns.py
@pytest.mark.parametrize("name", ["mms", "clc", "random"])
def test_a_dataframe_without_columns_is_said_to_have_none(name):
    X = pd.DataFrame({"city": ["a", "b", "c", "d"]}).select_dtypes("number")
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(4, 0\)\).*X has no columns"):
        get_reducer(name, keep=2).fit(X, np.array([0, 1, 0, 1]))


# 09_register_reducer_class.py
def test_register_reducer_takes_a_class_and_refuses_bad_targets_and_taken_names(monkeypatch):
    from datareduce import _registry
    from datareduce.base import BaseReducer, Selection

    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))

    class FirstRows(BaseReducer):
        def __init__(self, keep=0.5):
            self.keep = keep

        def _select(self, X, n_select, rng):
            return Selection(indices=np.arange(n_select))

    X = np.arange(20.0).reshape(10, 2)
    _registry.register_reducer("FirstRows", FirstRows, "the first rows")
    _registry.register_reducer("firstrows", FirstRows, "again (a notebook cell re-run)")
    assert _registry.get_reducer("firstrows", keep=3).fit(X).sample_indices_.tolist() == [0, 1, 2]
    assert "firstrows" in _registry.available_reducers()
    with pytest.raises(ValueError, match="target='mypkg.mod.MyReducer' must be"):
        _registry.register_reducer("dotted", "mypkg.mod.MyReducer", "a dotted path")
    with pytest.raises(TypeError, match="not a reducer class"):
        _registry.register_reducer("dict", dict, "not a reducer")
    with pytest.raises(ValueError, match="'srs' is already registered"):
        _registry.register_reducer("srs", FirstRows, "replaces SRS")
    assert _registry.get_reducer("srs").__class__.__name__ == "StratifiedRandomReducer"
    _registry.register_reducer("srs", FirstRows, "replaces SRS", replace=True)
    assert isinstance(_registry.get_reducer("srs"), FirstRows)


# 10_routing_declined_weights.py
@pytest.mark.parametrize("request_value", [False, None, True])
def test_a_model_that_declines_sample_weight_under_routing_gets_none(request_value):
    import sklearn
    from sklearn.linear_model import LogisticRegression

    from datareduce import make_pipeline
    from datareduce._core.output import passes_weights

    class Recorder(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            self.seen_weight_ = sample_weight
            return super().fit(X, y, sample_weight=sample_weight)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), np.repeat([0, 1], 30)
    with sklearn.config_context(enable_metadata_routing=True):
        model = Recorder()
        if request_value is not None:
            model.set_fit_request(sample_weight=request_value)
        reducer = get_reducer("random", keep=0.5, random_state=0)
        pipe = make_pipeline(reducer, model).fit(X, y)
        assert passes_weights(model) is (request_value is not False)
    seen = pipe[-1].seen_weight_
    if request_value is False:
        assert seen is None
    else:  # unset: the signature decides, as documented; requested: passed
        np.testing.assert_allclose(seen, reducer.sample_weight_)


# 11: make_pipeline took no transform_input (scikit-learn's and imbalanced-learn's do)
def test_make_pipeline_takes_transform_input_like_scikit_learns():
    import inspect

    from imblearn.pipeline import make_pipeline as imb_make_pipeline

    from datareduce import make_pipeline

    theirs = set(inspect.signature(imb_make_pipeline).parameters)
    assert theirs <= set(inspect.signature(make_pipeline).parameters)
    pipe = make_pipeline(get_reducer("srs", keep=0.5), transform_input=["X_val"], memory=None)
    assert pipe.transform_input == ["X_val"]
    assert pipe[:1].transform_input == ["X_val"]


# 12_bad_rows_by_position_only.py
@pytest.mark.parametrize(
    "space, value, what",
    [
        ("auto", np.inf, "infinite"),
        ("passthrough", np.inf, "infinite"),
        ("passthrough", np.nan, "missing"),
    ],
)
def test_bad_rows_of_a_dataframe_are_named_by_index_label_too(space, value, what):
    X = pd.DataFrame({"a": [0.1, 0.2, value, 0.4, 0.5, 0.6], "b": 1.0}, index=[5, 4, 3, 2, 1, 0])
    with pytest.raises(
        ValueError, match=rf"{what} .*rows \[2\]; positions in X, index labels \[3\]"
    ):
        get_reducer("mms", keep=2, space=space).fit(X)
    with pytest.raises(ValueError, match=rf"{what} .*rows \[2\]\)"):  # 0..n-1: positions only
        get_reducer("mms", keep=2, space=space).fit(X.reset_index(drop=True))


# 13_user_space_fails_on_text.py
def test_a_numbers_only_space_on_a_table_with_text_names_the_columns():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=20), "city": rng.choice(["p", "q"], 20)})
    with pytest.raises(ValueError, match=r"space=StandardScaler failed .*\['city'\].*space='auto'"):
        get_reducer("mms", keep=5, space=StandardScaler()).fit(X)
    # a failure of the space on a table of numbers is its own
    from sklearn.preprocessing import FunctionTransformer

    def boom(Z):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="^boom$"):
        get_reducer("mms", keep=5, space=FunctionTransformer(boom)).fit(X[["a"]])


# 14_numbers_as_string_dtype.py
@pytest.mark.parametrize("dtype", ["string", "string[pyarrow]"])
@pytest.mark.parametrize("missing", [False, True])
def test_numbers_as_text_are_numbers_in_a_string_column_as_in_an_object_column(missing, dtype):
    from datareduce.preprocessing import _column_roles

    rng = np.random.default_rng(0)
    n = 40
    a = rng.normal(size=n)
    text = np.round(rng.normal(size=n), 2).astype(str).astype(object)
    if missing:
        text[3] = None
    as_object = pd.DataFrame({"a": a, "t": pd.Series(text, dtype=object)})
    if dtype.endswith("[pyarrow]"):
        pytest.importorskip("pyarrow")
    as_string = pd.DataFrame({"a": a, "t": pd.Series(text, dtype=dtype)})
    y = np.repeat([0, 1], 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r_obj = get_reducer("mms", keep=0.25, random_state=0).fit(as_object, y)
        r_str = get_reducer("mms", keep=0.25, random_state=0).fit(as_string, y)
    assert r_str.space_ == r_obj.space_ and "categorical" not in r_str.space_
    assert sorted(r_str.sample_indices_) == sorted(r_obj.sample_indices_)
    # text that is not all numbers stays categories
    junk = as_string.assign(t=as_string["t"].where(as_string.index != 5, "?"))
    assert _column_roles(junk)[1] == ["t"]
    dates = as_string.assign(
        t=pd.Series(pd.date_range("2024-01-01", periods=40).strftime("%Y-%m-%d"), dtype=dtype)
    )
    assert _column_roles(dates)[2] == ["t"]  # ISO dates as text stay dates


# 15_final_reducer_task_dropped.py
def test_fit_resample_hands_a_final_reducer_its_task():
    from sklearn.preprocessing import StandardScaler

    from datareduce import make_pipeline

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 2)), rng.integers(1, 6, 200)
    pipe = make_pipeline(StandardScaler(), get_reducer("srs", keep=0.3, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = pipe.fit_resample(X, y, stratifiedrandomreducer__task="regression")
        assert pipe[-1].target_type_ == "continuous"
        pipe.fit_resample(X, y, stratifiedrandomreducer__task="classification")
        assert pipe[-1].target_type_ == "multiclass"
    assert Xr.shape == (60, 2) and len(yr) == 60


# 16_polars_columns_by_position.py
@pytest.mark.parametrize("library", ["polars", "pyarrow"])
def test_a_polars_or_arrow_tables_text_column_is_named(library):
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    X = pl.DataFrame({"a": rng.normal(size=20), "city": rng.choice(["p", "q"], 20)})
    if library == "pyarrow":
        pytest.importorskip("pyarrow")
        X = X.to_arrow()
    with pytest.raises(ValueError, match=r"column\(s\) \['city'\] hold text"):
        get_reducer("mms", keep=5, space="passthrough").fit(X)


# 17_user_pipeline_step_named_columns.py
def test_a_users_pipeline_with_a_step_named_columns_is_a_user_transformer():
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from datareduce.preprocessing import describe_space, make_selection_space

    X = np.random.default_rng(0).normal(size=(30, 3))
    for space in (
        Pipeline([("columns", StandardScaler())]),
        Pipeline([("columns", ColumnTransformer([("s", StandardScaler(), [0, 1])]))]),
    ):
        assert get_reducer("mms", keep=5, space=space).fit(X).space_ == "user transformer Pipeline"
    own = make_selection_space(pd.DataFrame(X)).fit(pd.DataFrame(X))
    assert describe_space(own) == "3 numeric (median-imputed, standardised) -> 3 dimensions"
